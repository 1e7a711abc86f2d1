-- The requests' records reached Kafka: each hold is settled (the unit stays reserved), and where
-- each record landed is added to the request's PENDING status (schemas/status-value.ts) so the
-- status endpoint can compute its queue position — unless the processor has already written a
-- terminal status for it. Many requests of one coupon: the issue requests acknowledged in the
-- gateway's last few ms (a grant's batch settles its holds with a plain ZREM instead: no position
-- is stored for a grant's request).
-- KEYS: holds, the coupon's statuses hash   ARGV: per request: userId, eventId, partition, offset
-- Returns how many positions were stored (holds are removed either way).
local holds, positioned = {}, {}
for i = 1, #ARGV / 4 do
  local b = (i - 1) * 4
  local user, event = ARGV[b + 1], ARGV[b + 2]
  holds[i] = user .. ':' .. event
  local status = redis.call('HGET', KEYS[2], user)
  local pending, heldAt
  if status then pending, heldAt = string.match(status, '^P([^\t]+)\t([^\t]*)') end
  if pending == event then
    positioned[#positioned + 1] = user
    positioned[#positioned + 1] = 'P' .. event .. '\t' .. heldAt .. '\t' .. ARGV[b + 3] .. '\t' .. ARGV[b + 4]
  end
end
-- One ZREM and one HSET for the lot (in slices: unpack() is bounded by Lua's C stack, 8,000 values).
for from = 1, #holds, 4000 do
  redis.call('ZREM', KEYS[1], unpack(holds, from, math.min(from + 3999, #holds)))
end
for from = 1, #positioned, 4000 do
  redis.call('HSET', KEYS[2], unpack(positioned, from, math.min(from + 3999, #positioned)))
end
return #positioned / 2
