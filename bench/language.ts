// Language-detection benchmark: our detector against eld, CLD2, franc and Lingua, all measured in this run.
// Each detector runs in a fresh Node process so module-load time and memory are cold-start figures.
// Run alone: npx tsx bench/language.ts   (npm run bench:triage calls benchLanguage() too)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { writeTriageModelSidecars } from '../lambdas/adapters/models/modelSidecar.js';
import { BUNDLE_CONDITIONS } from '../lib/constructs/RouterFunction.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const corpusDir = path.resolve(repoRoot, '../shared/corpora/langid/lingua-testdata');

const CORPUS_LANGUAGES = [
  'ar',
  'de',
  'en',
  'es',
  'fr',
  'hi',
  'it',
  'ja',
  'ko',
  'pl',
  'pt',
  'ru',
  'tl',
  'vi',
  'zh',
];
const KINDS = ['sentences', 'word-pairs', 'single-words'] as const;
type Kind = (typeof KINDS)[number];

export interface DetectorFigures {
  name: string;
  /** Time to import the module and build its model in a fresh process (ms, median of several processes). */
  loadMs: number;
  /** CPU time of that import (ms, median): steadier than wall time on a shared machine. */
  loadCpuMs: number;
  /** Resident memory added by loading the detector (MB). */
  memoryMb: number;
  /** Median time per sentence (µs). */
  microsecondsPerSentence: number;
  /** Macro accuracy (0..1) per kind over the corpus languages, and per language. */
  accuracy: Record<Kind, { macro: number; perLanguage: Record<string, number> }>;
  /** Share of the derived zh-Hant sentences read as zh (and, for ours, script Hant). */
  traditionalChinese: number;
}

export interface LanguageBenchResult {
  detectors: DetectorFigures[];
  /** Our cold-start load when zod (which every handler loads for its schemas) is already in memory. */
  oursLoadAfterZod?: { loadMs: number; loadCpuMs: number };
  skipped: string[];
  table: string;
}

/** Code run in the child: `LOAD` defines `detect(text) → {language, script?}` (may be async). */
function childProgram(load: string): string {
  return `
import { readFileSync } from 'node:fs';
const corpusDir = ${JSON.stringify(corpusDir)};
const languages = ${JSON.stringify(CORPUS_LANGUAGES)};
const kinds = ${JSON.stringify(KINDS)};
const lines = (language, kind) => readFileSync(corpusDir + '/' + language + '/' + kind + '.txt', 'utf8').split('\\n').filter((line) => line.trim() !== '');
const rssBefore = process.memoryUsage().rss;
const started = performance.now();
${load}
const loadMs = performance.now() - started;
await detect('warm up');
const memoryMb = (process.memoryUsage().rss - rssBefore) / 1e6;
const accuracy = {};
const sentenceTimes = [];
for (const kind of kinds) {
  const perLanguage = {};
  for (const language of languages) {
    const samples = lines(language, kind);
    let correct = 0;
    for (const sample of samples) {
      const before = process.hrtime.bigint();
      const result = await detect(sample);
      if (kind === 'sentences') sentenceTimes.push(Number(process.hrtime.bigint() - before) / 1000);
      if (result.language === language) correct++;
    }
    perLanguage[language] = correct / samples.length;
  }
  const values = Object.values(perLanguage);
  accuracy[kind] = { macro: values.reduce((sum, value) => sum + value, 0) / values.length, perLanguage };
}
const hant = lines('zh-Hant', 'sentences');
let hantCorrect = 0;
for (const sample of hant) {
  const result = await detect(sample);
  if (result.language === 'zh' && (result.script === undefined || result.script === 'Hant')) hantCorrect++;
}
sentenceTimes.sort((left, right) => left - right);
const microsecondsPerSentence = sentenceTimes[Math.floor(sentenceTimes.length / 2)] ?? 0;
process.stdout.write(JSON.stringify({ loadMs, memoryMb, microsecondsPerSentence, accuracy, traditionalChinese: hantCorrect / hant.length }));
`;
}

