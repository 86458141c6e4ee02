import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  ssr: { resolve: { conditions: ['@coordinator/source', ...defaultServerConditions] } },
  test: {
    // The JSON report is what .ci/run reads for its closing `N passed, N failed` line;
    // scripts/other-nodes.sh names its own per runtime (VITEST_REPORT), so none overwrites another.
    reporters: [
      'default',
      ['json', { outputFile: process.env.VITEST_REPORT ?? '.vitest-report.json' }],
    ],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'packages/*/src/**/*.test.ts',
            'packages/inspector/page/src/**/*.test.ts',
            'bench/**/*.test.ts',
          ],
          exclude: ['**/*.prop.test.ts', '**/node_modules/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'prop',
          // The examples' and the repository's Command types proved by the testing kit, too.
          include: [
            'packages/*/src/**/*.prop.test.ts',
            'examples/*/*.prop.test.ts',
            'test/**/*.prop.test.ts',
          ],
          testTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'int',
          include: ['test/**/*.int.test.ts'],
          // One real Kafka broker for the whole run; the run fails if it cannot start.
          globalSetup: ['test/support/kafka-global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
    coverage: {
      provider: 'v8',
      include: ['packages/*/src/**/*.ts'],
      exclude: ['**/*.test.ts', '**/*.d.ts', '**/index.ts'],
      reporter: ['text-summary', 'json-summary'],
      thresholds: { 'packages/core/src/**': { lines: 90 } },
    },
  },
});
