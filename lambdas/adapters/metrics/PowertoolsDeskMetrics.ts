import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { QueueSummary } from '../../domain/cases/caseRecord.js';
import type { RecordInboundOutcome } from '../../domain/cases/recordInbound.js';
import type { RecordChatLineOutcome } from '../../domain/chat/recordChatLine.js';
import type { Channel } from '../../domain/inboundMessage.js';
import { DESK_METRICS } from './deskMetricNames.js';

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

/** What the route stage did with one record: a member message's outcome, or a chat line's. */
export type RecordedOutcome = RecordInboundOutcome['outcome'] | RecordChatLineOutcome['outcome'];

const REFUSALS = new Set(['rejected', 'rate_limited', 'media_unavailable']);

const RECORDED_METRIC: Record<RecordedOutcome, string> = DESK_METRICS.recorded;

/**
 * The desk's operational metrics (ingest, routing, queue gauges, sweeper heartbeat) as CloudWatch
 * embedded-metric-format lines. The handler publishes the stored ones at the end of each invocation.
 */
export class PowertoolsDeskMetrics {
  readonly #metrics: Metrics;

  constructor(metrics: Metrics) {
    this.#metrics = metrics;
  }

  /** A message that became an `InboundMessage` and was queued for routing. */
  inboundAccepted(channel: Channel): void {
    this.#perChannel(DESK_METRICS.inbound.accepted, channel);
  }

  /** A message that could not become an `InboundMessage` and was moved to quarantine. */
  inboundQuarantined(channel: Channel): void {
    this.#perChannel(DESK_METRICS.inbound.quarantined, channel);
  }

  /**
   * What a channel did with one message, by the use case's outcome: accepted (queued for routing, or
   * a fax-to-email handed to the OCR step: `fax`) and quarantined as above, unauthorized and refused
   * counted apart; duplicates, chat starts and ignored provider events are not inbound messages and
   * are not counted.
   */
  webhookOutcome(channel: Channel, outcome: string): void {
    if (outcome === 'accepted' || outcome === 'queued' || outcome === 'fax') this.inboundAccepted(channel);
    else if (outcome === 'quarantined') this.inboundQuarantined(channel);
    else if (outcome === 'unauthorized') this.#perChannel(DESK_METRICS.inbound.unauthorized, channel);
    else if (REFUSALS.has(outcome)) this.#perChannel(DESK_METRICS.inbound.refused, channel);
  }

  /**
   * What routing did with one inbound message: a new case, a reply threaded to one, a redelivery,
   * or a chat line added to (or without) its conversation's case.
   */
  inboundRecorded(outcome: RecordedOutcome): void {
    this.#metrics.addMetric(RECORDED_METRIC[outcome], MetricUnit.Count, 1);
  }

  /** Depth, at-risk, breached and oldest age of every queue, as gauges (read once a sweep). */
  queueGauges(queues: readonly QueueSummary[], now: Date): void {
    for (const queue of queues) {
      const oldestMs = queue.oldestReceivedAt ? now.getTime() - Date.parse(queue.oldestReceivedAt) : 0;
      const gauges: [string, number, Unit][] = [
        [DESK_METRICS.queueGauges.depth, queue.depth, MetricUnit.Count],
        [DESK_METRICS.queueGauges.atRisk, queue.atRisk, MetricUnit.Count],
        [DESK_METRICS.queueGauges.breached, queue.breached, MetricUnit.Count],
        [
          DESK_METRICS.queueGauges.oldestAgeSeconds,
          Math.max(0, Math.round(oldestMs / 1000)),
          MetricUnit.Seconds,
        ],
      ];
      // One line per gauge: a single-metric line holds one metric under its own dimension set.
      for (const [name, value, unit] of gauges) {
        const single = this.#metrics.singleMetric();
        single.addDimension('queue', queue.queue);
        single.addMetric(name, unit, value);
      }
    }
  }

  /** The sweeper finished a run: its absence is what the "sweeper not running" alarm watches. */
  sweepCompleted(): void {
    this.#metrics.addMetric(DESK_METRICS.sweepCompleted, MetricUnit.Count, 1);
  }

  #perChannel(name: string, channel: Channel): void {
    const single = this.#metrics.singleMetric();
    single.addDimension('channel', channel);
    single.addMetric(name, MetricUnit.Count, 1);
  }
}
