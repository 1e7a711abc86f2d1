-- Stores where a request's record landed, so the status endpoint can compute its queue position.
-- Skipped when the processor has already written a terminal status for it.
-- KEYS: user status hash   ARGV: eventId, partition, offset
-- Returns 1 stored, 0 skipped.
local s = redis.call('HMGET', KEYS[1], 'status', 'eventId')
if s[1] ~= 'PENDING' or s[2] ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'partition', ARGV[2], 'offset', ARGV[3])
return 1
