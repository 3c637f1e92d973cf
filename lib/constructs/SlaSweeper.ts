import path from 'node:path';
import { Duration, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { DESK_METRICS } from '../../lambdas/adapters/metrics/deskMetricNames.js';
import type { DeskMonitoring } from './DeskMonitoring.js';
import { InvalidPropsError } from './InvalidPropsError.js';
import { emailAddressProblems } from './propChecks.js';
import { RouterFunction, type RouterFunctionDefaults } from './RouterFunction.js';

const handlers = path.join(import.meta.dirname, '..', '..', 'lambdas', 'handlers');

export interface SlaSweeperProps {
  /** The case table whose due timers the sweeper reads and fires. */
  table: dynamodb.TableV2;
  /** Sender of supervisor notices: an address whose identity (address or domain) SES has verified. */
  notifyFrom: string;
  /**
   * Sender of members' mail the sweeper retries (acknowledgements and replies their request could
   * not send at once): the desk's address, on a verified SES identity.
   */
  deskFrom: string;
  /** The display name on members' mail (`Member Services`); the function's default when absent. */
  deskName?: string;
  functionDefaults: RouterFunctionDefaults;
  /** Alarms when the sweeper stops completing runs and when breaches spike. */
  monitoring: DeskMonitoring;
  /** SLA breaches within 15 minutes that raise the spike alarm (default 10). */
  slaBreachAlarmThreshold?: number;
}

/**
 * The SLA sweeper: every minute, reads only due timers, fires each event once, sends what the
 * outbox holds (supervisor notices, and members' mail its request could not send at once), and
 * publishes every queue's depth, at-risk and breached gauges.
 */
export class SlaSweeper extends Construct {
  readonly function: lambda.IFunction;

  constructor(scope: Construct, id: string, props: SlaSweeperProps) {
    super(scope, id);
    InvalidPropsError.throwIfAny(`SlaSweeper ${this.node.path}`, [
      ...emailAddressProblems('notifyFrom', props.notifyFrom),
      ...emailAddressProblems('deskFrom', props.deskFrom),
    ]);
    const { functionDefaults, table, notifyFrom, deskFrom } = props;

    const slaSweeper = new RouterFunction(this, 'SlaSweeper', {
      ...functionDefaults,
      // Overlapping runs are safe (conditional writes), but two are plenty when reservations are on.
      ...(functionDefaults.reservedConcurrency === undefined ? {} : { reservedConcurrency: 2 }),
      label: DESK_METRICS.services.slaSweeper,
      // Supervisor notices go through the staff configuration set, which suppresses no address.
      sendsStaffMail: true,
      entry: path.join(handlers, 'slaSweeper.ts'),
      description: 'SLA timers: warnings, breaches, escalations and expired claims (every minute)',
      timeout: Duration.seconds(55),
      environment: {
        TABLE_NAME: table.tableName,
        NOTIFY_FROM: notifyFrom,
        DESK_FROM: deskFrom,
        ...(props.deskName === undefined ? {} : { DESK_NAME: props.deskName }),
      },
      access: {
        caseStore: {
          table,
          methods: [
            // sweepSla: the due timers, each fired in one conditional write with its notices.
            'listDueTimers',
            'applyRevision',
            // deliverOutbox: every unsent entry, claimed, sent and marked.
            'listOutbox',
            'claimOutboxEntry',
            'markOutboxEntrySent',
            'registerThreadKeys',
            // The queue gauges.
            'listQueues',
          ],
        },
        // Supervisor notices from notifyFrom; members' acknowledgements and replies from the desk.
        sendsMailAs: [notifyFrom, deskFrom],
      },
    }).function;
    // EventBridge invokes the function asynchronously: its target retries (retryAttempts) and
    // Lambda's own async retries (two by default) are both switched off, and an event that waited a
    // minute in Lambda's queue is dropped, as the next run has started by then.
    new events.Rule(this, 'SweepEveryMinute', {
      description: 'Runs the SLA sweeper',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [new eventTargets.LambdaFunction(slaSweeper, { retryAttempts: 0 })],
    });
    slaSweeper.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.seconds(60) });
    Validations.of(slaSweeper).acknowledge({
      id: 'HIPAA.Security::HIPAA.Security-LambdaDLQ',
      reason:
        'A failed sweep is not an event to keep: neither EventBridge (target retryAttempts 0) nor Lambda (async invoke config MaximumRetryAttempts 0, MaximumEventAgeInSeconds 60) retries it, and the next run a minute later reads the same due timers from the table; the not-running alarm fires if runs keep failing.',
    });
    props.monitoring.watchSweeper();
    props.monitoring.watchSlaBreaches(props.slaBreachAlarmThreshold ?? 10);
    this.function = slaSweeper;
  }
}
