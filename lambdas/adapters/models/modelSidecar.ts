import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A triage model as a deployed bundle carries it: a binary sidecar file beside index.mjs, holding the model
 * JSON with its large byte fields (base64 in the JSON) as raw bytes. Bundled as a JavaScript object literal,
 * the language model alone made the function's bundle 8 MB and its cold start 3.7× that of its SDK clients;
 * read from a sidecar, those fields cost one file read and no parsing.
 *
 * The JSON files under lambdas/domain/triage stay the single source: tests and local mode import them
 * directly, and a sidecar is written from its JSON each time a function is bundled (RouterFunction's
 * `triageModels`). The bundle reads it through the package.json "imports" condition `model-sidecars`.
 *
 * Layout: MAGIC, the header's length (uint32 little-endian), the header (UTF-8 JSON), then the byte sections,
 * each starting at a multiple of 8 bytes (the n-gram table is viewed in place as a Uint32Array). The header
 * is the model JSON with each byte field replaced by `{"$bytes": [offset, length]}`, offsets counted from the
 * first section.
 */

const MAGIC = new TextEncoder().encode('CRMODEL1');
const PREAMBLE_BYTES = MAGIC.length + 4;
const SECTION_ALIGNMENT = 8;
const SECTION_KEY = '$bytes';

export interface ModelSidecarSpec {
  /** The model JSON, relative to the repository root. */
  source: string;
  /** The sidecar's file name beside index.mjs. */
  file: string;
  /** Dotted paths of the base64 byte fields stored as raw bytes; `*` stands for any key. */
  byteFields: readonly string[];
}

export const LANGUAGE_MODEL_SIDECAR: ModelSidecarSpec = {
  source: 'lambdas/domain/triage/language/language.model.json',
  file: 'language.model.bin',
  byteFields: ['ngrams.table', 'ngrams.entries', 'lexicons.*.bits'],
};

export const TOPIC_MODEL_SIDECAR: ModelSidecarSpec = {
  source: 'lambdas/domain/triage/topicModel.model.json',
  file: 'topicModel.model.bin',
  byteFields: ['rows', 'weights'],
};

export const TRIAGE_MODEL_SIDECARS = [LANGUAGE_MODEL_SIDECAR, TOPIC_MODEL_SIDECAR];

/** A sidecar that cannot be read or is not one: raised at module load, so the function fails its init. */
export class ModelSidecarError extends Error {
  constructor(file: string, problem: string, options?: ErrorOptions) {
    super(
      `model sidecar ${file} ${problem}; it is written beside the bundle when RouterFunction bundles a function with triageModels`,
      options,
    );
    this.name = 'ModelSidecarError';
  }
}

type Fields = Record<string, unknown>;

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function alignedOffset(offset: number): number {
  return Math.ceil(offset / SECTION_ALIGNMENT) * SECTION_ALIGNMENT;
}

/** The objects holding the fields a dotted path (with `*` for any key) names, and each field's key. */
function fieldsAt(value: unknown, keys: readonly string[]): { holder: Fields; key: string }[] {
  const [key, ...rest] = keys;
  if (key === undefined || !isFields(value)) return [];
  const matching = key === '*' ? Object.keys(value) : Object.hasOwn(value, key) ? [key] : [];
  return matching.flatMap((each) =>
    rest.length === 0 ? [{ holder: value, key: each }] : fieldsAt(value[each], rest),
  );
}

/** The sidecar of a model JSON (parsed). Throws naming the source when a byte field is absent or not base64. */
export function encodeModelSidecar(model: unknown, spec: ModelSidecarSpec): Uint8Array {
  const header = structuredClone(model);
  const sections: { bytes: Uint8Array; offset: number }[] = [];
  let sectionBytes = 0;
  for (const byteField of spec.byteFields) {
    const fields = fieldsAt(header, byteField.split('.'));
    if (fields.length === 0) throw new Error(`${spec.source}: no byte field ${byteField}`);
    for (const { holder, key } of fields) {
      const text = holder[key];
      const bytes = typeof text === 'string' ? Buffer.from(text, 'base64') : undefined;
      if (bytes === undefined || bytes.toString('base64') !== text)
        throw new Error(`${spec.source}: byte field ${byteField} (${key}) is not base64`);
      const offset = alignedOffset(sectionBytes);
      holder[key] = { [SECTION_KEY]: [offset, bytes.length] };
      sections.push({ bytes, offset });
      sectionBytes = offset + bytes.length;
    }
  }
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const sectionsStart = alignedOffset(PREAMBLE_BYTES + headerBytes.length);
  const file = new Uint8Array(sectionsStart + sectionBytes);
  file.set(MAGIC);
  new DataView(file.buffer).setUint32(MAGIC.length, headerBytes.length, true);
  file.set(headerBytes, PREAMBLE_BYTES);
  for (const { bytes, offset } of sections) file.set(bytes, sectionsStart + offset);
  return file;
}

