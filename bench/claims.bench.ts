/**
 * Claim-next under load, on DynamoDB Local: `claimers` staff members drain one queue of `cases`
 * cases (10 % urgent, 20 % high, 70 % normal), each with their own client as separate Lambda
 * containers would have. Beside it, in the same run and at the same concurrency, the floor: bare
 * conditional UpdateItem calls on items of the same size (what one successful claim cannot beat).
 *
 * Prints claims/s against the floor, p50/p99 latency, cancelled transactions per claim, double
 * assignments (must be 0) and order violations (a case claimed while one of higher priority in the
 * queue stayed unclaimed for more than a second afterwards; must be 0).
 *
 *   npm run bench:claims -- [--cases 2000] [--claimers 50] [--head 16]
 */
import { parseArgs } from 'node:util';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../lambdas/adapters/awsClients.js';
import { DynamoCaseStore } from '../lambdas/adapters/dynamo/DynamoCaseStore.js';
import { claimNextCase } from '../lambdas/domain/cases/claimQueue.js';
import { DEFAULT_POLICY } from '../lambdas/domain/policy/defaultPolicy.js';
import { PRIORITY_RANK, type Priority } from '../lambdas/domain/policy/policy.js';
import { startEmulators } from '../lambdas/local/emulators.js';
import { provisionResources } from '../lambdas/local/provisionResources.js';
import { caseTemplate, queuedCase } from '../test/helpers/caseFactory.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '2000' },
    claimers: { type: 'string', default: '50' },
    head: { type: 'string', default: '64' },
    instances: { type: 'string', default: '1' },
  },
});
const CASES = Number(values.cases);
const CLAIMERS = Number(values.claimers);
const HEAD = Number(values.head);
/** Store instances the claimers share: 1 = one process serves every staff member (local mode's staff API); 50 = a Lambda container each. */
const INSTANCES = Number(values.instances);
const QUEUE = 'fulfillment';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function inParallel<T>(items: readonly T[], width: number, work: (item: T) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const item = items[next++];
        if (item !== undefined) await work(item);
      }
    }),
  );
}

interface ClaimCounts {
  cancelled: number;
  transactions: number;
  reasons: Record<string, number>;
  /** Every request the claimers sent, with the time spent waiting for it. */
  commands: Record<string, { count: number; ms: number }>;
}

/**
 * A document client that counts what claim-next sends, the transactions DynamoDB cancelled (lost
 * races, by reason), and when the write that took each case was sent.
 */
function countingClient(endpoint: string, counts: ClaimCounts, sentAt: Map<string, number>) {
  const client = documentClient({ dynamodb: endpoint, region: 'us-east-1' });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName).replace(/Command$/, '');
      const t0 = performance.now();
      if (name === 'TransactWriteItems') {
        counts.transactions += 1;
        const caseId = /"CASE#([0-9A-Z]{10})"/.exec(JSON.stringify(args.input))?.[1];
        if (caseId) sentAt.set(caseId, t0);
      }
      try {
        return await next(args);
      } catch (error) {
        if (error instanceof TransactionCanceledException) {
          counts.cancelled += 1;
          for (const reason of error.CancellationReasons ?? []) {
            if (reason.Code && reason.Code !== 'None')
              counts.reasons[reason.Code] = (counts.reasons[reason.Code] ?? 0) + 1;
          }
        }
        throw error;
      } finally {
        const entry = counts.commands[name] ?? { count: 0, ms: 0 };
        entry.count += 1;
        entry.ms += performance.now() - t0;
        counts.commands[name] = entry;
      }
    },
    { step: 'initialize', name: 'countClaimRequests' },
  );
  return client;
}

function priorityOf(index: number): Priority {
  const slot = index % 10;
  return slot === 0 ? 'urgent' : slot <= 2 ? 'high' : 'normal';
}

