/** Runs one legacy converter on one input in a worker thread, so the bench can stop it at its budget. */
import { parentPort, workerData } from 'node:worker_threads';
import { legacyMimeHtmlToText, legacyTriageHtmlToText } from './regexHtmlConverters.js';

const { converter, html } = workerData as { converter: 'mime' | 'triage'; html: string };
const convert = converter === 'mime' ? legacyMimeHtmlToText : legacyTriageHtmlToText;
const started = performance.now();
const output = convert(html);
parentPort?.postMessage({ ms: performance.now() - started, outputLength: output.length });
