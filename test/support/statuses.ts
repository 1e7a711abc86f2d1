/** Reading a user's request status in Redis the way the gateway does (schemas/status-value.ts). */
import type { Cluster, Redis } from 'ioredis';
import { redisKeys, type RequestStatusFields } from '../../schemas/redis-keys.ts';
import { unpackStatus } from '../../schemas/status-value.ts';

/** A user's status in Redis, as fields; empty when there is none. */
export async function statusOf(redis: Redis | Cluster, couponId: number, userId: number): Promise<Partial<RequestStatusFields>> {
  return unpackStatus(await redis.hget(redisKeys.statuses(couponId), String(userId)));
}
