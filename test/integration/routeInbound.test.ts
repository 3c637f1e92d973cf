import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoCaseStore } from '../../lambdas/adapters/dynamo/DynamoCaseStore.js';
import { SesMailer, sesOutboxClient } from '../../lambdas/adapters/ses/SesMailer.js';
import { knownQueues } from '../../lambdas/domain/cases/claimQueue.js';
import { messageThreadKey, referenceKeysOf } from '../../lambdas/domain/cases/messageIdentity.js';
import type { InboundMessage } from '../../lambdas/domain/inboundMessage.js';
import { acknowledgerFor } from '../../lambdas/domain/outbound/acknowledge.js';
import { DEFAULT_POLICY } from '../../lambdas/domain/policy/defaultPolicy.js';
import type { CaseStore } from '../../lambdas/domain/ports.js';
import { handleInboundBatch, type RouteInboundServices } from '../../lambdas/handlers/routeInbound.js';
import { provisionResources } from '../../lambdas/local/provisionResources.js';
import { type CommandCounts, countingClient, resetCounts, totalCommands } from '../helpers/countingClient.js';
import { inboundEmail, widgetMemberLine } from '../helpers/inboundMessages.js';
import { sqsEvent } from '../helpers/sqsEvents.js';

describe('the route stage on DynamoDB Local', () => {
  let store: DynamoCaseStore;
  let counts: CommandCounts;
  let services: RouteInboundServices;
  const parked: string[] = [];

  beforeAll(async () => {
    const endpoints = inject('endpoints');
    const resources = await provisionResources(endpoints, `r${randomUUID().slice(0, 8)}`);
    const counting = countingClient(endpoints);
    counts = counting.counts;
    store = new DynamoCaseStore(counting.client, { tableName: resources.tableName });
    services = {
      caseStore: store,
      clock: { now: () => new Date('2026-12-01T15:00:05.000Z') },
      policy: DEFAULT_POLICY,
      deadLetters: { park: async (_body, reason) => void parked.push(reason) },
      concurrency: 8,
    };
  });

  const id = (label: string) => `<${label}-${randomUUID().slice(0, 8)}@mail.example.com>`;

  function email(messageId: string, overrides: Partial<InboundMessage> = {}): InboundMessage {
    return inboundEmail({
      externalId: messageId,
      receivedAt: '2026-12-01T15:00:00.000Z',
      threading: { messageId, references: [] },
      ...overrides,
    });
  }

  function reply(messageId: string, references: string[], overrides: Partial<InboundMessage> = {}) {
    return email(messageId, {
      subject: 'Re: Refill for my lisinopril',
      bodyText: `Any news? (${messageId})`,
      threading: { messageId, inReplyTo: references.at(-1), references },
      ...overrides,
    });
  }

  async function route(messages: InboundMessage[]) {
    const response = await handleInboundBatch(sqsEvent(messages), services);
    expect(response.batchItemFailures).toEqual([]);
  }

  async function caseOf(messageId: string) {
    const caseId = await store.findCaseIdByThread([messageThreadKey(messageId)]);
    return caseId ? store.getCase(caseId) : undefined;
  }

  async function depth() {
    return (await store.listQueues(['fulfillment']))[0]?.depth ?? 0;
  }

  async function allQueued() {
    const queues = await store.listQueues(knownQueues(DEFAULT_POLICY));
    return queues.reduce((sum, queue) => sum + queue.depth, 0);
  }

  it('records a fresh message with one DynamoDB request, and answers its redelivery with one more', async () => {
    const message = email(id('fresh'));
    resetCounts(counts);
    await route([message]);
    const created = totalCommands(counts);
    resetCounts(counts);
    await route([message]);
    const redelivered = totalCommands(counts);
    console.info(`DynamoDB requests: new case ${created}, redelivery ${redelivered}`);
    expect(created).toBe(1);
    expect(redelivered).toBe(1);
    expect((await caseOf(message.externalId))?.messages).toHaveLength(1);
  });

  it('acknowledges a new case with one DynamoDB write after the case: the entry is written held for its sender', async () => {
    const desk = {
      address: 'support@pharmacy.example',
      name: 'Member Services',
      timeZone: 'America/Chicago',
    };
    const ses = sesOutboxClient(inject('endpoints'));
    try {
      const acknowledging: RouteInboundServices = {
        ...services,
        acknowledge: acknowledgerFor(desk),
        mailer: new SesMailer(ses, desk.address),
      };
      const message = email(id('acknowledged'), {
        sender: { address: `member-${randomUUID().slice(0, 8)}@example.com`, name: 'Maria Lopez' },
      });
      resetCounts(counts);
      const response = await handleInboundBatch(sqsEvent([message]), acknowledging);
      expect(response.batchItemFailures).toEqual([]);
      // The case with its entry (held), then only the "sent" mark: no claim of its own. Then the two
      // forms of the Message-ID SES gives the mail, registered as the case's thread keys.
      expect(counts.commands).toEqual({ TransactWriteItems: 1, UpdateItem: 1, PutItem: 2 });
      const caseId = (await caseOf(message.externalId))?.case.caseId;
      expect(caseId).toBeDefined();
      expect((await store.listOutbox(100)).map((entry) => entry.caseId)).not.toContain(caseId);
    } finally {
      ses.destroy();
    }
  });

  it('opens a case for a message naming 99 ids never seen here (the most a message carries), and a later reply naming only the root or the newest joins it', async () => {
    const thread = Array.from({ length: 99 }, (_, index) => id(`unseen-${index}`));
    const first = email(id('long-thread'), {
      threading: { messageId: id('long-thread'), references: thread },
    });
    first.threading.messageId = first.externalId;
    await route([first]);
    const opened = await caseOf(first.externalId);
    expect(opened?.case.messageCount).toBe(1);
    await route([reply(id('by-root'), [thread[0] ?? ''])]);
    await route([reply(id('by-newest'), [thread.at(-1) ?? ''])]);
    expect((await caseOf(first.externalId))?.case.messageCount).toBe(3);
    expect(parked).toEqual([]);
  });

  it('records a reply with three requests: its thread, its case and the append', async () => {
    const root = email(id('root'));
    await route([root]);
    resetCounts(counts);
    await route([reply(id('reply'), [root.externalId])]);
    console.info(`DynamoDB requests: reply ${totalCommands(counts)} ${JSON.stringify(counts.commands)}`);
    expect(counts.commands).toEqual({ BatchGetItem: 1, GetItem: 1, TransactWriteItems: 1 });
  });

  it('records a second message that reuses a Message-ID with other content, and one case for a redelivery', async () => {
    const messageId = id('reused');
    const before = await depth();
    await route([email(messageId), email(messageId)]);
    await route([
      email(messageId, { bodyText: 'Ship my order to my new address please, this is another message.' }),
    ]);
    expect((await depth()) - before).toBe(2);
    expect((await caseOf(messageId))?.messages[0]?.text).toContain('refill');
  });

  it('opens one case for twenty replies that name a root not seen yet, and joins the root when it arrives', async () => {
    const rootId = id('unseen-root');
    const before = await depth();
    const replies = Array.from({ length: 20 }, (_, index) => reply(id(`early-${index}`), [rootId]));
    // Ten parallel Lambdas with two records each.
    await Promise.all(
      Array.from({ length: 10 }, (_, lambda) => route(replies.slice(lambda * 2, lambda * 2 + 2))),
    );
    expect((await depth()) - before).toBe(1);
    await route([email(rootId)]);
    expect((await depth()) - before).toBe(1);
    const view = await caseOf(rootId);
    expect(view?.case.messageCount).toBe(21);
    expect(view?.messages).toHaveLength(21);
  });

  it('opens one case for a reply that arrives before its parent', async () => {
    const rootId = id('late-root');
    const childId = id('child');
    const before = await depth();
    await route([reply(id('grandchild'), [rootId, childId])]);
    await route([reply(childId, [rootId])]);
    await route([email(rootId)]);
    expect((await depth()) - before).toBe(1);
    expect((await caseOf(childId))?.case.caseId).toBe((await caseOf(rootId))?.case.caseId);
  });

  it('opens one case when a root and its reply race in parallel Lambdas', async () => {
    for (let race = 0; race < 5; race++) {
      const rootId = id(`race-root-${race}`);
      const before = await depth();
      await Promise.all([route([email(rootId)]), route([reply(id(`race-reply-${race}`), [rootId])])]);
      expect((await depth()) - before).toBe(1);
      expect((await caseOf(rootId))?.case.messageCount).toBe(2);
    }
  });

  it('opens one case when two member lines of a new chat race in parallel Lambdas', async () => {
    const memberLine = widgetMemberLine;
    // Both Lambdas have looked for the conversation's case and found none before either writes:
    // each createCase waits until the other has been called too.
    let waiting: (() => void)[] = [];
    let racedCreates = 0;
    const createCase: CaseStore['createCase'] = async (newCase) => {
      racedCreates++;
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
        if (waiting.length === 2) {
          for (const release of waiting) release();
          waiting = [];
        }
      });
      return store.createCase(newCase);
    };
    // The store's other methods run on the store itself (its private fields stay reachable).
    const racingStore = new Proxy(store, {
      get: (target, property, receiver) => {
        if (property === 'createCase') return createCase;
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const racing: RouteInboundServices = { ...services, caseStore: racingStore };
    for (let race = 0; race < 5; race++) {
      const conversationId = `race-${randomUUID().slice(0, 8)}`;
      const first = memberLine(conversationId, 'm1', 'Hi, my package was not delivered.');
      const second = memberLine(conversationId, 'm2', 'The tracking number has not updated since Friday.');
      const before = await allQueued();
      racedCreates = 0;

      const answers = await Promise.all([
        handleInboundBatch(sqsEvent([first]), racing),
        handleInboundBatch(sqsEvent([second]), racing),
      ]);

      expect(answers.flatMap((answer) => answer.batchItemFailures)).toEqual([]);
      expect(racedCreates).toBe(2);
      expect((await allQueued()) - before).toBe(1);
      const caseId = await store.findCaseIdByThread(referenceKeysOf(first));
      const view = caseId ? await store.getCase(caseId) : undefined;
      expect(view?.case.messageCount).toBe(2);
      expect(view?.messages.map((message) => message.text).sort()).toEqual(
        [first.bodyText, second.bodyText].sort(),
      );
    }
  });

  it('records a message whose Message-ID and References run past the key limit, without a retry', async () => {
    const huge = `<${'中'.repeat(700)}@mail.example.com>`;
    const parent = `<${'文'.repeat(700)}@mail.example.com>`;
    const before = await depth();
    await route([reply(huge, [parent])]);
    expect((await depth()) - before).toBe(1);
    const view = await caseOf(huge);
    expect(view?.case.messageCount).toBe(1);
    await route([reply(id('after-huge'), [parent])]);
    expect((await caseOf(huge))?.case.messageCount).toBe(2);
    expect(parked).toEqual([]);
  });

  it('appends a burst of twenty replies to one case from parallel Lambdas, backing off instead of failing', async () => {
    const rootId = id('busy-root');
    await route([email(rootId)]);
    const replies = Array.from({ length: 20 }, (_, index) => reply(id(`burst-${index}`), [rootId]));
    await Promise.all(replies.map((message) => route([message])));
    const view = await caseOf(rootId);
    expect(view?.case.messageCount).toBe(21);
    expect(view?.messages).toHaveLength(21);
  });
});
