import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetQueueUrlCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { sqsClient } from '../../lambdas/adapters/awsClients.js';
import { widgetSignature } from '../../lambdas/adapters/chat/HmacWidgetAuthenticator.js';
import { halfWrittenCaseProblems, snapshotTable } from '../helpers/caseInvariants.js';
import { telnyxFaxReceived, telnyxKeys } from '../helpers/channelFakes.js';
import { fixture } from '../helpers/fixtures.js';
import { type LocalModeProcess, startLocalModeProcess } from '../helpers/localModeProcess.js';
import { rawRequest, sendRaw } from '../helpers/rawHttp.js';

const MESSAGES = 24;
const TABLE = 'contact-router-cases';

function mail(index: number): string {
  return fixture('email/refill.eml')
    .toString('utf8')
    .replace(/Message-ID: <[^>]+>/, `Message-ID: <restart-${index}@mail.example.com>`);
}

const WIDGET_SECRET = 'restart-widget-secret-0123456789abcdef-0123';
const telnyx = telnyxKeys();
/** Provider secrets of both runs, as local mode reads them from its environment. */
const CHANNEL_ENV = { TELNYX_PUBLIC_KEY: telnyx.publicKeyBase64, CHAT_WIDGET_SECRETS: WIDGET_SECRET };

/** Serves the faxed PDF the way Telnyx's pre-signed media URL does (loopback only). */
async function mediaServer(): Promise<{ server: Server; url: string }> {
  const pdf = fixture('fax/expedited-redetermination.pdf');
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/pdf', 'content-length': String(pdf.length) });
    response.end(pdf);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** One accepted message of each other channel: a faxed appeal, a chat line and an international form. */
async function postOtherChannels(url: string, mediaUrl: string): Promise<number[]> {
  const now = new Date();
  const seconds = Math.floor(now.getTime() / 1000);
  const fax = telnyxFaxReceived({
    faxId: 'fax-restart',
    occurredAt: now.toISOString(),
    mediaUrl: `${mediaUrl}/fax-restart.pdf`,
  });
  const chat = (event: Record<string, unknown>) => {
    const body = JSON.stringify({ conversationId: 'conv-restart', occurredAt: now.toISOString(), ...event });
    return fetch(`${url}/inbound/chat`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-chat-timestamp': String(seconds),
        'x-chat-signature': widgetSignature(WIDGET_SECRET, String(seconds), body),
      },
      body,
    });
  };
  const started = await chat({
    type: 'chat.started',
    eventId: 's1',
    member: { name: 'Dana Lee', email: 'dana@example.com' },
  });
  expect(started.status).toBe(200);
  const answers = await Promise.all([
    chat({ type: 'chat.member_message', eventId: 'm1', text: 'My package was not delivered.' }),
    fetch(`${url}/inbound/form`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'Lucía Fernández',
        email: 'lucia@example.mx',
        country: 'MX',
        preferredLanguage: 'es',
        message: 'Hola, vivo en México desde enero. ¿Cómo puedo recibir mis medicamentos aquí?',
      }),
    }),
    fetch(`${url}/inbound/fax/telnyx`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...telnyx.sign(fax, seconds) },
      body: fax,
    }),
  ]);
  return answers.map((answer) => answer.status);
}

/** The channel of every entry in the journal folder (what was acknowledged and not yet routed). */
function journaledChannels(journal: string): string[] {
  if (!existsSync(journal)) return [];
  return readdirSync(journal)
    .filter((name) => name.endsWith('.json'))
    .map((name) => String(JSON.parse(readFileSync(path.join(journal, name), 'utf8')).channel))
    .sort();
}

/** Polls the table until `done` holds or the deadline passes (the router routes in the background). */
async function waitForTable(run: LocalModeProcess, done: (ids: string[]) => boolean, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const snapshot = await snapshotTable(run.dynamodbEndpoint, TABLE);
    const ids = [...snapshot.messages.values()].flat().map((message) => message.externalId);
    if (done(ids) || Date.now() > deadline) return { snapshot, ids };
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Polls a condition the router reaches in the background, up to a deadline. */
async function waitFor(condition: () => boolean, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
}

/** The `failureReason` of every message in the restarted router's DLQ. */
async function deadLetterReasons(run: LocalModeProcess): Promise<string[]> {
  const sqs = sqsClient({ sqs: run.sqsEndpoint, region: 'us-east-1' });
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'contact-router-inbound-dlq' }));
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl,
      MaxNumberOfMessages: 10,
      MessageAttributeNames: ['All'],
      VisibilityTimeout: 0,
    }),
  );
  sqs.destroy();
  return Messages.map((message) => message.MessageAttributes?.failureReason?.StringValue ?? '');
}

