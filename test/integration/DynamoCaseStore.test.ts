import { randomUUID } from 'node:crypto';
import { BatchGetCommand, type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { documentClient } from '../../lambdas/adapters/awsClients.js';
import { DynamoCaseStore } from '../../lambdas/adapters/dynamo/DynamoCaseStore.js';
import type { Case } from '../../lambdas/domain/cases/caseRecord.js';
import { QUEUE_RULES, queueOrderKey } from '../../lambdas/domain/cases/claimQueue.js';
import { PRIORITY_RANK } from '../../lambdas/domain/policy/policy.js';
import type { QueueEntry } from '../../lambdas/domain/ports.js';
import { provisionResources } from '../../lambdas/local/provisionResources.js';
import { describeCaseStoreContract } from '../contract/caseStoreContract.js';
import { caseTemplate, queuedCase } from '../helpers/caseFactory.js';

describeCaseStoreContract('DynamoCaseStore on DynamoDB Local', async () => {
  const endpoints = inject('endpoints');
  const resources = await provisionResources(endpoints, `c${randomUUID().slice(0, 8)}`);
  return new DynamoCaseStore(documentClient(endpoints), { tableName: resources.tableName });
});

describe('DynamoCaseStore when DynamoDB leaves thread keys unprocessed', () => {
  it('fails the lookup instead of answering that no case holds them', async () => {
    const endpoints = inject('endpoints');
    const resources = await provisionResources(endpoints, `u${randomUUID().slice(0, 8)}`);
    const real = documentClient(endpoints);
    const throttled = { batchGet: false };
    // Under throttling BatchGetItem answers 200 with every key unprocessed.
    const client = new Proxy(real, {
      get(target, property, receiver) {
        if (property !== 'send') return Reflect.get(target, property, receiver);
        return async (command: unknown) =>
          throttled.batchGet && command instanceof BatchGetCommand
            ? { Responses: {}, UnprocessedKeys: command.input.RequestItems, $metadata: {} }
            : (target.send as (sent: unknown) => Promise<unknown>)(command);
      },
    }) as DynamoDBDocumentClient;
    const store = new DynamoCaseStore(client, { tableName: resources.tableName, sleep: async () => {} });
    const key = `msg:<unprocessed-${randomUUID().slice(0, 8)}@mail.example.com>`;
    expect(await store.findCaseIdByThread([key])).toBeUndefined();
    throttled.batchGet = true;
    await expect(store.findCaseIdByThread([key])).rejects.toThrow(/unprocessed/);
  });
});

describe('DynamoCaseStore on records whose queue key an older version wrote', () => {
  // The order key before a694d32: the earliest of the summary's due times, not the running clocks'.
  const olderOrderKey = (kase: QueueEntry) => {
    const dues = [kase.sla.firstResponseDueAt, kase.sla.resolutionDueAt, kase.sla.regulatoryDueAt]
      .filter((due): due is string => due !== undefined)
      .map((due) => new Date(due).toISOString())
      .sort();
    return `${PRIORITY_RANK[kase.priority]}#${dues[0]}#${new Date(kase.receivedAt).toISOString()}#${kase.caseId}`;
  };

  async function olderRecords() {
    const endpoints = inject('endpoints');
    const resources = await provisionResources(endpoints, `o${randomUUID().slice(0, 8)}`);
    const client = documentClient(endpoints);
    const older = new DynamoCaseStore(client, {
      tableName: resources.tableName,
      rules: { ...QUEUE_RULES, orderKey: olderOrderKey },
    });
    const template = await caseTemplate();
    const queue = `q-${randomUUID().slice(0, 8)}`;
    const dues = ['2026-12-01T16:00:00.000Z', '2026-12-01T17:00:00.000Z', '2026-12-01T18:00:00.000Z'];
    // The running clocks due in one order, the summary (all an older version read) in the other.
    const cases: Case[] = dues.map((due, index) => {
      const kase = queuedCase(template, { key: randomUUID().slice(0, 8), queue, firstResponseDueAt: due });
      return { ...kase, sla: { ...kase.sla, firstResponseDueAt: dues[dues.length - 1 - index] ?? due } };
    });
    for (const kase of cases) {
      await older.createCase({
        case: kase,
        message: {
          direction: 'inbound',
          channel: 'email',
          externalId: `<${kase.caseId}@mail.example.com>`,
          receivedAt: kase.receivedAt,
          subject: kase.subject,
          text: kase.preview,
          attachments: [],
        },
        inboundKey: `inbound:${kase.caseId}`,
        threadKeys: [`msg:${kase.caseId}@mail.example.com`],
        event: { at: kase.createdAt, type: 'case_created', actor: 'system', detail: {} },
      });
    }
    return { client, tableName: resources.tableName, queue, cases };
  }

  it('pages through a queue once each, whatever key the listed cases were stored under', async () => {
    const { client, tableName, queue, cases } = await olderRecords();
    const store = new DynamoCaseStore(client, { tableName });
    const listed: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const found = await store.listCases(
        { queue, state: 'queued' },
        { limit: 1, ...(cursor ? { cursor } : {}) },
      );
      listed.push(...found.cases.map((kase) => kase.caseId));
      cursor = found.nextCursor;
      if (!cursor) break;
    }
    expect([...listed].sort()).toEqual(cases.map((kase) => kase.caseId).sort());
  });

  it('stores the current queue key on the next write of the case, even one that does not move it', async () => {
    const { client, tableName, cases } = await olderRecords();
    const store = new DynamoCaseStore(client, { tableName });
    const before = (await store.getCaseRecord(cases[0]?.caseId ?? '')) as Case;
    const after: Case = { ...before, version: before.version + 1, updatedAt: '2026-12-01T15:30:00.000Z' };
    expect(await store.applyRevision({ before, after, events: [] }, [])).toBe('applied');
    const item = await client.send(
      new GetCommand({ TableName: tableName, Key: { pk: `CASE#${after.caseId}`, sk: 'META' } }),
    );
    expect(item.Item?.queueSort).toBe(queueOrderKey(after));
  });
});
