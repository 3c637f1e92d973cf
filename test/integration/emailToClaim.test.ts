import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqsClient } from '../../lambdas/adapters/awsClients.js';
import { fixture } from '../helpers/fixtures.js';
import { startTestRouter } from '../helpers/localRouter.js';

type Router = Awaited<ReturnType<typeof startTestRouter>>;

async function queueDepths(router: Router): Promise<Record<string, number>> {
  return Object.fromEntries((await router.queues()).map((queue) => [queue.queue, queue.depth]));
}

function withMessageId(raw: Buffer, messageId: string): string {
  return raw.toString('utf8').replace(/Message-ID: <[^>]+>/, `Message-ID: <${messageId}>`);
}

describe('email to claim on the real emulators', () => {
  let router: Router;
  beforeAll(async () => {
    router = await startTestRouter({ maxEmailBytes: 64 * 1024 });
  });
  afterAll(async () => {
    await router.stop();
  });

  it('turns a posted email into a queued case that one staff member can claim', async () => {
    const posted = await router.postEmail(fixture('email/refill.eml'));
    expect(posted.status).toBe(202);
    await router.drain();

    expect((await queueDepths(router)).fulfillment).toBe(1);
    const claimed = await router.claim('alice', 'fulfillment');
    expect(claimed).toMatchObject({
      state: 'claimed',
      assignee: 'alice',
      topic: 'refill',
      piiTypes: ['SSN'],
    });
    expect((await queueDepths(router)).fulfillment).toBe(0);

    const view = await router.viewCase('alice', claimed?.caseId ?? '');
    expect(view.case.caseId).toBe(claimed?.caseId);
    expect(view.messages[0]?.text).toContain('[SSN]');
    expect(view.messages[0]?.text).not.toContain('123-45-6789');
    expect(view.history.map((event) => event.type)).toEqual(['case_created', 'claimed']);
  });

  it('makes one case of the same Message-ID delivered twice', async () => {
    const raw = withMessageId(fixture('email/refill.eml'), 'twice@mail.example.com');
    expect((await router.postEmail(raw)).status).toBe(202);
    expect((await router.postEmail(raw)).status).toBe(202);
    await router.drain();
    expect((await queueDepths(router)).fulfillment).toBe(1);
    expect(await router.claim('alice', 'fulfillment')).not.toBeNull();
  });

  it('joins a reply to the case it answers instead of opening another', async () => {
    const original = withMessageId(fixture('email/refill.eml'), 'thread-1@mail.example.com');
    const reply = fixture('email/refill-reply.eml')
      .toString('utf8')
      .replaceAll('refill-1@mail.example.com', 'thread-1@mail.example.com');
    await router.postEmail(original);
    await router.drain();
    await router.postEmail(reply);
    await router.drain();
    expect((await queueDepths(router)).fulfillment).toBe(1);
    const claimed = await router.claim('bob', 'fulfillment');
    const view = await router.viewCase('bob', claimed?.caseId ?? '');
    expect(view.messages).toHaveLength(2);
    expect(view.case.messageCount).toBe(2);
  });

  it("pauses a pended case's clocks and wakes it with running clocks on the member's reply", async () => {
    await router.postEmail(withMessageId(fixture('email/refill.eml'), 'pend-1@mail.example.com'));
    await router.drain();
    const claimed = await router.claim('alice', 'fulfillment');
    const pend = await router.staffFetch('alice', `/cases/${claimed?.caseId}/pend`, { method: 'POST' });
    expect(pend.status).toBe(200);
    const pended = await router.viewCase('alice', claimed?.caseId ?? '');
    expect(pended.case.state).toBe('pending');
    expect(pended.case.clocks.clocks.find((clock) => clock.id === 'firstResponse')?.state).toBe('paused');

    const reply = fixture('email/refill-reply.eml')
      .toString('utf8')
      .replaceAll('refill-1@mail.example.com', 'pend-1@mail.example.com')
      .replace('<refill-2@mail.example.com>', '<pend-2@mail.example.com>');
    await router.postEmail(reply);
    await router.drain();
    const woken = await router.viewCase('alice', claimed?.caseId ?? '');
    expect(woken.case.state).toBe('queued');
    expect(woken.case.clocks.clocks.find((clock) => clock.id === 'firstResponse')?.state).toBe('running');
    expect(woken.case.nextTimerAt).toBeDefined();
    expect(woken.history.map((event) => event.type)).toEqual([
      'case_created',
      'claimed',
      'pended',
      'message_received',
    ]);
    expect(await router.claim('alice', 'fulfillment')).toMatchObject({ caseId: claimed?.caseId });
  });

  it('gives a contested case to exactly one of two callers claiming at once', async () => {
    await router.postEmail(withMessageId(fixture('email/refill.eml'), 'contested@mail.example.com'));
    await router.drain();
    const results = await Promise.all(['alice', 'bob'].map((staff) => router.claim(staff, 'fulfillment')));
    expect(results.filter((claimed) => claimed !== null)).toHaveLength(1);
  });

  it('hands every case of a busy queue to exactly one of many concurrent claimers', async () => {
    const cases = 12;
    for (let index = 0; index < cases; index++) {
      await router.postEmail(withMessageId(fixture('email/refill.eml'), `busy-${index}@mail.example.com`));
    }
    await router.drain();
    const claimed: string[] = [];
    await Promise.all(
      ['ann', 'ben', 'cat', 'dan', 'eve', 'fay'].map(async (staffId) => {
        for (
          let next = await router.claim(staffId, 'fulfillment');
          next;
          next = await router.claim(staffId, 'fulfillment')
        ) {
          claimed.push(next.caseId);
        }
      }),
    );
    expect(claimed).toHaveLength(cases);
    expect(new Set(claimed).size).toBe(cases);
  });

  it('parks automated mail that matches no case in the suspended queue', async () => {
    expect((await router.postEmail(fixture('email/bounce.eml'))).status).toBe(202);
    await router.drain();
    expect((await queueDepths(router)).suspended).toBe(1);
  });

  it('rejects an empty body, an oversized body and a message without a sender, making no case', async () => {
    const before = await queueDepths(router);
    const empty = await router.postEmail('');
    expect(empty.status).toBe(400);
    expect(await empty.json()).toMatchObject({ error: 'empty_body' });

    const oversized = await router.postEmail(`From: a@example.com\r\n\r\n${'x'.repeat(70 * 1024)}`);
    expect(oversized.status).toBe(413);
    expect(await oversized.json()).toMatchObject({ error: 'payload_too_large' });

    const noSender = await router.postEmail('Subject: hello\r\n\r\nno from header here\r\n');
    expect(noSender.status).toBe(422);
    expect(await noSender.json()).toMatchObject({
      error: 'unparseable_message',
      reason: expect.stringContaining('From'),
    });

    await router.drain();
    expect(await queueDepths(router)).toEqual(before);
  });

  it('sends a poison record to the DLQ with its reason while the rest of its batch succeeds', async () => {
    const sqs = sqsClient(router.endpoints);
    await sqs.send(
      new SendMessageCommand({ QueueUrl: router.resources.inboundQueueUrl, MessageBody: '{not json' }),
    );
    await router.postEmail(withMessageId(fixture('email/refill.eml'), 'beside-poison@mail.example.com'));
    await router.drain();

    expect((await queueDepths(router)).fulfillment).toBe(1);
    const dead = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: router.resources.deadLetterQueueUrl,
        MessageAttributeNames: ['All'],
        WaitTimeSeconds: 1,
      }),
    );
    expect(dead.Messages).toHaveLength(1);
    expect(dead.Messages?.[0]?.Body).toBe('{not json');
    expect(dead.Messages?.[0]?.MessageAttributes?.failureReason?.StringValue).toBe('body is not JSON');
  });
});
