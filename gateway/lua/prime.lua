-- Opens the gate of a newly created coupon. Counters, requesters, holds, statuses or grant users
-- left under the same id (a database recreated while Redis kept its data) are stale by definition
-- and are dropped; seq moves forward (never back) so a reconciler's snapshot taken before is void.
-- KEYS: gate hash, reserved counter, requesters set, holds, seq, grants hash, grant-codes hash,
--       statuses hash
-- ARGV: total, startsAt, endsAt (epoch ms, 0 = open-ended)
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[6], KEYS[7], KEYS[8])
redis.call('INCR', KEYS[5])
redis.call('HSET', KEYS[1], 'total', ARGV[1], 'startsAt', ARGV[2], 'endsAt', ARGV[3])
return 1
