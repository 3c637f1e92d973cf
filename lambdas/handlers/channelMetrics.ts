import { Metrics } from '@aws-lambda-powertools/metrics';
import { DESK_METRICS } from '../adapters/metrics/deskMetricNames.js';
import { PowertoolsDeskMetrics } from '../adapters/metrics/PowertoolsDeskMetrics.js';
import type { Channel } from '../domain/inboundMessage.js';

/**
 * One channel function's desk metrics: each outcome counted per channel as an embedded-metric-format
 * line (no PutMetricData call, and no PHI: channel and outcome names only). The counts are what the
 * per-channel alarms and the desk dashboard read.
 */
export function channelMetrics(service: string, channel: Channel) {
  const metrics = new Metrics({ namespace: DESK_METRICS.namespace, serviceName: service });
  const desk = new PowertoolsDeskMetrics(metrics);
  return {
    /**
     * Counts the outcomes an invocation produced. Each count is a single-metric line, written as it
     * is counted: nothing is stored to publish at the end (publishing nothing only logs a warning).
     */
    async around<T>(work: () => Promise<T>, outcomesOf: (result: T) => readonly string[]): Promise<T> {
      const result = await work();
      for (const outcome of outcomesOf(result)) desk.webhookOutcome(channel, outcome);
      return result;
    },
  };
}
