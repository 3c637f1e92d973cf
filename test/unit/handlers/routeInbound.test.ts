import { describe, expect, it, vi } from 'vitest';
import { chatLineMessage } from '../../../lambdas/domain/ingest/acceptChat.js';
import { acknowledgerFor } from '../../../lambdas/domain/outbound/acknowledge.js';
import { DEFAULT_POLICY } from '../../../lambdas/domain/policy/defaultPolicy.js';
import { CaseRejectedError, type CaseStore, type OutboundMail } from '../../../lambdas/domain/ports.js';
import { handleInboundBatch, type RouteInboundServices } from '../../../lambdas/handlers/routeInbound.js';
import { InMemoryCaseStore } from '../../helpers/InMemoryCaseStore.js';
import { inboundEmail } from '../../helpers/inboundMessages.js';
import { sqsEvent } from '../../helpers/sqsEvents.js';

const clock = { now: () => new Date('2026-12-01T15:00:05.000Z') };
const desk = { address: 'support@pharmacy.example', name: 'Member Services', timeZone: 'America/Chicago' };

function email(label: string, references: string[] = []) {
  const messageId = `<${label}@mail.example.com>`;
  return inboundEmail({
    externalId: messageId,
    bodyText: `Refill please (${label}).`,
    threading: { messageId, references, ...(references.length > 0 ? { inReplyTo: references.at(-1) } : {}) },
  });
}

/** A store whose writes take a while, recording how many ran at once and in which order. */
function slowStore(inner: CaseStore) {
  const seen = { inFlight: 0, most: 0, order: [] as string[] };
  const slow =
    <A extends unknown[], R>(write: (...args: A) => Promise<R>, label: (...args: A) => string) =>
    async (...args: A): Promise<R> => {
      seen.inFlight += 1;
      seen.most = Math.max(seen.most, seen.inFlight);
      seen.order.push(label(...args));
      await new Promise((resolve) => setTimeout(resolve, 20));
      try {
        return await write(...args);
      } finally {
        seen.inFlight -= 1;
      }
    };
  const store: CaseStore = Object.assign(Object.create(inner), {
    createCase: slow(inner.createCase.bind(inner), (newCase) => newCase.message.externalId),
    appendMessage: slow(inner.appendMessage.bind(inner), (append) => `append:${append.caseId}`),
  });
  return { store, seen };
}

function chatLine(lineId: string, role: 'member' | 'staff', text: string, at: string) {
  return chatLineMessage({
    source: 'widget',
    conversationId: 'conv-batch',
    lineId,
    role,
    event: 'message',
    text,
    receivedAt: new Date(at),
    outsideChatHours: false,
    rawBlobKey: `chat/widget/conv-batch/events/${lineId}.json`,
  });
}

