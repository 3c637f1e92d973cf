import { randomUUID } from 'node:crypto';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3Client, sqsClient } from '../../../lambdas/adapters/awsClients.js';
import { RAW_CONTENT } from '../../../lambdas/adapters/resourceDefinitions.js';
import { buildEmailIngestServices, handleEmailReceipt } from '../../../lambdas/handlers/emailIngest.js';
import { buildRouteInboundServices, handleInboundBatch } from '../../../lambdas/handlers/routeInbound.js';
import { putRawObject } from '../../../lambdas/local/rawMailUpload.js';
import { sesReceiptEvent } from '../../../lambdas/local/sesEvents.js';
import { halfWrittenCaseProblems, snapshotTable } from '../../helpers/caseInvariants.js';
import { fixedClock, telnyxFaxReceived, telnyxKeys, widgetHeaders } from '../../helpers/channelFakes.js';
import { serveFaxMedia } from '../../helpers/faxMediaServer.js';
import { fixture } from '../../helpers/fixtures.js';
import { startTestRouter } from '../../helpers/localRouter.js';
import { casesByExternalId, freshEmail, uniqueMessageId } from '../../helpers/routeHarness.js';
import { sqsEvent } from '../../helpers/sqsEvents.js';

const WIDGET_SECRET = 'thrice-widget-secret-0123456789abcdef-0123';
const telnyx = telnyxKeys();
// Tuesday 1 December 2026, 09:00 Central: business and chat hours.
const clock = fixedClock('2026-12-01T15:00:00.000Z');

function rawMail(messageId: string): string {
  return fixture('email/refill.eml')
    .toString('utf8')
    .replace(/Message-ID: <[^>]+>/, `Message-ID: ${messageId}`);
}

