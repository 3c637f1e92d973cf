/**
 * Cold start of every function as deployed: synthesizes the stack (a sandbox, bundling on) into
 * cdk.out, then for each function's asset prints its bundle size and the time a fresh Node process
 * takes to import it, beside the import time of just the AWS SDK clients that function declares
 * (bundled the same way, timed in the same run, interleaved with the function so both see the same
 * machine). Goal: each function ≤ 1.3× its clients.
 *
 * A third column shows the clients plus the libraries every handler shares (zod, Powertools logger
 * and metrics): what is left above it is the function's own code (and, for route-inbound, the
 * triage models).
 *
 * "first call" is import plus the handler's first invocation with a realistic event against the
 * local emulators, in a fresh process (bench/coldstartFirstCall.ts): what the first request of a
 * new sandbox waits for. Work moved from module load to the first invocation shows up there, so a
 * change that only shifts work is visible; n/a names a function without a local scenario.
 *
 *   npm run bench:coldstart [-- --runs 15] [-- --no-synth] [-- --direct] [-- --cpu]
 *                           [-- --no-first-call] [-- --only emailIngest,staffApi] [-- --json out.json]
 *
 * `--direct` bundles each function's handler with esbuild as RouterFunction does (same flags) instead
 * of synthesizing, and names the ones that do not build instead of stopping: for a tree where one
 * handler is broken. The default measures the assets CDK wrote, exactly as deployed.
 *
 * On a shared machine the absolute figures move with the load (the ratios much less): the loadavg
 * of the run is printed with them. `--cpu` tabulates each process's CPU time (user + system) for the
 * same spans instead of wall-clock time: on a loaded machine it moves much less than wall time, and
 * on an idle one (a Lambda sandbox) the two are close.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, type CfnResource } from 'aws-cdk-lib';
import { build } from 'esbuild';
import { writeTriageModelSidecars } from '../lambdas/adapters/models/modelSidecar.js';
import { BUNDLE_CONDITIONS, RouterFunction } from '../lib/constructs/RouterFunction.js';
import { routerStackPropsFromContext } from '../lib/deployContext.js';
import { RouterStack } from '../lib/RouterStack.js';
import { FIRST_CALL_NOT_MEASURED, FirstCallBench, type Span, SpanSchema } from './coldstartFirstCall.js';

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const runsArg = args.indexOf('--runs');
const RUNS = runsArg >= 0 ? Number(args[runsArg + 1]) : 15;
const SYNTH = !args.includes('--no-synth');
const DIRECT = args.includes('--direct');
const CPU = args.includes('--cpu');
const FIRST_CALL = !args.includes('--no-first-call');
const onlyArg = args.indexOf('--only');
const ONLY = onlyArg >= 0 ? new Set((args[onlyArg + 1] ?? '').split(',')) : undefined;
const jsonArg = args.indexOf('--json');
const JSON_OUT = jsonArg >= 0 ? args[jsonArg + 1] : undefined;
const outdir = path.join(root, 'cdk.out');
const workdir = path.join(root, '.cache', 'coldstart');

/** The class each SDK package's client is; the floor imports exactly these. */
const CLIENT_EXPORTS: Record<string, string> = {
  '@aws-sdk/client-dynamodb': 'DynamoDBClient',
  '@aws-sdk/lib-dynamodb': 'DynamoDBDocumentClient',
  '@aws-sdk/client-s3': 'S3Client',
  '@aws-sdk/client-sqs': 'SQSClient',
  '@aws-sdk/client-sesv2': 'SESv2Client',
  '@aws-sdk/client-ses': 'SESClient',
  '@aws-sdk/client-secrets-manager': 'SecretsManagerClient',
  '@aws-sdk/client-textract': 'TextractClient',
};

interface Measured {
  label: string;
  assetFile: string;
  bundleBytes: number;
  clients: readonly string[];
}

/** Bundles a few imports exactly as RouterFunction bundles a handler (esbuild, ESM, minified, SDK inside). */
async function bundleLikeAFunction(name: string, source: string): Promise<string> {
  const entry = path.join(workdir, `${name}.entry.mjs`);
  const outfile = path.join(workdir, `${name}.mjs`);
  writeFileSync(entry, source);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    minify: true,
    mainFields: ['module', 'main'],
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    logLevel: 'silent',
    absWorkingDir: root,
  });
  return outfile;
}

