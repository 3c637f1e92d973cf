/**
 * `npm run soak [-- <messages>]`: mixed traffic through local mode, then a ledger that accounts for
 * every message sent. Local mode runs as `npm start` runs it (`contact-router serve`, in memory, on
 * a free loopback port, with its own emulators). Every channel that exists: e-mail through the
 * local inbound route, Telnyx fax webhooks (real OCR), chat widget events, the international form,
 * and records put straight on the inbound queue; sixteen languages; duplicates and retries of every
 * kind, replies to earlier cases, auto-replies, junk and forgeries.
 *
 * Exit code 1 when any message is unaccounted for, a case is duplicated or half written, or a
 * queue's counters differ from the cases actually queued.
 */
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { sqsClient } from '../lambdas/adapters/awsClients.js';
import { FAX_OCR_QUEUE, INBOUND_QUEUE } from '../lambdas/adapters/resourceDefinitions.js';
import { QueueListSchema } from '../lambdas/api/schemas.js';
import { mintDevToken } from '../lambdas/local/devTokens.js';
import {
  expectedQueueFigures,
  halfWrittenCaseProblems,
  snapshotTable,
} from '../test/helpers/caseInvariants.js';
import { telnyxFaxReceived, telnyxKeys, widgetHeaders } from '../test/helpers/channelFakes.js';
import { serveFaxMedia } from '../test/helpers/faxMediaServer.js';
import { type LocalModeProcess, startLocalModeProcess } from '../test/helpers/localModeProcess.js';
import { casesByExternalId } from '../test/helpers/routeHarness.js';
import { seededRandom } from '../test/helpers/seededRandom.js';
import { rawEmail, SOAK_LANGUAGES, type SoakLanguage } from './soakMessages.js';

const PREFIX = 'contact-router';
const TABLE = `${PREFIX}-cases`;
const WIDGET_SECRET = `soak-widget-secret-${randomUUID()}`;

/** How a message sent ended, as the ledger counts it. */
export type LedgerOutcome =
  | 'case opened'
  | 'reply joined its case'
  | 'duplicate of a recorded message'
  | 'chat session event (no message)'
  | 'quarantined with a reason'
  | 'rejected with a 4xx and a reason'
  | 'in the DLQ with a reason'
  | 'UNACCOUNTED';

type Channel = 'email' | 'chat' | 'form' | 'fax' | 'sqs';
type Role = 'new' | 'reply' | 'duplicate' | 'session' | 'junk' | 'poison';

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

interface Sent {
  channel: Channel;
  role: Role;
  language?: string;
  /** The id the router records the message under. */
  externalId?: string;
  /** The message whose case a reply must join. */
  joins?: string;
  /** What a poison record put on the inbound queue. */
  queuedBody?: string;
  /** The status the channel must answer with. */
  expect: (status: number) => boolean;
  answer?: Answer;
  outcome?: LedgerOutcome;
  problem?: string;
}

interface Step {
  sent: Sent;
  send: () => Promise<Answer>;
}

