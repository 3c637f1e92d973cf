import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import fc from 'fast-check';
import { expect } from 'vitest';
import { z } from 'zod';
import { sqsClient } from '../../lambdas/adapters/awsClients.js';
import { ChannelSchema } from '../../lambdas/domain/inboundMessage.js';
import { journalKeyOf } from '../../lambdas/local/acceptedJournal.js';
import { halfWrittenCaseProblems, snapshotTable } from './caseInvariants.js';
import { fuzzRuns, fuzzSeed } from './fuzzArbitraries.js';
import type { startTestRouter } from './localRouter.js';

export type TestRouter = Awaited<ReturnType<typeof startTestRouter>>;

export interface FuzzTarget<Sample> {
  /** What each run generates (see fuzzArbitraries.ts). */
  arbitrary: fc.Arbitrary<Sample>;
  /** Sends one sample to the router; resolves to the HTTP status it answered (undefined: none). */
  send: (sample: Sample) => Promise<number | undefined>;
}

export interface FuzzReport {
  runs: number;
  /** How many answers had each status, e.g. `{ 202: 870, 400: 12, 422: 118 }`. */
  statuses: Record<number, number>;
}

const acceptable = (status: number | undefined) =>
  status !== undefined && ((status >= 200 && status < 300) || (status >= 400 && status < 500));

/**
 * Fuzzes one endpoint: every generated request must be answered 2xx or 4xx (a 5xx or no answer
 * fails the run, and fast-check shrinks it to the smallest failing batch and prints its seed:
 * `FUZZ_SEED=<seed>` replays it), and the router must still answer `/health` afterwards.
 * Samples go out `concurrency` at a time (as a busy desk's traffic would), `fuzzRuns()` in all.
 */
export async function fuzzEndpoint<Sample>(
  router: TestRouter,
  target: FuzzTarget<Sample>,
  options: { concurrency?: number } = {},
): Promise<FuzzReport> {
  const statuses: Record<number, number> = {};
  const concurrency = options.concurrency ?? 8;
  const runs = fuzzRuns();
  let sent = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(target.arbitrary, { minLength: concurrency, maxLength: concurrency }),
      async (batch) => {
        const answers = await Promise.all(batch.map((sample) => target.send(sample)));
        sent += batch.length;
        for (const status of answers)
          if (status !== undefined) statuses[status] = (statuses[status] ?? 0) + 1;
        const wrong = answers.findIndex((status) => !acceptable(status));
        if (wrong >= 0) {
          throw new Error(
            `sample ${wrong} of the batch was answered ${answers[wrong] ?? 'nothing'}; only 2xx and 4xx are acceptable`,
          );
        }
      },
    ),
    { numRuns: Math.ceil(runs / concurrency), ...fuzzSeed() },
  );
  expect((await fetch(`${router.url}/health`)).status).toBe(200);
  return { runs: sent, statuses };
}

/** The raw keys of every message in the dead-letter queue (read and left hidden: the run is over). */
async function deadLetteredKeys(router: TestRouter): Promise<Set<string>> {
  const sqs = sqsClient(router.endpoints);
  const keys = new Set<string>();
  try {
    for (;;) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: router.resources.deadLetterQueueUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 300,
        }),
      );
      if (Messages.length === 0) return keys;
      for (const message of Messages) {
        const parsed = DeadLetterIdentitySchema.safeParse(JSON.parse(message.Body ?? 'null'));
        if (parsed.success) keys.add(journalKeyOf(parsed.data));
      }
    }
  } finally {
    sqs.destroy();
  }
}

const DeadLetterIdentitySchema = z.object({
  channel: ChannelSchema,
  externalId: z.string(),
  rawBlobKey: z.string().optional(),
});

/**
 * After a fuzz run: everything queued is routed; every message the gateway accepted (202) is a
 * case, joined a case, or sits in the dead-letter queue; and the table holds only whole cases
 * (see caseInvariants.ts for what "whole" means). Returns how many accepted messages ended in the DLQ.
 */
export async function expectWholeCasesOnly(router: TestRouter): Promise<{ deadLettered: number }> {
  await router.drain(180_000);
  const unrouted = (await router.journal.pending()).map((entry) => entry.key);
  const deadLettered = await deadLetteredKeys(router);
  expect(unrouted.filter((key) => !deadLettered.has(key))).toEqual([]);
  const snapshot = await snapshotTable(router.endpoints.dynamodb, router.resources.tableName);
  expect(halfWrittenCaseProblems(snapshot)).toEqual([]);
  return { deadLettered: unrouted.length };
}
