-- Undoes what reserve-many.lua did for one request whose record certainly did not reach Kafka.
-- Only while the request's hold is still there: a second release, a release racing a confirm, or
-- a reserve whose reply was lost and that never ran must not give a unit back.
-- KEYS: reserved counter, requesters set, statuses hash, holds, seq, grants hash
-- ARGV: userId, eventId, the hold's member (`<userId>:<eventId>`, or a grant's `<userId>:#<code>`)
-- Returns 1 released, 0 nothing to release.
if redis.call('ZREM', KEYS[4], ARGV[3]) == 0 then return 0 end
redis.call('DECR', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
-- The reconciler's fix is guarded by seq; a release between its snapshot and its write must void it.
redis.call('INCR', KEYS[5])
-- The user's status, if it is still this request's PENDING (schemas/status-value.ts), goes too.
local status = redis.call('HGET', KEYS[3], ARGV[1])
if status and string.match(status, '^P([^\t]+)\t') == ARGV[2] then redis.call('HDEL', KEYS[3], ARGV[1]) end
-- The hold was the user's one request: a grant's field of the user named it.
redis.call('HDEL', KEYS[6], ARGV[1])
return 1
