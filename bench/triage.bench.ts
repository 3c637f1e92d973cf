/**
 * `npm run bench:triage`: whole-triage latency on a 1 KB email (target ≤ 200 µs median on one
 * core), quality on the labelled set in test/fixtures/triage-eval/, and the language benchmark
 * from bench/language.ts when it exists. `-- --latency-only` skips quality and language;
 * `-- --json out.json` writes the latency figure for `npm run bench`.
 */
import { classifyTopic } from '../lambdas/domain/triage/classifyTopic.js';
import { foldMessage } from '../lambdas/domain/triage/cueMatcher.js';
import { detectExpedited } from '../lambdas/domain/triage/detectExpedited.js';
import { detectLanguage } from '../lambdas/domain/triage/detectLanguage.js';
import { detectPrograms, detectQuotedPartD } from '../lambdas/domain/triage/detectPrograms.js';
import { prepareText } from '../lambdas/domain/triage/prepareText.js';
import { redactPii } from '../lambdas/domain/triage/redactPii.js';
import { LANGUAGE_TRUST, triage } from '../lambdas/domain/triage/triage.js';
import type { TriageInput } from '../lambdas/domain/triage/types.js';
import { evaluate, loadEvalSet } from '../test/unit/triage/evalMetrics.js';
import { load1, writeBenchResult } from './benchKit.js';

const TARGET_US = 200;

function email1k(): TriageInput {
  const lines = [
    'Hello,',
    '',
    'I am writing about my mother, Eleanor Brooks. Her Eliquis prescription was denied last week and the',
    'letter says she can appeal. Her cardiologist already tried warfarin and she had a bleed, so we would like',
    'you to reconsider. She only has six tablets left, so please let us know what else you need from us.',
    'Her date of birth is 02/17/1941 and you can reach me at (614) 555-0147 or at kate.brooks@example.com.',
    '',
    'Thank you,',
    'Kate Brooks',
    '',
    'On Mon, Nov 16, 2026 at 3:12 PM Member Services <noreply@rxmail.example> wrote:',
    '> Dear member, we reviewed the coverage request for ELIQUIS 5 MG TABLET and could not approve it.',
    '> You may ask for a redetermination within 65 days of this notice. To ask, call the number on the',
    '> back of your card or write to us. If you believe waiting could seriously harm your health, you can',
    '> ask for a fast decision. Your prescriber can also ask for you.',
    '> Sincerely, Member Services',
  ];
  let text = lines.join('\n');
  while (text.length < 1024)
    text += '\n> This notice is available in other languages and formats on request.';
  return { channel: 'email', subject: 'Re: Eliquis coverage denied - appeal', text: text.slice(0, 1024) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/**
 * A fixed piece of JavaScript work (FNV-1a over 16 KB), timed next to every batch and printed, never used to
 * correct anything: on this shared 2-core box the same work takes from 30 to over 100 µs from batch to batch.
 * It does not track triage closely (a tight loop suffers less from a busy neighbour than a pipeline of many
 * functions, regular expressions and tables), so it only shows that the box, not the code, moved.
 */
const REFERENCE_TEXT = 'member services reference workload '.repeat(460).slice(0, 16_384);
function referenceWork(): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < REFERENCE_TEXT.length; index++)
    hash = Math.imul(hash ^ REFERENCE_TEXT.charCodeAt(index), 0x01000193);
  return hash;
}

interface Batch {
  triage: number;
  reference: number;
}

/** Whole triage() runs in batches, each with the reference work timed just before it. */
function timeBatches(
  batches: number,
  perBatch: number,
  action: () => void,
): { all: number; batches: Batch[] } {
  for (let warm = 0; warm < 500; warm++) {
    action();
    referenceWork();
  }
  const everything: number[] = [];
  const results: Batch[] = [];
  for (let batch = 0; batch < batches; batch++) {
    const reference: number[] = [];
    for (let index = 0; index < 200; index++) {
      const start = process.hrtime.bigint();
      referenceWork();
      reference.push(Number(process.hrtime.bigint() - start) / 1_000);
    }
    const samples: number[] = [];
    for (let index = 0; index < perBatch; index++) {
      const start = process.hrtime.bigint();
      action();
      samples.push(Number(process.hrtime.bigint() - start) / 1_000);
    }
    everything.push(...samples);
    results.push({ triage: median(samples), reference: median(reference) });
  }
  return { all: median(everything), batches: results };
}

const STEPS = [
  'prepareText',
  'detectLanguage',
  'foldMessage',
  'classifyTopic',
  'detectExpedited',
  'detectPrograms',
  'redactPii',
] as const;

