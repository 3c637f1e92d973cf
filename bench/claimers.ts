/**
 * The claimers of bench:claims: staff members who claim from one queue until it is empty, all
 * through one store instance (one process, as one Lambda container or local mode's staff API
 * would have). Run in the bench's own process or in child processes (`claimsProcess.ts`).
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { documentClient } from '../lambdas/adapters/awsClients.js';
import { DynamoCaseStore } from '../lambdas/adapters/dynamo/DynamoCaseStore.js';
import { claimNextCase } from '../lambdas/domain/cases/claimQueue.js';
import { DEFAULT_POLICY } from '../lambdas/domain/policy/defaultPolicy.js';
import type { Priority } from '../lambdas/domain/policy/policy.js';

export interface ClaimersSpec {
  endpoint: string;
  tableName: string;
  queue: string;
  /**
   * A queue of its own that the claimers drain untimed before the run, as the floor makes an untimed
   * pass first: the emulator's JIT compiles the queue reads and claim transactions, and the client
   * opens its connections, before either figure counts.
   */
  warmupQueue: string;
  staffIds: string[];
  /** Cases per queue shard in a head read. */
  head: number;
  /** How long a read of the queue's top serves claims (the store's default when absent). */
  headTtlMs?: number;
  /** The claimers' clock (the cases' SLA time), ISO. */
  now: string;
}

export interface ClaimRecord {
  caseId: string;
  priority: Priority;
  /** When the claim answered, and when the write that took the case was sent (epoch ms, comparable across processes). */
  at: number;
  sentAt: number;
  ms: number;
  by: string;
}

export interface ClaimCounts {
  cancelled: number;
  transactions: number;
  reasons: Record<string, number>;
  /** Items the queries returned, and items the claim transactions wrote (what each claim costs the table). */
  itemsRead: number;
  itemsWritten: number;
  /** Every request the claimers sent, with the time spent waiting for it. */
  commands: Record<string, { count: number; ms: number }>;
}

export interface ClaimersResult {
  claims: ClaimRecord[];
  counts: ClaimCounts;
  /** Claims that failed (an error, not "nothing for you"): must be none. */
  errors: string[];
  /** CPU time this process spent while claiming. */
  cpuSeconds: number;
}

export const emptyCounts = (): ClaimCounts => ({
  cancelled: 0,
  transactions: 0,
  reasons: {},
  itemsRead: 0,
  itemsWritten: 0,
  commands: {},
});

/** Wall-clock milliseconds with sub-millisecond precision, comparable between processes. */
export const epochMs = () => performance.timeOrigin + performance.now();

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
        counts.itemsWritten += (args.input as { TransactItems?: unknown[] }).TransactItems?.length ?? 0;
        const sent = epochMs();
        for (const match of JSON.stringify(args.input).matchAll(/"CASE#([0-9A-Z]{10})","sk":"META"/g)) {
          if (match[1]) sentAt.set(match[1], sent);
        }
      }
      try {
        const result = await next(args);
        if (name === 'Query') counts.itemsRead += (result.output as { Count?: number }).Count ?? 0;
        return result;
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

/**
 * One store for this process, warmed up on the spec's warm-up queue (untimed, its requests not
 * counted); `run` then claims until the queue is empty.
 */
export async function prepareClaimers(spec: ClaimersSpec): Promise<{ run: () => Promise<ClaimersResult> }> {
  const counts = emptyCounts();
  const sentAt = new Map<string, number>();
  const caseStore = new DynamoCaseStore(countingClient(spec.endpoint, counts, sentAt), {
    tableName: spec.tableName,
    claimHeadPerShard: spec.head,
    ...(spec.headTtlMs === undefined ? {} : { claimHeadTtlMs: spec.headTtlMs }),
  });
  const services = {
    caseStore,
    clock: { now: () => new Date(spec.now) },
    policy: DEFAULT_POLICY,
    leaseMs: 15 * 60_000,
  };
  await Promise.all(
    spec.staffIds.map(async (id) => {
      const staff = { id, role: 'agent' as const, languages: ['en'] };
      while ((await claimNextCase(spec.warmupQueue, staff, services)).outcome === 'claimed') {}
    }),
  );
  Object.assign(counts, emptyCounts());
  sentAt.clear();
  return {
    run: async () => {
      const claims: ClaimRecord[] = [];
      const errors: string[] = [];
      const cpuBefore = process.cpuUsage();
      await Promise.all(
        spec.staffIds.map(async (id) => {
          const staff = { id, role: 'agent' as const, languages: ['en'] };
          for (;;) {
            const t0 = performance.now();
            try {
              const outcome = await claimNextCase(spec.queue, staff, services);
              if (outcome.outcome !== 'claimed') return;
              const at = epochMs();
              const { caseId, priority } = outcome.case;
              claims.push({
                caseId,
                priority,
                at,
                sentAt: sentAt.get(caseId) ?? at,
                ms: performance.now() - t0,
                by: id,
              });
            } catch (error) {
              errors.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
              return;
            }
          }
        }),
      );
      const cpu = process.cpuUsage(cpuBefore);
      return { claims, counts, errors, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
    },
  };
}
