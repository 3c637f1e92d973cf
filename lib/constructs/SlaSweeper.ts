import path from 'node:path';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { acknowledgeTableIndexGrant } from './acknowledgeTableIndexGrant.js';
import { InvalidPropsError } from './InvalidPropsError.js';
import { emailAddressProblems, reservedConcurrencyProblems } from './propChecks.js';
import { RouterFunction, type RouterFunctionDefaults } from './RouterFunction.js';

const handlers = path.join(import.meta.dirname, '..', '..', 'lambdas', 'handlers');

export interface SlaSweeperProps {
  /** The case table whose due timers the sweeper reads and fires. */
  table: dynamodb.TableV2;
  /** Sender of supervisor notices: an address whose identity (address or domain) SES has verified. */
  notifyFrom?: string;
  functionDefaults: RouterFunctionDefaults;
}

/**
 * The SLA sweeper: every minute, reads only due timers, fires each event once, mails supervisors.
 */
export class SlaSweeper extends Construct {
  static readonly DEFAULT_NOTIFY_FROM = 'sla-alerts@pharmacy.example';

  readonly function: lambda.IFunction;

  constructor(scope: Construct, id: string, props: SlaSweeperProps) {
    super(scope, id);
    const notifyFrom = props.notifyFrom ?? SlaSweeper.DEFAULT_NOTIFY_FROM;
    InvalidPropsError.throwIfAny(`SlaSweeper ${this.node.path}`, [
      ...emailAddressProblems('notifyFrom', notifyFrom),
      ...reservedConcurrencyProblems(
        'functionDefaults.reservedConcurrency',
        props.functionDefaults.reservedConcurrency,
      ),
    ]);
    const { account, partition, region } = Stack.of(this);
    const notifyDomain = notifyFrom.split('@')[1] ?? notifyFrom;

    const slaSweeper = new RouterFunction(this, 'SlaSweeper', {
      ...props.functionDefaults,
      // Overlapping runs are safe (conditional writes), but two are plenty.
      reservedConcurrency: 2,
      entry: path.join(handlers, 'slaSweeper.ts'),
      description: 'SLA timers: warnings, breaches, escalations and expired claims (every minute)',
      timeout: Duration.seconds(55),
      environment: { TABLE_NAME: props.table.tableName, NOTIFY_FROM: notifyFrom },
    }).function;
    props.table.grantReadWriteData(slaSweeper);
    slaSweeper.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [
          `arn:${partition}:ses:${region}:${account}:identity/${notifyDomain}`,
          `arn:${partition}:ses:${region}:${account}:identity/${notifyFrom}`,
        ],
      }),
    );
    new events.Rule(this, 'SweepEveryMinute', {
      description: 'Runs the SLA sweeper',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [new eventTargets.LambdaFunction(slaSweeper, { retryAttempts: 0 })],
    });
    Validations.of(slaSweeper).acknowledge({
      id: 'HIPAA.Security::HIPAA.Security-LambdaDLQ',
      reason:
        'A failed sweep is not an event to keep: the next run a minute later reads the same due timers from the table (retryAttempts 0).',
    });
    acknowledgeTableIndexGrant(slaSweeper, props.table);
    this.function = slaSweeper;
  }
}
