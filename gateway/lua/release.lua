-- Undoes exactly what reserve.lua did for one request whose record could not be produced.
-- Only while the status still belongs to that request and is PENDING: a second release, or a
-- record that reached the processor after all, must not give a unit back.
-- KEYS: reserved counter, requesters set, user status hash   ARGV: userId, eventId
-- Returns 1 released, 0 nothing to release.
local s = redis.call('HMGET', KEYS[3], 'status', 'eventId')
if s[1] ~= 'PENDING' or s[2] ~= ARGV[2] then return 0 end
redis.call('DECR', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[3])
return 1