export interface SoakOptions {
  messages: number;
  seed?: number;
  /** Requests in flight at once (a busy desk's channels together). */
  concurrency?: number;
  /** Faxes among the messages (each is OCR'd for real: seconds of CPU); default one in 500, at least two. */
  faxes?: number;
  /** How long to wait for the router to settle after the last request. */
  settleTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface SoakResult {
  sent: number;
  ledger: Record<LedgerOutcome, number>;
  byChannel: Record<Channel, Partial<Record<LedgerOutcome, number>>>;
  languages: number;
  cases: number;
  problems: string[];
  unaccounted: string[];
  seconds: { start: number; send: number; settle: number; total: number };
}

const ok2xx = (status: number) => status === 200 || status === 202;
const JsonObjectSchema = z.record(z.string(), z.unknown());

/** POSTs over loopback, optionally from another 127.0.0.x address (a form's per-address rate limit). */
function post(
  url: string,
  body: string | Buffer,
  headers: Record<string, string>,
  localAddress?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const request = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        ...(localAddress ? { localAddress, agent: false } : {}),
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            parsed = {};
          }
          const json = JsonObjectSchema.safeParse(parsed);
          resolve({ status: response.statusCode ?? 0, body: json.success ? json.data : {} });
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/** The traffic: tasks run concurrently, the steps of one task (a chat conversation) in order. */
function planTraffic(
  total: number,
  random: () => number,
  context: {
    faxes?: number;
    url: string;
    mediaUrl: string;
    telnyx: ReturnType<typeof telnyxKeys>;
    queueRecord: (body: string) => Promise<Answer>;
  },
): Step[][] {
  const tasks: Step[][] = [];
  let count = 0;
  const run = `${Date.now().toString(36)}${randomUUID().slice(0, 4)}`;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const language = (): SoakLanguage => pick(SOAK_LANGUAGES);
  const emailRoots: { messageId: string; raw: string; from: string; language: SoakLanguage }[] = [];
  const emailSent: { messageId: string; raw: string; language: string }[] = [];
  const postEmail = (raw: string) => () =>
    post(`${context.url}/inbound/email`, raw, { 'content-type': 'message/rfc822' });
  let formAddress = 0;
  let formsFromAddress = 0;
  const nextFormAddress = () => {
    // At most nine forms from one address: the form's per-address limit is ten an hour.
    if (++formsFromAddress > 9) {
      formAddress++;
      formsFromAddress = 1;
    }
    return `127.0.${1 + Math.floor(formAddress / 250)}.${2 + (formAddress % 250)}`;
  };
  const add = (steps: Step[]) => {
    tasks.push(steps);
    count += steps.length;
  };

  const newEmail = (automated = false) => {
    const lang = language();
    const n = emailSent.length;
    const messageId = `<soak-${run}-${n}@mail.example.com>`;
    const from = `member-${run}-${n}@example.com`;
    const raw = rawEmail({
      from,
      name: lang.name,
      messageId,
      subject: automated ? `Out of office: ${lang.subject}` : lang.subject,
      body: automated ? `I am out of the office until Monday. ${lang.body}` : lang.body,
      date: new Date(),
      autoSubmitted: automated,
    });
    if (!automated) emailRoots.push({ messageId, raw, from, language: lang });
    emailSent.push({ messageId, raw, language: lang.code });
    add([
      {
        sent: {
          channel: 'email',
          role: 'new',
          language: lang.code,
          externalId: messageId,
          expect: (s) => s === 202,
        },
        send: postEmail(raw),
      },
    ]);
  };

  const reply = (automated: boolean) => {
    const root = emailRoots.length > 0 ? pick(emailRoots) : undefined;
    if (!root) return newEmail();
    const messageId = `<soak-${run}-reply-${count}@mail.example.com>`;
    const raw = rawEmail({
      from: root.from,
      name: root.language.name,
      messageId,
      subject: `${automated ? 'Automatic reply' : 'Re'}: ${root.language.subject}`,
      body: automated ? 'This is an automatic reply: I am away.' : `${root.language.body} (${count})`,
      date: new Date(),
      references: [root.messageId],
      autoSubmitted: automated,
    });
    emailSent.push({ messageId, raw, language: root.language.code });
    add([
      {
        sent: {
          channel: 'email',
          role: 'reply',
          language: root.language.code,
          externalId: messageId,
          joins: root.messageId,
          expect: (s) => s === 202,
        },
        send: postEmail(raw),
      },
    ]);
  };

  const duplicateEmail = () => {
    const original = emailSent.length > 0 ? pick(emailSent) : undefined;
    if (!original) return newEmail();
    add([
      {
        sent: {
          channel: 'email',
          role: 'duplicate',
          language: original.language,
          externalId: original.messageId,
          expect: (s) => s === 202,
        },
        send: postEmail(original.raw),
      },
    ]);
  };

  const junkEmail = () => {
    const kinds = [
      { raw: '', status: 400 },
      { raw: '\r\nno header section, only words', status: 422 },
      { raw: 'Subject: no sender\r\nMessage-ID: <junk@x>\r\n\r\nWho sent this?', status: 422 },
    ];
    const junk = pick(kinds);
    add([
      {
        sent: { channel: 'email', role: 'junk', expect: (s) => s === junk.status },
        send: postEmail(junk.raw),
      },
    ]);
  };

  const chat = () => {
    const lang = language();
    const conversationId = `soak-${run}-${count}`;
    const send =
      (event: Record<string, unknown>, secret = WIDGET_SECRET) =>
      () => {
        const body = JSON.stringify({ conversationId, occurredAt: new Date().toISOString(), ...event });
        return post(`${context.url}/inbound/chat`, body, widgetHeaders(secret, body, new Date()));
      };
    const lineId = (index: number) => `widget:${conversationId}:m${index}`;
    const lines = 1 + Math.floor(random() * 3);
    const steps: Step[] = [
      {
        sent: { channel: 'chat', role: 'session', language: lang.code, expect: (s) => s === 200 },
        send: send({
          type: 'chat.started',
          eventId: 's1',
          member: { name: lang.name, email: `chat-${conversationId}@example.com` },
        }),
      },
    ];
    for (let index = 1; index <= lines; index++) {
      const line = {
        type: 'chat.member_message',
        eventId: `m${index}`,
        text: index === 1 ? lang.body : `${lang.subject} (${index})`,
      };
      steps.push({
        sent: {
          channel: 'chat',
          role: index === 1 ? 'new' : 'reply',
          language: lang.code,
          externalId: lineId(index),
          ...(index === 1 ? {} : { joins: lineId(1) }),
          expect: (s) => s === 202,
        },
        send: send(line),
      });
      // The widget retries an event it got no answer for in time.
      if (random() < 0.2) {
        steps.push({
          sent: {
            channel: 'chat',
            role: 'duplicate',
            language: lang.code,
            externalId: lineId(index),
            expect: (s) => s === 200,
          },
          send: send(line),
        });
      }
    }
    if (random() < 0.1) {
      steps.push({
        sent: { channel: 'chat', role: 'junk', expect: (s) => s === 401 },
        send: send(
          { type: 'chat.member_message', eventId: 'forged', text: 'forged' },
          'not-the-widget-secret-0123456789abcdef',
        ),
      });
    }
    steps.push({
      sent: { channel: 'chat', role: 'session', language: lang.code, expect: ok2xx },
      send: send({ type: 'chat.ended', eventId: 'x1', endedBy: 'member' }),
    });
    add(steps);
  };

  const form = () => {
    const lang = language();
    const submissionId = randomUUID();
    const body = JSON.stringify({
      name: lang.name,
      email: `form-${submissionId.slice(0, 12)}@example.com`,
      country: lang.country,
      preferredLanguage: lang.code,
      message: lang.body,
      submissionId,
    });
    const address = nextFormAddress();
    const submit = () =>
      post(`${context.url}/inbound/form`, body, { 'content-type': 'application/json' }, address);
    const steps: Step[] = [
      {
        sent: {
          channel: 'form',
          role: 'new',
          language: lang.code,
          externalId: `form:${submissionId}`,
          expect: (s) => s === 202,
        },
        send: submit,
      },
    ];
    // A double click submits the same form (same submission id) again.
    if (random() < 0.12) {
      nextFormAddress();
      steps.push({
        sent: {
          channel: 'form',
          role: 'duplicate',
          language: lang.code,
          externalId: `form:${submissionId}`,
          expect: (s) => s === 202,
        },
        send: submit,
      });
    }
    add(steps);
  };

  const invalidForm = () => {
    const address = nextFormAddress();
    const body = JSON.stringify({
      name: '',
      email: 'not-an-address',
      country: 'XX',
      preferredLanguage: 'zz',
      message: '',
    });
    add([
      {
        sent: { channel: 'form', role: 'junk', expect: (s) => s === 422 },
        send: () =>
          post(`${context.url}/inbound/form`, body, { 'content-type': 'application/json' }, address),
      },
    ]);
  };

  const fax = () => {
    const faxId = `soak-${run}-${count}`;
    const body = telnyxFaxReceived({
      faxId,
      occurredAt: new Date().toISOString(),
      mediaUrl: `${context.mediaUrl}/${faxId}.tiff`,
    });
    const send = (signed: boolean) => () =>
      post(`${context.url}/inbound/fax/telnyx`, body, {
        'content-type': 'application/json',
        ...(signed ? context.telnyx.sign(body, Math.floor(Date.now() / 1000)) : {}),
      });
    add([
      {
        // Telnyx asks for exactly 200 on an accepted webhook.
        sent: { channel: 'fax', role: 'new', externalId: `telnyx:${faxId}`, expect: (s) => s === 200 },
        send: send(true),
      },
      // Telnyx retries a webhook; a forger without the key is refused.
      {
        // 200 once the first delivery is done, 409 (deliver again later) while it is still at work.
        sent: {
          channel: 'fax',
          role: 'duplicate',
          externalId: `telnyx:${faxId}`,
          expect: (s) => s === 200 || s === 409,
        },
        send: send(true),
      },
      { sent: { channel: 'fax', role: 'junk', expect: (s) => s === 401 }, send: send(false) },
    ]);
  };

  const poison = () => {
    const body = pick([
      'not an inbound message',
      JSON.stringify({ channel: 'email', externalId: `<poison-${count}@x>` }),
    ]);
    add([
      {
        sent: { channel: 'sqs', role: 'poison', queuedBody: body, expect: (s) => s === 200 },
        send: () => context.queueRecord(body),
      },
    ]);
  };

  const faxes = context.faxes ?? Math.max(2, Math.round(total * 0.002));
  for (let index = 0; index < faxes; index++) fax();
  for (let index = 0; index < Math.max(2, Math.round(total * 0.003)); index++) poison();
  while (count < total) {
    const roll = random();
    if (roll < 0.36) newEmail();
    else if (roll < 0.5) reply(false);
    else if (roll < 0.53) reply(true);
    else if (roll < 0.55) newEmail(true);
    else if (roll < 0.61) duplicateEmail();
    else if (roll < 0.64) junkEmail();
    else if (roll < 0.82) chat();
    else if (roll < 0.97) form();
    else invalidForm();
  }
  return tasks;
}

/** Runs the tasks `concurrency` at a time, the steps of each in order. */
async function sendAll(
  tasks: Step[][],
  concurrency: number,
  progress: (done: number) => void,
): Promise<void> {
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let task = tasks[next++]; task; task = tasks[next++]) {
        for (const step of task) {
          try {
            step.sent.answer = await step.send();
          } catch (error) {
            step.sent.answer = {
              status: 0,
              body: { error: error instanceof Error ? error.message : String(error) },
            };
          }
          if (++done % 250 === 0) progress(done);
        }
      }
    }),
  );
}

