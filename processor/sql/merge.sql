-- Decides every request staged in staging_requests that the ledger has not seen yet, in one
-- set-based pass, under locks on the touched coupons taken (by the caller) in id order.
-- Rules, in order: COUPON_NOT_FOUND; COUPON_NOT_ACTIVE (window checked against the request's own
-- time); ALREADY_ISSUED (the user holds one, or won earlier in this batch); then the remaining
-- quantity goes to the earliest requests in (partition, offset) order; the rest are SOLD_OUT.
-- The ledger is two tables (migration 003): a winner's outcome is its user_coupons row, every
-- other outcome a row of issue_rejections; both are keyed by event id.
-- Replays are no-ops: events already decided are skipped, and inserts are keyed by event id.
-- The one exception: a request re-produced from the DLQ (replay) whose outcome is FAILED is
-- decided afresh, once — its new outcome replaces FAILED, and a second replay finds it decided.
-- Both deciding statements return the outcomes they wrote (source position, user coupon id or
-- reason; the event id is the staged request's at that position, which the caller has); the caller reads back from the ledger only the staged events they do not name
-- (decided earlier, or by another instance meanwhile). Their decision time is the transaction's,
-- now(): the first statement returns it once instead of once per row.
SELECT (extract(epoch FROM now()) * 1000)::bigint AS decided_ms;

WITH fresh AS (
  SELECT DISTINCT ON (s.event_id) s.*, to_timestamp(s.requested_ms::float8 / 1000) AS requested_at
  FROM staging_requests s
  WHERE s.failure IS NULL
    AND NOT EXISTS (SELECT 1 FROM user_coupons uc WHERE uc.event_id = s.event_id)
    AND NOT EXISTS (SELECT 1 FROM issue_rejections r WHERE r.event_id = s.event_id AND NOT (s.replay AND r.outcome = 'FAILED'))
  ORDER BY s.event_id, s.src_partition, s.src_offset
),
judged AS (
  SELECT f.*,
         c.id IS NOT NULL AS coupon_exists,
         c.total_quantity - c.issued_quantity AS remaining,
         c.id IS NOT NULL
           AND f.requested_at >= c.starts_at
           AND (c.ends_at IS NULL OR f.requested_at < c.ends_at) AS active,
         EXISTS (SELECT 1 FROM user_coupons uc WHERE uc.coupon_id = f.coupon_id AND uc.user_id = f.user_id) AS already_holds
  FROM fresh f
  LEFT JOIN coupons c ON c.id = f.coupon_id
),
contenders AS (
  SELECT j.*, row_number() OVER (PARTITION BY j.coupon_id, j.user_id ORDER BY j.src_partition, j.src_offset) AS user_rank
  FROM judged j
  WHERE j.active AND NOT j.already_holds
),
winners AS (
  SELECT *
  FROM (
    SELECT c.*, row_number() OVER (PARTITION BY c.coupon_id ORDER BY c.src_partition, c.src_offset) AS slot
    FROM contenders c
    WHERE c.user_rank = 1
  ) ranked
  WHERE slot <= remaining
),
issued AS (
  INSERT INTO user_coupons (coupon_id, user_id, event_id, requested_at, issued_at, source_partition, source_offset)
  SELECT coupon_id, user_id, event_id, requested_at, now(), src_partition, src_offset
  FROM winners
  ORDER BY src_partition, src_offset
  RETURNING source_partition, source_offset, id
),
bumped AS (
  UPDATE coupons c
  SET issued_quantity = c.issued_quantity + w.n
  FROM (SELECT coupon_id, count(*)::integer AS n FROM winners GROUP BY coupon_id) w
  WHERE c.id = w.coupon_id
),
unfailed AS (
  -- A replayed FAILED request that wins now: its outcome moves to user_coupons. Only a replay can
  -- win while it has a rejection row (fresh), so other winners need no probe.
  DELETE FROM issue_rejections r
  USING winners w
  WHERE w.replay AND r.event_id = w.event_id AND r.outcome = 'FAILED'
),
losers AS (
  SELECT j.event_id, j.coupon_id, j.user_id,
         CASE
           WHEN NOT j.coupon_exists THEN 'COUPON_NOT_FOUND'
           WHEN NOT j.active THEN 'COUPON_NOT_ACTIVE'
           WHEN j.already_holds THEN 'ALREADY_ISSUED'
           WHEN won.user_id IS NOT NULL THEN 'ALREADY_ISSUED'
           ELSE 'SOLD_OUT'
         END AS reason,
         j.src_partition, j.src_offset, j.requested_at,
         -- No other transaction can have decided it meanwhile: its coupon is locked (so the ledger
         -- probe in fresh is current) and no FAILED row of it waits to be replaced.
         j.coupon_exists AND NOT j.replay AS unclaimed
  FROM judged j
  LEFT JOIN (SELECT DISTINCT coupon_id, user_id FROM winners) won ON won.coupon_id = j.coupon_id AND won.user_id = j.user_id
  WHERE NOT EXISTS (SELECT 1 FROM winners w WHERE w.event_id = j.event_id)
),
-- A plain insert for the unclaimed (most rejections: a sale's SOLD_OUT): ON CONFLICT's
-- speculative insertion cost 5.3 µs a row against 3.4-3.8.
rejected AS (
  INSERT INTO issue_rejections (event_id, coupon_id, user_id, outcome, reason, source_partition, source_offset, requested_at, decided_at)
  SELECT event_id, coupon_id, user_id, 'REJECTED', reason, src_partition, src_offset, requested_at, now()
  FROM losers WHERE unclaimed
  RETURNING source_partition, source_offset, outcome, reason
),
rejected_again AS (
  INSERT INTO issue_rejections (event_id, coupon_id, user_id, outcome, reason, source_partition, source_offset, requested_at, decided_at)
  SELECT event_id, coupon_id, user_id, 'REJECTED', reason, src_partition, src_offset, requested_at, now()
  FROM losers WHERE NOT unclaimed
  ON CONFLICT (event_id) DO UPDATE
    SET outcome = EXCLUDED.outcome, reason = EXCLUDED.reason,
        source_partition = EXCLUDED.source_partition, source_offset = EXCLUDED.source_offset, decided_at = EXCLUDED.decided_at
    WHERE issue_rejections.outcome = 'FAILED'
  RETURNING source_partition, source_offset, outcome, reason
)
SELECT source_partition, source_offset, 'ISSUED'::text AS outcome, id AS user_coupon_id, NULL::text AS reason FROM issued
UNION ALL
SELECT source_partition, source_offset, outcome, NULL, reason FROM rejected
UNION ALL
SELECT source_partition, source_offset, outcome, NULL, reason FROM rejected_again;

-- Requests that decoded but failed validation still get their one terminal outcome.
INSERT INTO issue_rejections (event_id, coupon_id, user_id, outcome, reason, source_partition, source_offset, requested_at, decided_at)
SELECT DISTINCT ON (s.event_id) s.event_id, s.coupon_id, s.user_id, 'FAILED', s.failure, s.src_partition, s.src_offset, to_timestamp(s.requested_ms::float8 / 1000), now()
FROM staging_requests s
WHERE s.failure IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM user_coupons uc WHERE uc.event_id = s.event_id)
ORDER BY s.event_id, s.src_partition, s.src_offset
ON CONFLICT (event_id) DO NOTHING
RETURNING source_partition, source_offset, outcome, NULL::bigint AS user_coupon_id, reason;
