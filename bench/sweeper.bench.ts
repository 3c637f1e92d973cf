/**
 * The SLA sweeper's cost per run against the number of open cases, on DynamoDB Local.
 * Prints, for 1,000 / 5,000 / 10,000 open cases of which 100 are due: the index queries and
 * items the sweep reads (and the read units DynamoDB reports), next to the baseline a sweeper
 * without a timer index would pay: a Scan of every open case.
 *
 * Sizes above `--bulk-above` (default 20,000) load their not-due cases in bulk: each case's item as
 * createCase builds it (the same keys and index attributes), written 25 to a BatchWriteItem without
 * the case's message, event and counter items, which the sweep never reads (a transaction each would
 * take most of an hour at 100,000 on DynamoDB Local). The due cases always go through recordInbound.
 *
 *   npm run bench:sweeper -- [sizes…] [--bulk-above 20000] [--json out.json]
 */
import { parseArgs } from 'node:util';
import { BatchWriteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../lambdas/adapters/awsClients.js';
import { DynamoCaseStore } from '../lambdas/adapters/dynamo/DynamoCaseStore.js';
import { recordInbound } from '../lambdas/domain/cases/recordInbound.js';
import { sweepSla } from '../lambdas/domain/cases/slaSweep.js';
import type { InboundMessage } from '../lambdas/domain/inboundMessage.js';
import { DEFAULT_POLICY } from '../lambdas/domain/policy/defaultPolicy.js';
import { startEmulators } from '../lambdas/local/emulators.js';
import { provisionResources } from '../lambdas/local/provisionResources.js';
import { capturingCaseStore, inParallel, load1, progress, writeBenchResult } from './benchKit.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const DUE = 100;
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'bulk-above': { type: 'string', default: '20000' }, json: { type: 'string' } },
});
const sizes = positionals.map(Number).filter(Boolean);
const SIZES = sizes.length > 0 ? sizes : [1_000, 5_000, 10_000];
const BULK_ABOVE = Number(values['bulk-above']);

interface Reads {
  calls: Record<string, number>;
  items: number;
  capacity: number;
}

function meteredClient(endpoint: string, reads: Reads) {
  const client = documentClient({ dynamodb: endpoint, region: 'us-east-1' });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      input.ReturnConsumedCapacity = 'TOTAL';
      const result = await next(args);
      const output = result.output as {
        Items?: unknown[];
        Count?: number;
        ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[];
      };
      const command = String(context.commandName);
      if (command === 'QueryCommand' || command === 'ScanCommand' || command === 'GetItemCommand') {
        reads.calls[command] = (reads.calls[command] ?? 0) + 1;
        reads.items += output.Items?.length ?? 0;
        const consumed = Array.isArray(output.ConsumedCapacity)
          ? output.ConsumedCapacity
          : [output.ConsumedCapacity];
        reads.capacity += consumed.reduce((sum, entry) => sum + (entry?.CapacityUnits ?? 0), 0);
      }
      return result;
    },
    { step: 'initialize', name: 'meterReads' },
  );
  return client;
}

function message(index: number, receivedAt: Date): InboundMessage {
  return {
    channel: 'email',
    externalId: `<bench-${index}@mail.example.com>`,
    receivedAt: receivedAt.toISOString(),
    sender: { address: `member${index}@example.com` },
    subject: 'Refill for my lisinopril',
    bodyText: 'Please send a refill of my lisinopril prescription.',
    attachments: [],
    threading: { references: [] },
    hints: {},
    automated: false,
  };
}

/** Cases that are not due, in bulk: each one's case item as createCase builds it, 25 a BatchWriteItem. */
async function bulkLoad(
  endpoint: string,
  tableName: string,
  indexes: number[],
  at: Date,
  client: ReturnType<typeof documentClient>,
) {
  const capture = capturingCaseStore(endpoint, tableName);
  const items: Record<string, unknown>[] = [];
  let written = 0;
  const flush = async (all: boolean) => {
    const chunks: Record<string, unknown>[][] = [];
    while (items.length >= 25 || (all && items.length > 0)) chunks.push(items.splice(0, 25));
    await inParallel(chunks, 8, async (chunk) => {
      let requests = chunk.map((Item) => ({ PutRequest: { Item } }));
      while (requests.length > 0) {
        const answer = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
        requests = (answer.UnprocessedItems?.[tableName] ?? []) as typeof requests;
      }
      written += chunk.length;
    });
    if (written % 10_000 < 1_000) progress(`  ${written}/${indexes.length} loaded in bulk`);
  };
  for (const index of indexes) {
    await recordInbound(message(index, at), {
      caseStore: capture.store,
      clock: { now: () => at },
      policy: DEFAULT_POLICY,
    });
    const transaction = capture.captured.pop();
    const caseItem = transaction?.TransactItems?.map((item) => item.Put?.Item).find(
      (item) => item?.itemType === 'case',
    );
    if (!caseItem) throw new Error('createCase wrote no case item');
    items.push(caseItem);
    if (items.length >= 1_000) await flush(false);
  }
  await flush(true);
  capture.close();
}

