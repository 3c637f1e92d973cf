/**
 * Ingest end to end, as a new user would see it: local mode (`contact-router serve --in-memory`, the
 * code `npm start` runs, in its own process on a free loopback port with its own emulators) is sent
 * `--messages` distinct e-mails (sixteen languages), `--concurrency` at a time, on
 * `POST /inbound/email`; the clock runs from the first POST until every message is a case in its
 * queue. Per message: the time from its POST to the first time its case is seen (its Message-ID's
 * thread item, written in the case's own transaction, read every `--poll-ms`).
 *
 * Beside it, on the same DynamoDB Local in the same run, the floor: the minimum writes a case needs,
 * issued directly at the same concurrency. Each floor transaction is the one `createCase` builds for
 * the same e-mail (recordInbound with the store's client captured instead of sent: the same items,
 * keys and counter shards), written into a fresh table of the same definition. The floor is measured
 * before and after the ingest (the shared machine's speed drifts); the ratio is ingest time ÷ the
 * mean floor time. Goal ≤ 1.5×.
 *
 * At the end, GET /queues (the staff API, with a dev token) must count every case as waiting.
 *
 *   npm run bench:ingest -- [--messages 1000] [--concurrency 8] [--warmup 16] [--poll-ms 50] [--json out.json]
 */
import { parseArgs } from 'node:util';
import { BatchGetCommand, type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../lambdas/adapters/awsClients.js';
import { boundedKey } from '../lambdas/adapters/dynamo/DynamoCaseStore.js';
import { QueueListSchema } from '../lambdas/api/schemas.js';
import { messageThreadKey } from '../lambdas/domain/cases/messageIdentity.js';
import { recordInbound } from '../lambdas/domain/cases/recordInbound.js';
import type { InboundMessage } from '../lambdas/domain/inboundMessage.js';
import { DEFAULT_POLICY } from '../lambdas/domain/policy/defaultPolicy.js';
import { mintDevToken } from '../lambdas/local/devTokens.js';
import { provisionResources } from '../lambdas/local/provisionResources.js';
import { type LocalModeProcess, startLocalModeProcess } from '../test/helpers/localModeProcess.js';
import { capturingCaseStore, inParallel, load1, percentile, progress, writeBenchResult } from './benchKit.js';
import { rawEmail, SOAK_LANGUAGES } from './soakMessages.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '16' },
    'poll-ms': { type: 'string', default: '50' },
    json: { type: 'string' },
  },
});
const MESSAGES = Number(values.messages);
const CONCURRENCY = Number(values.concurrency);
const WARMUP = Number(values.warmup);
const POLL_MS = Number(values['poll-ms']);
const TABLE = 'contact-router-cases';
const GOAL = 1.5;

/** Topics the e-mails vary over, on top of the language's own request. */
const TOPICS = [
  '',
  ' My order number is 4471-{n}.',
  ' Is there a copay change this year? Reference {n}.',
  ' The delivery address is new since last month (ticket {n}).',
  ' My doctor sent a new prescription yesterday, number {n}.',
];

interface Email {
  messageId: string;
  raw: string;
  message: InboundMessage;
}

function emails(count: number, run: string, label: string): Email[] {
  const now = new Date();
  return Array.from({ length: count }, (_, index) => {
    const lang = SOAK_LANGUAGES[index % SOAK_LANGUAGES.length] as (typeof SOAK_LANGUAGES)[number];
    const topic = (TOPICS[Math.floor(index / SOAK_LANGUAGES.length) % TOPICS.length] ?? '').replace(
      '{n}',
      String(index),
    );
    const messageId = `<${label}-${run}-${index}@mail.example.com>`;
    const from = `member-${label}-${run}-${index}@example.com`;
    const body = `${lang.body}${topic}`;
    return {
      messageId,
      raw: rawEmail({ from, name: lang.name, messageId, subject: lang.subject, body, date: now }),
      message: {
        channel: 'email',
        externalId: messageId,
        receivedAt: now.toISOString(),
        sender: { address: from, name: lang.name },
        subject: lang.subject,
        bodyText: body,
        attachments: [],
        threading: { messageId, references: [] },
        hints: {},
        automated: false,
      },
    };
  });
}

/** The key of a case's own Message-ID thread item (DynamoCaseStore's KEY.thread). */
const threadItemKey = (messageId: string) => ({
  pk: `THREAD#${boundedKey(messageThreadKey(messageId))}`,
  sk: 'THREAD',
});

