import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sleep } from '../../../lambdas/adapters/dynamo/backoff.js';
import { DynamoCaseStore } from '../../../lambdas/adapters/dynamo/DynamoCaseStore.js';
import { DEFAULT_POLICY } from '../../../lambdas/domain/policy/defaultPolicy.js';
import { handleInboundBatch, type RouteInboundServices } from '../../../lambdas/handlers/routeInbound.js';
import { provisionResources } from '../../../lambdas/local/provisionResources.js';
import { halfWrittenCaseProblems, snapshotTable } from '../../helpers/caseInvariants.js';
import { type FaultPlan, faultyDocumentClient } from '../../helpers/faultyDynamoClient.js';
import {
  casesByExternalId,
  deliverUntilSettled,
  freshEmail,
  replyEmail,
  uniqueMessageId,
} from '../../helpers/routeHarness.js';
import { seededRandom } from '../../helpers/seededRandom.js';
import { sqsEvent } from '../../helpers/sqsEvents.js';

describe('the route stage while DynamoDB throttles and cancels transactions', () => {
  const endpoints = inject('endpoints');
  let tableName: string;
  const parked: string[] = [];
  const waits: number[] = [];
  let clients: { destroy(): void }[] = [];

  beforeAll(async () => {
    tableName = (await provisionResources(endpoints, `f${randomUUID().slice(0, 8)}`)).tableName;
  });
  afterAll(() => {
    for (const client of clients) client.destroy();
    clients = [];
  });

  function servicesWith(plan: FaultPlan) {
    const faulty = faultyDocumentClient(endpoints, plan);
    clients.push(faulty.client);
    const services: RouteInboundServices = {
      caseStore: new DynamoCaseStore(faulty.client, {
        tableName,
        // The store's own backoff, recorded: a conflict is waited out, never retried in a tight loop.
        sleep: async (ms) => {
          waits.push(ms);
          await sleep(ms);
        },
      }),
      clock: { now: () => new Date('2026-12-01T15:00:05.000Z') },
      policy: DEFAULT_POLICY,
      deadLetters: { park: async (_body, reason) => void parked.push(reason) },
      concurrency: 8,
    };
    return { services, log: faulty.log };
  }

  it('records twenty-four new messages and their replies exactly once while a third of the requests fail', async () => {
    const random = seededRandom(13);
    // A fifth of the requests throttled on the wire (the SDK backs off and retries them), and two
    // in five transactions cancelled by a conflicting transaction or a throttled item (the store
    // backs off and writes again); past the SDK's attempts a record fails and SQS delivers it again.
    const { services, log } = servicesWith(({ command }) => {
      const roll = random();
      if (command === 'TransactWriteItems') {
        if (roll < 0.3) return 'transactionConflict';
        if (roll < 0.4) return 'transactionThrottle';
      }
      return roll > 0.8 ? 'throttle' : undefined;
    });
    const roots = Array.from({ length: 24 }, (_, index) => freshEmail(uniqueMessageId(`throttled-${index}`)));
    const replies = roots.map((root, index) =>
      replyEmail(uniqueMessageId(`reply-${index}`), [root.externalId]),
    );
    const before = await snapshotTable(endpoints.dynamodb ?? '', tableName);

    // Roots first (their replies would otherwise open the conversation's case themselves, which is
    // also one case, but this test counts roots); each reply lands in its root's case.
    const first = await deliverUntilSettled(sqsEvent(roots).Records, (event) =>
      handleInboundBatch(event, services),
    );
    const second = await deliverUntilSettled(sqsEvent(replies).Records, (event) =>
      handleInboundBatch(event, services),
    );

    expect([first.unsettled, second.unsettled]).toEqual([[], []]);
    expect(log.injected.throttle).toBeGreaterThan(5);
    expect(log.injected.transactionConflict).toBeGreaterThan(3);
    expect(log.injected.transactionThrottle).toBeGreaterThan(0);
    // Conflicts were waited out with the store's jittered backoff.
    expect(waits.length).toBeGreaterThanOrEqual(log.injected.transactionConflict);
    const snapshot = await snapshotTable(endpoints.dynamodb ?? '', tableName);
    expect(snapshot.cases.length - before.cases.length).toBe(24);
    const placed = casesByExternalId(snapshot);
    for (const [index, root] of roots.entries()) {
      const rootCases = placed.get(root.externalId) ?? [];
      const replyCases = placed.get(replies[index]?.externalId ?? '') ?? [];
      expect(rootCases).toHaveLength(1);
      expect(replyCases).toEqual(rootCases);
    }
    expect(halfWrittenCaseProblems(snapshot)).toEqual([]);
    expect(parked).toEqual([]);
    console.info(
      `injected ${JSON.stringify(log.injected)}; sent ${JSON.stringify(log.sent)}; ` +
        `rounds ${first.rounds}+${second.rounds}; store waits ${waits.length}`,
    );
  }, 120_000);

  it('lets a record fail for SQS to retry when DynamoDB throttles every attempt, and records it on the next delivery', async () => {
    let throttling = true;
    const { services, log } = servicesWith(() => (throttling ? 'throttle' : undefined));
    const message = freshEmail(uniqueMessageId('always-throttled'));
    const [record] = sqsEvent([message]).Records;
    if (!record) throw new Error('no record');

    const failed = await handleInboundBatch({ Records: [record] }, services);
    throttling = false;
    const retried = await handleInboundBatch({ Records: [record] }, services);

    expect(failed.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
    // The SDK's standard retry policy made its attempts (three) before giving the error up.
    expect(log.injected.throttle).toBeGreaterThanOrEqual(3);
    expect(retried.batchItemFailures).toEqual([]);
    const placed = casesByExternalId(await snapshotTable(endpoints.dynamodb ?? '', tableName));
    expect(placed.get(message.externalId)).toHaveLength(1);
  }, 60_000);
});