const loadStart = load1();
const figures: { size: number; sweepMs: number; idleMs: number; scanMs: number; items: number }[] = [];
const emulators = await startEmulators();
try {
  const rows: string[] = [];
  for (const size of SIZES) {
    const resources = await provisionResources(emulators.endpoints, `bench${size}`);
    const reads: Reads = { calls: {}, items: 0, capacity: 0 };
    const client = meteredClient(emulators.endpoints.dynamodb, reads);
    const caseStore = new DynamoCaseStore(client, { tableName: resources.tableName });
    // Tuesday 09:00 Central; "due" cases arrived two business days earlier, the rest just now.
    const now = new Date('2026-12-01T15:00:00.000Z');
    const earlier = new Date('2026-11-27T15:00:00.000Z');
    const started = performance.now();
    const bulk = size > BULK_ABOVE;
    progress(`loading ${size} open cases${bulk ? ` (${size - DUE} in bulk)` : ''}…`);
    await inParallel(
      Array.from({ length: bulk ? DUE : size }, (_, index) => index),
      16,
      (index) =>
        recordInbound(message(index, index < DUE ? earlier : now), {
          caseStore,
          clock: { now: () => (index < DUE ? earlier : now) },
          policy: DEFAULT_POLICY,
        }),
    );
    if (bulk) {
      const rest = Array.from({ length: size - DUE }, (_, index) => DUE + index);
      await bulkLoad(emulators.endpoints.dynamodb, resources.tableName, rest, now, client);
    }
    const loadSeconds = (performance.now() - started) / 1000;
    const services = {
      caseStore,
      clock: { now: () => now },
      policy: DEFAULT_POLICY,
      mailer: { send: async () => {} },
      metrics: { count: () => {} },
    };

    const measure = async (label: string, run: () => Promise<unknown>) => {
      reads.calls = {};
      reads.items = 0;
      reads.capacity = 0;
      const t0 = performance.now();
      const result = await run();
      const ms = performance.now() - t0;
      const calls = Object.entries(reads.calls)
        .map(([name, count]) => `${name.replace('Command', '')}×${count}`)
        .join(' ');
      if (label.startsWith('sweep ('))
        figures.push({ size, sweepMs: ms, idleMs: 0, scanMs: 0, items: reads.items });
      const entry = figures.find((figure) => figure.size === size);
      if (entry && label.startsWith('sweep again')) entry.idleMs = ms;
      if (entry && label.startsWith('baseline')) entry.scanMs = ms;
      rows.push(
        `${String(size).padStart(6)} | ${label.padEnd(34)} | ${calls.padEnd(22)} | ${String(reads.items).padStart(6)} | ${reads.capacity.toFixed(1).padStart(8)} | ${ms.toFixed(0).padStart(6)}`,
      );
      return result;
    };
    const firstRun = await measure('sweep (100 due)', () => sweepSla(services, { limit: 1_000 }));
    await measure('sweep again (nothing due)', () => sweepSla(services, { limit: 1_000 }));
    await measure('baseline: Scan every open case', async () => {
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await client.send(
          new ScanCommand({
            TableName: resources.tableName,
            FilterExpression: 'itemType = :case AND #state <> :resolved',
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: { ':case': 'case', ':resolved': 'resolved' },
            ExclusiveStartKey: startKey,
          }),
        );
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    });
    console.error(
      `loaded ${size} cases in ${loadSeconds.toFixed(1)} s; first sweep: ${JSON.stringify(firstRun)}`,
    );
  }
  console.log('\nSLA sweeper cost per run on DynamoDB Local (100 cases due each time)\n');
  console.log(
    ' open  | run                                | calls                  |  items |      RCU |     ms',
  );
  console.log(
    '-------+------------------------------------+------------------------+--------+----------+-------',
  );
  for (const row of rows) console.log(row);
  writeBenchResult(
    {
      bench: 'sweeper',
      load: { start: loadStart, end: load1() },
      figures: figures.map((figure) => ({
        name: `sweeper, ${figure.size.toLocaleString('en-US')} open (${DUE} due)`,
        figure: `${figure.sweepMs.toFixed(0)} ms (${figure.items} items read, 100 escalated); ${figure.idleMs.toFixed(0)} ms with none due`,
        baseline: `${figure.scanMs.toFixed(0)} ms to Scan them all`,
        ratio: figure.sweepMs / figure.scanMs,
      })),
    },
    values.json,
  );
} finally {
  await emulators.stop();
}
