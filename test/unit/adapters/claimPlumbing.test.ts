import { describe, expect, it } from 'vitest';
import { backoffDelay, WRITE_RACE_BACKOFF } from '../../../lambdas/adapters/dynamo/backoff.js';
import { GroupCommit } from '../../../lambdas/adapters/dynamo/GroupCommit.js';
import { QueueHeadCache } from '../../../lambdas/adapters/dynamo/QueueHeadCache.js';
import type { QueueEntry } from '../../../lambdas/domain/ports.js';

const entry = (caseId: string, version = 1): QueueEntry => ({
  caseId,
  version,
  state: 'queued',
  queue: 'q',
  priority: 'normal',
  language: 'en',
  receivedAt: '2026-12-01T15:00:00.000Z',
  sla: { firstResponseDueAt: '2026-12-02T15:00:00.000Z' },
});

describe('backoffDelay', () => {
  it('waits a random time under a ceiling that doubles each attempt up to the cap', () => {
    expect(backoffDelay(0, WRITE_RACE_BACKOFF, () => 0.999)).toBe(19);
    expect(backoffDelay(3, WRITE_RACE_BACKOFF, () => 0.999)).toBe(159);
    expect(backoffDelay(9, WRITE_RACE_BACKOFF, () => 0.999)).toBe(999);
    expect(backoffDelay(9, WRITE_RACE_BACKOFF, () => 0)).toBe(0);
  });
});

describe('GroupCommit', () => {
  it('writes a lone item at once and the items that arrive meanwhile together', async () => {
    const batches: number[][] = [];
    const commit = new GroupCommit<number, string>(
      async (batch) => {
        batches.push(batch);
        await new Promise((resolve) => setTimeout(resolve, 10));
        return batch.map((item) => `ok ${item}`);
      },
      { maxBatch: 10, maxInFlight: 1 },
    );
    const answers = await Promise.all([1, 2, 3, 4].map((item) => commit.submit(item)));
    expect(answers).toEqual(['ok 1', 'ok 2', 'ok 3', 'ok 4']);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('gives every item of a failed batch the failure', async () => {
    const commit = new GroupCommit<number, string>(
      async () => {
        throw new Error('table gone');
      },
      { maxBatch: 10, maxInFlight: 2 },
    );
    await expect(Promise.all([commit.submit(1), commit.submit(2)])).rejects.toThrow('table gone');
  });
});

describe('QueueHeadCache', () => {
  it('shares one read among concurrent claims, keeps reserved cases from others, and offers a case queued again', async () => {
    let reads = 0;
    let queue = [entry('A'), entry('B')];
    const cache = new QueueHeadCache(
      async () => {
        reads += 1;
        return { cases: queue };
      },
      (kase) => kase.caseId,
      { ttlMs: 10_000, now: () => 0 },
    );
    const [first, second] = await Promise.all([cache.open('q', false), cache.open('q', false)]);
    expect(reads).toBe(1);
    expect(first.cases.map((kase) => kase.caseId)).toEqual(['A', 'B']);
    expect(second.complete).toBe(true);
    expect(cache.reserve('A')).toBe(true);
    expect(cache.reserve('A')).toBe(false);
    expect((await cache.open('q', false)).cases.map((kase) => kase.caseId)).toEqual(['B']);
    cache.forget('q', entry('A'));
    cache.release('A');
    queue = [entry('A'), entry('B')];
    expect((await cache.open('q', true)).cases.map((kase) => kase.caseId)).toEqual(['B']);
    // A released or woken case comes back at a newer version and is offered again.
    queue = [entry('A', 3), entry('B')];
    expect((await cache.open('q', true)).cases.map((kase) => kase.caseId)).toEqual(['A', 'B']);
  });
});
