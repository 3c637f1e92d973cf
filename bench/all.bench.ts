/**
 * `npm run bench`: the benches that have a goal, one after another, each in its own process (their
 * progress shown on stderr as they run), then ONE table of their figures beside the floor or
 * baseline each measured in the same run: ingest end to end, claims, cold start, triage throughput
 * per core, the SLA sweeper at 10,000 and 100,000 open cases.
 *
 *   npm run bench -- [--only ingest,claims,coldstart,triage,sweeper] [--quick]
 *
 * `--quick` shrinks every size (300 e-mails, 500 claims, 3 cold starts of esbuild bundles without a
 * first call, 200-run triage batches, the sweeper at 1,000 and 10,000): a few minutes instead of
 * half an hour, for a check that nothing regressed badly, not for the README's figures.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { type BenchFigure, type BenchResult, load1, progress } from './benchKit.js';

const { values } = parseArgs({
  options: { only: { type: 'string' }, quick: { type: 'boolean', default: false } },
});
const QUICK = values.quick;

interface Bench {
  name: string;
  script: string;
  args: string[];
  env?: Record<string, string>;
  /** Turns a result file that is not a BenchResult (cold start's own) into one. */
  read?: (json: unknown) => BenchFigure[];
}

const ColdstartSchema = z.object({
  functions: z.array(
    z.object({
      function: z.string(),
      importMs: z.number(),
      clientsMs: z.number(),
      ratio: z.number(),
      firstCallMs: z.number().nullable(),
    }),
  ),
});

function coldstartFigures(json: unknown): BenchFigure[] {
  const { functions } = ColdstartSchema.parse(json);
  if (functions.length === 0) return [];
  const worst = functions.reduce((a, b) => (b.ratio > a.ratio ? b : a));
  const route = functions.find((fn) => fn.function === 'routeInbound');
  const over = functions.filter((fn) => fn.ratio > 1.3).map((fn) => fn.function);
  return [
    {
      name: `cold start, worst of ${functions.length} functions (${worst.function})`,
      figure: `${worst.importMs.toFixed(0)} ms import`,
      baseline: `${worst.clientsMs.toFixed(0)} ms its SDK clients`,
      ratio: worst.ratio,
      goal: '≤ 1.3× clients, each',
      met: over.length === 0,
    },
    ...(route && route !== worst
      ? [
          {
            name: 'cold start, routeInbound',
            figure: `${route.importMs.toFixed(0)} ms import${route.firstCallMs === null ? '' : `, ${route.firstCallMs.toFixed(0)} ms first call`}`,
            baseline: `${route.clientsMs.toFixed(0)} ms its SDK clients`,
            ratio: route.ratio,
            goal: '≤ 1.3× clients',
            met: route.ratio <= 1.3,
          },
        ]
      : []),
  ];
}

const BENCHES: Bench[] = [
  {
    name: 'ingest',
    script: 'bench/ingest.bench.ts',
    args: ['--messages', QUICK ? '300' : '1000', '--concurrency', '8'],
  },
  { name: 'claims', script: 'bench/claims.bench.ts', args: QUICK ? ['--cases', '500'] : [] },
  {
    name: 'coldstart',
    script: 'bench/coldstart.bench.ts',
    args: QUICK ? ['--direct', '--runs', '3', '--no-first-call'] : [],
    read: coldstartFigures,
  },
  {
    name: 'triage',
    script: 'bench/triage.bench.ts',
    args: ['--latency-only'],
    ...(QUICK ? { env: { BENCH_ITERATIONS: '200' } } : {}),
  },
  {
    name: 'sweeper',
    script: 'bench/sweeper.bench.ts',
    args: QUICK ? ['1000', '10000', '--bulk-above', '1000'] : ['10000', '100000'],
  },
];

const only = values.only?.split(',').map((name) => name.trim());
const unknown = only?.filter((name) => !BENCHES.some((bench) => bench.name === name)) ?? [];
if (unknown.length > 0) {
  process.stderr.write(
    `unknown bench ${unknown.join(', ')}; choose from ${BENCHES.map((b) => b.name).join(', ')}\n`,
  );
  process.exit(2);
}
const chosen = BENCHES.filter((bench) => !only || only.includes(bench.name));
const root = path.resolve(import.meta.dirname, '..');
const scratch = mkdtempSync(path.join(tmpdir(), 'contact-router-bench-'));

/** Runs one bench in its own process, its output shown line by line on stderr under its name. */
function runBench(bench: Bench, jsonFile: string): Promise<number | null> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', bench.script, ...bench.args, '--json', jsonFile],
    {
      cwd: root,
      env: { ...process.env, ...bench.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  for (const stream of [child.stdout, child.stderr]) {
    let pending = '';
    stream.on('data', (chunk: Buffer) => {
      const lines = (pending + chunk.toString()).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) progress(`[${bench.name}] ${line}`);
    });
    stream.on('end', () => {
      if (pending.trim()) progress(`[${bench.name}] ${pending}`);
    });
  }
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

interface Row {
  bench: string;
  figure: BenchFigure;
}

const rows: Row[] = [];
const failed: string[] = [];
const loadStart = load1();
const started = Date.now();
try {
  for (const [index, bench] of chosen.entries()) {
    progress(
      `== ${index + 1}/${chosen.length} ${bench.name}: ${bench.script} ${bench.args.join(' ')} (load ${load1().toFixed(2)})`,
    );
    const jsonFile = path.join(scratch, `${bench.name}.json`);
    const t0 = Date.now();
    const code = await runBench(bench, jsonFile);
    progress(`== ${bench.name} finished in ${((Date.now() - t0) / 1000).toFixed(0)} s (exit ${code})`);
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(jsonFile, 'utf8'));
    } catch {
      failed.push(`${bench.name} (exit ${code}, no result)`);
      continue;
    }
    if (code !== 0) failed.push(`${bench.name} (exit ${code})`);
    const figures = bench.read ? bench.read(json) : (json as BenchResult).figures;
    for (const figure of figures) rows.push({ bench: bench.name, figure });
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const table = [
  ['bench', 'figure', 'floor / baseline', 'ratio', 'goal', 'met?'],
  ...rows.map(({ bench, figure }) => [
    `${bench}: ${figure.name}`,
    figure.figure,
    figure.baseline ?? '',
    figure.ratio === undefined ? '' : `${figure.ratio.toFixed(2)}×`,
    figure.goal ?? '',
    figure.met === undefined ? '' : figure.met ? 'yes' : 'NO',
  ]),
];
const widths = (table[0] ?? []).map((_, column) =>
  Math.max(...table.map((row) => (row[column] ?? '').length)),
);
const line = (row: string[]) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ');
console.log(`\nnpm run bench${QUICK ? ' --quick' : ''}: ${chosen.map((bench) => bench.name).join(', ')}\n`);
console.log(line(table[0] ?? []));
console.log(widths.map((width) => '-'.repeat(width)).join('-+-'));
for (const row of table.slice(1)) console.log(line(row));
console.log(
  `\n${cpus().length} CPUs, load ${loadStart.toFixed(2)} at the start, ${load1().toFixed(2)} at the end; ${((Date.now() - started) / 60_000).toFixed(1)} min. Each floor or baseline was measured in the same process run as its figure: compare ratios across runs, not rates.`,
);
if (failed.length > 0) {
  console.log(`failed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