describe('local mode keeps its data across a SIGKILL', () => {
  const dataDirectory = mkdtempSync(path.join(tmpdir(), 'cr-data-'));
  const runs: LocalModeProcess[] = [];
  let media: Awaited<ReturnType<typeof mediaServer>> | undefined;
  afterAll(async () => {
    for (const run of runs) if (run.alive()) run.child.kill('SIGKILL');
    await Promise.all(runs.map((run) => run.exited));
    await new Promise((resolve) => (media ? media.server.close(resolve) : resolve(undefined)));
    rmSync(dataDirectory, { recursive: true, force: true });
  });

  it('stays up through hostile request lines, then loses nothing it answered 202 for, on any channel, and keeps its dead letters', async () => {
    media = await mediaServer();
    const first = await startLocalModeProcess(['--data-dir', dataDirectory], { env: CHANNEL_ENV });
    runs.push(first);
    for (const request of [
      rawRequest('GET http://[ HTTP/1.1', ['Host: x']),
      rawRequest('GET http://x:99999/ HTTP/1.1', ['Host: x']),
      rawRequest('GET //[x HTTP/1.1'),
    ]) {
      expect((await sendRaw(first.port, request)).status).toBe(400);
    }
    expect(first.alive()).toBe(true);
    // A record the route stage can never route: parked in the DLQ, which lives in fauxqs's memory.
    const sqs = sqsClient({ sqs: first.sqsEndpoint, region: 'us-east-1' });
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'contact-router-inbound' }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'not an inbound message' }));
    const deadLetters = path.join(dataDirectory, 'dead-letters');
    await waitFor(() => existsSync(deadLetters) && readdirSync(deadLetters).length === 1);
    sqs.destroy();

    const answers: number[] = [];
    for (let batch = 0; batch < MESSAGES; batch += 8) {
      const posted = await Promise.all(
        Array.from({ length: 8 }, (_, offset) =>
          fetch(`${first.url}/inbound/email`, { method: 'POST', body: mail(batch + offset) }),
        ),
      );
      answers.push(...posted.map((response) => response.status));
    }
    const channelAnswers = await postOtherChannels(first.url, media.url);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(answers).toEqual(Array(MESSAGES).fill(202));
    // Chat and form answer 202; a fax webhook answers exactly 200, as Telnyx and Sinch ask.
    expect(channelAnswers).toEqual([202, 202, 200]);
    // The fax was acknowledged seconds before its OCR could finish: only the journal still had it.
    const journal = path.join(dataDirectory, 'journal');
    expect(journaledChannels(journal)).toContain('fax');

    const second = await startLocalModeProcess(['--data-dir', dataDirectory], { env: CHANNEL_ENV });
    runs.push(second);
    const { snapshot, ids } = await waitForTable(
      second,
      (seen) => new Set(seen).size >= MESSAGES + 3,
      180_000,
    );

    const expected = [
      ...Array.from({ length: MESSAGES }, (_, index) => `<restart-${index}@mail.example.com>`),
      'telnyx:fax-restart',
      'widget:conv-restart:m1',
    ];
    expect(ids.filter((id) => !id.startsWith('form:')).sort()).toEqual([...expected].sort());
    expect(ids.filter((id) => id.startsWith('form:'))).toHaveLength(1);
    expect(snapshot.cases).toHaveLength(MESSAGES + 3);
    expect(snapshot.cases.map((kase) => kase.channel).sort()).toEqual(
      [...Array(MESSAGES).fill('email'), 'chat', 'fax', 'form'].sort(),
    );
    expect(halfWrittenCaseProblems(snapshot)).toEqual([]);
    expect(await deadLetterReasons(second)).toEqual(['body is not JSON']);
    // The kill came right after the last 202: some messages were still only in fauxqs's memory.
    expect(second.replayed).toBeGreaterThan(0);
    await waitFor(() => readdirSync(journal).length === 0);
    expect(readdirSync(journal)).toEqual([]);

    // Everything settled: a later start has nothing to replay, and a graceful stop exits cleanly.
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 600_000);
});