function clientImports(clients: readonly string[]): string {
  return clients
    .map((client, index) => `import { ${CLIENT_EXPORTS[client]} as c${index} } from '${client}';`)
    .join('\n');
}

/** Milliseconds a fresh Node process spends in `import(file)`: wall-clock and its own CPU time. */
function importMs(file: string): Span {
  const script = [
    `const cpu = () => { const { user, system } = process.cpuUsage(); return (user + system) / 1000; };`,
    `const t = performance.now(), c = cpu();`,
    `await import(${JSON.stringify(pathToFileURL(file).href)});`,
    `process.stdout.write(JSON.stringify({ wall: performance.now() - t, cpu: cpu() - c }));`,
  ].join('\n');
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: workdir,
    env: { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1' },
    encoding: 'utf8',
  });
  return SpanSchema.parse(JSON.parse(output));
}

/** The figure the table shows: wall-clock by default, CPU time with `--cpu`. */
const shown = (span: Span) => (CPU ? span.cpu : span.wall);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

async function synthesizedFunctions(): Promise<Measured[]> {
  const bundling = SYNTH && !DIRECT;
  const app = new App({ outdir, context: bundling ? {} : { 'aws:cdk:bundling-stacks': [] } });
  const stack = new RouterStack(app, 'ContactRouter', {
    ...routerStackPropsFromContext({
      'contact-router:sandbox': 'true',
      'contact-router:activateRuleSet': 'true',
    }),
    env: { account: '111111111111', region: 'us-east-1' },
  });
  const functions = stack.node.findAll().filter((node) => node instanceof RouterFunction);
  if (DIRECT) return directlyBundled(functions);
  if (SYNTH) app.synth();
  const template = JSON.parse(readFileSync(path.join(outdir, 'ContactRouter.template.json'), 'utf8')) as {
    Resources: Record<string, { Properties: { Code?: { S3Key?: string } } }>;
  };
  return functions.map((fn) => {
    const logicalId = stack.getLogicalId(fn.function.node.defaultChild as CfnResource);
    const key = template.Resources[logicalId]?.Properties.Code?.S3Key;
    if (!key) throw new Error(`no code for ${logicalId} in cdk.out (run without --no-synth)`);
    const assetFile = path.join(outdir, `asset.${key.replace(/\.zip$/, '')}`, 'index.mjs');
    return {
      label: path.basename(fn.entry, '.ts'),
      assetFile,
      bundleBytes: statSync(assetFile).size,
      clients: fn.sdkClients,
    };
  });
}

/** Each handler bundled here with RouterFunction's esbuild flags; the ones that do not build are named and left out. */
async function directlyBundled(functions: RouterFunction[]): Promise<Measured[]> {
  const measured: Measured[] = [];
  for (const fn of functions) {
    const label = path.basename(fn.entry, '.ts');
    const outfile = path.join(workdir, `${label}.direct.mjs`);
    try {
      await build({
        entryPoints: [fn.entry],
        outfile,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node24',
        minify: true,
        sourcemap: true,
        sourcesContent: false,
        mainFields: ['module', 'main'],
        conditions: [...BUNDLE_CONDITIONS],
        banner: {
          js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
        },
        logLevel: 'silent',
        absWorkingDir: root,
      });
    } catch (error) {
      console.log(`${label}: not measured, its handler does not build (${String(error).split('\n')[0]})`);
      continue;
    }
    if (fn.triageModels) writeTriageModelSidecars(workdir);
    measured.push({ label, assetFile: outfile, bundleBytes: statSync(outfile).size, clients: fn.sdkClients });
  }
  return measured;
}

