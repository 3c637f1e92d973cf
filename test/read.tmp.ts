import { readFileSync } from 'node:fs';
import { TesseractOcrEngine } from '../lambdas/adapters/ocr/TesseractOcrEngine.ts';
import { readFaxForm } from '../lambdas/domain/fax/readFaxForm.ts';
import { FAX_FIXTURES } from './fixtures/fax/documents.ts';
const engine = new TesseractOcrEngine({ get: async () => undefined, put: async () => {}, move: async () => {} });
for (const f of FAX_FIXTURES) {
  const t = Date.now();
  const r = await engine.recognizeBytes(readFileSync(`test/fixtures/fax/${f.file}`));
  const fields = readFaxForm(r.pages);
  console.log(f.file, Date.now() - t, 'ms');
  for (const [k, v] of Object.entries(f.expected)) if (JSON.stringify((fields as any)[k]) !== JSON.stringify(v)) console.log('  MISMATCH', k, 'got', (fields as any)[k], 'want', v);
  console.log('  ', JSON.stringify(fields));
}
await engine.stop();
