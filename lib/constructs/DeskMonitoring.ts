import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DESK_METRICS } from '../../lambdas/adapters/metrics/deskMetricNames.js';
import { InvalidPropsError } from './InvalidPropsError.js';
import { emailAddressProblems } from './propChecks.js';
import type { FunctionWatcher } from './RouterFunction.js';

export interface DeskMonitoringProps {
  /** Subscribe this address to the alarm topic (it must confirm the subscription mail). */
  alarmEmail?: string;
  /**
   * Send alarms to this existing topic instead (a pager or chat integration). If it is encrypted, its
   * key policy must let `cloudwatch.amazonaws.com` use the key (kms:Decrypt, kms:GenerateDataKey*).
   */
  existingAlarmTopic?: sns.ITopic;
}

const NAMESPACE = DESK_METRICS.namespace;

/** Problems with the alarm destination: exactly one of an e-mail address and an existing topic. */
export function alarmDestinationProblems(props: {
  alarmEmail?: string;
  existingAlarmTopic?: unknown;
}): string[] {
  const problems: string[] = [];
  if (props.alarmEmail !== undefined && props.existingAlarmTopic !== undefined) {
    problems.push(
      '`alarmEmail` and `existingAlarmTopic` are exclusive: alarms go to a new topic with that e-mail subscribed, or to your topic; pass one',
    );
  }
  if (props.alarmEmail === undefined && props.existingAlarmTopic === undefined) {
    problems.push(
      'alarms must reach someone: pass `alarmEmail` (the on-call address, e.g. ops@pharmacy.example) or `existingAlarmTopic`; received neither',
    );
  }
  if (props.alarmEmail !== undefined) problems.push(...emailAddressProblems('alarmEmail', props.alarmEmail));
  return problems;
}

/**
 * The desk's operations view: every alarm with its action on one topic that reaches a person, and a
 * CloudWatch dashboard (queue depth, at risk, breached, SLA attainment, ingest rate, dead letters,
 * function health). Constructs register what they create (`watchFunction`, `watchDeadLetters`, …), so
 * a new channel's ingest function and DLQ are alarmed the same way.
 */
export class DeskMonitoring extends Construct implements FunctionWatcher {
  readonly alarmTopic: sns.ITopic;
  /** The key of the topic this construct created (undefined with `existingAlarmTopic`). */
  readonly alarmKey?: kms.Key;
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[] = [];

  readonly #alarmAction: cloudwatch.IAlarmAction;
  readonly #deadLetterWidget: cloudwatch.GraphWidget;
  readonly #errorsWidget: cloudwatch.GraphWidget;
  readonly #throttlesWidget: cloudwatch.GraphWidget;
  readonly #durationWidget: cloudwatch.GraphWidget;

