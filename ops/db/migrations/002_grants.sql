-- Bulk grants (README, "Bulk grants"): a coupon issued to a list of users through the same gate,
-- topic and processor as the flash-sale requests. A grant's per-user result is derived: the
-- ledger row of the user's deterministic event id, or the gate's refusal when no request was produced.

CREATE TABLE coupon_grants (
  id            text        PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9._:-]{1,100}$'),
  coupon_id     bigint      NOT NULL REFERENCES coupons (id),
  status        text        NOT NULL DEFAULT 'RUNNING' CHECK (status IN ('RUNNING', 'DONE')),
  -- Every line of the input read and every accepted user's request produced (status may still be
  -- RUNNING until the processor has decided them all).
  uploaded      boolean     NOT NULL DEFAULT false,
  lines_read    bigint      NOT NULL DEFAULT 0,
  invalid_lines bigint      NOT NULL DEFAULT 0,
  -- Outcome counts, written when the grant turns DONE (ISSUED, REJECTED:<reason>, REFUSED:<reason>).
  counts        jsonb       NOT NULL DEFAULT '{}'::jsonb,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  completed_at  timestamptz
);

-- The grant's distinct valid users. refused: why the gate produced no request for the user
-- (SOLD_OUT, ALREADY_REQUESTED, COUPON_NOT_ACTIVE, COUPON_NOT_FOUND); NULL: a request was
-- produced and its outcome is the ledger row of event_id.
CREATE TABLE coupon_grant_users (
  grant_id text   NOT NULL REFERENCES coupon_grants (id),
  user_id  bigint NOT NULL,
  event_id uuid   NOT NULL,
  line     bigint NOT NULL,
  refused  text,
  CONSTRAINT coupon_grant_users_pkey PRIMARY KEY (grant_id, user_id)
);
