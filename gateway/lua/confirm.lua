-- The request's record reached Kafka: its hold is settled (the unit stays reserved), and where the
-- record landed is stored so the status endpoint can compute its queue position — unless the
-- processor has already written a terminal status for it.
-- KEYS: holds, user status hash   ARGV: userId, eventId, partition, offset
-- Returns 1 position stored, 0 not stored (the hold is removed either way).
redis.call('ZREM', KEYS[1], ARGV[1] .. ':' .. ARGV[2])
local s = redis.call('HMGET', KEYS[2], 'status', 'eventId')
if s[1] ~= 'PENDING' or s[2] ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[2], 'partition', ARGV[3], 'offset', ARGV[4])
return 1
