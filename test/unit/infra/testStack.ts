import { App, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { PhiDataStores } from '../../../lib/constructs/PhiDataStores.js';
import type { RouterFunctionDefaults } from '../../../lib/constructs/RouterFunction.js';

export const env = { account: '111111111111', region: 'us-east-1' };

/** A bare stack to hold one construct; esbuild bundling is skipped (the tests read the template). */
export function testStack(): Stack {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return new Stack(app, 'Test', { env });
}

/** A stack with the PHI stores the other constructs depend on, and function defaults built on them. */
export function stackWithStores(reservedConcurrency = 50): {
  stack: Stack;
  stores: PhiDataStores;
  functionDefaults: RouterFunctionDefaults;
} {
  const stack = testStack();
  const stores = new PhiDataStores(stack, 'Stores');
  const functionDefaults = {
    logKey: stores.dataKey,
    logRetention: logs.RetentionDays.ONE_YEAR,
    reservedConcurrency,
  };
  return { stack, stores, functionDefaults };
}
