-- confirm.lua for many requests of one coupon (a grant's batch once its records are acknowledged).
-- KEYS: holds, then one status hash per request   ARGV: per request: userId, eventId, partition, offset
-- Returns how many positions were stored (holds are removed either way).
local stored = 0
for i = 1, #KEYS - 1 do
  local b = (i - 1) * 4
  local event = ARGV[b + 2]
  redis.call('ZREM', KEYS[1], ARGV[b + 1] .. ':' .. event)
  local s = redis.call('HMGET', KEYS[i + 1], 'status', 'eventId')
  if s[1] == 'PENDING' and s[2] == event then
    redis.call('HSET', KEYS[i + 1], 'partition', ARGV[b + 3], 'offset', ARGV[b + 4])
    stored = stored + 1
  end
end
return stored
