-- A grant's counts (GrantStore.settle) read the users the gate refused that have no ledger row.
-- Without an index that finds them, Postgres scanned every grant's roster for them (a million-user
-- grant settled in 0.7-0.9 s on a roster of five million rows, 0.2 s of it that scan, and it grows
-- with every grant ever run). Only refused users are in the partial index: the users a grant
-- produced a request for, usually most of them, cost it nothing.
CREATE INDEX coupon_grant_users_refused ON coupon_grant_users (grant_id) WHERE refused IS NOT NULL;