/** Code run in a child that only loads the detector: cold-start wall and CPU time. */
function loadOnlyProgram(load: string, preload = ''): string {
  return `
${preload}
const cpuBefore = process.cpuUsage();
const started = performance.now();
${load}
const loadMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
process.stdout.write(JSON.stringify({ loadMs, loadCpuMs: (cpu.user + cpu.system) / 1000 }));
`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Median cold-start figures over `runs` fresh processes. */
function measureLoad(load: string, runs: number, preload = ''): { loadMs: number; loadCpuMs: number } {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let run = 0; run < runs; run++) {
    let output: string;
    try {
      output = execFileSync(process.execPath, ['--input-type=module', '-e', loadOnlyProgram(load, preload)], {
        cwd: repoRoot,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 120_000,
      });
    } catch {
      continue;
    }
    const parsed: unknown = JSON.parse(output);
    if (typeof parsed !== 'object' || parsed === null) continue;
    wall.push(numberOf(Reflect.get(parsed, 'loadMs')));
    cpu.push(numberOf(Reflect.get(parsed, 'loadCpuMs')));
  }
  return { loadMs: median(wall), loadCpuMs: median(cpu) };
}

const ISO_639_3: Record<string, string> = {
  arb: 'ar',
  ara: 'ar',
  deu: 'de',
  eng: 'en',
  spa: 'es',
  fra: 'fr',
  hin: 'hi',
  ita: 'it',
  jpn: 'ja',
  kor: 'ko',
  pol: 'pl',
  por: 'pt',
  rus: 'ru',
  tgl: 'tl',
  vie: 'vi',
  cmn: 'zh',
  hat: 'ht',
};

const LINGUA_NAMES: Record<string, string> = {
  Arabic: 'ar',
  German: 'de',
  English: 'en',
  Spanish: 'es',
  French: 'fr',
  Hindi: 'hi',
  Italian: 'it',
  Japanese: 'ja',
  Korean: 'ko',
  Polish: 'pl',
  Portuguese: 'pt',
  Russian: 'ru',
  Tagalog: 'tl',
  Vietnamese: 'vi',
  Chinese: 'zh',
};

function detectorPrograms(oursBundle: string): Array<{ name: string; load: string }> {
  const languages = JSON.stringify(CORPUS_LANGUAGES);
  return [
    {
      name: 'contact-router (esbuild bundle, minified)',
      load: `const { detectLanguage } = await import(${JSON.stringify(pathToFileURL(oursBundle).href)});
const detect = (text) => detectLanguage(text);`,
    },
    {
      name: 'eld 2.1.0 large (subset)',
      load: `const { eld } = await import('eld/large');
eld.setLanguageSubset(${languages});
const detect = (text) => ({ language: eld.detect(text).language });`,
    },
    {
      name: 'CLD2 (cld 2.10.1, native detect)',
      // The addon's synchronous detect(): cld's async wrapper hops to the thread pool, which would time that.
      load: `const { createRequire } = await import('node:module');
const cld2 = createRequire(process.cwd() + '/')('cld/build/Release/cld');
const detect = (text) => {
  try {
    const result = cld2.detect(text, true, '', '', '', '', true);
    return { language: result.languages[0]?.code.slice(0, 2) ?? 'und' };
  } catch {
    return { language: 'und' };
  }
};`,
    },
    {
      name: 'franc-all 7.2.0 (only these)',
      load: `const { franc } = await import('franc-all');
const codes = ${JSON.stringify(ISO_639_3)};
const only = Object.keys(codes);
const detect = (text) => ({ language: codes[franc(text, { only, minLength: 1 })] ?? 'und' });`,
    },
    {
      name: 'Lingua 1.5.0 wasm, high accuracy (subset)',
      load: `const { LanguageDetectorBuilder } = await import('@bluzzi/lingua');
const detector = LanguageDetectorBuilder.fromISOCodes6391(${languages}).withPreloadedLanguageModels().build();
const names = ${JSON.stringify(LINGUA_NAMES)};
const detect = (text) => ({ language: names[detector.detectLanguageOf(text)] ?? 'und' });`,
    },
  ];
}

