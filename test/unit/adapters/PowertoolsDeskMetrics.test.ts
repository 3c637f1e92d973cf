import { Metrics } from '@aws-lambda-powertools/metrics';
import { describe, expect, it, vi } from 'vitest';
import { DESK_METRICS } from '../../../lambdas/adapters/metrics/deskMetricNames.js';
import {
  PowertoolsDeskMetrics,
  type RecordedOutcome,
} from '../../../lambdas/adapters/metrics/PowertoolsDeskMetrics.js';

type EmfLine = { _aws: { CloudWatchMetrics: { Metrics: { Name: string }[] }[] }; channel?: string };

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

  it('counts a webhook by its outcome, per channel, and leaves duplicates and ignored events out', () => {
    const outcomes = [
      'accepted',
      'queued',
      'fax',
      'quarantined',
      'unauthorized',
      'rejected',
      'rate_limited',
      'media_unavailable',
      'duplicate',
      'ignored',
      'started',
    ];
    const emitted = outcomes.map((outcome) => {
      // A per-channel count is a single-metric line, written at once: read it where it is written.
      const lines: string[] = [];
      const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
        lines.push(String(chunk));
        return true;
      });
      const log = vi.spyOn(console, 'log').mockImplementation((line) => lines.push(String(line)));
      try {
        const metrics = new Metrics({ namespace: DESK_METRICS.namespace, serviceName: 'fax-ingest' });
        new PowertoolsDeskMetrics(metrics).webhookOutcome('fax', outcome);
      } finally {
        write.mockRestore();
        log.mockRestore();
      }
      return lines
        .filter((line) => line.includes('"_aws"'))
        .flatMap((line) => {
          const parsed = JSON.parse(line) as EmfLine;
          return [
            ...parsed._aws.CloudWatchMetrics.flatMap((d) => d.Metrics.map((m) => m.Name)),
            parsed.channel,
          ];
        });
    });

    expect(emitted).toEqual([
      ['InboundAccepted', 'fax'],
      ['InboundAccepted', 'fax'],
      ['InboundAccepted', 'fax'],
      ['InboundQuarantined', 'fax'],
      ['InboundUnauthorized', 'fax'],
      ['InboundRefused', 'fax'],
      ['InboundRefused', 'fax'],
      ['InboundRefused', 'fax'],
      [],
      [],
      [],
    ]);
  });
});
