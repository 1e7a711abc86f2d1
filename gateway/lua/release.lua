-- Undoes what reserve-many.lua did for one request whose record certainly did not reach Kafka.
-- Only while the request's hold is still there: a second release, a release racing a confirm, or
-- a reserve whose reply was lost and that never ran must not give a unit back.
-- KEYS: reserved counter, requesters set, user status hash, holds, seq, grants hash
-- ARGV: userId, eventId, the hold's member (`<userId>:<eventId>`, or a grant's `<userId>:#<code>`)
-- Returns 1 released, 0 nothing to release.
if redis.call('ZREM', KEYS[4], ARGV[3]) == 0 then return 0 end
redis.call('DECR', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
-- The reconciler's fix is guarded by seq; a release between its snapshot and its write must void it.
redis.call('INCR', KEYS[5])
local s = redis.call('HMGET', KEYS[3], 'status', 'eventId')
if s[1] == 'PENDING' and s[2] == ARGV[2] then redis.call('DEL', KEYS[3]) end
-- The hold was the user's one request: a grant's field of the user named it.
redis.call('HDEL', KEYS[6], ARGV[1])
return 1
