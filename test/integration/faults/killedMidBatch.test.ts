import { randomUUID } from 'node:crypto';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { documentClient } from '../../../lambdas/adapters/awsClients.js';
import { DynamoCaseStore } from '../../../lambdas/adapters/dynamo/DynamoCaseStore.js';
import type { InboundMessage } from '../../../lambdas/domain/inboundMessage.js';
import { DEFAULT_POLICY } from '../../../lambdas/domain/policy/defaultPolicy.js';
import type { CaseStore } from '../../../lambdas/domain/ports.js';
import { handleInboundBatch, type RouteInboundServices } from '../../../lambdas/handlers/routeInbound.js';
import { provisionResources } from '../../../lambdas/local/provisionResources.js';
import { halfWrittenCaseProblems, snapshotTable } from '../../helpers/caseInvariants.js';
import { widgetMemberLine } from '../../helpers/inboundMessages.js';
import {
  casesByExternalId,
  deliverUntilSettled,
  freshEmail,
  replyEmail,
  uniqueMessageId,
} from '../../helpers/routeHarness.js';
import { sqsEvent } from '../../helpers/sqsEvents.js';

const WRITES = new Set<string>(['createCase', 'appendMessage', 'applyRevision', 'applyRevisions']);

/** Thrown by every call once the simulated Lambda instance is dead. */
class InstanceKilledError extends Error {
  override readonly name = 'InstanceKilledError';
}

/**
 * The case store of a Lambda instance that dies at its `killAt`-th write: the write either never
 * leaves (`before`) or commits in DynamoDB and the instance dies before it hears back (`after`).
 * From then on every call fails, in every worker of the batch, as in a process that is gone.
 */
function dyingStore(store: DynamoCaseStore, killAt: number, when: 'before' | 'after') {
  let writes = 0;
  const state = { killed: false };
  const proxy = new Proxy(store, {
    get: (target, property, receiver) => {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        if (state.killed) throw new InstanceKilledError('the instance is gone');
        const isWrite = WRITES.has(String(property));
        if (isWrite && ++writes === killAt) {
          if (when === 'after') await value.apply(target, args);
          state.killed = true;
          throw new InstanceKilledError(`killed at write ${killAt} (${when} it was sent)`);
        }
        return value.apply(target, args);
      };
    },
  });
  return { store: proxy as CaseStore, state };
}

describe('the route handler killed in the middle of a batch', () => {
  const endpoints = inject('endpoints');
  const client = documentClient(endpoints);
  let store: DynamoCaseStore;
  let tableName: string;

  beforeAll(async () => {
    tableName = (await provisionResources(endpoints, `k${randomUUID().slice(0, 8)}`)).tableName;
    store = new DynamoCaseStore(client, { tableName });
  });
  afterAll(() => client.destroy());

  const services = (caseStore: CaseStore): RouteInboundServices => ({
    caseStore,
    clock: { now: () => new Date('2026-12-01T15:00:05.000Z') },
    policy: DEFAULT_POLICY,
    deadLetters: {
      park: async (_body, reason) => {
        throw new Error(`nothing here should be parked: ${reason}`);
      },
    },
    concurrency: 4,
  });

  /** Ten records: four new mails, a reply to each of two of them, a reply to a reply, and a new chat's two lines. */
  function batchOfTen(): InboundMessage[] {
    const roots = [0, 1, 2, 3].map((index) => freshEmail(uniqueMessageId(`killed-root-${index}`)));
    const [first, second] = roots;
    if (!first || !second) throw new Error('no roots');
    const reply = replyEmail(uniqueMessageId('killed-reply'), [first.externalId]);
    const conversationId = `killed-${randomUUID().slice(0, 8)}`;
    const chatLine = (lineId: string, text: string) => widgetMemberLine(conversationId, lineId, text);
    return [
      ...roots,
      reply,
      replyEmail(uniqueMessageId('killed-reply'), [second.externalId]),
      replyEmail(uniqueMessageId('killed-reply-2'), [first.externalId, reply.externalId]),
      chatLine('m1', 'Hi, my package was not delivered.'),
      chatLine('m2', 'The tracking number has not updated since Friday.'),
      freshEmail(uniqueMessageId('killed-last')),
    ];
  }

  for (const [killAt, when] of [
    [1, 'after'],
    [3, 'before'],
    [4, 'after'],
    [7, 'after'],
    [9, 'before'],
  ] as const) {
    it(`records every message once when the instance dies at write ${killAt}, ${when} it was sent, and SQS delivers the batch again`, async () => {
      const messages = batchOfTen();
      const records = sqsEvent(messages).Records;
      const dying = dyingStore(store, killAt, when);
      let invocations = 0;
      // The first invocation dies; Lambda reports no batch response, so every record comes back.
      const invoke = async (event: SQSEvent) => {
        invocations++;
        const instance = invocations === 1 ? dying.store : store;
        const response = await handleInboundBatch(event, services(instance));
        if (instance === dying.store && dying.state.killed) throw new InstanceKilledError('no response');
        return response;
      };

      const delivered = await deliverUntilSettled(records, invoke);

      expect(dying.state.killed).toBe(true);
      expect(delivered).toMatchObject({ unsettled: [], thrown: 1 });
      const snapshot = await snapshotTable(endpoints.dynamodb ?? '', tableName);
      const placed = casesByExternalId(snapshot);
      const caseOf = (message: InboundMessage | undefined) => placed.get(message?.externalId ?? '') ?? [];
      for (const message of messages) expect(caseOf(message), message.externalId).toHaveLength(1);
      // Threads held: the replies sit in their roots' cases, the chat's lines in one case.
      expect(caseOf(messages[4])).toEqual(caseOf(messages[0]));
      expect(caseOf(messages[6])).toEqual(caseOf(messages[0]));
      expect(caseOf(messages[5])).toEqual(caseOf(messages[1]));
      expect(caseOf(messages[8])).toEqual(caseOf(messages[7]));
      const caseIds = new Set(messages.flatMap((message) => caseOf(message)));
      expect(caseIds.size).toBe(6);
      expect(halfWrittenCaseProblems(snapshot)).toEqual([]);
    });
  }
});
