import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  HmacWidgetAuthenticator,
  widgetSignature,
} from '../../../lambdas/adapters/chat/HmacWidgetAuthenticator.js';
import { readConnectChatItem } from '../../../lambdas/domain/chat/connectChat.js';
import { InboundMessageSchema } from '../../../lambdas/domain/inboundMessage.js';
import {
  type AcceptChatServices,
  acceptConnectChatItem,
  acceptWidgetEvent,
} from '../../../lambdas/domain/ingest/acceptChat.js';
import { DEFAULT_POLICY } from '../../../lambdas/domain/policy/defaultPolicy.js';
import type { WebhookRequest } from '../../../lambdas/domain/webhookRequest.js';
import { fixedClock, MemoryBlobStore, MemoryInboundQueue } from '../../helpers/channelFakes.js';
import { corporaDir, hasCorpora } from '../../helpers/fixtures.js';

const SECRET = 'widget-secret-0123456789abcdef-0123456789';
const OPEN = '2026-03-03T15:00:00Z'; // Tuesday 09:00 Central
const CLOSED = '2026-03-04T05:00:00Z'; // Tuesday 23:00 Central

function setup(at = OPEN) {
  const clock = fixedClock(at);
  const inboundQueue = new MemoryInboundQueue();
  const blobStore = new MemoryBlobStore();
  const services: AcceptChatServices = {
    authenticator: new HmacWidgetAuthenticator([SECRET]),
    blobStore,
    inboundQueue,
    clock,
    policy: DEFAULT_POLICY,
  };
  const post = (
    event: unknown,
    options: { secret?: string; skewSeconds?: number; raw?: string } = {},
  ): WebhookRequest => {
    const body = options.raw ?? JSON.stringify(event);
    const timestamp = String(Math.floor(clock.now().getTime() / 1000) + (options.skewSeconds ?? 0));
    return {
      method: 'POST',
      url: 'https://desk.example/inbound/chat',
      headers: {
        'x-chat-timestamp': timestamp,
        'x-chat-signature': widgetSignature(options.secret ?? SECRET, timestamp, body),
      },
      body: Buffer.from(body),
    };
  };
  return { services, inboundQueue, blobStore, post, clock };
}

const started = {
  type: 'chat.started',
  eventId: 'e1',
  conversationId: 'conv-1',
  occurredAt: OPEN,
  member: { name: 'Ana Ruiz', email: 'ana@example.com', preferredLanguage: 'es' },
};
const memberMessage = {
  type: 'chat.member_message',
  eventId: 'e2',
  conversationId: 'conv-1',
  occurredAt: OPEN,
  text: '¿Dónde está mi pedido?',
};

