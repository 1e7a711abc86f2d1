-- A leaner ledger: an issued request is recorded once, as its user_coupons row (which carries the
-- event id and now the source position), instead of a second row in the ledger that repeats it.
-- Only requests that did not get a coupon have a row of their own, in issue_rejections. The view
-- issue_outcomes keeps the one-ledger shape every reader relies on (one row per decided event).
-- Per issued request Postgres now writes one heap row and three index entries instead of two heap
-- rows, five index entries and two foreign-key checks.

ALTER TABLE user_coupons
  ADD COLUMN source_partition integer,
  ADD COLUMN source_offset    bigint;

UPDATE user_coupons uc
   SET source_partition = o.source_partition, source_offset = o.source_offset
  FROM issue_outcomes o
 WHERE o.user_coupon_id = uc.id;

-- Rows issued before the ledger existed (none in practice) keep a recognisable placeholder.
UPDATE user_coupons SET source_partition = -1, source_offset = -1 WHERE source_partition IS NULL;

ALTER TABLE user_coupons
  ALTER COLUMN source_partition SET NOT NULL,
  ALTER COLUMN source_offset SET NOT NULL;

CREATE TABLE issue_rejections (
  event_id         uuid        PRIMARY KEY,
  coupon_id        bigint      NOT NULL,
  user_id          bigint      NOT NULL,
  outcome          text        NOT NULL,
  reason           text        NOT NULL,
  source_partition integer     NOT NULL,
  source_offset    bigint      NOT NULL,
  requested_at     timestamptz NOT NULL,
  decided_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT issue_rejections_shape CHECK (
    (outcome = 'REJECTED' AND reason IN ('SOLD_OUT', 'ALREADY_ISSUED', 'COUPON_NOT_FOUND', 'COUPON_NOT_ACTIVE'))
    OR outcome = 'FAILED'
  )
);

INSERT INTO issue_rejections (event_id, coupon_id, user_id, outcome, reason, source_partition, source_offset, requested_at, decided_at)
SELECT event_id, coupon_id, user_id, outcome, reason, source_partition, source_offset, requested_at, decided_at
  FROM issue_outcomes
 WHERE outcome <> 'ISSUED';

-- The status API looks a user's outcome up by (coupon, user).
CREATE INDEX issue_rejections_by_user ON issue_rejections (coupon_id, user_id);

DROP TABLE issue_outcomes;

CREATE VIEW issue_outcomes AS
SELECT event_id, coupon_id, user_id, 'ISSUED'::text AS outcome, NULL::text AS reason, id AS user_coupon_id,
       source_partition, source_offset, requested_at, issued_at AS decided_at
  FROM user_coupons
UNION ALL
SELECT event_id, coupon_id, user_id, outcome, reason, NULL::bigint AS user_coupon_id,
       source_partition, source_offset, requested_at, decided_at
  FROM issue_rejections;
