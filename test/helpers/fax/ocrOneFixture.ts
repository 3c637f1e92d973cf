// Reads one fax fixture with the offline OCR engine and prints what it read as JSON (run by
// test/unit/fax/ocrOffline.test.ts inside a network namespace with no network).
import { readFileSync } from 'node:fs';
import { TesseractOcrEngine } from '../../../lambdas/adapters/ocr/TesseractOcrEngine.js';
import { MemoryBlobStore } from '../channelFakes.js';

const engine = new TesseractOcrEngine(new MemoryBlobStore());
const result = await engine.recognizeBytes(readFileSync(process.argv[2] ?? ''));
await engine.stop();
process.stdout.write(JSON.stringify(result));