/** Waits until both queues are empty and in-flight-free twice in a row. */
async function waitForQueues(run: LocalModeProcess, deadline: number): Promise<void> {
  const sqs = sqsClient({ sqs: run.sqsEndpoint, region: 'us-east-1' });
  try {
    const urls = await Promise.all(
      [INBOUND_QUEUE.name, FAX_OCR_QUEUE.name].map(
        async (name) =>
          (await sqs.send(new GetQueueUrlCommand({ QueueName: `${PREFIX}-${name}` }))).QueueUrl ?? '',
      ),
    );
    let quiet = 0;
    while (quiet < 2 && Date.now() < deadline) {
      let waiting = 0;
      for (const QueueUrl of urls) {
        const { Attributes = {} } = await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
          }),
        );
        waiting +=
          Number(Attributes.ApproximateNumberOfMessages ?? 0) +
          Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
      }
      quiet = waiting === 0 ? quiet + 1 : 0;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  } finally {
    sqs.destroy();
  }
}

/** Every dead letter's body and reason (received with no visibility change, so they stay). */
async function deadLetters(run: LocalModeProcess): Promise<{ body: string; reason: string }[]> {
  const sqs = sqsClient({ sqs: run.sqsEndpoint, region: 'us-east-1' });
  const letters = new Map<string, { body: string; reason: string }>();
  try {
    const { QueueUrl } = await sqs.send(
      new GetQueueUrlCommand({ QueueName: `${PREFIX}-${INBOUND_QUEUE.deadLetterName}` }),
    );
    for (let round = 0; round < 50; round++) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl,
          MaxNumberOfMessages: 10,
          MessageAttributeNames: ['All'],
          VisibilityTimeout: 30,
        }),
      );
      if (Messages.length === 0) break;
      for (const message of Messages) {
        letters.set(message.MessageId ?? '', {
          body: message.Body ?? '',
          reason: message.MessageAttributes?.failureReason?.StringValue ?? '',
        });
      }
    }
  } finally {
    sqs.destroy();
  }
  return [...letters.values()];
}

