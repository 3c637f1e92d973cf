import { Metrics } from '@aws-lambda-powertools/metrics';
import { describe, expect, it } from 'vitest';
import { DESK_METRICS } from '../../../lambdas/adapters/metrics/deskMetricNames.js';
import {
  PowertoolsDeskMetrics,
  type RecordedOutcome,
} from '../../../lambdas/adapters/metrics/PowertoolsDeskMetrics.js';

/** The metric names one embedded-metric-format line declares. */
function emittedNames(metrics: Metrics): string[] {
  const line = metrics.serializeMetrics();
  return line._aws.CloudWatchMetrics.flatMap((directive) => directive.Metrics.map((metric) => metric.Name));
}

describe('PowertoolsDeskMetrics', () => {
  it('counts each route-stage outcome under its own name, chat lines apart from member messages', () => {
    const outcomes: RecordedOutcome[] = ['created', 'threaded', 'duplicate', 'appended', 'no_case'];
    const names = outcomes.map((outcome) => {
      const metrics = new Metrics({ namespace: DESK_METRICS.namespace, serviceName: 'route-inbound' });
      new PowertoolsDeskMetrics(metrics).inboundRecorded(outcome);
      return emittedNames(metrics);
    });

    expect(names).toEqual([
      ['CaseCreated'],
      ['CaseThreaded'],
      ['InboundDuplicate'],
      ['ChatLineAppended'],
      ['ChatLineWithoutCase'],
    ]);
  });
});
