-- The processor's merge inserts a user_coupons row only for a coupon it has just read and locked
-- (FOR UPDATE, same transaction), so the foreign key's per-row check (an SPI query and a row lock
-- per issued request, ~40 % of the insert's cost) proved nothing the merge had not. What the key
-- still guarded — a coupon deleted or renumbered while coupons of it are held — is guarded here
-- once per coupon change instead of once per issued request.

ALTER TABLE user_coupons DROP CONSTRAINT user_coupons_coupon_id_fkey;

CREATE FUNCTION refuse_coupon_with_holders() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM user_coupons WHERE coupon_id = OLD.id) THEN
    RAISE EXCEPTION 'coupon % has been issued to users; it cannot be deleted or renumbered', OLD.id
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;

CREATE TRIGGER coupons_keep_holders
  BEFORE DELETE OR UPDATE OF id ON coupons
  FOR EACH ROW EXECUTE FUNCTION refuse_coupon_with_holders();
