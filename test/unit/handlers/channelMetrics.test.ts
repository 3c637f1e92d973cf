import { afterEach, describe, expect, it, vi } from 'vitest';
import { channelMetrics } from '../../../lambdas/handlers/channelMetrics.js';

/** The embedded-metric-format lines written while `work` runs, as (metric, channel, service). */
async function emfDuring(work: () => Promise<unknown>): Promise<string[]> {
  const lines: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    lines.push(String(chunk));
    return true;
  });
  vi.spyOn(console, 'log').mockImplementation((line) => lines.push(String(line)));
  await work().catch(() => undefined);
  vi.restoreAllMocks();
  return lines
    .filter((line) => line.includes('"_aws"'))
    .flatMap((line) => {
      const parsed = JSON.parse(line) as {
        _aws: { CloudWatchMetrics: { Metrics: { Name: string }[] }[] };
        channel?: string;
        service?: string;
      };
      return parsed._aws.CloudWatchMetrics.flatMap((directive) =>
        directive.Metrics.map((metric) => `${metric.Name} ${parsed.channel} ${parsed.service}`),
      );
    });
}

describe('channelMetrics', () => {
  afterEach(() => vi.restoreAllMocks());

  it('counts each outcome of an invocation under the channel and its function', async () => {
    const metrics = channelMetrics('chat-connect', 'chat');
    const lines = await emfDuring(() =>
      metrics.around(
        async () => ['queued', 'ignored', 'queued'],
        (outcomes) => outcomes,
      ),
    );
    expect(lines).toEqual(['InboundAccepted chat chat-connect', 'InboundAccepted chat chat-connect']);
  });

  it('passes the result through, and a failure through uncounted', async () => {
    const metrics = channelMetrics('fax-ingest', 'fax');
    await expect(
      metrics.around(
        async () => ({ outcome: 'unauthorized' }),
        (r) => [r.outcome],
      ),
    ).resolves.toEqual({
      outcome: 'unauthorized',
    });
    const failing = metrics.around(
      async () => {
        throw new Error('secret not readable');
      },
      () => ['accepted'],
    );
    await expect(failing).rejects.toThrow('secret not readable');
    expect(
      await emfDuring(() =>
        metrics.around(
          async () => 'x',
          () => [],
        ),
      ),
    ).toEqual([]);
  });
});
