-- A grant's roster is written only by GrantStore.addUsers, one statement per batch of users, and
-- that statement locks the grant row once (FOR KEY SHARE, the lock the foreign key took per row)
-- and inserts nothing for a grant that does not exist. The foreign key's per-row check (an SPI
-- query and a row lock per granted user) proved nothing that statement had not. What the key
-- still guarded — a grant deleted or renamed while its roster has rows — is guarded here, once
-- per grant change instead of once per granted user, as migration 004 does for coupons.
-- (TRUNCATE coupon_grants is no longer refused by the key; nothing in the product truncates it.)

ALTER TABLE coupon_grant_users DROP CONSTRAINT coupon_grant_users_grant_id_fkey;

CREATE FUNCTION refuse_grant_with_roster() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM coupon_grant_users WHERE grant_id = OLD.id) THEN
    RAISE EXCEPTION 'grant % has users on its roster; it cannot be deleted or renamed', OLD.id
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;

CREATE TRIGGER coupon_grants_keep_roster
  BEFORE DELETE OR UPDATE OF id ON coupon_grants
  FOR EACH ROW EXECUTE FUNCTION refuse_grant_with_roster();
