import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoCaseStore } from '../../lambdas/adapters/dynamo/DynamoCaseStore.js';
import type { Case } from '../../lambdas/domain/cases/caseRecord.js';
import { claimNextCase, knownQueues, listQueues } from '../../lambdas/domain/cases/claimQueue.js';
import type { StaffMember } from '../../lambdas/domain/cases/staffMember.js';
import { DEFAULT_POLICY } from '../../lambdas/domain/policy/defaultPolicy.js';
import { PRIORITY_RANK, type Priority } from '../../lambdas/domain/policy/policy.js';
import { provisionResources } from '../../lambdas/local/provisionResources.js';
import { caseTemplate, queuedCase } from '../helpers/caseFactory.js';
import { countingClient, resetCounts, totalCommands } from '../helpers/countingClient.js';

describe('queues on DynamoDB Local', () => {
  let store: DynamoCaseStore;
  let template: Case;
  const endpoints = () => inject('endpoints');
  let tableName: string;
  const now = new Date('2026-12-01T15:01:00.000Z');

  beforeAll(async () => {
    tableName = (await provisionResources(endpoints(), `q${randomUUID().slice(0, 8)}`)).tableName;
    store = new DynamoCaseStore(countingClient(endpoints()).client, { tableName });
    template = await caseTemplate();
  });

  async function load(cases: Case[], into: DynamoCaseStore = store) {
    const pending = [...cases];
    const loadOne = async (kase: Case) => {
      await into.createCase({
        case: kase,
        message: {
          direction: 'inbound',
          channel: 'email',
          externalId: kase.caseId,
          receivedAt: kase.receivedAt,
          subject: '',
          text: '',
          attachments: [],
        },
        inboundKey: kase.caseId,
        threadKeys: [],
        event: { at: kase.createdAt, type: 'case_created', actor: 'system', detail: {} },
      });
    };
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let kase = pending.shift(); kase; kase = pending.shift()) await loadOne(kase);
      }),
    );
  }

  const services = (caseStore: DynamoCaseStore) => ({
    caseStore,
    clock: { now: () => now },
    policy: DEFAULT_POLICY,
    leaseMs: 15 * 60_000,
  });

  it('serves GET /queues for every queue with at most two DynamoDB requests', async () => {
    // A table of its own: the other tests count their queues from empty.
    const own = (await provisionResources(endpoints(), `s${randomUUID().slice(0, 8)}`)).tableName;
    const counting = countingClient(endpoints());
    const statsStore = new DynamoCaseStore(counting.client, { tableName: own });
    const cases = knownQueues(DEFAULT_POLICY).map((queue, index) =>
      queuedCase(template, { key: `stats-${index}`, queue }),
    );
    await load(cases, statsStore);
    resetCounts(counting.counts);
    const summaries = await listQueues(services(statsStore));
    expect(totalCommands(counting.counts)).toBeLessThanOrEqual(2);
    expect(summaries).toHaveLength(knownQueues(DEFAULT_POLICY).length);
    expect(summaries.every((summary) => summary.depth === 1)).toBe(true);

    const manyQueues = Array.from({ length: 500 }, (_, index) => `queue-${index}`);
    resetCounts(counting.counts);
    expect(await statsStore.listQueues(manyQueues)).toHaveLength(500);
    expect(totalCommands(counting.counts)).toBeLessThanOrEqual(2);
  });

  it('hands every case to exactly one of many concurrent claimers, highest priority first', {
    timeout: 120_000,
  }, async () => {
    const queue = 'coverage';
    const priorities: Priority[] = ['urgent', 'high', 'normal'];
    const cases = Array.from({ length: 60 }, (_, index) =>
      queuedCase(template, {
        key: `concurrent-${index}`,
        queue,
        priority: priorities[index % 3],
        receivedAt: new Date(Date.parse(template.receivedAt) + index * 1_000).toISOString(),
      }),
    );
    await load(cases);
    // Two processes (their own store, like two containers) of ten claimers each.
    const processes = [0, 1].map(
      () => new DynamoCaseStore(countingClient(endpoints()).client, { tableName }),
    );
    const claims: { kase: Case; at: number }[] = [];
    await Promise.all(
      Array.from({ length: 20 }, async (_, index) => {
        const staff: StaffMember = { id: `agent-${index}`, role: 'agent', languages: ['en'] };
        const caseStore = processes[index % 2] as DynamoCaseStore;
        for (;;) {
          const outcome = await claimNextCase(queue, staff, services(caseStore));
          if (outcome.outcome !== 'claimed') return;
          claims.push({ kase: outcome.case, at: performance.now() });
        }
      }),
    );
    expect(claims).toHaveLength(60);
    expect(new Set(claims.map(({ kase }) => kase.caseId)).size).toBe(60);
    // Order: no case waited more than a second behind a claim of lower priority.
    const lastClaimOf = new Map<number, number>();
    for (const { kase, at } of claims) {
      const rank = PRIORITY_RANK[kase.priority];
      lastClaimOf.set(rank, Math.max(lastClaimOf.get(rank) ?? 0, at));
    }
    for (const { kase, at } of claims) {
      for (const [rank, last] of lastClaimOf) {
        if (rank < PRIORITY_RANK[kase.priority]) expect(last).toBeLessThanOrEqual(at + 1_000);
      }
    }
    const figures = (await store.listQueues([queue]))[0];
    expect(figures?.depth).toBe(0);
  });

  it('looks past a head of cases the claimer cannot take yet to the first one they can', {
    timeout: 120_000,
  }, async () => {
    const queue = 'international';
    const recent = new Date(now.getTime() - 60_000).toISOString();
    await load([
      ...Array.from({ length: 80 }, (_, index) =>
        queuedCase(template, { key: `ja-${index}`, queue, language: 'ja', receivedAt: recent }),
      ),
      queuedCase(template, {
        key: 'en-last',
        queue,
        language: 'en',
        receivedAt: recent,
        firstResponseDueAt: '2026-12-31T15:00:00.000Z',
      }),
    ]);
    const englishOnly: StaffMember = { id: 'eve', role: 'agent', languages: ['en'] };
    const outcome = await claimNextCase(queue, englishOnly, services(store));
    expect(outcome).toMatchObject({ outcome: 'claimed', case: { language: 'en' } });
    const japanese: StaffMember = { id: 'jun', role: 'agent', languages: ['ja', 'en'] };
    expect(await claimNextCase(queue, japanese, services(store))).toMatchObject({ case: { language: 'ja' } });
  });
});
