/** The test projects: unit tests beside the code, integration tests in test/ against the real stack. */
import { defineConfig } from 'vitest/config';

// Unit tests (pure logic) live beside the code as *.test.ts; integration tests talk to the real
// stack (`npm run stack:up`) and live in test/. Integration files run one at a time: they share
// one broker and database, and the machine has two cores.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['{processor,gateway,schemas,platform,ops,examples}/**/*.test.ts'] } },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          setupFiles: ['test/support/leftover-services.ts', 'test/support/failed-test-logs.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