/** Classifies every message sent (its `outcome`, or UNACCOUNTED with the `problem`). */
function account(
  sent: Sent[],
  placed: Map<string, string[]>,
  letters: { body: string; reason: string }[],
): void {
  const caseOf = (externalId: string | undefined) => placed.get(externalId ?? '') ?? [];
  const openers = new Map<string, number>();
  for (const entry of sent) {
    if (entry.role === 'new' && entry.answer && entry.expect(entry.answer.status)) {
      for (const caseId of caseOf(entry.externalId)) openers.set(caseId, (openers.get(caseId) ?? 0) + 1);
    }
  }
  const unparked = [...letters];
  for (const entry of sent) {
    const answer = entry.answer;
    const fail = (problem: string) => {
      entry.outcome = 'UNACCOUNTED';
      entry.problem = problem;
    };
    if (!answer || !entry.expect(answer.status)) {
      fail(`answered ${answer?.status ?? 'nothing'} ${JSON.stringify(answer?.body ?? {}).slice(0, 160)}`);
      continue;
    }
    const cases = caseOf(entry.externalId);
    switch (entry.role) {
      case 'new':
        if (cases.length !== 1) fail(`recorded in ${cases.length} cases`);
        else if ((openers.get(cases[0] ?? '') ?? 0) !== 1)
          fail(`its case ${cases[0]} holds another new message`);
        else entry.outcome = 'case opened';
        break;
      case 'reply':
        if (cases.length !== 1) fail(`recorded in ${cases.length} cases`);
        else if (caseOf(entry.joins)[0] !== cases[0]) fail(`in case ${cases[0]}, not in ${entry.joins}'s`);
        else entry.outcome = 'reply joined its case';
        break;
      case 'duplicate':
        if (cases.length !== 1) fail(`the original is recorded in ${cases.length} cases`);
        else entry.outcome = 'duplicate of a recorded message';
        break;
      case 'session':
        entry.outcome = 'chat session event (no message)';
        break;
      case 'junk': {
        const reason = answer.body.reason ?? answer.body.message;
        if (typeof reason !== 'string' || reason.length === 0) fail('refused without a reason');
        else if (entry.channel === 'email' && answer.status === 422) {
          entry.outcome =
            typeof answer.body.quarantineKey === 'string' ? 'quarantined with a reason' : 'UNACCOUNTED';
        } else entry.outcome = 'rejected with a 4xx and a reason';
        break;
      }
      case 'poison': {
        const index = unparked.findIndex(
          (letter) => letter.body === entry.queuedBody && letter.reason.length > 0,
        );
        if (index < 0) fail('not in the DLQ with a reason');
        else {
          unparked.splice(index, 1);
          entry.outcome = 'in the DLQ with a reason';
        }
        break;
      }
    }
  }
}