mkdirSync(workdir, { recursive: true });
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
console.log(
  DIRECT
    ? 'bundling each handler with esbuild as RouterFunction does (not from cdk.out)…'
    : `synthesizing the stack into cdk.out${SYNTH ? ' (bundling every function)' : ' (reusing its assets)'}…`,
);
const functions = (await synthesizedFunctions()).filter((fn) => !ONLY || ONLY.has(fn.label));
let firstCalls: FirstCallBench | undefined;
if (FIRST_CALL) {
  try {
    firstCalls = await FirstCallBench.start(workdir);
  } catch (error) {
    console.log(`first call not measured: the emulators did not start (${String(error).split('\n')[0]})`);
  }
}
const rows: string[] = [];
const results: Record<string, unknown>[] = [];
const load = os.loadavg()[0] ?? 0;
try {
  for (const fn of functions) {
    const clientsOnly = await bundleLikeAFunction(
      `${fn.label}-clients`,
      `${clientImports(fn.clients)}\nglobalThis.__keep = [${fn.clients.map((_, index) => `c${index}`).join(', ')}];\n`,
    );
    // The least of zod every handler runs (a config schema) and the Powertools each one constructs.
    const withLibraries = await bundleLikeAFunction(
      `${fn.label}-clients-libraries`,
      `${clientImports(fn.clients)}
import * as z from 'zod';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
const config = z.object({ TABLE_NAME: z.string().min(1), QUEUE_URL: z.url().optional() });
globalThis.__keep = [${fn.clients.map((_, index) => `c${index}`).join(', ')}, config, new Logger(), new Metrics({ namespace: 'Bench' })];
`,
    );
    const measuresFirstCall = firstCalls?.measures(fn.label) ?? false;
    const times = {
      fn: [] as number[],
      clients: [] as number[],
      libraries: [] as number[],
      first: [] as number[],
    };
    importMs(fn.assetFile); // warm the file cache once; every timed import is still a fresh process
    for (let run = 0; run < RUNS; run++) {
      times.fn.push(shown(importMs(fn.assetFile)));
      times.clients.push(shown(importMs(clientsOnly)));
      times.libraries.push(shown(importMs(withLibraries)));
      if (firstCalls && measuresFirstCall)
        times.first.push(shown((await firstCalls.time(fn.label, fn.assetFile, run)).firstCall));
    }
    const fnMs = median(times.fn);
    const clientsMs = median(times.clients);
    const ratio = fnMs / clientsMs;
    const firstMs = times.first.length > 0 ? median(times.first) : undefined;
    results.push({
      function: fn.label,
      bundleBytes: fn.bundleBytes,
      importMs: fnMs,
      clientsMs,
      ratio,
      firstCallMs: firstMs ?? null,
      ...(firstMs === undefined
        ? { firstCallNotMeasured: FIRST_CALL_NOT_MEASURED[fn.label] ?? 'first call off' }
        : {}),
      librariesMs: median(times.libraries),
      clients: fn.clients,
    });
    rows.push(
      [
        fn.label.padEnd(24),
        `${(fn.bundleBytes / 1024).toFixed(0).padStart(6)} KB`,
        `${fnMs.toFixed(0).padStart(6)} ms`,
        `${clientsMs.toFixed(0).padStart(6)} ms`,
        `${ratio.toFixed(2).padStart(5)}× ${ratio <= 1.3 ? 'ok ' : 'over'}`,
        firstMs === undefined ? '       n/a' : `${firstMs.toFixed(0).padStart(7)} ms`,
        `${median(times.libraries).toFixed(0).padStart(6)} ms`,
        fn.clients.map((client) => client.replace('@aws-sdk/', '')).join(' '),
      ].join('  '),
    );
    console.log(rows.at(-1));
  }
} finally {
  await firstCalls?.stop();
}
console.log(
  `\nNode ${process.version}, ${os.cpus().length} CPUs, load ${load.toFixed(2)} → ${(os.loadavg()[0] ?? 0).toFixed(2)}; median of ${RUNS} fresh-process runs each, interleaved; ${CPU ? 'CPU time (user + system) of each process' : 'wall-clock time'}.`,
);
const notMeasured = functions
  .map((fn) => fn.label)
  .filter((label) => label in FIRST_CALL_NOT_MEASURED)
  .map((label) => `${label}: ${FIRST_CALL_NOT_MEASURED[label]}`);
if (firstCalls && notMeasured.length > 0) console.log(`first call n/a — ${notMeasured.join('; ')}.`);
console.log(
  [
    'function'.padEnd(24),
    '   bundle',
    '   import',
    '  clients',
    'ratio (goal ≤ 1.3)',
    'first call',
    'clients+zod+powertools',
    'clients',
  ].join('  '),
);
for (const row of rows) console.log(row);
if (JSON_OUT) {
  writeFileSync(
    JSON_OUT,
    `${JSON.stringify({ node: process.version, load: [load, os.loadavg()[0] ?? 0], runs: RUNS, measure: CPU ? 'cpu' : 'wall', functions: results }, null, 2)}\n`,
  );
}