/**
 * Each step's median as triage() runs it, one after the other on the same message: measured apart, each step
 * finds its tables in the CPU cache, which a real message stream does not allow.
 */
function stepsInPipeline(input: TriageInput, iterations: number): number[] {
  const samples: number[][] = STEPS.map(() => []);
  for (let index = 0; index < iterations + 500; index++) {
    const marks = [process.hrtime.bigint()];
    const prepared = prepareText(input.text);
    marks.push(process.hrtime.bigint());
    const language = detectLanguage(`${input.subject}\n${prepared.text}`, {});
    marks.push(process.hrtime.bigint());
    const folded = foldMessage(input.subject ?? '', prepared.matchText);
    marks.push(process.hrtime.bigint());
    // As triage() does: the language narrows the topic cues only when it is sure.
    const confident = language.confidence >= LANGUAGE_TRUST ? language.language : undefined;
    const topic = classifyTopic(input.subject ?? '', prepared.text, prepared.matchText, folded, confident);
    marks.push(process.hrtime.bigint());
    detectExpedited(input.subject ?? '', prepared.text, { folded, topic: topic.topic });
    marks.push(process.hrtime.bigint());
    const programs = detectPrograms(input.subject ?? '', prepared.text, { folded });
    const quoted = prepared.stripped.filter((part) => part.kind === 'quote').map((part) => part.text);
    if (!programs.programs.includes('medicare_part_d') && quoted.length > 0)
      detectQuotedPartD(quoted.join('\n'));
    marks.push(process.hrtime.bigint());
    redactPii(prepared.text);
    redactPii(input.subject ?? '');
    for (const part of prepared.stripped) if (part.kind !== 'quote') redactPii(part.text);
    marks.push(process.hrtime.bigint());
    if (index < 500) continue;
    for (let step = 0; step < STEPS.length; step++)
      samples[step]?.push(Number((marks[step + 1] ?? 0n) - (marks[step] ?? 0n)) / 1_000);
  }
  return samples.map(median);
}

