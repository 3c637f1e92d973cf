import type { TestProject } from 'vitest/node';
import { startEmulators } from '../../lambdas/local/emulators.js';

declare module 'vitest' {
  export interface ProvidedContext {
    endpoints: { dynamodb: string; sqs: string; s3: string; ses: string; region: string };
  }
}

/** Starts the real emulators once for the integration project and stops them afterwards. */
export default async function setup(project: TestProject) {
  const emulators = await startEmulators();
  project.provide('endpoints', emulators.endpoints);
  return async () => {
    await emulators.stop();
  };
}
