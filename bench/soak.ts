/**
 * `npm run soak [-- <messages>]` (default 10,000): mixed traffic through local mode, then the
 * ledger of every message sent. Exits 1 when anything is unaccounted for (see soakRunner.ts).
 */
import { formatLedger, runSoak } from './soakRunner.js';

const messages = Number(process.argv[2] ?? 10_000);
if (!Number.isInteger(messages) || messages < 50) {
  process.stderr.write(
    `usage: npm run soak -- <messages>: a whole number of at least 50, got ${process.argv[2]}\n`,
  );
  process.exit(2);
}

const result = await runSoak({ messages });
process.stdout.write(`\n${formatLedger(result)}\n`);
for (const line of result.unaccounted.slice(0, 50)) process.stdout.write(`UNACCOUNTED ${line}\n`);
for (const problem of result.problems.slice(0, 50)) process.stdout.write(`PROBLEM ${problem}\n`);
const failed = result.unaccounted.length > 0 || result.problems.length > 0;
process.stdout.write(
  failed
    ? `\nsoak FAILED: ${result.unaccounted.length} unaccounted, ${result.problems.length} problems\n`
    : '\nsoak passed: every message accounted for, no case duplicated, queue counters match the table\n',
);
process.exit(failed ? 1 : 0);
