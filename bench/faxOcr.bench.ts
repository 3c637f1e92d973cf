// OCR accuracy and speed on the rendered fax fixtures: character error rate per fixture and overall,
// and milliseconds per page, for the production settings (despeckled, eng+spa) beside the baseline
// of the same engine on the decoded pages without that preprocessing, measured in the same run.
// Run: npm run bench:fax-ocr   (figures vary with the machine's load: re-run on a quiet machine)
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createWorker, OEM } from 'tesseract.js';
import { decodeFaxDocument } from '../lambdas/adapters/fax/faxDocumentDecoder.js';
import { TesseractOcrEngine, toPbm } from '../lambdas/adapters/ocr/TesseractOcrEngine.js';
import { readFaxForm } from '../lambdas/domain/fax/readFaxForm.js';
import { FAX_FIXTURES, pageText } from '../test/fixtures/fax/documents.js';
import { MemoryBlobStore } from '../test/helpers/channelFakes.js';
import { characterErrorRate } from '../test/helpers/fax/characterErrorRate.js';

const fixtureDir = path.join(import.meta.dirname, '..', 'test', 'fixtures', 'fax');
const engine = new TesseractOcrEngine(new MemoryBlobStore());
// Baseline: the same worker settings on the pages as decoded, without rule removal and despeckling.
const { mkdtempSync, symlinkSync } = await import('node:fs');
const os = await import('node:os');
const { createRequire } = await import('node:module');
const require = createRequire(import.meta.url);
const folder = mkdtempSync(path.join(os.tmpdir(), 'bench-tessdata-'));
for (const language of ['eng', 'spa']) {
  symlinkSync(
    path.join(
      path.dirname(require.resolve(`@tesseract.js-data/${language}/package.json`)),
      '4.0.0_best_int',
      `${language}.traineddata.gz`,
    ),
    path.join(folder, `${language}.traineddata.gz`),
  );
}
const baseline = await createWorker('eng+spa', OEM.LSTM_ONLY, {
  langPath: folder,
  cacheMethod: 'none',
  gzip: true,
});
await engine.recognizeBytes(readFileSync(path.join(fixtureDir, FAX_FIXTURES[0]?.file ?? ''))); // warm-up

let errors = 0;
let length = 0;
let baselineErrors = 0;
let pages = 0;
let milliseconds = 0;
let baselineMilliseconds = 0;
const rows: string[] = [];
for (const fixture of FAX_FIXTURES) {
  const bytes = readFileSync(path.join(fixtureDir, fixture.file));
  const started = performance.now();
  const result = await engine.recognizeBytes(bytes);
  const elapsed = performance.now() - started;
  const baselineStarted = performance.now();
  const baselineTexts: string[] = [];
  for (const page of await decodeFaxDocument(bytes))
    baselineTexts.push((await baseline.recognize(toPbm(page))).data.text);
  const baselineElapsed = performance.now() - baselineStarted;
  const reference = fixture.pages.map((_, index) => pageText(fixture, index)).join('\n');
  const score = characterErrorRate(reference, result.pages.map((page) => page.text).join('\n'));
  const baselineScore = characterErrorRate(reference, baselineTexts.join('\n'));
  const fields = readFaxForm(result.pages);
  const fieldNames = Object.keys(fixture.expected) as (keyof typeof fixture.expected)[];
  const fieldsRight = fieldNames.filter(
    (name) => JSON.stringify(fields[name]) === JSON.stringify(fixture.expected[name]),
  ).length;
  errors += score.errors;
  length += score.length;
  baselineErrors += baselineScore.errors;
  pages += result.pages.length;
  milliseconds += elapsed;
  baselineMilliseconds += baselineElapsed;
  rows.push(
    `${fixture.file.padEnd(36)} ${String(result.pages.length).padStart(5)} ${(score.rate * 100).toFixed(2).padStart(7)} % ${(baselineScore.rate * 100).toFixed(2).padStart(7)} % ${(elapsed / result.pages.length).toFixed(0).padStart(8)} ${(baselineElapsed / result.pages.length).toFixed(0).padStart(8)}   ${fieldsRight}/${fieldNames.length}`,
  );
}
await baseline.terminate();
await engine.stop();
console.log(`${'fixture'.padEnd(36)} pages     CER   baseline  ms/page baseline   fields right`);
for (const row of rows) console.log(row);
console.log(
  `${'overall'.padEnd(36)} ${String(pages).padStart(5)} ${((errors / length) * 100).toFixed(2).padStart(7)} % ${((baselineErrors / length) * 100).toFixed(2).padStart(7)} % ${(milliseconds / pages).toFixed(0).padStart(8)} ${(baselineMilliseconds / pages).toFixed(0).padStart(8)}`,
);
console.log(
  'CER: edits / reference characters, whitespace runs as one space. Baseline: the same engine on the decoded pages, without rule removal and despeckling. Node',
  process.version,
);