function pct(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

function benchLatency(): { medianUs: number; fastestBatchUs: number } {
  const input = email1k();
  const perBatch = Number(process.env.BENCH_ITERATIONS ?? 1_000);
  const batchCount = 9;
  const whole = timeBatches(batchCount, perBatch, () => {
    triage(input);
  });
  const fastest = whole.batches.reduce((best, batch) => (batch.reference < best.reference ? batch : best));
  const steps = stepsInPipeline(input, perBatch * 3);
  const met = (value: number) => (value <= TARGET_US ? 'met' : 'NOT met');
  console.log(
    `\n== Triage latency: 1 KB email (${input.text.length} chars), ${batchCount} batches of ${perBatch} runs, one thread`,
  );
  console.log(
    `whole triage (prepare + language + topic + expedited + programs + PII): median ${whole.all.toFixed(1)} µs over all runs (target ≤ ${TARGET_US} µs: ${met(whole.all)})`,
  );
  console.log('  batch medians, triage µs / reference work µs (the same fixed JavaScript work every batch):');
  console.log(
    `    ${whole.batches.map((batch) => `${batch.triage.toFixed(0)}/${batch.reference.toFixed(1)}`).join('  ')}`,
  );
  console.log(
    `  in the batch where the box ran fastest (reference ${fastest.reference.toFixed(1)} µs): ${fastest.triage.toFixed(1)} µs (${met(fastest.triage)})`,
  );
  console.log('  steps as triage() runs them, median:');
  STEPS.forEach((name, index) => {
    console.log(`    ${name.padEnd(16)} ${(steps[index] ?? 0).toFixed(1)} µs`);
  });
  return { medianUs: whole.all, fastestBatchUs: fastest.triage };
}

/** Figures each held-out set gave the first time it was run, before any fix it prompted (recorded at freeze time). */
const FIRST_CONTACT: Record<string, string> = {
  'holdout.jsonl': ' — first contact (lexicon v1): macro-F1 0.787, accuracy 79.4%, expedited precision 75%',
  'holdout2.jsonl': ' — first contact (v2): macro-F1 0.837, accuracy 81.5%, expedited recall 66.7%',
  'holdout3.jsonl': ' — first contact (v3): macro-F1 0.865, accuracy 85.4%',
  'holdout4.jsonl': ' — first contact (v4): macro-F1 0.804, accuracy 79.2%',
  'holdout5.jsonl': ' — first contact (v5): macro-F1 0.807, accuracy 78.8%, 0 confident misroutes',
  'holdout6.jsonl': ' — first contact (v6): macro-F1 0.754, accuracy 75.5%, 5 confident misroutes',
  'holdout7.jsonl': ' — first contact (lexicon alone, before the topic model): macro-F1 0.868',
  'holdout8.jsonl':
    ' — first contact (written blind, run once after corpus v4): macro-F1 0.988, accuracy 98.8%, 0 confident misroutes',
};

/** The newest held-out sets pooled: the least tuned-on text there is. */
const NEWEST_HELD_OUT = ['holdout6.jsonl', 'holdout7.jsonl', 'holdout8.jsonl'];

function benchQuality(): void {
  for (const file of [
    'dev.jsonl',
    'holdout.jsonl',
    'holdout2.jsonl',
    'holdout3.jsonl',
    'holdout4.jsonl',
    'holdout5.jsonl',
    'holdout6.jsonl',
    'holdout7.jsonl',
    'holdout8.jsonl',
  ]) {
    let messages: ReturnType<typeof loadEvalSet>;
    try {
      messages = loadEvalSet(file);
    } catch {
      continue;
    }
    const report = evaluate(messages, triage);
    const worst = Object.entries(report.topicF1)
      .sort((a, b) => a[1] - b[1])
      .slice(0, 3)
      .map(([topic, f1]) => `${topic} ${f1.toFixed(3)}`)
      .join(', ');
    console.log(`\n== Quality on ${file} (${report.count} messages)${FIRST_CONTACT[file] ?? ''}`);
    console.log(
      `wrong topic at confidence ≥ 0.5 (silent misroutes): ${report.confidentErrors}; every other miss goes to the triage queue`,
    );
    console.log(
      `topic macro-F1 ${report.topicMacroF1.toFixed(3)} (target ≥ 0.95), accuracy ${pct(report.topicAccuracy)}; worst F1: ${worst}`,
    );
    console.log(
      `expedited recall ${pct(report.expeditedRecall)} (target 100%), precision ${pct(report.expeditedPrecision)} (target ≥ 90%)`,
    );
    console.log(
      `PII: identifiers left in redacted text ${report.piiLeaks.length} (target 0); PII type recall ${pct(report.piiTypeRecall)}`,
    );
    console.log(
      `programs exact ${pct(report.programAccuracy)}; language (detector under test) ${pct(report.languageAccuracy)}`,
    );
  }
  const pooled = evaluate(NEWEST_HELD_OUT.flatMap(loadEvalSet), triage);
  console.log(
    `\n== Newest held-out sets pooled (${NEWEST_HELD_OUT.join(', ')}; ${pooled.count} messages): topic macro-F1 ${pooled.topicMacroF1.toFixed(3)} (target ≥ 0.95), accuracy ${pct(pooled.topicAccuracy)}, ${pooled.confidentErrors} wrong at confidence ≥ 0.5`,
  );
}

async function benchLanguageIfPresent(): Promise<void> {
  console.log('\n== Language detection (bench/language.ts)');
  let module: Record<string, unknown>;
  try {
    module = await import(String(new URL('./language.ts', import.meta.url)));
  } catch (error) {
    console.log(
      `skipped: bench/language.ts is not available (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`,
    );
    return;
  }
  const benchLanguage = module.benchLanguage;
  if (typeof benchLanguage !== 'function') {
    console.log('skipped: bench/language.ts does not export benchLanguage()');
    return;
  }
  await benchLanguage();
}

const loadStart = load1();
const latency = benchLatency();
// One thread runs triage back to back: its throughput is one core's.
const perCore = 1_000_000 / latency.medianUs;
console.log(`  throughput: ${perCore.toFixed(0)} messages/s per core (1 / median)`);
writeBenchResult({
  bench: 'triage',
  load: { start: loadStart, end: load1() },
  figures: [
    {
      name: 'triage, 1 KB e-mail, one core',
      figure: `${perCore.toFixed(0)} msg/s/core`,
      baseline: `median ${latency.medianUs.toFixed(0)} µs (fastest batch ${latency.fastestBatchUs.toFixed(0)} µs)`,
      ratio: latency.medianUs / TARGET_US,
      goal: `median ≤ ${TARGET_US} µs`,
      met: latency.medianUs <= TARGET_US,
    },
  ],
});
// `npm run bench:triage -- --latency-only` skips the quality and language sections (a minute of work).
if (!process.argv.includes('--latency-only')) {
  benchQuality();
  await benchLanguageIfPresent();
}