async function bundleOurs(outDir: string, external: string[] = []): Promise<string> {
  const outfile = path.join(
    outDir,
    external.length === 0 ? 'detectLanguage.mjs' : 'detectLanguage.external.mjs',
  );
  // The bundling our Lambdas get (lib/constructs/RouterFunction.ts: ESM, minified, its conditions): the
  // model is read from its binary sidecar, written beside the bundle as RouterFunction writes it.
  writeTriageModelSidecars(outDir);
  await build({
    conditions: [...BUNDLE_CONDITIONS],
    entryPoints: [path.join(repoRoot, 'lambdas/domain/triage/detectLanguage.ts')],
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    external,
    logLevel: 'warning',
  });
  return outfile;
}

function percent(value: number): string {
  return (value * 100).toFixed(2);
}

function worstLanguages(perLanguage: Record<string, number>, count: number): string {
  return Object.entries(perLanguage)
    .sort((left, right) => left[1] - right[1])
    .slice(0, count)
    .map(([language, value]) => `${language} ${(value * 100).toFixed(1)}`)
    .join(', ');
}

function formatTable(detectors: DetectorFigures[], skipped: string[]): string {
  const header =
    '| detector | sentences % | word pairs % | single words % | zh-Hant % | load ms (CPU ms) | µs/sentence | memory MB |';
  const rule = '|---|---:|---:|---:|---:|---:|---:|---:|';
  const rows = detectors.map(
    (figures) =>
      `| ${figures.name} | ${percent(figures.accuracy.sentences.macro)} | ${percent(figures.accuracy['word-pairs'].macro)} | ` +
      `${percent(figures.accuracy['single-words'].macro)} | ${percent(figures.traditionalChinese)} | ` +
      `${figures.loadMs.toFixed(0)} (${figures.loadCpuMs.toFixed(0)}) | ${figures.microsecondsPerSentence.toFixed(1)} | ` +
      `${figures.memoryMb.toFixed(0)} |`,
  );
  const worst = detectors
    .slice(0, 1)
    .flatMap((figures) =>
      KINDS.map(
        (kind) =>
          `  ${figures.name}, worst ${kind}: ${worstLanguages(figures.accuracy[kind].perLanguage, 4)}`,
      ),
    );
  return [
    'Language detection: macro accuracy over the 15 corpus languages (../shared/corpora/langid), zh-Hant checked separately;',
    'load = median of fresh processes importing the module; µs/sentence = median over the corpus sentences.',
    header,
    rule,
    ...rows,
    ...worst,
    ...skipped.map((reason) => `  skipped: ${reason}`),
  ].join('\n');
}

function numberOf(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : Number.NaN;
}

function ratesOf(value: unknown): Record<string, number> {
  if (typeof value !== 'object' || value === null) return {};
  return Object.fromEntries(Object.entries(value).map(([language, rate]) => [language, numberOf(rate)]));
}

