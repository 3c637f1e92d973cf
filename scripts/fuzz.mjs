#!/usr/bin/env node
// Runs the fuzz tests of local mode's public endpoints with more runs than CI's 1,000 each.
//   npm run fuzz -- --runs 20000 [--seed 12345] [--only inboundEmail,staffRoutes,anyTarget]
// A failure prints fast-check's shrunk counterexample and its seed; --seed replays it.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '1000' }, seed: { type: 'string' }, only: { type: 'string' } },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`--runs must be a positive whole number; received "${values.runs}"`);
  process.exit(2);
}
const root = path.resolve(import.meta.dirname, '..');
const files = values.only
  ? values.only.split(',').map((name) => `test/integration/fuzz/${name}.fuzz.test.ts`)
  : ['test/integration/fuzz'];
const child = spawn('npx', ['vitest', 'run', '--project', 'integration', ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, FUZZ_RUNS: String(runs), ...(values.seed ? { FUZZ_SEED: values.seed } : {}) },
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
