-- The requests' records reached Kafka: each hold is settled (the unit stays reserved), and where
-- each record landed is stored so the status endpoint can compute its queue position — unless the
-- processor has already written a terminal status for it. Many requests of one coupon: the issue
-- requests acknowledged in the gateway's last few ms (a grant's batch settles its holds with a
-- plain ZREM instead: no position is stored for a grant's request).
-- KEYS: holds, then one status hash per request   ARGV: per request: userId, eventId, partition, offset
-- Returns how many positions were stored (holds are removed either way).
local stored = 0
local holds = {}
for i = 1, #KEYS - 1 do
  local b = (i - 1) * 4
  local event = ARGV[b + 2]
  holds[i] = ARGV[b + 1] .. ':' .. event
  local s = redis.call('HMGET', KEYS[i + 1], 'status', 'eventId')
  if s[1] == 'PENDING' and s[2] == event then
    redis.call('HSET', KEYS[i + 1], 'partition', ARGV[b + 3], 'offset', ARGV[b + 4])
    stored = stored + 1
  end
end
-- One ZREM for the lot (in slices: unpack() is bounded by Lua's C stack, 8,000 values).
for from = 1, #holds, 4000 do
  redis.call('ZREM', KEYS[1], unpack(holds, from, math.min(from + 3999, #holds)))
end
return stored
