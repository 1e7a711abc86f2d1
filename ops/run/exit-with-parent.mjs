/**
 * Preloaded (`node --import`) into every service that ops/run/service-process.ts starts: the
 * service stops, by its own graceful shutdown (SIGTERM), once the process that started it is gone.
 * That process kills its services in an exit hook, but a process killed by a signal runs none (a
 * test worker killed after a hook timed out left a processor in the shared consumer group, taking
 * partitions from the next tests). The IPC channel to the parent closes whenever the parent ends;
 * it is unref'd so that it keeps the service alive no longer than the service would be anyway.
 * Plain JavaScript, so that it preloads into the compiled services too.
 */
import process from 'node:process';

if (process.channel) {
  process.channel.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