describe('every channel delivering the same message three times', () => {
  let router: Awaited<ReturnType<typeof startTestRouter>>;
  let media: Awaited<ReturnType<typeof serveFaxMedia>>;

  beforeAll(async () => {
    media = await serveFaxMedia('fax/partial-redetermination.tiff', 'image/tiff');
    router = await startTestRouter({
      clock,
      channelSecrets: { telnyxPublicKey: telnyx.publicKeyBase64, chatWidgetSecrets: [WIDGET_SECRET] },
    });
  });
  afterAll(async () => {
    await router?.stop();
    await media?.close();
  });

  /** The cases each external id's message items sit in, after everything queued was routed. */
  async function placement(externalIds: string[]) {
    await router.drain(120_000);
    const snapshot = await snapshotTable(router.endpoints.dynamodb ?? '', router.resources.tableName);
    expect(halfWrittenCaseProblems(snapshot)).toEqual([]);
    const placed = casesByExternalId(snapshot);
    return externalIds.map((externalId) => placed.get(externalId) ?? []);
  }

  it('makes one case of an SES receipt invoked three times for the same stored mail', async () => {
    const messageId = uniqueMessageId('ses-retry');
    const sesMessageId = `ses-${randomUUID()}`;
    const s3 = s3Client(router.endpoints);
    await putRawObject(
      s3,
      router.resources.rawBucket,
      `${RAW_CONTENT.emailPrefix}${sesMessageId}`,
      Buffer.from(rawMail(messageId)),
    );
    s3.destroy();
    const services = buildEmailIngestServices(router.env);
    const receipt = () => handleEmailReceipt(sesReceiptEvent(sesMessageId, clock.now()), services);

    // Lambda's asynchronous invocation retries the same event; the last two overlap.
    const outcomes = [await receipt(), ...(await Promise.all([receipt(), receipt()]))].flat();

    expect(outcomes.map((outcome) => outcome.outcome)).toEqual(['queued', 'queued', 'queued']);
    expect(await placement([messageId])).toEqual([[expect.any(String)]]);
  });

  it('makes one case of a mail client posting the same message three times', async () => {
    const messageId = uniqueMessageId('posted-thrice');

    const answers = await Promise.all([1, 2, 3].map(() => router.postEmail(rawMail(messageId))));

    expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202]);
    expect(await placement([messageId])).toEqual([[expect.any(String)]]);
  });

  it('makes one case of one inbound message that SQS carries three times, and of one record Lambda receives three times', async () => {
    const message = freshEmail(uniqueMessageId('sqs-duplicated'));
    const redelivered = freshEmail(uniqueMessageId('sqs-redelivered'));
    const sqs = sqsClient(router.endpoints);
    const body = JSON.stringify(message);
    const [record] = sqsEvent([redelivered]).Records;
    if (!record) throw new Error('no record');
    const route = { ...buildRouteInboundServices(router.env), clock };

    // A standard queue delivers at least once: the same body three times, routed by the poller.
    for (let copy = 0; copy < 3; copy++) {
      await sqs.send(
        new SendMessageCommand({ QueueUrl: router.resources.inboundQueueUrl, MessageBody: body }),
      );
    }
    sqs.destroy();
    // The same record (same SQS message id) back after its visibility timeout, once alone and
    // twice in one batch, as a retried Lambda invocation receives it.
    const answers = [
      await handleInboundBatch({ Records: [record] }, route),
      await handleInboundBatch({ Records: [record, record] }, route),
    ];

    expect(answers.flatMap((answer) => answer.batchItemFailures)).toEqual([]);
    expect(await placement([message.externalId, redelivered.externalId])).toEqual([
      [expect.any(String)],
      [expect.any(String)],
    ]);
  });

  it('makes one case of a chat widget event retried three times, and one of its next line', async () => {
    const conversationId = `conv-${randomUUID().slice(0, 8)}`;
    const send = (event: Record<string, unknown>) => {
      const body = JSON.stringify({ conversationId, occurredAt: clock.now().toISOString(), ...event });
      return fetch(`${router.url}/inbound/chat`, {
        method: 'POST',
        headers: widgetHeaders(WIDGET_SECRET, body, clock.now()),
        body,
      });
    };
    const started = {
      type: 'chat.started',
      eventId: 's1',
      member: { name: 'Dana Lee', email: 'dana@example.com' },
    };
    const line = { type: 'chat.member_message', eventId: 'm1', text: 'My package was not delivered yet.' };

    const startAnswers = await Promise.all([send(started), send(started), send(started)]);
    const first = await send(line);
    const retries = await Promise.all([send(line), send(line)]);

    expect(startAnswers.map((answer) => answer.status).sort()).toEqual([200, 200, 200]);
    expect([first.status, ...retries.map((answer) => answer.status)]).toEqual([202, 200, 200]);
    expect(await placement([`widget:${conversationId}:m1`])).toEqual([[expect.any(String)]]);
  });

  it('makes one case of a fax webhook the provider retries three times, downloading the fax once', async () => {
    const faxId = `fax-${randomUUID().slice(0, 8)}`;
    const body = telnyxFaxReceived({
      faxId,
      occurredAt: clock.now().toISOString(),
      mediaUrl: `${media.url}/${faxId}.tiff`,
    });
    const post = () =>
      fetch(`${router.url}/inbound/fax/telnyx`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...telnyx.sign(body, Math.floor(clock.now().getTime() / 1000)),
        },
        body,
      });

    // Telnyx retries a webhook it got no 2xx for in time: the first answer may be the slow one.
    const answers = await Promise.all([post(), post(), post()]);

    // Telnyx and Sinch ask for exactly 200; a delivery that finds another still at work gets 409, so
    // the provider delivers it again later rather than being told it is done.
    const bodies = (await Promise.all(answers.map((answer) => answer.json()))) as { status?: string }[];
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.every((status) => status === 200 || status === 409)).toBe(true);
    expect(bodies.filter((body) => body.status === 'accepted')).toHaveLength(1);
    expect(await placement([`telnyx:${faxId}`])).toEqual([[expect.any(String)]]);
    expect(media.downloads()).toBe(1);
  }, 180_000);

  it('makes one case of an international form submitted three times with one submission id', async () => {
    const submissionId = randomUUID();
    const body = JSON.stringify({
      name: 'Lucía Fernández',
      email: `lucia-${submissionId.slice(0, 8)}@example.mx`,
      country: 'MX',
      preferredLanguage: 'es',
      message: 'Hola, vivo en México desde enero. ¿Cómo puedo recibir mis medicamentos aquí?',
      submissionId,
    });
    const submit = () =>
      fetch(`${router.url}/inbound/form`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });

    const answers = await Promise.all([submit(), submit(), submit()]);

    expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202]);
    expect(await placement([`form:${submissionId}`])).toEqual([[expect.any(String)]]);
  });
});
