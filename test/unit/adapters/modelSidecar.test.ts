import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  decodeModelSidecar,
  encodeModelSidecar,
  LANGUAGE_MODEL_SIDECAR,
  ModelSidecarError,
  type ModelSidecarSpec,
  readModelSidecar,
  TOPIC_MODEL_SIDECAR,
  writeTriageModelSidecars,
} from '../../../lambdas/adapters/models/modelSidecar.js';
import { decodeLanguageModel } from '../../../lambdas/domain/triage/language/languageModel.js';
import { decodeTopicModel } from '../../../lambdas/domain/triage/topicModel.js';

const base64 = (...bytes: number[]) => Buffer.from(bytes).toString('base64');

const SPEC: ModelSidecarSpec = {
  source: 'small.model.json',
  file: 'small.model.bin',
  byteFields: ['a.*.bits', 'rows'],
};
const MODEL = {
  format: 1,
  title: 'kept as it is',
  rows: base64(1, 2, 3),
  a: { en: { bits: base64(0xff), hashes: 6 }, es: { bits: base64(9, 8, 7, 6, 5, 4, 3, 2, 1), hashes: 6 } },
};
const FILE = 'small.model.bin';

describe('model sidecar', () => {
  it('gives back the model with its byte fields as bytes, each section 8-byte aligned', () => {
    const sidecar = encodeModelSidecar(MODEL, SPEC);
    const decoded = decodeModelSidecar(sidecar, FILE) as typeof MODEL & {
      rows: Uint8Array;
      a: { en: { bits: Uint8Array }; es: { bits: Uint8Array } };
    };
    expect(decoded.format).toBe(1);
    expect(decoded.title).toBe('kept as it is');
    expect(decoded.a.en.hashes).toBe(6);
    expect([...decoded.rows]).toEqual([1, 2, 3]);
    expect([...decoded.a.en.bits]).toEqual([0xff]);
    expect([...decoded.a.es.bits]).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1]);
    for (const section of [decoded.rows, decoded.a.en.bits, decoded.a.es.bits]) {
      expect(section.buffer).toBe(sidecar.buffer);
      expect(section.byteOffset % 8).toBe(0);
    }
  });

  it('refuses to write a sidecar whose byte field is missing or not base64, naming the source', () => {
    expect(() => encodeModelSidecar({ ...MODEL, a: {} }, SPEC)).toThrow(
      /small.model.json: no byte field a.\*.bits/,
    );
    expect(() => encodeModelSidecar({ ...MODEL, rows: 'not base64!' }, SPEC)).toThrow(
      /small.model.json: byte field rows \(rows\) is not base64/,
    );
  });

  it('names the file when it is too short or not a sidecar', () => {
    const sidecar = encodeModelSidecar(MODEL, SPEC);
    expect(() => decodeModelSidecar(sidecar.subarray(0, 5), FILE)).toThrow(ModelSidecarError);
    expect(() => decodeModelSidecar(sidecar.subarray(0, 5), FILE)).toThrow(
      /model sidecar small.model.bin is not a model sidecar/,
    );
    expect(() => decodeModelSidecar(new TextEncoder().encode('{"format":1}'), FILE)).toThrow(
      /is not a model sidecar/,
    );
  });

  it('names the file when it is cut short in its header or in a section', () => {
    const sidecar = encodeModelSidecar(MODEL, SPEC);
    expect(() => decodeModelSidecar(sidecar.subarray(0, 20), FILE)).toThrow(
      /small.model.bin is cut short in its header/,
    );
    expect(() => decodeModelSidecar(sidecar.subarray(0, sidecar.length - 1), FILE)).toThrow(
      /small.model.bin is cut short in section rows/,
    );
  });

  it('refuses a file that is more or other than its encoder writes: trailing bytes, overlapping or decorated references, a header that is not UTF-8 or not an object', () => {
    /** A sidecar from a hand-written header and section bytes. */
    const frame = (header: Uint8Array | string, sections = new Uint8Array(0)) => {
      const headerBytes = typeof header === 'string' ? new TextEncoder().encode(header) : header;
      const start = Math.ceil((12 + headerBytes.length) / 8) * 8;
      const file = new Uint8Array(start + sections.length);
      file.set(new TextEncoder().encode('CRMODEL1'));
      new DataView(file.buffer).setUint32(8, headerBytes.length, true);
      file.set(headerBytes, 12);
      file.set(sections, start);
      return file;
    };
    expect(decodeModelSidecar(frame('{"a":{"$bytes":[0,8]}}', new Uint8Array(8)), 'ok.bin')).toEqual({
      a: new Uint8Array(8),
    });
    const good = encodeModelSidecar(MODEL, SPEC);
    const padded = new Uint8Array(good.length + 8);
    padded.set(good);
    expect(() => decodeModelSidecar(padded, 'padded.bin')).toThrow(
      /padded\.bin has bytes after its last section/,
    );
    expect(() =>
      decodeModelSidecar(frame('{"a":{"$bytes":[0,8]},"b":{"$bytes":[4,4]}}', new Uint8Array(8)), 'dup.bin'),
    ).toThrow(/dup\.bin has section .* overlapping another/);
    expect(() =>
      decodeModelSidecar(frame('{"a":{"$bytes":[0,8],"note":"x"}}', new Uint8Array(8)), 'extra.bin'),
    ).toThrow(/extra\.bin has a malformed section reference at a/);
    expect(() => decodeModelSidecar(frame(new Uint8Array([0x7b, 0xff, 0x7d])), 'latin.bin')).toThrow(
      /latin\.bin has a header that is not UTF-8/,
    );
    expect(() => decodeModelSidecar(frame('42'), 'number.bin')).toThrow(
      /number\.bin has a header that is not a JSON object/,
    );
  });

  it('names the file when its header is not JSON or a section reference is malformed', () => {
    const garbled = encodeModelSidecar(MODEL, SPEC).slice();
    garbled[12] = 0x7b; // '{' twice: the header no longer parses
    garbled[13] = 0x7b;
    expect(() => decodeModelSidecar(garbled, FILE)).toThrow(/small.model.bin has a header that is not JSON/);
    const malformed = encodeModelSidecar({ ...MODEL, extra: { $bytes: [0, -3] } }, SPEC);
    expect(() => decodeModelSidecar(malformed, FILE)).toThrow(
      /small.model.bin has a malformed section reference at extra/,
    );
    const beyond = encodeModelSidecar({ ...MODEL, extra: { $bytes: [0, 1_000] } }, SPEC);
    expect(() => decodeModelSidecar(beyond, FILE)).toThrow(/small.model.bin is cut short in section extra/);
  });

  describe('of the triage models', () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'model-sidecars-'));
    afterAll(() => rmSync(directory, { recursive: true, force: true }));
    const read = (spec: ModelSidecarSpec) => readModelSidecar(pathToFileURL(path.join(directory, spec.file)));

    it('fail to load by name when the sidecar is missing', () => {
      const missing = path.join(directory, 'missing', TOPIC_MODEL_SIDECAR.file);
      expect(() => readModelSidecar(pathToFileURL(missing))).toThrow(
        `model sidecar ${missing} cannot be read`,
      );
    });

    it('are written from the model JSON and decode as the domain models', () => {
      writeTriageModelSidecars(directory);
      expect(decodeTopicModel(read(TOPIC_MODEL_SIDECAR)).topics).toHaveLength(12);
      expect(decodeLanguageModel(read(LANGUAGE_MODEL_SIDECAR)).lexicons.length).toBeGreaterThan(0);
    });
  });
});
