/**
 * `npm run bench:triage`: whole-triage latency on a 1 KB email (target ≤ 200 µs median on one
 * core), quality on the labelled set in test/fixtures/triage-eval/, and the language benchmark
 * from bench/language.ts when it exists.
 */
import { classifyTopic } from '../lambdas/domain/triage/classifyTopic.js';
import { foldMessage } from '../lambdas/domain/triage/cueMatcher.js';
import { detectExpedited } from '../lambdas/domain/triage/detectExpedited.js';
import { detectLanguage } from '../lambdas/domain/triage/detectLanguage.js';
import { detectPrograms } from '../lambdas/domain/triage/detectPrograms.js';
import { prepareText } from '../lambdas/domain/triage/prepareText.js';
import { redactPii } from '../lambdas/domain/triage/redactPii.js';
import { triage } from '../lambdas/domain/triage/triage.js';
import type { TriageInput } from '../lambdas/domain/triage/types.js';
import { evaluate, loadEvalSet } from '../test/unit/triage/evalMetrics.js';

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

function timeUs(iterations: number, action: () => void): number {
  for (let warm = 0; warm < Math.min(500, iterations); warm++) action();
  const samples: number[] = [];
  for (let index = 0; index < iterations; index++) {
    const start = process.hrtime.bigint();
    action();
    samples.push(Number(process.hrtime.bigint() - start) / 1_000);
  }
  return median(samples);
}

function pct(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

function benchLatency(): void {
  const input = email1k();
  const prepared = prepareText(input.text);
  const iterations = Number(process.env.BENCH_ITERATIONS ?? 3_000);
  const whole = timeUs(iterations, () => {
    triage(input);
  });
  const folded = foldMessage(input.subject, prepared.matchText);
  // Each row runs the step the way triage() runs it: one fold and tokenization shared by three detectors.
  const rows: [string, number][] = [
    ['prepareText', timeUs(iterations, () => prepareText(input.text))],
    ['detectLanguage', timeUs(iterations, () => detectLanguage(`${input.subject}\n${prepared.text}`, {}))],
    ['foldMessage', timeUs(iterations, () => foldMessage(input.subject, prepared.matchText))],
    [
      'classifyTopic',
      timeUs(iterations, () => classifyTopic(input.subject, prepared.text, prepared.matchText, folded, 'en')),
    ],
    [
      'detectExpedited',
      timeUs(iterations, () => detectExpedited(input.subject, prepared.text, { folded, topic: 'appeal' })),
    ],
    ['detectPrograms', timeUs(iterations, () => detectPrograms(input.subject, prepared.text, { folded }))],
    ['redactPii', timeUs(iterations, () => redactPii(prepared.text))],
  ];
  console.log(
    `\n== Triage latency: 1 KB email (${input.text.length} chars), median of ${iterations} runs, one thread`,
  );
  console.log(
    `whole triage (prepare + language + topic + expedited + programs + PII): ${whole.toFixed(1)} µs  (target ≤ ${TARGET_US} µs: ${whole <= TARGET_US ? 'met' : 'NOT met'})`,
  );
  for (const [name, us] of rows) console.log(`  ${name.padEnd(16)} ${us.toFixed(1)} µs`);
}

/** Figures each held-out set gave the first time it was run, before any fix it prompted (recorded at freeze time). */
const FIRST_CONTACT: Record<string, string> = {
  'holdout.jsonl': ' — first contact (lexicon v1): macro-F1 0.787, accuracy 79.4%, expedited precision 75%',
  'holdout2.jsonl': ' — first contact (v2): macro-F1 0.837, accuracy 81.5%, expedited recall 66.7%',
  'holdout3.jsonl': ' — first contact (v3): macro-F1 0.865, accuracy 85.4%',
  'holdout4.jsonl': ' — first contact (v4): macro-F1 0.804, accuracy 79.2%',
  'holdout5.jsonl': ' — first contact (v5): macro-F1 0.807, accuracy 78.8%, 0 confident misroutes',
  'holdout6.jsonl': ' — first contact (v6): macro-F1 0.754, accuracy 75.5%, 5 confident misroutes',
};

function benchQuality(): void {
  for (const file of [
    'dev.jsonl',
    'holdout.jsonl',
    'holdout2.jsonl',
    'holdout3.jsonl',
    'holdout4.jsonl',
    'holdout5.jsonl',
    'holdout6.jsonl',
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

benchLatency();
benchQuality();
await benchLanguageIfPresent();
