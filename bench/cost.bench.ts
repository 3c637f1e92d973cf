/**
 * DynamoDB cost of the desk's operations, measured on DynamoDB Local with ReturnConsumedCapacity:
 * read and write units (and requests) per new case (with its acknowledgement in the outbox), the
 * acknowledgement's send, threaded reply, duplicate delivery, queue board (GET /queues), claim,
 * case view, staff reply and its send, resolve, and SLA sweeps, each averaged over many operations
 * and for three message sizes. docs/cost-model.md turns these into dollars; re-run after the case
 * store changes (`npm run bench:cost`) and update the table there.
 *
 *   npx tsx bench/cost.bench.ts [--cases 40] [--json]
 *
 * Units are what DynamoDB reports: on-demand bills one write request unit per WCU and one read
 * request unit per RCU (transactions count twice, index writes count). DynamoDB Local reports the
 * same units as the service for these calls; latencies here are the emulator's, not AWS's.
 */

import { documentClient } from '../lambdas/adapters/awsClients.js';
import { DynamoCaseStore } from '../lambdas/adapters/dynamo/DynamoCaseStore.js';
import { actOnCase } from '../lambdas/domain/cases/caseActions.js';
import { viewCase } from '../lambdas/domain/cases/caseViews.js';
import { claimNextCase, knownQueues, listQueues } from '../lambdas/domain/cases/claimQueue.js';
import { recordInbound } from '../lambdas/domain/cases/recordInbound.js';
import { replyToCase } from '../lambdas/domain/cases/replyToCase.js';
import { sweepSla } from '../lambdas/domain/cases/slaSweep.js';
import type { StaffMember } from '../lambdas/domain/cases/staffMember.js';
import type { InboundMessage } from '../lambdas/domain/inboundMessage.js';
import { acknowledgerFor, acknowledgingAtOnce } from '../lambdas/domain/outbound/acknowledge.js';
import { deliverNow } from '../lambdas/domain/outbound/deliverOutbox.js';
import { DEFAULT_POLICY } from '../lambdas/domain/policy/defaultPolicy.js';
import type { Clock, OutboxEntry } from '../lambdas/domain/ports.js';
import { startEmulators } from '../lambdas/local/emulators.js';
import { provisionResources } from '../lambdas/local/provisionResources.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const args = process.argv.slice(2);
const casesArg = args.indexOf('--cases');
const CASES = casesArg >= 0 ? Number(args[casesArg + 1]) : 40;
const JSON_OUT = args.includes('--json');

interface ConsumedCapacity {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
  GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number; WriteCapacityUnits?: number }>;
}

const READS = new Set([
  'GetItemCommand',
  'BatchGetItemCommand',
  'QueryCommand',
  'ScanCommand',
  'TransactGetItemsCommand',
]);

/**
 * Units and requests since the last reset. DynamoDB bills a read that finds nothing at least 0.5 read
 * units (eventually consistent) or 1 (strongly consistent) per request, and per key of a
 * BatchGetItem; DynamoDB Local reports 0 for an empty Query or a missing key, so those minimums
 * are applied here.
 */
class Meter {
  requests = new Map<string, number>();
  read = 0;
  write = 0;
  /** The part of `write` spent on global secondary indexes. */
  indexWrite = 0;
  /** Requests that failed (cancelled transactions, failed conditions): DynamoDB reports no units for them. */
  failed = 0;

  reset() {
    this.failed = 0;
    this.requests.clear();
    this.read = 0;
    this.write = 0;
    this.indexWrite = 0;
  }

  record(command: string, consumed: ConsumedCapacity | ConsumedCapacity[] | undefined, minimumRead: number) {
    this.requests.set(command, (this.requests.get(command) ?? 0) + 1);
    const entries = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
    if (READS.has(command)) {
      const reported = entries.reduce(
        (sum, entry) => sum + (entry.ReadCapacityUnits ?? entry.CapacityUnits ?? 0),
        0,
      );
      this.read += Math.max(reported, minimumRead);
      return;
    }
    for (const entry of entries) {
      this.write += entry.WriteCapacityUnits ?? entry.CapacityUnits ?? 0;
      for (const index of Object.values(entry.GlobalSecondaryIndexes ?? {})) {
        this.indexWrite += index.WriteCapacityUnits ?? index.CapacityUnits ?? 0;
      }
    }
  }
}

