-- How a grant derives its users' event ids (gateway/grant/grant-id.ts). Grants made before this
-- migration keep 'name-sha1' (random UUIDv5s): a re-upload of one must derive the ids its first
-- run produced, or its users would be decided again. New grants get 'grant-user' (UUIDv8s that
-- sort by grant, then user), whose inserts and probes in the ledger's event-id indexes stay on
-- a few pages per batch.

ALTER TABLE coupon_grants
  ADD COLUMN event_ids text NOT NULL DEFAULT 'name-sha1' CHECK (event_ids IN ('name-sha1', 'grant-user'));

ALTER TABLE coupon_grants ALTER COLUMN event_ids SET DEFAULT 'grant-user';