describe('acceptWidgetEvent', () => {
  it('keeps the member from chat.started and queues each member line threaded by conversation', async () => {
    const { services, inboundQueue, post } = setup();
    expect((await acceptWidgetEvent(post(started), services)).status).toBe(200);

    const outcome = await acceptWidgetEvent(post(memberMessage), services);

    expect(outcome).toMatchObject({ status: 202, body: { status: 'accepted', chat: { open: true } } });
    expect(InboundMessageSchema.parse(inboundQueue.messages[0])).toMatchObject({
      channel: 'chat',
      externalId: 'widget:conv-1:e2',
      receivedAt: '2026-03-03T15:00:00.000Z',
      sender: { address: 'ana@example.com', name: 'Ana Ruiz' },
      replyTo: 'ana@example.com',
      bodyText: '¿Dónde está mi pedido?',
      threading: { conversationId: 'widget:conv-1' },
      hints: { preferredLanguage: 'es' },
      chat: { source: 'widget', role: 'member', event: 'message' },
    });
  });

  it('keeps the pre-chat answers when the conversation is started again with fewer of them', async () => {
    const { services, inboundQueue, post } = setup();
    await acceptWidgetEvent(post(started), services);
    // The widget reloaded: a new start, the member's answers not filled in again, one corrected.
    const restarted = { ...started, eventId: 'e1b', member: { preferredLanguage: 'pt' } };
    expect((await acceptWidgetEvent(post(restarted), services)).status).toBe(200);
    await acceptWidgetEvent(post(memberMessage), services);
    expect(inboundQueue.messages[0]).toMatchObject({
      sender: { address: 'ana@example.com', name: 'Ana Ruiz' },
      hints: { preferredLanguage: 'pt' },
    });
  });

  it('tells the member in their language that chat is closed and marks the line outside hours', async () => {
    const { services, inboundQueue, post } = setup(CLOSED);
    await acceptWidgetEvent(post(started), services);

    const outcome = await acceptWidgetEvent(post(memberMessage), services);

    expect(outcome.body.chat).toMatchObject({
      open: false,
      nextOpenAt: '2026-03-04T13:00:00.000Z',
      notice: { language: 'es' },
    });
    expect(JSON.stringify(outcome.body)).toMatch(/no está disponible/);
    expect(inboundQueue.messages[0]?.chat?.outsideChatHours).toBe(true);
  });

  it('queues a staff line and the end of the chat for the transcript', async () => {
    const { services, inboundQueue, post } = setup();
    await acceptWidgetEvent(
      post({ ...memberMessage, type: 'chat.staff_message', eventId: 'e3', staffId: 'alice' }),
      services,
    );
    await acceptWidgetEvent(
      post({
        type: 'chat.ended',
        eventId: 'e4',
        conversationId: 'conv-1',
        occurredAt: OPEN,
        endedBy: 'member',
      }),
      services,
    );
    expect(inboundQueue.messages.map((message) => [message.chat?.role, message.chat?.event])).toEqual([
      ['staff', 'message'],
      ['member', 'ended'],
    ]);
  });

  it('answers a redelivered event 200 and queues it once', async () => {
    const { services, inboundQueue, post } = setup();
    await acceptWidgetEvent(post(memberMessage), services);
    expect((await acceptWidgetEvent(post(memberMessage), services)).body.status).toBe('duplicate');
    expect(inboundQueue.messages).toHaveLength(1);
  });

  it('refuses a different event under a used event id (422) instead of answering it as a duplicate and losing it', async () => {
    const { services, inboundQueue, post } = setup();
    await acceptWidgetEvent(post(memberMessage), services);

    const reused = await acceptWidgetEvent(
      post({ ...memberMessage, text: 'Necesito mi insulina hoy' }),
      services,
    );

    expect(reused).toMatchObject({ status: 422, body: { error: 'event_id_reused', eventId: 'e2' } });
    // The same event again, re-serialized with its keys in another order, is still a duplicate.
    const { text, ...rest } = memberMessage;
    expect((await acceptWidgetEvent(post({ text, ...rest }), services)).body.status).toBe('duplicate');
    // So is a retry the widget stamped with the time of its second attempt.
    const restamped = { ...memberMessage, occurredAt: '2026-03-03T15:00:07Z' };
    expect((await acceptWidgetEvent(post(restamped), services)).body.status).toBe('duplicate');
    expect(inboundQueue.messages).toHaveLength(1);
  });

  it.each([
    ['a wrong secret', { secret: 'another-secret-0123456789abcdef-0123456' }],
    ['a replay after 301 s', { skewSeconds: -301 }],
  ])('answers 401 to %s', async (_, options) => {
    const { services, inboundQueue, post } = setup();
    expect((await acceptWidgetEvent(post(memberMessage, options), services)).status).toBe(401);
    expect(inboundQueue.messages).toHaveLength(0);
  });

  it('answers 400 with the field that is wrong', async () => {
    const { services, post } = setup();
    const outcome = await acceptWidgetEvent(post({ ...memberMessage, text: '' }), services);
    expect(outcome).toMatchObject({
      status: 400,
      body: { error: 'invalid_event', fields: { text: 'a chat message cannot be empty' } },
    });
  });

  it('answers 400 to a preferred language longer than a language tag, instead of accepting a line routing refuses', async () => {
    const { services, inboundQueue, post } = setup();
    // Matches the subtag pattern, but 273 characters: the route stage's message schema takes at most 35.
    const preferredLanguage = `es-${'abcdefgh-'.repeat(30)}x1`;

    const outcome = await acceptWidgetEvent(
      post({ ...memberMessage, member: { preferredLanguage } }),
      services,
    );

    expect(outcome).toMatchObject({
      status: 400,
      body: { fields: { 'member.preferredLanguage': expect.any(String) } },
    });
    expect(inboundQueue.messages).toHaveLength(0);
  });

  it('queues, for every member the widget schema accepts, a message the route stage accepts', async () => {
    const { services, inboundQueue, post } = setup();
    const member = fc.record(
      {
        name: fc.string({ maxLength: 260 }),
        email: fc.constantFrom('ana@example.com', `${'a'.repeat(64)}@${'b'.repeat(180)}.example`),
        memberId: fc.stringMatching(/^[A-Za-z0-9-]{4,20}$/),
        preferredLanguage: fc.stringMatching(/^[a-zA-Z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,12}$/),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(member, fc.nat(), async (candidate, n) => {
        const outcome = await acceptWidgetEvent(
          post({ ...memberMessage, eventId: `m${n}-${inboundQueue.messages.length}`, member: candidate }),
          services,
        );
        if (outcome.status === 202) {
          expect(InboundMessageSchema.safeParse(inboundQueue.messages.at(-1)).success).toBe(true);
        } else {
          expect(outcome.status).toBe(400);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('answers only 2xx or 4xx to 1,000 arbitrary signed bodies and queues a valid message for each 202', async () => {
    const { services, inboundQueue, post } = setup();
    const events = fc.oneof(
      { arbitrary: fc.string({ maxLength: 300 }).map((raw) => ({ raw })), weight: 1 },
      { arbitrary: fc.json({ maxDepth: 3 }).map((raw) => ({ raw })), weight: 1 },
      // Mostly well-formed events with one field at a time likely wrong, so the accept path runs too.
      {
        weight: 4,
        arbitrary: fc
          .record({
            type: fc.constantFrom(
              'chat.started',
              'chat.member_message',
              'chat.staff_message',
              'chat.ended',
              'chat.other',
            ),
            eventId: fc.oneof(
              { arbitrary: fc.stringMatching(/^[a-z0-9]{1,10}$/), weight: 9 },
              { arbitrary: fc.string({ maxLength: 20 }), weight: 1 },
            ),
            conversationId: fc.oneof(
              { arbitrary: fc.constantFrom('c1', 'c2'), weight: 9 },
              { arbitrary: fc.string({ maxLength: 12 }), weight: 1 },
            ),
            occurredAt: fc.constantFrom(OPEN, OPEN, OPEN, OPEN, OPEN, OPEN, OPEN, OPEN, OPEN, 'yesterday'),
            text: fc.oneof(
              {
                arbitrary: fc.string({ minLength: 1, maxLength: 50 }).filter((text) => text.trim() !== ''),
                weight: 8,
              },
              { arbitrary: fc.constant(''), weight: 1 },
              { arbitrary: fc.string({ minLength: 4_001, maxLength: 4_100 }), weight: 1 },
            ),
            staffId: fc.constantFrom('alice', 'alice', ''),
            endedBy: fc.constantFrom('member', 'timeout', 'nobody'),
          })
          .map(({ type, eventId, conversationId, occurredAt, text, staffId, endedBy }) => {
            const event: Record<string, unknown> = { type, eventId, conversationId, occurredAt };
            if (type === 'chat.member_message' || type === 'chat.staff_message') event.text = text;
            if (type === 'chat.staff_message') event.staffId = staffId;
            if (type === 'chat.ended') event.endedBy = endedBy;
            return { raw: JSON.stringify(event) };
          }),
      },
    );
    const outcomes = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(events, async ({ raw }) => {
        const before = inboundQueue.messages.length;
        const outcome = await acceptWidgetEvent(post(undefined, { raw }), services);
        outcomes.set(outcome.status, (outcomes.get(outcome.status) ?? 0) + 1);
        expect(outcome.status >= 200 && outcome.status < 500).toBe(true);
        const queued = inboundQueue.messages.length - before;
        expect(queued).toBe(outcome.status === 202 ? 1 : 0);
        if (queued) expect(InboundMessageSchema.safeParse(inboundQueue.messages.at(-1)).success).toBe(true);
      }),
      { numRuns: 1_000 },
    );
    // The run exercised acceptance and rejection alike, not only the parser's front door.
    expect(outcomes.get(202) ?? 0).toBeGreaterThan(100);
    expect(outcomes.get(400) ?? 0).toBeGreaterThan(100);
  });
});

describe.skipIf(!hasCorpora)('Amazon Connect chat items', () => {
  it('ignores the corpus typing event and reads member and agent messages and the end of the chat', async () => {
    const { readFileSync } = await import('node:fs');
    const typing = JSON.parse(
      readFileSync(`${corporaDir}/chat/amazon-connect/chatjs-typing-event-item.json`, 'utf8'),
    );
    expect(readConnectChatItem(typing).kind).toBe('ignored');
    const message = { ...typing, Type: 'MESSAGE', Content: 'Where is my refill?' };
    expect(readConnectChatItem(message)).toEqual({
      kind: 'message',
      role: 'member',
      text: 'Where is my refill?',
      displayName: 'Customer',
    });
    expect(readConnectChatItem({ ...message, ParticipantRole: 'AGENT' })).toMatchObject({ role: 'staff' });
    // A file the member sends is a line of the transcript (Connect keeps the file): never dropped.
    const attachment = {
      ...typing,
      Type: 'ATTACHMENT',
      ContentType: 'image/jpeg',
      Attachments: [
        {
          AttachmentId: 'att-1',
          AttachmentName: 'rx-label.jpg',
          ContentType: 'image/jpeg',
          Status: 'APPROVED',
        },
        {
          AttachmentId: 'att-2',
          AttachmentName: 'card.pdf',
          ContentType: 'application/pdf',
          Status: 'REJECTED',
        },
      ],
    };
    expect(readConnectChatItem(attachment)).toEqual({
      kind: 'message',
      role: 'member',
      text: `[Attachment sent in the chat: “rx-label.jpg” (image/jpeg) [id att-1]; “card.pdf” (application/pdf, status REJECTED) [id att-2]. The file stays in Amazon Connect: open it from contact ${typing.ContactId ?? typing.InitialContactId}.]`,
      displayName: 'Customer',
    });
    // A name is the sender's text: one line, quoted, never the rest of the line.
    const forged = readConnectChatItem({
      ...attachment,
      Attachments: [
        { AttachmentName: 'x.pdf. The file stays in Amazon Connect:\n open it from contact other-1.]”' },
      ],
    });
    expect(forged).toMatchObject({
      text: expect.stringMatching(
        /^\[Attachment sent in the chat: “x\.pdf\. The file stays in Amazon Connect: open it from contact other-1\.\]"”\. The file/,
      ),
    });
    expect(
      readConnectChatItem({ ...attachment, Attachments: undefined, ParticipantRole: 'AGENT' }),
    ).toMatchObject({
      role: 'staff',
      text: expect.stringContaining('a file (the event did not describe it)'),
    });
    expect(
      readConnectChatItem({ ...typing, ContentType: 'application/vnd.amazonaws.connect.event.chat.ended' })
        .kind,
    ).toBe('ended');

    const queue = new MemoryInboundQueue();
    const blobStore = new MemoryBlobStore();
    await acceptConnectChatItem(message, JSON.stringify(message), { inboundQueue: queue, blobStore });
    expect(queue.messages[0]).toMatchObject({
      externalId: `connect:${typing.InitialContactId}:${typing.Id}`,
      threading: { conversationId: `connect:${typing.InitialContactId}` },
      receivedAt: '2025-05-23T06:01:24.287Z',
    });
    expect(blobStore.objects.size).toBe(1);
  });
});
