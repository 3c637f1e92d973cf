/**
 * HTML to text on adversarial 1 MB bodies: the shared converter (`htmlToPlainText`, htmlparser2's
 * tokenizer) beside the two regular-expression converters it replaced (kept in bench/legacy/), each
 * run on the same input in the same process. Goal: every input in ≤ 200 ms.
 *
 *   npm run bench:html [-- --size-kb 1000 --runs 5 --budget-ms 5000 --only allLt,deepDiv]
 *
 * The legacy converters run in a worker thread that is stopped at `--budget-ms` (they take minutes
 * on several of these inputs); a stopped run prints as "> budget". Figures on a shared machine
 * vary: compare the columns of one run, not runs taken at different times.
 */
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { htmlToPlainText } from '../lambdas/domain/text/htmlToPlainText.js';

const { values } = parseArgs({
  options: {
    'size-kb': { type: 'string', default: '1000' },
    runs: { type: 'string', default: '5' },
    'budget-ms': { type: 'string', default: '5000' },
    only: { type: 'string' },
  },
});
const SIZE = Number(values['size-kb']) * 1000;
const RUNS = Math.max(1, Number(values.runs));
const BUDGET_MS = Number(values['budget-ms']);
const GOAL_MS = 200;
/** As the MIME adapter calls it: the canonical message keeps at most 1,000,000 characters. */
const MAX_BODY_CHARS = 1_000_000;

const fill = (unit: string, size = SIZE) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);

/** Inputs that made the regular-expression converters backtrack, plus one ordinary HTML mail. */
const INPUTS: Record<string, () => string> = {
  allLt: () => fill('<'),
  deepNesting: () => fill('<div>'),
  deepBlockquotes: () => fill('<blockquote>x'),
  unclosedTags: () => fill('<b><i><p><li><td>'),
  unmatchedEndTags: () => fill('<b>', SIZE / 2) + fill('</i>', SIZE / 2),
  tagsWithoutEnd: () => fill('<a '),
  hugeAttribute: () => `<div title="${'a'.repeat(SIZE - 20)}">x</div>`,
  unterminatedAttribute: () => `<div title="${fill('a&amp;', SIZE - 12)}`,
  manyEntities: () => fill('&amp;&#x1F48A;&nbsp;&eacute;&bogus;'),
  scriptStyleBlocks: () => fill('<script>var a = "<div>";</script><style>p{}</style>text '),
  unclosedScripts: () => fill('<script>x'),
  unclosedComments: () => fill('<!--<p>'),
  ordinaryMail: () =>
    fill(
      '<div class="gmail_quote"><p>Hello, I need a <b>refill</b> of my Lisinopril &amp; my copay card.</p>' +
        '<ul><li>Order 12345</li><li>DOB 01/02/1960</li></ul><blockquote>On Tue, Jane wrote:<br>ok</blockquote></div>',
    ),
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function timeShared(html: string): { medianMs: number; maxMs: number } {
  htmlToPlainText(html.slice(0, 10_000), { maxChars: MAX_BODY_CHARS }); // warm the JIT on this shape
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    htmlToPlainText(html, { maxChars: MAX_BODY_CHARS });
    times.push(performance.now() - started);
  }
  return { medianMs: median(times), maxMs: Math.max(...times) };
}

// Node 20 workers do not inherit tsx's loader; the worker registers it and imports the TypeScript file.
const LOAD_TS_IN_WORKER = `
const { workerData } = require('node:worker_threads');
import('tsx/esm/api').then(({ tsImport }) => tsImport(workerData.module, workerData.parent));
`;
const LEGACY_WORKER = new URL('./legacy/legacyWorker.ts', import.meta.url).href;

function timeLegacy(converter: 'mime' | 'triage', html: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(LOAD_TS_IN_WORKER, {
      eval: true,
      workerData: { module: LEGACY_WORKER, parent: import.meta.url, converter, html },
    });
    const timer =
      BUDGET_MS > 0
        ? setTimeout(() => {
            worker.terminate().then(() => resolve(undefined), reject);
          }, BUDGET_MS + 1_000) // worker start-up and module load are not the converter's time
        : undefined;
    worker.once('message', (result: { ms: number }) => {
      clearTimeout(timer);
      resolve(result.ms > BUDGET_MS && BUDGET_MS > 0 ? undefined : result.ms);
    });
    worker.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

const format = (ms: number | undefined) =>
  ms === undefined
    ? `> ${(BUDGET_MS / 1000).toFixed(0)} s`
    : ms >= 1000
      ? `${(ms / 1000).toFixed(1)} s`
      : `${ms.toFixed(0)} ms`;

const selected = values.only ? values.only.split(',') : Object.keys(INPUTS);
for (const name of selected) {
  if (!INPUTS[name]) throw new Error(`unknown input "${name}"; known: ${Object.keys(INPUTS).join(', ')}`);
}
process.stdout.write(
  `HTML to text, ${SIZE / 1000} KB inputs; shared converter: median (max) of ${RUNS} runs; legacy: one run, stopped at ${BUDGET_MS} ms\n\n`,
);
const columns: [string, number][] = [
  ['input', 22],
  ['htmlToPlainText', 18],
  ['legacy mime', 13],
  ['legacy triage', 14],
  [`≤ ${GOAL_MS} ms`, 8],
];
const line = (cells: string[]) =>
  `${cells
    .map((cell, column) => cell.padEnd(columns[column]?.[1] ?? 0))
    .join('  ')
    .trimEnd()}\n`;
process.stdout.write(line(columns.map(([title]) => title)));
process.stdout.write(line(columns.map(([, width]) => '-'.repeat(width))));
// All shared-converter runs first: a legacy worker stopped at its budget can keep a core busy
// for a moment after terminate(), and must not share the machine with the runs being timed.
const shared = new Map<string, { medianMs: number; maxMs: number }>();
for (const name of selected) {
  process.stderr.write(`  htmlToPlainText: ${name} …\n`);
  shared.set(name, timeShared(INPUTS[name]?.() ?? ''));
}
let worst = 0;
for (const name of selected) {
  const html = INPUTS[name]?.() ?? '';
  const own = shared.get(name) ?? { medianMs: Number.NaN, maxMs: Number.NaN };
  worst = Math.max(worst, own.maxMs);
  const mime = await timeLegacy('mime', html);
  const triage = await timeLegacy('triage', html);
  process.stdout.write(
    line([
      name,
      `${format(own.medianMs)} (${format(own.maxMs)})`,
      format(mime),
      format(triage),
      own.maxMs <= GOAL_MS ? 'yes' : 'NO',
    ]),
  );
}
process.stdout.write(
  `\nslowest shared-converter run: ${format(worst)} (goal ≤ ${GOAL_MS} ms per ${SIZE / 1000} KB): ${worst <= GOAL_MS ? 'met' : 'NOT met'}\n`,
);