/** The least a read request is billed: per request, or per key of a batch; a consistent read twice. */
function minimumReadUnits(command: string, input: Record<string, unknown>): number {
  if (command === 'BatchGetItemCommand') {
    const requestItems = (input.RequestItems ?? {}) as Record<
      string,
      { Keys?: unknown[]; ConsistentRead?: boolean }
    >;
    return Object.values(requestItems).reduce(
      (sum, request) => sum + (request.Keys?.length ?? 0) * (request.ConsistentRead ? 1 : 0.5),
      0,
    );
  }
  if (!READS.has(command)) return 0;
  return input.ConsistentRead ? 1 : 0.5;
}

function meteredClient(endpoint: string, meter: Meter) {
  const client = documentClient({ dynamodb: endpoint, region: 'us-east-1' });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      input.ReturnConsumedCapacity = 'INDEXES';
      const command = String(context.commandName);
      let result: Awaited<ReturnType<typeof next>>;
      try {
        result = await next(args);
      } catch (error) {
        // A cancelled transaction (a redelivery answered by its failed condition) is a request too;
        // its exception reports no units, so it is counted in `failed` and in the request column.
        meter.failed += 1;
        meter.record(command, undefined, minimumReadUnits(command, input));
        throw error;
      }
      const output = result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] };
      meter.record(command, output.ConsumedCapacity, minimumReadUnits(command, input));
      return result;
    },
    { step: 'initialize', name: 'meterCapacity' },
  );
  return client;
}

/** A member's message of about `bytes` of text: greeting, request, quoted history, signature. */
function memberMessage(index: number, bytes: number, at: Date, inReplyTo?: string): InboundMessage {
  const request =
    'Hello, I am writing about my prescription for lisinopril 10 mg. My last refill was sent on the 3rd ' +
    'and the tracking number has not updated in a week. Could you check whether the order shipped and ' +
    'send a replacement if it was lost? I have four tablets left. ';
  const quote = '> On the 3rd, the pharmacy wrote: your order has been received and will ship soon.\n';
  let body = request;
  while (body.length < bytes - 120) body += body.length % 3 === 0 ? quote : request;
  body += '\nThank you,\nMaria Lopez\nMember since 2019';
  const externalId = `<cost-${index}-${bytes}${inReplyTo ? '-reply' : ''}@mail.example.com>`;
  return {
    channel: 'email',
    externalId,
    receivedAt: at.toISOString(),
    sender: { address: `member${index}@example.com`, name: 'Maria Lopez' },
    subject: inReplyTo ? 'Re: Refill for my lisinopril' : 'Refill for my lisinopril',
    bodyText: body,
    attachments: [],
    threading: inReplyTo
      ? { messageId: externalId, inReplyTo, references: [inReplyTo] }
      : { messageId: externalId, references: [] },
    hints: {},
    automated: false,
  };
}

interface Row {
  operation: string;
  bodyBytes: number | '';
  requestsPerOp: number;
  rcuPerOp: number;
  wcuPerOp: number;
  indexWcuPerOp: number;
  calls: string;
  msPerOp: number;
}