/** The child's JSON, checked field by field (it is another process's output). */
function figuresOf(parsed: unknown): DetectorFigures | string {
  if (typeof parsed !== 'object' || parsed === null || !('accuracy' in parsed))
    return 'the child printed no figures';
  const accuracyField = parsed.accuracy;
  const accuracyOf = (kind: Kind) => {
    const entry: unknown =
      typeof accuracyField === 'object' && accuracyField !== null
        ? Reflect.get(accuracyField, kind)
        : undefined;
    const macro: unknown =
      typeof entry === 'object' && entry !== null ? Reflect.get(entry, 'macro') : undefined;
    const perLanguage: unknown =
      typeof entry === 'object' && entry !== null ? Reflect.get(entry, 'perLanguage') : undefined;
    return { macro: numberOf(macro), perLanguage: ratesOf(perLanguage) };
  };
  return {
    name: '',
    loadMs: numberOf(Reflect.get(parsed, 'loadMs')),
    loadCpuMs: Number.NaN,
    memoryMb: numberOf(Reflect.get(parsed, 'memoryMb')),
    microsecondsPerSentence: numberOf(Reflect.get(parsed, 'microsecondsPerSentence')),
    accuracy: {
      sentences: accuracyOf('sentences'),
      'word-pairs': accuracyOf('word-pairs'),
      'single-words': accuracyOf('single-words'),
    },
    traditionalChinese: numberOf(Reflect.get(parsed, 'traditionalChinese')),
  };
}

function runChild(program: string): DetectorFigures | string {
  try {
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', program], {
      cwd: repoRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 300_000,
      maxBuffer: 1 << 24,
    });
    return figuresOf(JSON.parse(output));
  } catch (error) {
    return failureReason(error);
  }
}

/** The line of a failed child's stderr that names the problem (e.g. a native addon that was never built). */
function failureReason(error: unknown): string {
  const stderr = typeof error === 'object' && error !== null ? Reflect.get(error, 'stderr') : undefined;
  const lines = (typeof stderr === 'string' ? stderr : String(error)).split('\n').map((line) => line.trim());
  // "Error: Cannot find module …", "TypeError: …": the thrown error, not the source line that threw it.
  const thrown = lines.find((line) => /^[A-Za-z]*Error\b/.test(line));
  return thrown ?? lines.find((line) => line !== '') ?? 'the child failed';
}

/** Runs every detector on the Lingua test corpus and prints a table; returns the figures. */
export async function benchLanguage(
  options: { baselines?: boolean; print?: boolean; loadRuns?: number } = {},
): Promise<LanguageBenchResult> {
  const { baselines = true, print = true, loadRuns = 5 } = options;
  if (!existsSync(corpusDir)) {
    const table = `Language detection: skipped, ${corpusDir} is absent`;
    if (print) console.log(table);
    return { detectors: [], skipped: [table], table };
  }
  // Inside the repo (.cache is git-ignored) so a bundle that leaves zod external still resolves it.
  mkdirSync(path.join(repoRoot, '.cache'), { recursive: true });
  const workDir = mkdtempSync(path.join(repoRoot, '.cache', 'bench-language-'));
  try {
    const bundle = await bundleOurs(workDir);
    const programs = detectorPrograms(bundle).slice(0, baselines ? undefined : 1);
    const detectors: DetectorFigures[] = [];
    const skipped: string[] = [];
    for (const { name, load } of programs) {
      const figures = runChild(childProgram(load));
      if (typeof figures === 'string') {
        skipped.push(`${name}: ${figures}`);
        continue;
      }
      const cold = measureLoad(load, loadRuns);
      detectors.push({ ...figures, ...cold, name });
      if (print) console.error(`bench language: ${name} measured`);
    }
    // taxonomy.ts brings zod along; a handler has loaded it already, so this is what the detector adds.
    const withoutZod = await bundleOurs(workDir, ['zod']);
    const oursLoadAfterZod = measureLoad(
      `const { detectLanguage } = await import(${JSON.stringify(pathToFileURL(withoutZod).href)});`,
      loadRuns,
      "await import('zod');",
    );
    const table = [
      formatTable(detectors, skipped),
      `  contact-router load with zod already loaded (as in a handler): ${oursLoadAfterZod.loadMs.toFixed(0)} ms ` +
        `(CPU ${oursLoadAfterZod.loadCpuMs.toFixed(0)} ms)`,
    ].join('\n');
    if (print) console.log(table);
    return { detectors, oursLoadAfterZod, skipped, table };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await benchLanguage({ baselines: !process.argv.includes('--ours-only') });
}
