import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { widgetSignature } from '../../lambdas/adapters/chat/HmacWidgetAuthenticator.js';
import type { CaseView } from '../../lambdas/domain/cases/caseRecord.js';
import { DEFAULT_POLICY } from '../../lambdas/domain/policy/defaultPolicy.js';
import { FAX_FIXTURES } from '../fixtures/fax/documents.js';
import { fixedClock, telnyxFaxReceived, telnyxKeys } from '../helpers/channelFakes.js';
import { fixture } from '../helpers/fixtures.js';
import { startTestRouter } from '../helpers/localRouter.js';

const WIDGET_SECRET = 'integration-widget-secret-0123456789abcdef';
// Monday 2 March 2026, 09:14 Central: the fax arrives; chat is open.
const FAX_RECEIVED_AT = '2026-03-02T15:14:02.000Z';
const clock = fixedClock('2026-03-02T15:14:30Z');
const telnyx = telnyxKeys();

/** Serves the faxed PDF the way Telnyx's pre-signed media URL does (loopback only). */
async function mediaServer(): Promise<{ server: Server; url: string; requests: () => number }> {
  let requests = 0;
  const pdf = fixture('fax/expedited-redetermination.pdf');
  const server = createServer((request, response) => {
    requests++;
    if (request.url?.startsWith('/faxes-prod/fax-expedited.pdf')) {
      response.writeHead(200, { 'content-type': 'application/pdf', 'content-length': String(pdf.length) });
      response.end(pdf);
    } else {
      response.writeHead(403).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, requests: () => requests };
}

/** What aws-ses-v2-local stored (it re-parses raw mail: subject and text survive). */
const StoredEmailsSchema = z.object({
  emails: z.array(
    z.object({
      destination: z.object({ to: z.array(z.string()) }),
      subject: z.string(),
      body: z.object({ text: z.string().optional() }),
    }),
  ),
});

describe('channels end to end on the emulators', () => {
  let router: Awaited<ReturnType<typeof startTestRouter>>;
  let media: Awaited<ReturnType<typeof mediaServer>>;

  beforeAll(async () => {
    media = await mediaServer();
    router = await startTestRouter({
      clock,
      channelSecrets: { telnyxPublicKey: telnyx.publicKeyBase64, chatWidgetSecrets: [WIDGET_SECRET] },
    });
  });
  afterAll(async () => {
    await router?.stop();
    await new Promise((resolve) => media?.server.close(resolve));
  });

  async function sentMail(to: string) {
    const store = StoredEmailsSchema.parse(await (await fetch(`${router.endpoints.ses}/store`)).json());
    return store.emails.filter((sent) => sent.destination.to.some((address) => address.includes(to)));
  }

  async function caseIn(queue: string, staffId = 'alice'): Promise<CaseView> {
    const claimed = await router.claim(staffId, queue);
    if (!claimed) throw new Error(`no case in ${queue} for ${staffId}`);
    return router.viewCase(staffId, claimed.caseId);
  }

  it('makes a faxed expedited appeal an appeals case on the expedited clock from the fax receipt, with the form fields', async () => {
    const body = telnyxFaxReceived({
      faxId: 'fax-expedited',
      occurredAt: FAX_RECEIVED_AT,
      mediaUrl: `${media.url}/faxes-prod/fax-expedited.pdf?X-Amz-Expires=600`,
    });
    const post = (signedBody: string) =>
      fetch(`${router.url}/inbound/fax/telnyx`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...telnyx.sign(signedBody, Math.floor(clock.now().getTime() / 1000)),
        },
        body: signedBody,
      });

    const first = await post(body);
    const redelivered = await post(body);
    const forged = await fetch(`${router.url}/inbound/fax/telnyx`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...telnyx.sign(body, Math.floor(clock.now().getTime() / 1000) - 301),
      },
      body,
    });
    await router.drain(120_000);

    expect([first.status, redelivered.status, forged.status]).toEqual([200, 200, 401]);
    const statusOf = async (response: Response) => ((await response.json()) as { status: string }).status;
    expect([await statusOf(first), await statusOf(redelivered)]).toEqual(['accepted', 'duplicate']);
    expect(media.requests()).toBe(1);
    const view = await caseIn('appeals');
    expect(view.case).toMatchObject({
      channel: 'fax',
      topic: 'appeal',
      expedited: true,
      priority: 'urgent',
      receivedAt: FAX_RECEIVED_AT,
      // 42 CFR 423.590(d)(1): an expedited redetermination within 72 hours of receipt.
      sla: { regulatoryDueAt: '2026-03-05T15:14:02.000Z' },
    });
    const regulatory = view.case.clocks.clocks.find((entry) => entry.type === 'regulatory');
    expect(regulatory).toMatchObject({
      startedAt: FAX_RECEIVED_AT,
      variant: 'expedited',
      regulatoryKind: 'redetermination',
    });
    const [message] = view.messages;
    const expected = FAX_FIXTURES[0]?.expected;
    expect(message?.fax).toMatchObject({
      provider: 'telnyx',
      faxId: 'fax-expedited',
      pageCount: 2,
      partial: false,
      fields: {
        requestType: 'redetermination',
        expedited: true,
        memberName: expected?.memberName,
        memberId: expected?.memberId,
        dateOfBirth: expected?.dateOfBirth,
        npi: '1234567893',
        npiValid: true,
        prescriberName: 'Robert Chen',
        drug: expected?.drug,
      },
    });
    expect(message?.attachments[0]).toMatchObject({
      contentType: 'application/pdf',
      blobKey: 'fax/telnyx/fax-expedited/document',
    });
    // Each page as received, for staff to read beside the fields: a PNG at fax width from the staff API.
    expect(message?.fax?.pageImages).toEqual([1, 2]);
    const page = await router.staffFetch('alice', `/cases/${view.case.caseId}/messages/0/fax-pages/2`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('image/png');
    const png = Buffer.from(await page.arrayBuffer());
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(1728);
    expect(
      (await router.staffFetch('alice', `/cases/${view.case.caseId}/messages/0/fax-pages/3`)).status,
    ).toBe(404);
    expect(await router.claim('bob', 'appeals')).toBeNull();
  }, 180_000);

  it('keeps a chat conversation as one case with its transcript', async () => {
    const send = (event: Record<string, unknown>) => {
      clock.set(new Date(clock.now().getTime() + 20_000).toISOString()); // the member types for 20 s
      const body = JSON.stringify({
        conversationId: 'conv-42',
        occurredAt: clock.now().toISOString(),
        ...event,
      });
      const timestamp = String(Math.floor(clock.now().getTime() / 1000));
      return fetch(`${router.url}/inbound/chat`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-chat-timestamp': timestamp,
          'x-chat-signature': widgetSignature(WIDGET_SECRET, timestamp, body),
        },
        body,
      });
    };

    const started = await send({
      type: 'chat.started',
      eventId: 's1',
      member: { name: 'Dana Lee', email: 'dana@example.com' },
    });
    const first = await send({
      type: 'chat.member_message',
      eventId: 'm1',
      text: 'Hi, my package was not delivered and the tracking shows a delivery delay.',
    });
    expect((await first.json()) as unknown).toMatchObject({ status: 'accepted', chat: { open: true } });
    await router.drain();
    await send({
      type: 'chat.member_message',
      eventId: 'm2',
      text: 'The tracking number has not updated since Friday.',
    });
    await send({
      type: 'chat.member_message',
      eventId: 'm2',
      text: 'The tracking number has not updated since Friday.',
    });
    await router.drain();
    await send({
      type: 'chat.staff_message',
      eventId: 'a1',
      staffId: 'alice',
      text: 'I see it: it ships again today.',
    });
    await send({ type: 'chat.ended', eventId: 'x1', endedBy: 'member' });
    await router.drain();

    expect(started.status).toBe(200);
    const view = await caseIn('fulfillment');
    expect(view.case).toMatchObject({
      channel: 'chat',
      messageCount: 4,
      sender: { address: 'dana@example.com' },
    });
    expect(view.messages.map((line) => [line.direction, line.text])).toEqual([
      ['inbound', 'Hi, my package was not delivered and the tracking shows a delivery delay.'],
      ['inbound', 'The tracking number has not updated since Friday.'],
      ['outbound', 'I see it: it ships again today.'],
      ['inbound', '[The chat ended (closed by the member).]'],
    ]);
    const firstResponse = view.case.clocks.clocks.find((entry) => entry.kind === 'firstResponse');
    expect(view.case.clocks.calendar).toBe('chat');
    expect(firstResponse).toMatchObject({ state: 'stopped' });
  });

  it('routes a Spanish form submission to a Spanish-reading queue and confirms it in Spanish', async () => {
    // Unique per run: the SES emulator's store is shared by every test file of the run.
    const email = `lucia.${randomUUID().slice(0, 8)}@example.mx`;
    const response = await fetch(`${router.url}/inbound/form`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'Lucía Fernández',
        email,
        country: 'MX',
        preferredLanguage: 'es',
        message:
          'Hola, vivo en México desde enero. ¿Cómo puedo recibir mis medicamentos de mantenimiento aquí? Gracias.',
      }),
    });
    const answer = (await response.json()) as { reference: string };
    await router.drain();

    expect(response.status).toBe(202);
    const summaries = await router.queues();
    const queue = summaries.find((summary) => summary.depth > 0)?.queue ?? '';
    expect(DEFAULT_POLICY.queues[queue]?.languageSkills).toContain('es');
    // Claim-next gives a Spanish case to someone who reads Spanish (before the relaxation timeout).
    await router.signIn('rosa', { skills: ['es'] });
    expect(await router.claim('alice', queue)).toBeNull();
    const view = await caseIn(queue, 'rosa');
    expect(view.case).toMatchObject({
      channel: 'form',
      language: 'es',
      reference: answer.reference,
      replyTo: email,
      sender: { address: email, name: 'Lucía Fernández' },
    });
    // The confirmation, read back from the SES emulator: one, in Spanish, naming the case.
    const confirmations = await sentMail(email);
    expect(confirmations).toHaveLength(1);
    expect(confirmations[0]?.subject).toBe(`Recibimos su mensaje [${answer.reference}]`);
    expect(confirmations[0]?.body.text).toContain(`abrimos el caso ${answer.reference}`);
    expect(confirmations[0]?.body.text).toContain('Nuestra respuesta, a más tardar:');
  });

  it('answers a form with field errors and a chat event with a bad signature without making a case', async () => {
    const form = await fetch(`${router.url}/inbound/form`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: '', email: 'x', country: 'ZZ', preferredLanguage: 'es', message: 'hola' }),
    });
    const chat = await fetch(`${router.url}/inbound/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-chat-timestamp': '1', 'x-chat-signature': 'v1=00' },
      body: '{}',
    });
    const unknownProvider = await fetch(`${router.url}/inbound/fax/documo`, { method: 'POST', body: '{}' });
    await router.drain();

    expect([form.status, chat.status, unknownProvider.status]).toEqual([422, 401, 404]);
    expect(((await form.json()) as { fields: Record<string, string> }).fields).toHaveProperty('email');
    expect((await router.queues()).every((summary) => summary.depth === 0)).toBe(true);
  });

  it('refuses a second, different form under a submissionId already used, and keeps the first original', async () => {
    const submissionId = randomUUID();
    const submit = (message: string) =>
      fetch(`${router.url}/inbound/form`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          submissionId,
          name: 'Lucía Fernández',
          email: `lucia.${submissionId.slice(0, 8)}@example.mx`,
          country: 'MX',
          preferredLanguage: 'es',
          message,
        }),
      });
    const [first, second] = await Promise.all([
      submit('Hola, necesito mi receta de metformina en México, por favor.'),
      submit('Otra pregunta distinta sobre mi copago de este año.'),
    ]);
    await router.drain();
    const statuses = [first.status, second.status].sort();
    expect(statuses).toEqual([202, 422]);
    const refused = first.status === 422 ? first : second;
    expect(((await refused.json()) as { error: string }).error).toBe('submission_id_reused');
  });
});
