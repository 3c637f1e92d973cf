/**
 * Small pieces the benches share: percentiles, a bounded-concurrency loop, the `--json <file>`
 * result file `npm run bench` (bench/all.bench.ts) reads back, and a progress line on stderr.
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import {
  type DynamoDBDocumentClient,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../lambdas/adapters/awsClients.js';
import { DynamoCaseStore } from '../lambdas/adapters/dynamo/DynamoCaseStore.js';

/** The p-th percentile of an ascending array (nearest rank below), 0 when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Runs `work` over `items`, at most `width` at a time, in order of start. */
export async function inParallel<T>(
  items: readonly T[],
  width: number,
  work: (item: T, index: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const index = next++;
        const item = items[index];
        if (item !== undefined) await work(item, index);
      }
    }),
  );
}

/** One figure of a bench, as the `npm run bench` table shows it. */
export interface BenchFigure {
  /** What is measured, e.g. `ingest cases/s`. */
  name: string;
  /** The figure, already formatted with its unit. */
  figure: string;
  /** The floor or baseline measured beside it (formatted), when there is one. */
  baseline?: string;
  /** figure ÷ baseline (or the reverse, as the goal states it). */
  ratio?: number;
  /** The goal in words, e.g. `≤ 1.5×`. */
  goal?: string;
  met?: boolean;
}

export interface BenchResult {
  bench: string;
  load: { start: number; end: number };
  figures: BenchFigure[];
  /** Anything else the bench wants kept (raw numbers). */
  detail?: Record<string, unknown>;
}

/** The value after `--json` in argv, if any. */
export function jsonOutArg(argv: readonly string[] = process.argv): string | undefined {
  const at = argv.indexOf('--json');
  return at >= 0 ? argv[at + 1] : undefined;
}

/** Writes the result where `--json <file>` asked (nothing without the flag). */
export function writeBenchResult(result: BenchResult, file = jsonOutArg()): void {
  if (file) writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
}

/** The one-minute load average now. */
export function load1(): number {
  return loadavg()[0] ?? 0;
}

/** A progress line on stderr (stdout stays for the results). */
export function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

/**
 * A case store whose transactions are captured instead of sent (nothing is written; reads go to
 * `endpoint`): `recordInbound` with it yields exactly the TransactWriteItems `createCase` issues
 * for a message (items, keys, counter shards), to be written later, or in part, by a bench.
 */
export function capturingCaseStore(endpoint: string, tableName: string) {
  const real = documentClient({ dynamodb: endpoint, region: 'us-east-1' });
  const captured: TransactWriteCommandInput[] = [];
  const capturing = {
    send: async (command: unknown) => {
      if (command instanceof TransactWriteCommand) {
        captured.push(command.input);
        return {};
      }
      return real.send(command as Parameters<typeof real.send>[0]);
    },
  } as unknown as DynamoDBDocumentClient;
  return {
    store: new DynamoCaseStore(capturing, { tableName }),
    captured,
    close: () => real.destroy(),
  };
}