  constructor(scope: Construct, id: string, props: DeskMonitoringProps) {
    super(scope, id);
    InvalidPropsError.throwIfAny(`DeskMonitoring ${this.node.path}`, alarmDestinationProblems(props));
    const stack = Stack.of(this);

    if (props.existingAlarmTopic) {
      this.alarmTopic = props.existingAlarmTopic;
    } else {
      // Its own key: SNS's AWS-managed key (alias/aws/sns) cannot be given to CloudWatch, and the PHI
      // data key should not be. Alarm notifications carry alarm names and metric values, no PHI.
      this.alarmKey = new kms.Key(this, 'AlarmKey', {
        description: 'contact-router: encrypts the alarm topic (no PHI); CloudWatch alarms may use it',
        enableKeyRotation: true,
      });
      this.alarmKey.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'CloudWatchAlarmsPublish',
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
        }),
      );
      const topic = new sns.Topic(this, 'AlarmTopic', {
        displayName: 'contact-router alarms',
        masterKey: this.alarmKey,
        enforceSSL: true,
      });
      topic.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'CloudWatchAlarmsOfThisAccount',
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['sns:Publish'],
          resources: [topic.topicArn],
          conditions: {
            StringEquals: { 'aws:SourceAccount': stack.account },
            ArnLike: {
              'aws:SourceArn': `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:*`,
            },
          },
        }),
      );
      if (props.alarmEmail) topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
      this.alarmTopic = topic;
    }
    this.#alarmAction = new cloudwatchActions.SnsAction(this.alarmTopic);

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      // Dashboard names are global to the account: a second region's stack of the same name needs its own.
      dashboardName: `${stack.stackName}-${stack.region}-desk`,
      defaultInterval: Duration.hours(24),
    });
    const perQueue = (metric: string, title: string, statistic = 'Maximum') =>
      new cloudwatch.GraphWidget({
        title,
        width: 6,
        left: [
          new cloudwatch.MathExpression({
            expression: `SEARCH('{${NAMESPACE},queue,service} MetricName="${metric}"', '${statistic}', 60)`,
            label: '',
            period: Duration.minutes(1),
          }),
        ],
      });
    const total = (metric: string, period: Duration) =>
      `SUM(SEARCH('{${NAMESPACE},service} MetricName="${metric}"', 'Sum', ${period.toSeconds()}))`;
    const hour = Duration.hours(1);
    this.#deadLetterWidget = new cloudwatch.GraphWidget({ title: 'Dead letters and backlog', width: 6 });
    this.#errorsWidget = new cloudwatch.GraphWidget({ title: 'Function errors', width: 8 });
    this.#throttlesWidget = new cloudwatch.GraphWidget({ title: 'Function throttles', width: 8 });
    this.#durationWidget = new cloudwatch.GraphWidget({ title: 'Function duration p99 (ms)', width: 8 });
    this.dashboard.addWidgets(
      perQueue(DESK_METRICS.queueGauges.depth, 'Queue depth'),
      perQueue(DESK_METRICS.queueGauges.atRisk, 'At risk (amber)'),
      perQueue(DESK_METRICS.queueGauges.breached, 'Breached (red)'),
      perQueue(DESK_METRICS.queueGauges.oldestAgeSeconds, 'Oldest waiting (s)'),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'SLA attainment (% of clocks met, hourly)',
        width: 6,
        leftYAxis: { min: 0, max: 100 },
        left: [
          new cloudwatch.MathExpression({
            expression: `100 * met / (met + missed)`,
            usingMetrics: {
              met: new cloudwatch.MathExpression({
                expression: total(DESK_METRICS.sla.met, hour),
                period: hour,
              }),
              missed: new cloudwatch.MathExpression({
                expression: total(DESK_METRICS.sla.missed, hour),
                period: hour,
              }),
            },
            label: 'attainment %',
            period: hour,
          }),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: 'SLA warnings and breaches',
        width: 6,
        left: [DESK_METRICS.sla.warning, DESK_METRICS.sla.breach].map(
          (metric) =>
            new cloudwatch.Metric({
              namespace: NAMESPACE,
              metricName: metric,
              dimensionsMap: { service: DESK_METRICS.services.slaSweeper },
              statistic: 'Sum',
              period: Duration.minutes(15),
            }),
        ),
      }),
      new cloudwatch.GraphWidget({
        title: 'Ingest rate (per 5 min)',
        width: 6,
        left: [
          ...Object.values(DESK_METRICS.recorded).map(
            (metric) =>
              new cloudwatch.Metric({
                namespace: NAMESPACE,
                metricName: metric,
                dimensionsMap: { service: DESK_METRICS.services.routeInbound },
                statistic: 'Sum',
                period: Duration.minutes(5),
              }),
          ),
        ],
        // Per channel, from each ingest function: what came in, what was kept aside, what was refused.
        right: (['accepted', 'quarantined', 'unauthorized', 'refused'] as const).map(
          (outcome) =>
            new cloudwatch.MathExpression({
              expression: `SEARCH('{${NAMESPACE},channel,service} MetricName="${DESK_METRICS.inbound[outcome]}"', 'Sum', 300)`,
              label: outcome,
              period: Duration.minutes(5),
            }),
        ),
      }),
      this.#deadLetterWidget,
    );
    this.dashboard.addWidgets(this.#errorsWidget, this.#throttlesWidget, this.#durationWidget);
    // The widget reads `this.alarms` when the dashboard body is rendered at synth, after every watch call.
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', width: 24, alarms: this.alarms }),
    );
  }

  /** Errors and throttles of one function, each an alarm; its health on the dashboard. */
  watchFunction(fn: lambda.IFunction, label: string): void {
    const fiveMinutes = { period: Duration.minutes(5), statistic: 'Sum' };
    this.#alarm(`${label}-errors`, {
      description: `${label} failed at least once in 5 minutes: its logs say why (failed events are retried or dead-lettered, not lost).`,
      metric: fn.metricErrors(fiveMinutes),
      threshold: 1,
    });
    this.#alarm(`${label}-throttles`, {
      description: `${label} was throttled in the last 5 minutes: the account's Lambda concurrency is exhausted or a reservation is too small.`,
      metric: fn.metricThrottles(fiveMinutes),
      threshold: 1,
    });
    this.#errorsWidget.addLeftMetric(fn.metricErrors({ ...fiveMinutes, label }));
    this.#throttlesWidget.addLeftMetric(fn.metricThrottles({ ...fiveMinutes, label }));
    this.#durationWidget.addLeftMetric(
      fn.metricDuration({ period: Duration.minutes(5), statistic: 'p99', label }),
    );
  }

  /** A dead-letter or failure queue: one message waiting is an alarm (nothing is lost, but a person must look). */
  watchDeadLetters(queue: sqs.IQueue, label: string, description: string): void {
    const metric = queue.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(1),
      statistic: 'Maximum',
    });
    this.#alarm(label, { description, metric, threshold: 1 });
    this.#deadLetterWidget.addLeftMetric(metric.with({ label }));
  }

  /** A work queue whose oldest message has waited too long: the consumer is failing or too slow. */
  watchBacklog(queue: sqs.IQueue, label: string, maxAgeSeconds: number): void {
    const metric = queue.metricApproximateAgeOfOldestMessage({
      period: Duration.minutes(5),
      statistic: 'Maximum',
    });
    this.#alarm(label, {
      description: `The oldest message in ${label} has waited over ${maxAgeSeconds} s: routing is failing or falling behind, and SLA clocks are running.`,
      metric,
      threshold: maxAgeSeconds,
    });
    this.#deadLetterWidget.addRightMetric(metric.with({ label: `${label} (s)` }));
  }

  /** Messages of a channel that could not become cases and were moved to quarantine with their reason. */
  watchQuarantine(channel: string, service: string): void {
    this.#alarm(`${channel}-quarantined`, {
      description: `Inbound ${channel} was quarantined (unparseable or invalid): the original and its reason are under quarantine/ in the raw bucket; a person must look.`,
      metric: channelCount(DESK_METRICS.inbound.quarantined, service, channel),
      threshold: 1,
    });
  }

  /**
   * A channel's webhook refusing many requests as unauthorized: most often a rotated provider or
   * widget secret not yet updated here, which refuses every real fax or chat line as well.
   */
  watchUnauthorized(channel: string, service: string, threshold = 5): void {
    this.#alarm(`${channel}-unauthorized`, {
      description: `${threshold} or more ${channel} webhooks refused as unauthorized within 5 minutes: check the provider's signing secret in the channel secret (a rotation not copied here refuses every real delivery), or an attacker probing the route.`,
      metric: channelCount(DESK_METRICS.inbound.unauthorized, service, channel),
      threshold,
    });
  }

  /** The SLA sweeper has not completed a run for 5 minutes: no warnings, breaches or escalations fire. */
  watchSweeper(): void {
    this.#alarm('sla-sweeper-not-running', {
      description:
        'No SLA sweep completed in 5 minutes: SLA warnings, breaches, escalations and expired claims are not being processed.',
      metric: new cloudwatch.Metric({
        namespace: NAMESPACE,
        metricName: DESK_METRICS.sweepCompleted,
        dimensionsMap: { service: DESK_METRICS.services.slaSweeper },
        statistic: 'Sum',
        period: Duration.minutes(5),
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      // No data at all is the failure this alarm exists for.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
  }

  /** Many SLA breaches at once: a staffing gap or a stuck queue, not one late case. */
  watchSlaBreaches(threshold: number): void {
    this.#alarm('sla-breach-spike', {
      description: `${threshold} or more SLA breaches within 15 minutes across the desk: check staffing and the queue board.`,
      metric: new cloudwatch.Metric({
        namespace: NAMESPACE,
        metricName: DESK_METRICS.sla.breach,
        dimensionsMap: { service: DESK_METRICS.services.slaSweeper },
        statistic: 'Sum',
        period: Duration.minutes(15),
      }),
      threshold,
    });
  }

  #alarm(
    name: string,
    options: {
      description: string;
      metric: cloudwatch.IMetric;
      threshold: number;
      comparisonOperator?: cloudwatch.ComparisonOperator;
      treatMissingData?: cloudwatch.TreatMissingData;
    },
  ): void {
    const alarm = new cloudwatch.Alarm(this, `Alarm-${name}`, {
      alarmName: `${Stack.of(this).stackName}-${name}`,
      alarmDescription: options.description,
      metric: options.metric,
      threshold: options.threshold,
      evaluationPeriods: 1,
      comparisonOperator:
        options.comparisonOperator ?? cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: options.treatMissingData ?? cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.#alarmAction);
    alarm.addOkAction(this.#alarmAction);
    this.alarms.push(alarm);
  }
}

/** A channel function's count per 5 minutes, under the dimensions it emits (`service`, `channel`). */
function channelCount(metricName: string, service: string, channel: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: NAMESPACE,
    metricName,
    dimensionsMap: { service, channel },
    statistic: 'Sum',
    period: Duration.minutes(5),
  });
}
