import { describe, expect, it } from 'vitest';
import { ProcessorProcess } from '../support/processor-process.ts';

describe('processor shutdown', () => {
  it('exits 0 when stopped right after it started (its DLQ monitor may still be connecting)', async () => {
    // The DLQ monitor connects in the background after the processor says it is processing; a
    // stop in that window used to end in an uncaught client error and exit code 1.
    for (let attempt = 0; attempt < 3; attempt++) {
      const processor = await (await ProcessorProcess.startAlone({ instanceId: `shutdown-${attempt}` })).ready();
      expect(await processor.stop('SIGTERM'), processor.logFile).toBe(0);
    }
  });
});
