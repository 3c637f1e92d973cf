import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Tests run on Node 20 on purpose; the AWS SDK's upgrade notice is noise in their output, and so
    // are the handlers' INFO/WARN lines (expected outcomes are asserted, not logged).
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      // Local mode's desk address: acknowledgements and replies are sent from it (AWS sets it per stack).
      DESK_FROM: 'member-services@pharmacy.example',
    },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          // CDK synthesis and corpus-wide checks take seconds on a busy 2-core machine; synthesizing the whole
          // stack (nine functions since the channels) in a hook takes over a minute while OCR tests share the cores.
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/integration/globalSetup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          // One emulator set is shared; files run one after another so they do not race on queues.
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          environment: 'node',
          // Debian's Chromium (fails with the install command when absent) and the real emulators.
          globalSetup: ['test/browser/globalSetup.ts'],
          testTimeout: 90_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