/** Runs the soak and returns the ledger; the caller decides the exit code. */
export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const started = Date.now();
  const telnyx = telnyxKeys();
  const media = await serveFaxMedia('fax/partial-redetermination.tiff', 'image/tiff');
  let run: LocalModeProcess | undefined;
  try {
    run = await startLocalModeProcess(['--in-memory'], {
      env: { TELNYX_PUBLIC_KEY: telnyx.publicKeyBase64, CHAT_WIDGET_SECRETS: WIDGET_SECRET },
      timeoutMs: 240_000,
    });
    const local = run;
    const ready = Date.now();
    log(`local mode ready at ${local.url} in ${((ready - started) / 1000).toFixed(1)} s`);
    const sqs = sqsClient({ sqs: local.sqsEndpoint, region: 'us-east-1' });
    const { QueueUrl: inboundUrl } = await sqs.send(
      new GetQueueUrlCommand({ QueueName: `${PREFIX}-${INBOUND_QUEUE.name}` }),
    );
    const tasks = planTraffic(options.messages, seededRandom(options.seed ?? 13), {
      ...(options.faxes === undefined ? {} : { faxes: options.faxes }),
      url: local.url,
      mediaUrl: media.url,
      telnyx,
      queueRecord: async (body) => {
        await sqs.send(new SendMessageCommand({ QueueUrl: inboundUrl, MessageBody: body }));
        return { status: 200, body: {} };
      },
    });
    const sent = tasks.flat().map((step) => step.sent);
    log(
      `sending ${sent.length} messages (${tasks.length} conversations), ${options.concurrency ?? 8} at a time`,
    );
    await sendAll(tasks, options.concurrency ?? 8, (done) => log(`  sent ${done}/${sent.length}`));
    sqs.destroy();
    const sentAt = Date.now();
    log(`sent in ${((sentAt - ready) / 1000).toFixed(1)} s; waiting for the router to settle`);

    const deadline = Date.now() + (options.settleTimeoutMs ?? 15 * 60_000);
    const expected = sent.filter(
      (entry) => entry.externalId && entry.answer && entry.expect(entry.answer.status),
    );
    // The queues empty first (cheap to ask); then one read of the whole table, again only if a
    // message accepted is not in it yet.
    const readBack = async () => {
      await waitForQueues(local, deadline);
      return snapshotTable(local.dynamodbEndpoint, TABLE);
    };
    let snapshot = await readBack();
    for (;;) {
      const missing = expected.filter(
        (entry) => !casesByExternalId(snapshot).has(entry.externalId ?? ''),
      ).length;
      if (missing === 0 || Date.now() > deadline) break;
      log(`  ${missing} messages not recorded yet`);
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      snapshot = await readBack();
    }
    const settledAt = Date.now();
    const placed = casesByExternalId(snapshot);
    account(sent, placed, await deadLetters(local));

    const problems = halfWrittenCaseProblems(snapshot);
    for (const [externalId, cases] of placed) {
      if (cases.length > 1) problems.push(`${externalId} is recorded in ${cases.length} cases`);
    }
    const opened = sent.filter((entry) => entry.outcome === 'case opened').length;
    if (snapshot.cases.length !== opened) {
      problems.push(`the table holds ${snapshot.cases.length} cases; ${opened} messages opened one`);
    }
    // The staff API's counters against the cases actually queued in the table.
    const token = await mintDevToken('soak-supervisor', process.env, { role: 'supervisor' });
    const response = await fetch(`${local.url}/queues`, { headers: { authorization: `Bearer ${token}` } });
    const reported = QueueListSchema.parse(await response.json()).queues;
    let queued = 0;
    for (const queue of reported) {
      const counted = expectedQueueFigures(snapshot.cases, queue.queue);
      queued += counted.depth;
      for (const figure of ['depth', 'atRisk', 'breached'] as const) {
        if (queue[figure] !== counted[figure]) {
          problems.push(
            `GET /queues says ${queue.queue} ${figure} ${queue[figure]}; its cases make it ${counted[figure]}`,
          );
        }
      }
    }
    const waitingCases = snapshot.cases.filter((kase) => kase.state === 'queued').length;
    if (queued !== waitingCases)
      problems.push(`GET /queues counts ${queued} waiting; the table holds ${waitingCases} queued cases`);

    const ledger = Object.fromEntries(
      (
        [
          'case opened',
          'reply joined its case',
          'duplicate of a recorded message',
          'chat session event (no message)',
          'quarantined with a reason',
          'rejected with a 4xx and a reason',
          'in the DLQ with a reason',
          'UNACCOUNTED',
        ] as const
      ).map((outcome) => [outcome, 0]),
    ) as Record<LedgerOutcome, number>;
    const byChannel: SoakResult['byChannel'] = { email: {}, chat: {}, form: {}, fax: {}, sqs: {} };
    for (const entry of sent) {
      const outcome = entry.outcome ?? 'UNACCOUNTED';
      ledger[outcome]++;
      byChannel[entry.channel][outcome] = (byChannel[entry.channel][outcome] ?? 0) + 1;
    }
    const finished = Date.now();
    return {
      sent: sent.length,
      ledger,
      byChannel,
      languages: new Set(sent.map((entry) => entry.language).filter(Boolean)).size,
      cases: snapshot.cases.length,
      problems,
      unaccounted: sent
        .filter((entry) => (entry.outcome ?? 'UNACCOUNTED') === 'UNACCOUNTED')
        .map(
          (entry) =>
            `${entry.channel} ${entry.role} ${entry.externalId ?? ''}: ${entry.problem ?? 'not classified'}`,
        ),
      seconds: {
        start: (ready - started) / 1000,
        send: (sentAt - ready) / 1000,
        settle: (settledAt - sentAt) / 1000,
        total: (finished - started) / 1000,
      },
    };
  } finally {
    if (run?.alive()) {
      run.child.kill('SIGTERM');
      const stopped = await Promise.race([
        run.exited,
        new Promise((resolve) => setTimeout(() => resolve('timeout'), 15_000)),
      ]);
      if (stopped === 'timeout') run.child.kill('SIGKILL');
      await run.exited;
    }
    await media.close();
  }
}

