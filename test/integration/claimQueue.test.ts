import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoCaseStore } from '../../lambdas/adapters/dynamo/DynamoCaseStore.js';
import type { Case } from '../../lambdas/domain/cases/caseRecord.js';
import {
  claimNextCase,
  claimRevision,
  knownQueues,
  listQueues,
} from '../../lambdas/domain/cases/claimQueue.js';
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

  /** A table of its own, so a test counts its queue from empty. */
  async function ownTable(): Promise<string> {
    return (await provisionResources(endpoints(), `o${randomUUID().slice(0, 8)}`)).tableName;
  }

  it('never lets a claim from a stale head succeed: the case stays with whoever took it first', async () => {
    const table = await ownTable();
    const queue = 'appeals';
    const urgent = queuedCase(template, { key: 'stale-urgent', queue, priority: 'urgent' });
    const normals = [1, 2, 3].map((index) =>
      queuedCase(template, {
        key: `stale-normal-${index}`,
        queue,
        receivedAt: new Date(Date.parse(template.receivedAt) + index * 1_000).toISOString(),
      }),
    );
    const loader = new DynamoCaseStore(countingClient(endpoints()).client, { tableName: table });
    await load([urgent, ...normals], loader);
    // Two containers, each with its own head; A keeps its head for a minute (so it is stale below).
    const a = countingClient(endpoints());
    const containerA = new DynamoCaseStore(a.client, { tableName: table, claimHeadTtlMs: 60_000 });
    const containerB = new DynamoCaseStore(countingClient(endpoints()).client, { tableName: table });
    const ann: StaffMember = { id: 'ann', role: 'agent', languages: ['en'] };
    const bob: StaffMember = { id: 'bob', role: 'agent', languages: ['en'] };
    expect(await claimNextCase(queue, ann, services(containerA))).toMatchObject({
      case: { caseId: urgent.caseId },
    });
    const taken = await claimNextCase(queue, bob, services(containerB));
    if (taken.outcome !== 'claimed') throw new Error('bob claimed nothing');
    resetCounts(a.counts);

    // A still lists bob's case as queued, and its claimer wants exactly that case.
    const stale = await containerA.claimNext({
      queue,
      choose: (head) => [head.filter((entry) => entry.caseId === taken.case.caseId)],
      take: (current) => claimRevision(current, ann, now, 15 * 60_000),
    });

    expect(stale).toBeUndefined();
    expect(a.counts.cancelled).toBe(1);
    const view = await loader.getCase(taken.case.caseId);
    expect(view?.case).toMatchObject({ assignee: 'bob', state: 'claimed', version: taken.case.version });
    expect(view?.history.filter((event) => event.type === 'claimed')).toHaveLength(1);
  });

  it('leaves one history event per claim and queue figures equal to the cases still queued', {
    timeout: 120_000,
  }, async () => {
    const table = await ownTable();
    const queue = 'billing';
    const cases = Array.from({ length: 40 }, (_, index) =>
      queuedCase(template, {
        key: `figures-${index}`,
        queue,
        priority: index % 4 === 0 ? 'high' : 'normal',
        receivedAt: new Date(Date.parse(template.receivedAt) + index * 1_000).toISOString(),
      }),
    );
    const loader = new DynamoCaseStore(countingClient(endpoints()).client, { tableName: table });
    await load(cases, loader);
    const containers = [0, 1, 2].map(
      () => new DynamoCaseStore(countingClient(endpoints()).client, { tableName: table }),
    );

    // Fifteen claimers in three containers take two cases each: 30 of the 40.
    const claims = (
      await Promise.all(
        Array.from({ length: 15 }, async (_, index) => {
          const staff: StaffMember = { id: `agent-${index}`, role: 'agent', languages: ['en'] };
          const mine: Case[] = [];
          for (let round = 0; round < 2; round++) {
            const outcome = await claimNextCase(
              queue,
              staff,
              services(containers[index % 3] as DynamoCaseStore),
            );
            if (outcome.outcome === 'claimed') mine.push(outcome.case);
          }
          return mine;
        }),
      )
    ).flat();

    expect(claims).toHaveLength(30);
    expect(new Set(claims.map((kase) => kase.caseId)).size).toBe(30);
    for (const claimed of claims) {
      const view = await loader.getCase(claimed.caseId);
      const events = view?.history.filter((event) => event.type === 'claimed') ?? [];
      expect(events).toEqual([
        expect.objectContaining({
          actor: claimed.assignee,
          at: now.toISOString(),
          detail: expect.objectContaining({ leaseExpiresAt: claimed.leaseExpiresAt }),
        }),
      ]);
      expect(view?.case).toMatchObject({ state: 'claimed', assignee: claimed.assignee });
    }
    const claimedIds = new Set(claims.map((kase) => kase.caseId));
    const stillQueued = cases.filter((kase) => !claimedIds.has(kase.caseId));
    const [figures] = await loader.listQueues([queue]);
    expect(figures).toMatchObject({
      depth: stillQueued.length,
      oldestReceivedAt: stillQueued.map((kase) => kase.receivedAt).sort()[0],
    });
    // Priority first: every high case went before any normal one stayed behind.
    expect(stillQueued.every((kase) => kase.priority === 'normal')).toBe(true);
  });

  it('keeps a case in another language for its readers, then relaxes after the policy timeout', async () => {
    const table = await ownTable();
    const queue = 'international';
    const arrived = '2026-12-01T15:00:00.000Z';
    const vietnamese = queuedCase(template, { key: 'relax-vi', queue, language: 'vi', receivedAt: arrived });
    const caseStore = new DynamoCaseStore(countingClient(endpoints()).client, { tableName: table });
    await load([vietnamese], caseStore);
    const englishOnly: StaffMember = { id: 'eve', role: 'agent', languages: ['en'] };
    const at = (ms: number) => ({
      ...services(caseStore),
      clock: { now: () => new Date(Date.parse(arrived) + ms) },
    });

    expect(await claimNextCase(queue, englishOnly, at(60_000))).toEqual({ outcome: 'empty' });
    const relaxMs = DEFAULT_POLICY.caseRules.languageRelaxMinutes * 60_000;
    expect(await claimNextCase(queue, englishOnly, at(relaxMs))).toMatchObject({
      outcome: 'claimed',
      case: { caseId: vietnamese.caseId, assignee: 'eve' },
    });
  });
});
