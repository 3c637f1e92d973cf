import { describe, expect, it } from 'vitest';
import { recordInbound } from '../../../lambdas/domain/cases/recordInbound.js';
import { CHAT_LINE_WAIT_FOR_CASE_MS, recordChatLine } from '../../../lambdas/domain/chat/recordChatLine.js';
import type { InboundMessage } from '../../../lambdas/domain/inboundMessage.js';
import { chatLineMessage } from '../../../lambdas/domain/ingest/acceptChat.js';
import { DEFAULT_POLICY } from '../../../lambdas/domain/policy/defaultPolicy.js';
import { clocksOnResolve } from '../../../lambdas/domain/sla/clocks.js';
import { FakeClock } from '../../helpers/FakeClock.js';
import { InMemoryCaseStore } from '../../helpers/InMemoryCaseStore.js';

// Monday 2 March 2026, 09:14 Central: chat is open.
const STARTED = Date.parse('2026-03-02T15:14:00.000Z');

function line(
  conversationId: string,
  lineId: string,
  role: 'member' | 'staff',
  text: string,
  secondsIn: number,
  event: 'message' | 'ended' = 'message',
): InboundMessage {
  return chatLineMessage({
    source: 'widget',
    conversationId,
    lineId,
    role,
    event,
    text,
    receivedAt: new Date(STARTED + secondsIn * 1000),
    ...(role === 'member' ? { member: { name: 'Dana Lee', email: 'dana@example.com' } } : {}),
    outsideChatHours: false,
    rawBlobKey: `chat/widget/${conversationId}/events/${lineId}.json`,
  });
}

function setup() {
  const caseStore = new InMemoryCaseStore();
  const clock = new FakeClock(new Date(STARTED));
  const services = { caseStore, clock, policy: DEFAULT_POLICY };
  return { caseStore, clock, services };
}

async function openConversation(services: ReturnType<typeof setup>['services'], conversationId: string) {
  const opened = await recordInbound(
    line(conversationId, 'm1', 'member', 'My package was not delivered; tracking shows a delay.', 0),
    services,
  );
  if (opened.outcome !== 'created') throw new Error(`expected a new case, got ${opened.outcome}`);
  return opened.caseId;
}