const emulators = await startEmulators();
try {
  const resources = await provisionResources(emulators.endpoints, `claims${Date.now().toString(36)}`);
  const loader = new DynamoCaseStore(documentClient(emulators.endpoints), { tableName: resources.tableName });
  const template = await caseTemplate();
  const start = Date.parse(template.receivedAt);
  const cases = Array.from({ length: CASES }, (_, index) =>
    queuedCase(template, {
      key: `claim-bench-${index}`,
      priority: priorityOf(index),
      queue: QUEUE,
      receivedAt: new Date(start + index * 1_000).toISOString(),
    }),
  );
  process.stderr.write(`loading ${CASES} cases… `);
  await inParallel(cases, 16, (kase) =>
    loader.createCase({
      case: kase,
      message: {
        direction: 'inbound',
        channel: 'email',
        externalId: kase.caseId,
        receivedAt: kase.receivedAt,
        subject: kase.subject,
        text: kase.preview,
        attachments: [],
      },
      inboundKey: `bench:${kase.caseId}`,
      threadKeys: [],
      event: { at: kase.createdAt, type: 'case_created', actor: 'system', detail: {} },
    }),
  );
  process.stderr.write('done\n');

  // The floor: the same number of bare conditional updates, one item each, same concurrency.
  const floorItems = cases.map((kase, index) => ({ ...kase, pk: `FLOOR#${index}`, sk: 'FLOOR' }));
  const floorLoader = documentClient(emulators.endpoints);
  await inParallel(floorItems, 16, (item) =>
    floorLoader.send(new PutCommand({ TableName: resources.tableName, Item: item })),
  );
  const floorClients = Array.from({ length: CLAIMERS }, () => documentClient(emulators.endpoints));
  /** One pass of bare conditional updates over every floor item (version `from` → `from + 1`). */
  async function floorPass(from: number): Promise<{ rate: number; latencies: number[] }> {
    const latencies: number[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(
      floorClients.map(async (client) => {
        while (next < floorItems.length) {
          const index = next++;
          const t0 = performance.now();
          await client.send(
            new UpdateCommand({
              TableName: resources.tableName,
              Key: { pk: `FLOOR#${index}`, sk: 'FLOOR' },
              ConditionExpression: 'version = :version',
              UpdateExpression: 'SET #state = :claimed, assignee = :who, version = :next',
              ExpressionAttributeNames: { '#state': 'state' },
              ExpressionAttributeValues: {
                ':claimed': 'claimed',
                ':who': 'bench',
                ':version': from,
                ':next': from + 1,
              },
            }),
          );
          latencies.push(performance.now() - t0);
        }
      }),
    );
    return { rate: floorItems.length / ((performance.now() - started) / 1000), latencies };
  }
  // The floor is measured before and after the claims (the machine is shared; its speed drifts).
  process.stderr.write('floor… ');
  const floorBefore = await floorPass(1);
  process.stderr.write('done\nclaims… ');

  const counts: ClaimCounts = { cancelled: 0, transactions: 0, reasons: {}, commands: {} };
  const sentAt = new Map<string, number>();
  const claims: { caseId: string; priority: Priority; at: number; ms: number; by: string }[] = [];
  const stores = Array.from(
    { length: INSTANCES },
    () =>
      new DynamoCaseStore(countingClient(emulators.endpoints.dynamodb, counts, sentAt), {
        tableName: resources.tableName,
        claimHeadPerShard: HEAD,
      }),
  );
  const claimStarted = performance.now();
  await Promise.all(
    Array.from({ length: CLAIMERS }, async (_, index) => {
      const staff = { id: `staff-${index}`, role: 'agent' as const, languages: ['en'] };
      const services = {
        caseStore: stores[index % INSTANCES] as DynamoCaseStore,
        clock: { now: () => new Date(template.receivedAt) },
        policy: DEFAULT_POLICY,
        leaseMs: 15 * 60_000,
      };
      for (;;) {
        const t0 = performance.now();
        const outcome = await claimNextCase(QUEUE, staff, services);
        if (outcome.outcome !== 'claimed') return;
        const at = performance.now();
        claims.push({
          caseId: outcome.case.caseId,
          priority: outcome.case.priority,
          at,
          ms: at - t0,
          by: staff.id,
        });
      }
    }),
  );
  const claimSeconds = (performance.now() - claimStarted) / 1000;
  process.stderr.write('done\nfloor again… ');
  const floorAfter = await floorPass(2);
  process.stderr.write('done\n');
  const floorLatencies = [...floorBefore.latencies, ...floorAfter.latencies];
  const floorRate = (floorBefore.rate + floorAfter.rate) / 2;

  const claimedIds = new Set(claims.map((claim) => claim.caseId));
  const doubles = claims.length - claimedIds.size;
  const unclaimed = cases.filter((kase) => !claimedIds.has(kase.caseId));
  // Order: a claim of c is a violation when a case of higher priority was still unclaimed more than
  // a second after it (the write that took it was sent later, or never).
  const claimedAt = new Map(claims.map((claim) => [claim.caseId, sentAt.get(claim.caseId) ?? claim.at]));
  const latestByRank = new Map<number, number>();
  for (const kase of cases) {
    const rank = PRIORITY_RANK[kase.priority];
    const at = claimedAt.get(kase.caseId) ?? Number.POSITIVE_INFINITY;
    latestByRank.set(rank, Math.max(latestByRank.get(rank) ?? 0, at));
  }
  const violations = claims.filter((claim) => {
    const rank = PRIORITY_RANK[claim.priority];
    for (const [higher, latest] of latestByRank) if (higher < rank && latest > claim.at + 1_000) return true;
    return false;
  }).length;

  const claimLatencies = claims.map((claim) => claim.ms).sort((a, b) => a - b);
  floorLatencies.sort((a, b) => a - b);
  const claimRate = claims.length / claimSeconds;
  const check = (ok: boolean) => (ok ? 'ok' : 'FAIL');
  const rows: [string, string, string][] = [
    [
      'claims/s',
      claimRate.toFixed(0),
      `floor ${floorRate.toFixed(0)}/s bare conditional updates (${floorBefore.rate.toFixed(0)} before, ${floorAfter.rate.toFixed(0)} after); ratio ${(claimRate / floorRate).toFixed(2)} (goal ≥ 0.50) ${check(claimRate / floorRate >= 0.5)}`,
    ],
    [
      'claim p50',
      `${percentile(claimLatencies, 50).toFixed(0)} ms`,
      `floor p50 ${percentile(floorLatencies, 50).toFixed(0)} ms`,
    ],
    [
      'claim p99',
      `${percentile(claimLatencies, 99).toFixed(0)} ms`,
      `floor p99 ${percentile(floorLatencies, 99).toFixed(0)} ms (goal ≤ 250 ms) ${check(percentile(claimLatencies, 99) <= 250)}`,
    ],
    [
      'cancelled transactions / claim',
      (counts.cancelled / Math.max(1, claims.length)).toFixed(2),
      `${counts.cancelled} of ${counts.transactions} transactions ${JSON.stringify(counts.reasons)}`,
    ],
    [
      'requests / claim',
      (
        Object.values(counts.commands).reduce((sum, entry) => sum + entry.count, 0) /
        Math.max(1, claims.length)
      ).toFixed(2),
      Object.entries(counts.commands)
        .map(([name, entry]) => `${name} ${entry.count} (avg ${(entry.ms / entry.count).toFixed(0)} ms)`)
        .join(', '),
    ],
    ['double assignments', String(doubles), check(doubles === 0)],
    ['cases left unclaimed', String(unclaimed.length), check(unclaimed.length === 0)],
    [
      'order violations',
      String(violations),
      `higher priority left > 1 s behind a claim ${check(violations === 0)}`,
    ],
  ];
  console.log(
    `\nClaim-next on DynamoDB Local: ${CLAIMERS} claimers in ${INSTANCES} process(es), ${CASES} cases in one queue, head ${HEAD}/shard\n`,
  );
  for (const [name, value, note] of rows) console.log(`${name.padEnd(32)} ${value.padStart(9)}   ${note}`);
  console.log('\nShared machine: figures move with the other tenants; compare the ratio, not the rates.');
} finally {
  await emulators.stop();
}
