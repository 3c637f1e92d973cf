import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SlaMetrics } from '../../domain/ports.js';

/** SLA counts as CloudWatch embedded-metric-format lines. */
export class PowertoolsSlaMetrics implements SlaMetrics {
  readonly #metrics: Metrics;

  constructor(metrics: Metrics) {
    this.#metrics = metrics;
  }

  count(name: Parameters<SlaMetrics['count']>[0], dimensions: { queue: string; clock?: string }): void {
    // A single-metric line per event keeps each dimension set separate (queue, clock) for the dashboard.
    const single = this.#metrics.singleMetric();
    single.addDimension('queue', dimensions.queue);
    if (dimensions.clock) single.addDimension('clock', dimensions.clock);
    single.addMetric(name, MetricUnit.Count, 1);
    // The same count under the service dimension alone (published with the stored metrics at the end
    // of the invocation): the desk-wide total an alarm can read without a search expression.
    this.#metrics.addMetric(name, MetricUnit.Count, 1);
  }
}