const CHANNELS: readonly Channel[] = ['email', 'chat', 'form', 'fax', 'sqs'];

/** The ledger as a table: one row an outcome, one column a channel, and the totals. */
export function formatLedger(result: SoakResult): string {
  const outcomes = Object.keys(result.ledger) as LedgerOutcome[];
  const width = Math.max(...outcomes.map((outcome) => outcome.length), 'outcome'.length);
  const cell = (value: string | number) => String(value).padStart(7);
  const header = `${'outcome'.padEnd(width)} ${CHANNELS.map(cell).join('')}${cell('total')}`;
  const rows = outcomes.map(
    (outcome) =>
      `${outcome.padEnd(width)} ${CHANNELS.map((channel) => cell(result.byChannel[channel][outcome] ?? 0)).join('')}${cell(result.ledger[outcome])}`,
  );
  const totals = CHANNELS.map((channel) =>
    Object.values(result.byChannel[channel]).reduce((sum, count) => sum + (count ?? 0), 0),
  );
  const rule = '-'.repeat(header.length);
  return [
    header,
    rule,
    ...rows,
    rule,
    `${'messages sent'.padEnd(width)} ${totals.map(cell).join('')}${cell(result.sent)}`,
    '',
    `cases in the table: ${result.cases} · languages: ${result.languages} · ` +
      `start ${result.seconds.start.toFixed(1)} s, send ${result.seconds.send.toFixed(1)} s ` +
      `(${(result.sent / Math.max(result.seconds.send, 0.001)).toFixed(0)} messages/s), settle and read back ${result.seconds.settle.toFixed(1)} s, ` +
      `total ${result.seconds.total.toFixed(1)} s`,
  ].join('\n');
}
