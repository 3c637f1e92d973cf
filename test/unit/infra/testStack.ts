import { App, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { DeskMonitoring } from '../../../lib/constructs/DeskMonitoring.js';
import { PhiDataStores } from '../../../lib/constructs/PhiDataStores.js';
import type { RouterFunctionDefaults } from '../../../lib/constructs/RouterFunction.js';

export const env = { account: '111111111111', region: 'us-east-1' };

/** A bare stack to hold one construct; esbuild bundling is skipped (the tests read the template). */
export function testStack(id = 'Test'): Stack {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return new Stack(app, id, { env });
}

/** A stack with the PHI stores and the monitoring the other constructs depend on, and function defaults. */
export function stackWithStores(reservedConcurrency?: number): {
  stack: Stack;
  stores: PhiDataStores;
  monitoring: DeskMonitoring;
  functionDefaults: RouterFunctionDefaults;
} {
  const stack = testStack();
  const stores = new PhiDataStores(stack, 'Stores');
  const monitoring = new DeskMonitoring(stack, 'Monitoring', { alarmEmail: 'oncall@desk.test' });
  const functionDefaults: RouterFunctionDefaults = {
    dataKey: stores.dataKey,
    logRetention: logs.RetentionDays.ONE_YEAR,
    monitoring,
    ...(reservedConcurrency === undefined ? {} : { reservedConcurrency }),
  };
  return { stack, stores, monitoring, functionDefaults };
}

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** The statements of the inline policy attached to the role whose logical id starts with `rolePrefix`. */
export function roleStatements(template: Template, rolePrefix: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  const statements: Statement[] = [];
  for (const policy of Object.values(policies)) {
    const roles: { Ref: string }[] = policy.Properties.Roles;
    if (!roles.some((role) => role.Ref.startsWith(rolePrefix))) continue;
    statements.push(...(policy.Properties.PolicyDocument.Statement as Statement[]));
  }
  return statements;
}

/** Every action a role's inline policy grants, flattened and sorted. */
export function roleActions(template: Template, rolePrefix: string): string[] {
  return roleStatements(template, rolePrefix)
    .flatMap((statement) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]))
    .sort();
}
