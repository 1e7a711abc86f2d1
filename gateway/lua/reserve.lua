-- The gate: one atomic step per request (window, duplicate user, quantity, PENDING status, hold).
-- Checks come before any write, so a refused request changes nothing.
-- KEYS: gate hash, reserved counter, requesters set, user status hash, holds, seq (all tagged {c:<id>})
-- ARGV: userId, now (epoch ms), eventId, status TTL (s)
-- Returns 1 reserved, -1 unknown coupon, -2 outside window, -3 already requested, -4 sold out.
local gate = redis.call('HMGET', KEYS[1], 'total', 'startsAt', 'endsAt')
local total = tonumber(gate[1])
if not total then return -1 end
local now = tonumber(ARGV[2])
local endsAt = tonumber(gate[3]) or 0
if now < (tonumber(gate[2]) or 0) or (endsAt > 0 and now >= endsAt) then return -2 end
if redis.call('SISMEMBER', KEYS[3], ARGV[1]) == 1 then return -3 end
if (tonumber(redis.call('GET', KEYS[2])) or 0) >= total then return -4 end
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('INCR', KEYS[2])
-- Until someone sees the record reach Kafka (confirm.lua) or fail for certain (release.lua), the
-- unit is held; the reconciler settles holds nobody confirmed.
redis.call('ZADD', KEYS[5], ARGV[2], ARGV[1] .. ':' .. ARGV[3])
redis.call('INCR', KEYS[6])
-- A leftover status of an earlier, released request must not lend its fields to this one.
redis.call('DEL', KEYS[4])
redis.call('HSET', KEYS[4], 'status', 'PENDING', 'eventId', ARGV[3], 'heldAt', ARGV[2])
redis.call('EXPIRE', KEYS[4], ARGV[4])
return 1