describe('handleInboundBatch', () => {
  it('sends only the acknowledgement of the case it created, never one composed on an earlier hop', async () => {
    const caseStore = new InMemoryCaseStore();
    const sent: OutboundMail[] = [];
    let now = new Date('2026-10-01T15:00:05.000Z');
    const services: RouteInboundServices = {
      caseStore,
      clock: { now: () => now },
      policy: DEFAULT_POLICY,
      deadLetters: { park: async () => {} },
      acknowledge: acknowledgerFor(desk),
      mailer: {
        send: async (mail) => {
          sent.push(mail);
          return { providerMessageId: `ses-${sent.length}` };
        },
      },
    };
    // The member's first message opens a case; it is resolved and its reopen window (14 days) passes.
    const parent = inboundEmail({
      externalId: '<parent@mail.example.com>',
      receivedAt: '2026-10-01T15:00:00.000Z',
      threading: { messageId: '<parent@mail.example.com>', references: [] },
    });
    expect((await handleInboundBatch(sqsEvent([parent]), services)).batchItemFailures).toEqual([]);
    const [resolvedId = ''] = [...caseStore.cases.keys()];
    const resolved = caseStore.cases.get(resolvedId);
    if (!resolved) throw new Error('no case');
    caseStore.cases.set(resolvedId, {
      ...resolved,
      state: 'resolved',
      resolvedAt: '2026-10-02T00:00:00.000Z',
    });
    sent.length = 0;
    // Her reply two months later: the first thread lookup misses (a throttled read), so the route
    // composes a new case's acknowledgement, finds the thread taken, and opens a follow-up instead.
    now = new Date('2026-12-01T15:00:05.000Z');
    const lookup = caseStore.findCaseIdByThread.bind(caseStore);
    let misses = 1;
    caseStore.findCaseIdByThread = async (keys) => (misses-- > 0 ? undefined : lookup(keys));
    const reply = inboundEmail({
      externalId: '<late-reply@mail.example.com>',
      receivedAt: '2026-12-01T15:00:00.000Z',
      subject: 'Re: Refill for my lisinopril',
      threading: {
        messageId: '<late-reply@mail.example.com>',
        inReplyTo: '<parent@mail.example.com>',
        references: ['<parent@mail.example.com>'],
      },
    });
    expect((await handleInboundBatch(sqsEvent([reply]), services)).batchItemFailures).toEqual([]);
    const references = sent.map((mail) => /\[CR-([0-9A-Z]{10})\]/.exec(mail.subject)?.[1]);
    expect(references).toHaveLength(1);
    expect([...caseStore.cases.keys()]).toContain(references[0]);
    expect(caseStore.cases.get(references[0] ?? '')?.links).toEqual([
      expect.objectContaining({ caseId: resolvedId, relation: 'follows' }),
    ]);
  });

  it("records a chat batch in the order its lines were written, so a staff answer queued before the member's line joins the case", async () => {
    const caseStore = new InMemoryCaseStore();
    const response = await handleInboundBatch(
      sqsEvent([
        chatLine('s1', 'staff', 'Which prescription?', '2026-12-01T15:00:04.000Z'),
        chatLine('m1', 'member', 'My refill is late', '2026-12-01T15:00:01.000Z'),
      ]),
      { caseStore, clock, policy: DEFAULT_POLICY, deadLetters: { park: async () => {} } },
    );
    expect(response.batchItemFailures).toEqual([]);
    const caseId = await caseStore.findCaseIdByThread(['conv:chat:widget:conv-batch']);
    expect((await caseStore.getCase(caseId ?? ''))?.messages.map((message) => message.text)).toEqual([
      'My refill is late',
      'Which prescription?',
    ]);
  });

  it("asks SQS for a staff line again while its member's line may be on the way, and lets it go on the last receive", async () => {
    const parked: string[] = [];
    const services = {
      caseStore: new InMemoryCaseStore(),
      clock,
      policy: DEFAULT_POLICY,
      deadLetters: { park: async (_body: string, reason: string) => void parked.push(reason) },
      maxReceiveCount: 5,
    };
    const event = sqsEvent([chatLine('s2', 'staff', 'Hello?', '2026-12-01T15:00:00.000Z')]);
    const first = await handleInboundBatch(event, services);
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]?.messageId }]);

    const record = event.Records[0];
    if (record) record.attributes.ApproximateReceiveCount = '5';
    const last = await handleInboundBatch(event, services);
    expect(last.batchItemFailures).toEqual([]);
    expect(parked).toEqual([]);
  });

  it('records the conversations of a batch at once and the records of one conversation in order', async () => {
    const { store, seen } = slowStore(new InMemoryCaseStore());
    const parked: string[] = [];
    const batch = [
      email('a'),
      email('b'),
      email('a-reply', ['<a@mail.example.com>']),
      email('c'),
      email('d'),
    ];
    const response = await handleInboundBatch(sqsEvent(batch), {
      caseStore: store,
      clock,
      policy: DEFAULT_POLICY,
      deadLetters: { park: async (_body, reason) => void parked.push(reason) },
      concurrency: 4,
    });
    expect(response.batchItemFailures).toEqual([]);
    expect(seen.most).toBeGreaterThan(1);
    expect(seen.most).toBeLessThanOrEqual(4);
    // The reply waits for its root: it is appended to the root's case, not raced into its own.
    expect(seen.order.indexOf('<a@mail.example.com>')).toBeLessThan(
      seen.order.findIndex((w) => w.startsWith('append:')),
    );
    expect(parked).toEqual([]);
  });

  it('parks a record the store can never write in the DLQ at once instead of retrying it', async () => {
    const inner = new InMemoryCaseStore();
    const refusing: CaseStore = Object.assign(Object.create(inner), {
      createCase: async () => {
        throw new CaseRejectedError('could not create case: Item size has exceeded the maximum allowed size');
      },
    });
    const parked: string[] = [];
    const response = await handleInboundBatch(sqsEvent([email('too-big')]), {
      caseStore: refusing,
      clock,
      policy: DEFAULT_POLICY,
      deadLetters: { park: async (_body, reason) => void parked.push(reason) },
    });
    expect(response.batchItemFailures).toEqual([]);
    expect(parked).toEqual([expect.stringContaining('Item size has exceeded')]);
  });

  it('asks SQS to deliver a record again after a failure that may pass', async () => {
    const inner = new InMemoryCaseStore();
    const flaky: CaseStore = Object.assign(Object.create(inner), {
      createCase: async () => {
        throw new Error('ProvisionedThroughputExceededException');
      },
    });
    const event = sqsEvent([email('flaky')]);
    const response = await handleInboundBatch(event, {
      caseStore: flaky,
      clock,
      policy: DEFAULT_POLICY,
      deadLetters: { park: async () => {} },
    });
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]?.messageId }]);
  });

  it('logs the cause of a failure redacted: an error it wraps may quote member data', async () => {
    const inner = new InMemoryCaseStore();
    const failing: CaseStore = Object.assign(Object.create(inner), {
      createCase: async () => {
        // A parse error quotes what it read (V8: `Unexpected token …, "…" is not valid JSON`).
        const cause = new Error('could not read {"ssn":"123-45-6789","mbi":"1EG4-TE5-MK73"}');
        throw new Error('could not create case', { cause });
      },
    });
    const lines: string[] = [];
    for (const stream of [process.stdout, process.stderr])
      vi.spyOn(stream, 'write').mockImplementation((chunk) => {
        lines.push(String(chunk));
        return true;
      });
    for (const method of ['log', 'info', 'warn', 'error'] as const)
      vi.spyOn(console, method).mockImplementation((...args) => void lines.push(args.map(String).join(' ')));
    try {
      const event = sqsEvent([email('failing-with-cause')]);
      const response = await handleInboundBatch(event, {
        caseStore: failing,
        clock,
        policy: DEFAULT_POLICY,
        deadLetters: { park: async () => {} },
      });
      expect(response.batchItemFailures).toHaveLength(1);
    } finally {
      vi.restoreAllMocks();
    }
    const logged = lines.join('\n');
    expect(logged).toContain('inbound record failed');
    expect(logged).not.toContain('123-45-6789');
    expect(logged).not.toContain('1EG4-TE5-MK73');
  });

  it('parks a record that fails on its last receive with the error, and lets earlier receives fail for SQS', async () => {
    const inner = new InMemoryCaseStore();
    const failing: CaseStore = Object.assign(Object.create(inner), {
      createCase: async () => {
        throw new TypeError('cannot read the case');
      },
    });
    const parked: string[] = [];
    const services = {
      caseStore: failing,
      clock,
      policy: DEFAULT_POLICY,
      deadLetters: { park: async (_body: string, reason: string) => void parked.push(reason) },
      maxReceiveCount: 5,
    };
    const receive = (count: number) => {
      const event = sqsEvent([email('always-failing')]);
      for (const record of event.Records) record.attributes.ApproximateReceiveCount = String(count);
      return event;
    };

    const fourth = await handleInboundBatch(receive(4), services);
    const fifth = await handleInboundBatch(receive(5), services);

    expect(fourth.batchItemFailures).toHaveLength(1);
    expect(fifth.batchItemFailures).toEqual([]);
    expect(parked).toEqual(['failed on each of its 5 receives; the last: TypeError: cannot read the case']);
  });
});