function isSize(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * The model a sidecar holds, its byte fields as views into `bytes` (no copy). Checks the framing only; the
 * domain's decoder checks the model. `file` names the sidecar in errors.
 */
export function decodeModelSidecar(bytes: Uint8Array, file: string): unknown {
  if (bytes.length < PREAMBLE_BYTES || MAGIC.some((byte, index) => bytes[index] !== byte))
    throw new ModelSidecarError(file, 'is not a model sidecar (it does not start with CRMODEL1)');
  const headerBytes = new DataView(bytes.buffer, bytes.byteOffset).getUint32(MAGIC.length, true);
  const sectionsStart = alignedOffset(PREAMBLE_BYTES + headerBytes);
  if (sectionsStart > bytes.length) throw new ModelSidecarError(file, 'is cut short in its header');
  let header: string;
  try {
    header = new TextDecoder('utf-8', { fatal: true }).decode(
      bytes.subarray(PREAMBLE_BYTES, PREAMBLE_BYTES + headerBytes),
    );
  } catch (error) {
    throw new ModelSidecarError(file, 'has a header that is not UTF-8', { cause: error });
  }
  // The sections the header names: each once, none overlapping, and the file ends where the last does.
  const ranges: { start: number; end: number; key: string }[] = [];
  const section = (key: string, value: unknown): unknown => {
    if (!isFields(value) || !Object.hasOwn(value, SECTION_KEY)) return value;
    const reference = value[SECTION_KEY];
    const [offset, length] = Array.isArray(reference) && reference.length === 2 ? reference : [];
    if (!isSize(offset) || !isSize(length) || Object.keys(value).length !== 1)
      throw new ModelSidecarError(file, `has a malformed section reference at ${key}`);
    const start = sectionsStart + offset;
    if (start + length > bytes.length) throw new ModelSidecarError(file, `is cut short in section ${key}`);
    ranges.push({ start, end: start + length, key });
    return bytes.subarray(start, start + length);
  };
  let model: unknown;
  try {
    model = JSON.parse(header, section);
  } catch (error) {
    if (error instanceof ModelSidecarError) throw error;
    throw new ModelSidecarError(file, 'has a header that is not JSON', { cause: error });
  }
  if (!isFields(model)) throw new ModelSidecarError(file, 'has a header that is not a JSON object');
  ranges.sort((a, b) => a.start - b.start);
  let end = sectionsStart;
  for (const range of ranges) {
    if (range.start < end) throw new ModelSidecarError(file, `has section ${range.key} overlapping another`);
    end = range.end;
  }
  if (bytes.length !== end) throw new ModelSidecarError(file, 'has bytes after its last section');
  return model;
}

/** Read and unframe a sidecar at module load: a missing or malformed file fails the function's init, by name. */
export function readModelSidecar(location: URL): unknown {
  const file = fileURLToPath(location);
  let bytes: Buffer;
  try {
    bytes = readFileSync(location);
  } catch (error) {
    throw new ModelSidecarError(file, 'cannot be read', { cause: error });
  }
  // A plain view, not the Buffer: the models index bytes and never need Buffer's methods.
  return decodeModelSidecar(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), file);
}

/** Write every triage model's sidecar into a bundle's directory, from the model JSON files (bundling time). */
export function writeTriageModelSidecars(directory: string): void {
  const repositoryRoot = path.resolve(import.meta.dirname, '../../..');
  for (const spec of TRIAGE_MODEL_SIDECARS) {
    const model: unknown = JSON.parse(readFileSync(path.join(repositoryRoot, spec.source), 'utf8'));
    writeFileSync(path.join(directory, spec.file), encodeModelSidecar(model, spec));
  }
}