const emulators = await startEmulators();
const rows: Row[] = [];
try {
  const meter = new Meter();
  const measure = async (
    operation: string,
    bodyBytes: number | '',
    count: number,
    run: (index: number) => Promise<unknown>,
  ) => {
    meter.reset();
    const started = performance.now();
    for (let index = 0; index < count; index++) await run(index);
    const ms = performance.now() - started;
    const requests = [...meter.requests.values()].reduce((sum, n) => sum + n, 0);
    rows.push({
      operation,
      bodyBytes,
      requestsPerOp: requests / count,
      rcuPerOp: meter.read / count,
      wcuPerOp: meter.write / count,
      indexWcuPerOp: meter.indexWrite / count,
      calls: [
        ...[...meter.requests].map(
          ([name, n]) => `${name.replace('Command', '')}×${+(n / count).toFixed(2)}`,
        ),
        ...(meter.failed > 0 ? [`(failed×${+(meter.failed / count).toFixed(2)}, units unreported)`] : []),
      ].join(' '),
      msPerOp: ms / count,
    });
  };

  for (const bodyBytes of [1_000, 4_000, 16_000]) {
    const resources = await provisionResources(emulators.endpoints, `cost${bodyBytes}`);
    const caseStore = new DynamoCaseStore(meteredClient(emulators.endpoints.dynamodb, meter), {
      tableName: resources.tableName,
    });
    // Tuesday 09:00 Central: inside business hours, so clocks run.
    let now = new Date('2026-12-01T15:00:00.000Z');
    const clock: Clock = { now: () => now };
    const policy = DEFAULT_POLICY;
    const metrics = { count: () => {} };
    const desk = { address: 'support@desk.example', name: 'Member Services', timeZone: 'America/Chicago' };
    // SES is not metered here (it is not DynamoDB); the mailer answers at once, as SES does: its id and
    // the Message-ID the member's copy carries (which the outbox registers as a thread key).
    let sends = 0;
    const mailer = {
      send: async () => {
        const id = `ses-${++sends}`;
        return {
          providerMessageId: id,
          deliveredMessageIds: [`<${id}@email.amazonses.com>`, `<${id}@us-east-1.amazonses.com>`],
        };
      },
    };
    const outbox = { caseStore, mailer, clock };
    const acknowledge = acknowledgerFor(desk);
    const acknowledgements: OutboxEntry[] = [];
    // route-inbound records with the acknowledgement hook, as in AWS (DESK_FROM set).
    const routing = {
      caseStore,
      clock,
      policy,
      acknowledge: acknowledgingAtOnce(acknowledge, acknowledgements),
    };
    const staff = { caseStore, clock, policy, leaseMs: 15 * 60_000, metrics };
    const agent = (index: number): StaffMember => ({
      id: `agent-${index}`,
      role: 'agent',
      languages: ['en', 'es'],
    });

    const created: { queue: string; externalId: string }[] = [];
    await measure('new message → new case (+ acknowledgement)', bodyBytes, CASES, async (index) => {
      const message = memberMessage(index, bodyBytes, now);
      const outcome = await recordInbound(message, routing);
      if (outcome.outcome !== 'created' || !outcome.acknowledged)
        throw new Error(`expected a new acknowledged case, got ${outcome.outcome}`);
      created.push({ queue: outcome.queue, externalId: message.externalId });
    });
    await measure('acknowledgement sent (written held: the mark only)', bodyBytes, CASES, async (index) => {
      const entry = acknowledgements[index];
      const outcomes = await deliverNow(entry ? [entry] : [], outbox);
      if (!entry || outcomes[entry.entryId] !== 'sent') throw new Error('expected the acknowledgement sent');
    });
    await measure('reply → threaded to its case', bodyBytes, CASES, async (index) => {
      const original = created[index];
      const outcome = await recordInbound(
        memberMessage(index, bodyBytes, now, original?.externalId),
        routing,
      );
      if (outcome.outcome !== 'threaded')
        throw new Error(`expected a threaded reply, got ${outcome.outcome}`);
    });
    await measure('redelivery → duplicate', bodyBytes, CASES, async (index) => {
      const outcome = await recordInbound(memberMessage(index, bodyBytes, now), routing);
      if (outcome.outcome !== 'duplicate') throw new Error(`expected a duplicate, got ${outcome.outcome}`);
    });
    await measure('GET /queues (every queue)', bodyBytes, 10, () => listQueues(staff));
    const claimed: string[] = [];
    await measure('claim next', bodyBytes, CASES, async (index) => {
      const outcome = await claimNextCase(created[index]?.queue ?? '', agent(index), staff);
      if (outcome.outcome !== 'claimed') throw new Error(`expected a claim, got ${outcome.outcome}`);
      claimed.push(outcome.case.caseId);
    });
    await measure('view case (GET /cases/:id)', bodyBytes, CASES, async (index) => {
      if (!(await viewCase(claimed[index] ?? '', staff))) throw new Error('expected the claimed case');
    });
    await measure('staff reply, sent at once', bodyBytes, CASES, async (index) => {
      const reply = await replyToCase(
        { text: 'We have sent a replacement; it ships today.' },
        claimed[index] ?? '',
        agent(index),
        { ...staff, desk, sendsAtOnce: true },
      );
      if (reply.outcome !== 'done') throw new Error(`expected the reply written, got ${reply.outcome}`);
      const outcomes = await deliverNow([reply.entry], outbox);
      if (outcomes[reply.entry.entryId] !== 'sent') throw new Error('expected the reply sent');
    });
    await measure('resolve', bodyBytes, CASES, async (index) => {
      const outcome = await actOnCase({ action: 'resolve' }, claimed[index] ?? '', agent(index), staff);
      if (outcome.outcome !== 'done') throw new Error(`expected resolve to be done, got ${outcome.outcome}`);
    });

    // Sweeps: nothing due (every minute of every day), then a batch of cases whose clocks warn and
    // breach (each fired event is one conditional write of its case, plus its outbox notice, sent).
    const sweepServices = { caseStore, clock, policy, mailer, metrics };
    await measure('sweep, nothing due (+ queue gauges)', bodyBytes, 10, async () => {
      await sweepSla(sweepServices, { limit: 500 });
      await caseStore.listQueues(knownQueues(policy));
    });
    for (let index = 0; index < CASES; index++) {
      await recordInbound(memberMessage(1_000 + index, bodyBytes, now), { caseStore, clock, policy });
    }
    now = new Date(now.getTime() + 7 * 24 * 3_600_000);
    let fired = 0;
    meter.reset();
    const started = performance.now();
    for (let run = 0; run < 5; run++) {
      const report = await sweepSla(sweepServices, { limit: 500 });
      fired += report.events;
      if (report.dueCases === 0) break;
    }
    const ms = performance.now() - started;
    const requests = [...meter.requests.values()].reduce((sum, n) => sum + n, 0);
    rows.push({
      operation: `sweep: per fired SLA event (${fired} events)`,
      bodyBytes,
      requestsPerOp: requests / Math.max(1, fired),
      rcuPerOp: meter.read / Math.max(1, fired),
      wcuPerOp: meter.write / Math.max(1, fired),
      indexWcuPerOp: meter.indexWrite / Math.max(1, fired),
      calls: [...meter.requests].map(([name, n]) => `${name.replace('Command', '')}×${n}`).join(' '),
      msPerOp: ms / Math.max(1, fired),
    });
  }
} finally {
  await emulators.stop();
}

if (JSON_OUT) {
  console.log(JSON.stringify(rows, null, 2));
} else {
  console.log(
    `\nDynamoDB units per operation on DynamoDB Local (ReturnConsumedCapacity INDEXES, ${CASES} cases a size)\n`,
  );
  console.log(
    'operation                                   | body  | req/op | RRU/op | WRU/op | of which GSI | ms/op | calls per op',
  );
  console.log(
    '--------------------------------------------+-------+--------+--------+--------+--------------+-------+------------------------------',
  );
  for (const row of rows) {
    console.log(
      [
        row.operation.padEnd(43),
        String(row.bodyBytes).padStart(5),
        row.requestsPerOp.toFixed(1).padStart(6),
        row.rcuPerOp.toFixed(1).padStart(6),
        row.wcuPerOp.toFixed(1).padStart(6),
        row.indexWcuPerOp.toFixed(1).padStart(12),
        row.msPerOp.toFixed(0).padStart(5),
        row.calls,
      ].join(' | '),
    );
  }
}