describe('recordChatLine', () => {
  it('adds a staff line to the conversation case as outbound and stops the first-response clock', async () => {
    const { caseStore, clock, services } = setup();
    const caseId = await openConversation(services, 'conv-1');
    clock.current = new Date(STARTED + 90_000);

    const outcome = await recordChatLine(
      line('conv-1', 'a1', 'staff', 'It ships again today.', 90),
      services,
    );

    expect(outcome).toEqual({ outcome: 'appended', caseId });
    const view = await caseStore.getCase(caseId);
    expect(view?.case.messageCount).toBe(2);
    expect(view?.messages.map((message) => [message.direction, message.text])).toEqual([
      ['inbound', 'My package was not delivered; tracking shows a delay.'],
      ['outbound', 'It ships again today.'],
    ]);
    const firstResponse = view?.case.clocks.clocks.find((entry) => entry.kind === 'firstResponse');
    expect(firstResponse).toMatchObject({ state: 'stopped' });
    expect(view?.history.at(-1)).toMatchObject({
      type: 'chat_staff_message',
      detail: { channel: 'chat', clocksStopped: [expect.objectContaining({ breached: false })] },
    });
  });

  it('counts the clocks a staff line stops as SLA attainment, met or missed, once', async () => {
    const { clock, services } = setup();
    const counted: { name: string; queue: string; clock?: string }[] = [];
    const withMetrics = {
      ...services,
      slaMetrics: {
        count: (name: string, dimensions: { queue: string; clock?: string }) =>
          void counted.push({ name, ...dimensions }),
      },
    };
    await openConversation(services, 'conv-late');
    // Ten minutes for a five-minute first response: missed.
    clock.current = new Date(STARTED + 600_000);
    await recordChatLine(line('conv-late', 'a1', 'staff', 'Sorry for the wait.', 600), withMetrics);
    await recordChatLine(line('conv-late', 'a1', 'staff', 'Sorry for the wait.', 600), withMetrics);
    expect(counted).toEqual([expect.objectContaining({ name: 'SlaMissed', clock: 'firstResponse' })]);
  });

  it('adds the end of the chat to the transcript without touching the clocks or the queue', async () => {
    const { caseStore, services } = setup();
    const caseId = await openConversation(services, 'conv-2');
    const before = await caseStore.getCaseRecord(caseId);

    const outcome = await recordChatLine(
      line('conv-2', 'x1', 'member', '[The chat ended (closed by the member).]', 120, 'ended'),
      services,
    );

    expect(outcome).toEqual({ outcome: 'appended', caseId });
    const after = await caseStore.getCaseRecord(caseId);
    expect(after?.clocks).toEqual(before?.clocks);
    expect(after?.state).toBe(before?.state);
    expect(after?.messageCount).toBe(2);
  });

  it('reports a redelivered staff line as a duplicate and adds it once', async () => {
    const { caseStore, services } = setup();
    const caseId = await openConversation(services, 'conv-3');
    const staffLine = line('conv-3', 'a1', 'staff', 'Checking now.', 30);
    await recordChatLine(staffLine, services);

    const again = await recordChatLine(staffLine, services);

    expect(again).toEqual({ outcome: 'duplicate', caseId });
    expect((await caseStore.getCase(caseId))?.messages).toHaveLength(2);
  });

  it('keeps nothing for a staff line of a conversation nobody wrote in, once the member line cannot be on its way', async () => {
    const { caseStore, clock, services } = setup();
    const greeting = line('conv-4', 'a1', 'staff', 'Hello, how can I help?', 5);

    clock.current = new Date(STARTED + 5_000 + CHAT_LINE_WAIT_FOR_CASE_MS - 1);
    expect(await recordChatLine(greeting, services)).toEqual({ outcome: 'no_case', waitForCase: true });
    clock.current = new Date(STARTED + 5_000 + CHAT_LINE_WAIT_FOR_CASE_MS);
    expect(await recordChatLine(greeting, services)).toEqual({ outcome: 'no_case', waitForCase: false });
    expect(await caseStore.findCaseIdByThread(['conv:chat:widget:conv-4'])).toBeUndefined();
  });

  it("keeps a staff answer routed before the member's first line: it waits, then joins the transcript and stops the first-response clock at its own time", async () => {
    const { caseStore, clock, services } = setup();
    const answer = line('conv-order', 's1', 'staff', 'Happy to help: which prescription?', 20);
    clock.current = new Date(STARTED + 21_000);

    expect(await recordChatLine(answer, services)).toEqual({ outcome: 'no_case', waitForCase: true });
    const created = await recordInbound(
      line('conv-order', 'm1', 'member', 'Hi, my refill is late', 5),
      services,
    );
    expect(created.outcome).toBe('created');
    // Delivered again three minutes later (the queue's visibility timeout).
    clock.current = new Date(STARTED + 200_000);
    const again = await recordChatLine(answer, services);

    const caseId = 'caseId' in created ? created.caseId : '';
    expect(again).toEqual({ outcome: 'appended', caseId });
    const view = await caseStore.getCase(caseId);
    expect(view?.messages.map((message) => message.text)).toEqual([
      'Hi, my refill is late',
      'Happy to help: which prescription?',
    ]);
    const firstResponse = view?.case.clocks.clocks.find((entry) => entry.kind === 'firstResponse');
    expect(firstResponse).toMatchObject({
      state: 'stopped',
      stoppedAt: new Date(STARTED + 20_000).toISOString(),
    });
  });

  it("adds a staff greeting written before the member's first line to the transcript without stopping the first-response clock", async () => {
    const { caseStore, clock, services } = setup();
    const greeting = line('conv-greet', 'g1', 'staff', 'Hi, I am Sam. How can I help?', 0);
    clock.current = new Date(STARTED + 1_000);
    expect(await recordChatLine(greeting, services)).toEqual({ outcome: 'no_case', waitForCase: true });
    clock.current = new Date(STARTED + 41_000);
    const created = await recordInbound(
      line('conv-greet', 'm1', 'member', 'My refill is late', 40),
      services,
    );
    clock.current = new Date(STARTED + 181_000);
    const caseId = 'caseId' in created ? created.caseId : '';
    expect(await recordChatLine(greeting, services)).toEqual({ outcome: 'appended', caseId });

    const view = await caseStore.getCase(caseId);
    // The transcript in the order the lines were written: the greeting first.
    expect(view?.messages.map((message) => message.direction)).toEqual(['outbound', 'inbound']);
    const firstResponse = view?.case.clocks.clocks.find((entry) => entry.kind === 'firstResponse');
    expect(firstResponse).toMatchObject({ state: 'running' });
    expect(view?.history.at(-1)).toMatchObject({ type: 'chat_staff_message', detail: { clocksStopped: [] } });
  });

  it("starts the case's clocks at the member's first line when a later line opened the case", async () => {
    const { caseStore, clock, services } = setup();
    clock.current = new Date(STARTED + 31_000);
    const created = await recordInbound(line('conv-late', 'm2', 'member', 'Are you there?', 30), services);
    const joined = await recordInbound(line('conv-late', 'm1', 'member', 'My refill is late', 0), services);

    const caseId = 'caseId' in created ? created.caseId : '';
    expect(joined).toMatchObject({ outcome: 'threaded', caseId });
    const clocks = (await caseStore.getCase(caseId))?.case.clocks.clocks ?? [];
    // A chat case runs the chat first-response clock (5 business minutes) and nothing else.
    expect(clocks.map((entry) => [entry.kind, entry.startedAt])).toEqual([
      ['firstResponse', new Date(STARTED).toISOString()],
    ]);
  });

  it('ends with the same clocks whatever order a member line, its answer and the next member line are routed in', async () => {
    const clocksAfter = async (order: ('m1' | 's1' | 'm2')[]) => {
      const { caseStore, clock, services } = setup();
      clock.current = new Date(STARTED + 200_000);
      const conversation = `conv-order-${order.join('')}`;
      const lines = {
        m1: line(conversation, 'm1', 'member', 'My refill is late', 0),
        s1: line(conversation, 's1', 'staff', 'It ships today', 60),
        m2: line(conversation, 'm2', 'member', 'Thank you, which carrier?', 120),
      };
      for (const id of order) {
        if (id === 's1') await recordChatLine(lines.s1, services);
        else await recordInbound(lines[id], services);
      }
      const caseId = await caseStore.findCaseIdByThread([`conv:chat:widget:${conversation}`]);
      return (await caseStore.getCase(caseId ?? ''))?.case.clocks.clocks.map((entry) => ({
        id: entry.id,
        state: entry.state,
        startedAt: entry.startedAt,
        ...('stoppedAt' in entry && entry.stoppedAt ? { stoppedAt: entry.stoppedAt } : {}),
      }));
    };
    const inOrder = await clocksAfter(['m1', 's1', 'm2']);

    expect(inOrder).toEqual([
      {
        id: 'firstResponse',
        state: 'stopped',
        startedAt: new Date(STARTED).toISOString(),
        stoppedAt: new Date(STARTED + 60_000).toISOString(),
      },
      { id: 'nextResponse#1', state: 'running', startedAt: new Date(STARTED + 120_000).toISOString() },
    ]);
    expect(await clocksAfter(['m2', 's1', 'm1'])).toEqual(inOrder);
    // The answer routed last: it stops the first response at its own time, and the member's later
    // line (routed before it) still gets its next-response clock.
    expect(await clocksAfter(['m2', 'm1', 's1'])).toEqual(inOrder);
  });

  it('starts no next-response clock for a member line that a later-routed reply had already answered', async () => {
    const { caseStore, clock, services } = setup();
    clock.current = new Date(STARTED + 200_000);
    const conversation = 'conv-answered';
    await recordInbound(line(conversation, 'm1', 'member', 'My refill is late', 0), services);
    await recordInbound(line(conversation, 'm2', 'member', 'Are you there?', 120), services);
    await recordChatLine(line(conversation, 's2', 'staff', 'Yes, it ships today', 150), services);
    await recordChatLine(line(conversation, 's1', 'staff', 'Let me look', 60), services);

    const caseId = await caseStore.findCaseIdByThread([`conv:chat:widget:${conversation}`]);
    const clocks = (await caseStore.getCase(caseId ?? ''))?.case.clocks.clocks ?? [];
    // Nothing is left running: both member lines were answered (by 15:16:30 at the latest).
    expect(clocks.filter((entry) => entry.state !== 'stopped')).toEqual([]);
  });

  it("puts a staff answer on the follow-up the member's later line opened, not on the case resolved before it", async () => {
    const { caseStore, clock, services } = setup();
    const closedId = await openConversation(services, 'conv-8');
    const closed = caseStore.cases.get(closedId);
    if (!closed) throw new Error('the conversation case is missing');
    const resolvedAt = new Date(STARTED + 3_600_000);
    caseStore.cases.set(closedId, {
      ...closed,
      state: 'resolved',
      resolvedAt: resolvedAt.toISOString(),
      clocks: clocksOnResolve(closed.clocks, resolvedAt, DEFAULT_POLICY),
    });
    // Twenty days later (past the 14-day reopen window) the member writes in the same conversation.
    const later = 20 * 86_400;
    clock.current = new Date(STARTED + later * 1000);
    const followUp = await recordInbound(
      line('conv-8', 'm9', 'member', 'My refill did not arrive again.', later),
      services,
    );
    if (followUp.outcome !== 'created') throw new Error(`expected a follow-up, got ${followUp.outcome}`);
    clock.current = new Date(STARTED + (later + 60) * 1000);

    const answer = await recordChatLine(
      line('conv-8', 'a9', 'staff', 'I am reshipping it today.', later + 60),
      services,
    );

    expect(answer).toEqual({ outcome: 'appended', caseId: followUp.caseId });
    const view = await caseStore.getCase(followUp.caseId);
    expect(view?.messages.map((message) => message.direction)).toEqual(['inbound', 'outbound']);
    expect(view?.case.clocks.clocks.find((entry) => entry.kind === 'firstResponse')).toMatchObject({
      state: 'stopped',
    });
    expect((await caseStore.getCase(closedId))?.messages).toHaveLength(1);
  });

  it('keeps a staff line written before the case was resolved on that case, even once a follow-up exists', async () => {
    const { caseStore, clock, services } = setup();
    const closedId = await openConversation(services, 'conv-9');
    const closed = caseStore.cases.get(closedId);
    if (!closed) throw new Error('the conversation case is missing');
    const resolvedAt = new Date(STARTED + 3_600_000);
    caseStore.cases.set(closedId, {
      ...closed,
      state: 'resolved',
      resolvedAt: resolvedAt.toISOString(),
      clocks: clocksOnResolve(closed.clocks, resolvedAt, DEFAULT_POLICY),
    });
    const later = 20 * 86_400;
    clock.current = new Date(STARTED + later * 1000);
    await recordInbound(line('conv-9', 'm9', 'member', 'My refill did not arrive again.', later), services);

    // A line of the first chat, routed only now (it waited in the queue).
    const late = await recordChatLine(line('conv-9', 'a1', 'staff', 'Glad I could help.', 600), services);

    expect(late).toEqual({ outcome: 'appended', caseId: closedId });
  });

  it('follows a merged conversation case to the case it was merged into', async () => {
    const { caseStore, services } = setup();
    const duplicateId = await openConversation(services, 'conv-5');
    const survivorId = await openConversation(services, 'conv-6');
    const duplicate = await caseStore.getCaseRecord(duplicateId);
    if (!duplicate) throw new Error('the duplicate case is missing');
    await caseStore.applyRevision(
      {
        before: duplicate,
        after: { ...duplicate, state: 'merged', mergedInto: survivorId, version: duplicate.version + 1 },
        events: [],
      },
      [],
    );

    const outcome = await recordChatLine(
      line('conv-5', 'a1', 'staff', 'Merged: answering here.', 60),
      services,
    );

    expect(outcome).toEqual({ outcome: 'appended', caseId: survivorId });
    expect((await caseStore.getCase(survivorId))?.messages.at(-1)?.text).toBe('Merged: answering here.');
    expect((await caseStore.getCase(duplicateId))?.messages).toHaveLength(1);
  });
});