/**
 * Posts every e-mail, `CONCURRENCY` at a time, and polls for their cases; resolves when all are
 * seen. Latency per message: POST sent → first poll that found its case.
 */
async function ingest(
  local: LocalModeProcess,
  batch: Email[],
  client: DynamoDBDocumentClient,
  label: string,
) {
  const postedAt = new Map<string, number>();
  const seenAt = new Map<string, number>();
  const failures: string[] = [];
  let posted = 0;
  const started = performance.now();
  let sending = true;
  let lastReport = started;
  const poll = (async () => {
    let polls = 0;
    while (seenAt.size < batch.length) {
      const pending = [...postedAt.keys()].filter((id) => !seenAt.has(id));
      const byPk = new Map(pending.map((id) => [threadItemKey(id).pk, id]));
      for (let start = 0; start < pending.length; start += 100) {
        let keys: Record<string, unknown>[] = pending.slice(start, start + 100).map(threadItemKey);
        while (keys.length > 0) {
          const answer = await client.send(
            new BatchGetCommand({
              RequestItems: { [TABLE]: { Keys: keys, ProjectionExpression: 'pk, caseId' } },
            }),
          );
          const now = performance.now();
          for (const item of answer.Responses?.[TABLE] ?? []) {
            const id = byPk.get(String(item.pk));
            if (id && !seenAt.has(id)) seenAt.set(id, now);
          }
          keys = answer.UnprocessedKeys?.[TABLE]?.Keys ?? [];
        }
      }
      polls++;
      const now = performance.now();
      if (now - lastReport > 2_000) {
        lastReport = now;
        progress(
          `  ${label}: ${((now - started) / 1000).toFixed(1)} s, posted ${posted}/${batch.length}, cases ${seenAt.size}/${batch.length}`,
        );
      }
      if (!sending && pending.length === 0 && seenAt.size < batch.length && failures.length > 0) break;
      if (now - started > 30 * 60_000) throw new Error(`${label}: not every case after 30 minutes`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    return polls;
  })();
  await inParallel(batch, CONCURRENCY, async (email) => {
    postedAt.set(email.messageId, performance.now());
    const response = await fetch(`${local.url}/inbound/email`, {
      method: 'POST',
      headers: { 'content-type': 'message/rfc822' },
      body: email.raw,
    });
    await response.arrayBuffer();
    if (response.status !== 202 && response.status !== 200) {
      failures.push(`${email.messageId}: ${response.status}`);
      postedAt.delete(email.messageId);
    }
    posted++;
  });
  sending = false;
  const postSeconds = (performance.now() - started) / 1000;
  const polls = await poll;
  if (failures.length > 0)
    throw new Error(`${label}: ${failures.length} POSTs refused: ${failures.slice(0, 5)}`);
  const seconds = (Math.max(...seenAt.values()) - started) / 1000;
  const latencies = batch
    .map((email) => (seenAt.get(email.messageId) ?? 0) - (postedAt.get(email.messageId) ?? 0))
    .sort((a, b) => a - b);
  return { seconds, postSeconds, latencies, polls };
}

/** The transaction createCase issues for each e-mail, captured instead of sent (nothing is written). */
async function floorTransactions(batch: Email[], endpoint: string) {
  // The table name is replaced per floor pass; the store only builds the items here.
  const { store, captured, close } = capturingCaseStore(endpoint, '__TABLE__');
  for (const email of batch) {
    const outcome = await recordInbound(email.message, {
      caseStore: store,
      clock: { now: () => new Date() },
      policy: DEFAULT_POLICY,
    });
    if (outcome.outcome !== 'created') throw new Error(`floor: ${email.messageId} was ${outcome.outcome}`);
  }
  close();
  return captured;
}

/** One floor pass: every captured transaction, into a fresh table, CONCURRENCY at a time. */
async function floorPass(
  transactions: TransactWriteCommand['input'][],
  local: LocalModeProcess,
  prefix: string,
) {
  const { tableName } = await provisionResources(
    { dynamodb: local.dynamodbEndpoint, sqs: local.sqsEndpoint, s3: local.sqsEndpoint, region: 'us-east-1' },
    prefix,
  );
  const clients = Array.from({ length: CONCURRENCY }, () =>
    documentClient({ dynamodb: local.dynamodbEndpoint, region: 'us-east-1' }),
  );
  const latencies: number[] = [];
  let conflicts = 0;
  let done = 0;
  let worker = 0;
  const started = performance.now();
  await inParallel(transactions, CONCURRENCY, async (input) => {
    const client = clients[worker++ % CONCURRENCY] as DynamoDBDocumentClient;
    const items = (input.TransactItems ?? []).map((item) =>
      Object.fromEntries(
        Object.entries(item).map(([kind, body]) => [kind, { ...(body as object), TableName: tableName }]),
      ),
    ) as NonNullable<TransactWriteCommand['input']['TransactItems']>;
    const t0 = performance.now();
    for (let attempt = 0; ; attempt++) {
      try {
        await client.send(new TransactWriteCommand({ TransactItems: items }));
        break;
      } catch (error) {
        // Counter items are shared by design: a conflict is retried as createCase retries it.
        if (attempt < 10 && String(error).includes('TransactionConflict')) {
          conflicts++;
          continue;
        }
        throw error;
      }
    }
    latencies.push(performance.now() - t0);
    if (++done % 250 === 0) progress(`  ${prefix}: ${done}/${transactions.length}`);
  });
  const seconds = (performance.now() - started) / 1000;
  for (const client of clients) client.destroy();
  return { seconds, latencies: latencies.sort((a, b) => a - b), conflicts };
}

const ms = (value: number) => `${value.toFixed(0)} ms`;
const loadStart = load1();
const run = Date.now().toString(36);
progress(`starting local mode (serve --in-memory)… load ${loadStart.toFixed(2)}`);
const local = await startLocalModeProcess(['--in-memory'], { timeoutMs: 240_000 });
try {
  progress(`local mode ready at ${local.url}; DynamoDB Local ${local.dynamodbEndpoint}`);
  const client = documentClient({ dynamodb: local.dynamodbEndpoint, region: 'us-east-1' });
  const warm = emails(WARMUP, run, 'warm');
  const batch = emails(MESSAGES, run, 'bench');
  progress(`building the floor's createCase transactions (not timed)…`);
  // The floor's warm-up pass is larger than the ingest's: the emulator's JIT compiles the
  // transaction path before either floor figure counts (the ingest warms the rest of it).
  const floorWarm = emails(Math.max(WARMUP, Math.min(MESSAGES, 200)), run, 'floorwarm');
  const transactions = await floorTransactions(
    [...batch, ...emails(MESSAGES, run, 'floor2'), ...floorWarm],
    local.dynamodbEndpoint,
  );
  const itemsPerCase = transactions[0]?.TransactItems?.length ?? 0;
  const kinds = (transactions[0]?.TransactItems ?? [])
    .map((item) => {
      const [kind, body] = Object.entries(item)[0] ?? [];
      const key =
        (body as { Item?: { pk?: string }; Key?: { pk?: string } }).Item?.pk ??
        (body as { Key?: { pk?: string } }).Key?.pk ??
        '';
      return `${kind} ${key.split('#')[0]}`;
    })
    .join(', ');
  progress(`a case's transaction: ${itemsPerCase} items (${kinds})`);

  if (WARMUP > 0) {
    progress(`warm-up: ${WARMUP} e-mails and ${floorWarm.length} floor transactions (not timed)`);
    await ingest(local, warm, client, 'warm-up');
    await floorPass(transactions.slice(2 * MESSAGES), local, `floorwarm${run}`);
  }
  progress(`floor before: ${MESSAGES} transactions, ${CONCURRENCY} at a time`);
  const before = await floorPass(transactions.slice(0, MESSAGES), local, `floora${run}`);
  progress(`  ${(MESSAGES / before.seconds).toFixed(0)}/s`);
  progress(`ingest: ${MESSAGES} e-mails, ${CONCURRENCY} at a time`);
  const result = await ingest(local, batch, client, 'ingest');
  progress(`  ${(MESSAGES / result.seconds).toFixed(0)} cases/s`);
  progress(`floor after`);
  const after = await floorPass(transactions.slice(MESSAGES, 2 * MESSAGES), local, `floorb${run}`);
  progress(`  ${(MESSAGES / after.seconds).toFixed(0)}/s`);

  // Every case visible in its queue: the staff API's figures count them all as waiting.
  const token = await mintDevToken('bench-supervisor', process.env, { role: 'supervisor' });
  const response = await fetch(`${local.url}/queues`, { headers: { authorization: `Bearer ${token}` } });
  const queues = QueueListSchema.parse(await response.json()).queues;
  const waiting = queues.reduce((sum, queue) => sum + queue.depth, 0);
  client.destroy();

  const floorSeconds = (before.seconds + after.seconds) / 2;
  const ratio = result.seconds / floorSeconds;
  const floorLatencies = [...before.latencies, ...after.latencies].sort((a, b) => a - b);
  const loadEnd = load1();
  const rows: [string, string, string][] = [
    [
      'cases/s',
      (MESSAGES / result.seconds).toFixed(0),
      `floor ${(MESSAGES / floorSeconds).toFixed(0)}/s (${(MESSAGES / before.seconds).toFixed(0)} before, ${(MESSAGES / after.seconds).toFixed(0)} after)`,
    ],
    [
      'time',
      `${result.seconds.toFixed(1)} s`,
      `floor ${floorSeconds.toFixed(1)} s (${before.seconds.toFixed(1)} before, ${after.seconds.toFixed(1)} after); POSTs done at ${result.postSeconds.toFixed(1)} s`,
    ],
    [
      'ratio ingest ÷ floor',
      `${ratio.toFixed(2)}×`,
      `goal ≤ ${GOAL}× ${ratio <= GOAL ? 'met' : 'NOT met'} (${(result.seconds / before.seconds).toFixed(2)}× the floor before, ${(result.seconds / after.seconds).toFixed(2)}× after)`,
    ],
    [
      'latency p50',
      ms(percentile(result.latencies, 50)),
      `floor p50 ${ms(percentile(floorLatencies, 50))} (POST → case seen, polled every ${POLL_MS} ms)`,
    ],
    ['latency p99', ms(percentile(result.latencies, 99)), `floor p99 ${ms(percentile(floorLatencies, 99))}`],
    [
      'floor transaction',
      `${itemsPerCase} items`,
      `${kinds}; ${before.conflicts + after.conflicts} conflicts retried`,
    ],
    [
      'waiting in GET /queues',
      String(waiting),
      `expected ${MESSAGES + WARMUP} ${waiting === MESSAGES + WARMUP ? 'ok' : 'FAIL'}`,
    ],
  ];
  console.log(
    `\nIngest end to end in local mode: ${MESSAGES} e-mails, ${CONCURRENCY} at a time (after ${WARMUP} untimed), against the floor on the same DynamoDB Local\n`,
  );
  for (const [name, value, note] of rows) console.log(`${name.padEnd(24)} ${value.padStart(9)}   ${note}`);
  console.log(
    `\nLoad average ${loadStart.toFixed(2)} at the start, ${loadEnd.toFixed(2)} at the end (shared machine: compare the ratio).`,
  );
  writeBenchResult(
    {
      bench: 'ingest',
      load: { start: loadStart, end: loadEnd },
      figures: [
        {
          name: `ingest ${MESSAGES} e-mails ×${CONCURRENCY}`,
          figure: `${(MESSAGES / result.seconds).toFixed(0)} cases/s`,
          baseline: `${(MESSAGES / floorSeconds).toFixed(0)}/s floor`,
          ratio,
          goal: `≤ ${GOAL}× floor time`,
          met: ratio <= GOAL,
        },
        {
          name: 'ingest latency p50/p99',
          figure: `${ms(percentile(result.latencies, 50))} / ${ms(percentile(result.latencies, 99))}`,
          baseline: `${ms(percentile(floorLatencies, 50))} / ${ms(percentile(floorLatencies, 99))} floor`,
        },
      ],
      detail: {
        messages: MESSAGES,
        concurrency: CONCURRENCY,
        seconds: result.seconds,
        floorSeconds: { before: before.seconds, after: after.seconds },
        itemsPerCase,
        waiting,
      },
    },
    values.json,
  );
  if (waiting !== MESSAGES + WARMUP) process.exitCode = 1;
} finally {
  if (local.alive()) {
    local.child.kill('SIGTERM');
    const stopped = await Promise.race([
      local.exited,
      new Promise((resolve) => setTimeout(() => resolve('timeout'), 15_000)),
    ]);
    if (stopped === 'timeout') local.child.kill('SIGKILL');
  }
}
