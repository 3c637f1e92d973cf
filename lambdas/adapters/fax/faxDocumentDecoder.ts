import { inflateRawSync, inflateSync, constants as zlibConstants } from 'node:zlib';
import {
  decodePDFRawStream,
  PDFArray,
  PDFBool,
  PDFDict,
  PDFDocument,
  PDFName,
  PDFNumber,
  PDFRawStream,
  type PDFRef,
} from 'pdf-lib';
import * as utifModule from 'utif2';
import { FAX_PAGE_LIMITS, type FaxBitmap } from '../../domain/fax/faxPage.js';

// utif2 is CommonJS: under ESM its API arrives as the default export.
const UTIF: typeof utifModule = (utifModule as { default?: typeof utifModule }).default ?? utifModule;

/** The parts of utif2 4.1.0's CCITT decoding (not in its typings) that {@link guardCcittCodecs} wraps. */
interface CcittInternals {
  _decodeG2: (
    data: Uint8Array,
    off: number,
    len: number,
    tgt: Uint8Array,
    toff: number,
    w: number,
    ...rest: unknown[]
  ) => void;
  _decodeG3: CcittInternals['_decodeG2'];
  _decodeG4: CcittInternals['_decodeG2'];
  _addNtimes: (row: number[], count: number, value: number) => void;
  _writeBits: (row: number[], tgt: Uint8Array, bitOffset: number) => void;
  _lens: Record<string, number>[];
  _dmap: Record<string, number>;
}

/** Thrown inside a guarded codec where its input can yield no further row; the codec returns there. */
class CcittDecodingStopped extends Error {}

/** Thrown inside a guarded codec once the document's decoding time is spent; the decode fails. */
class DecodeOverBudget extends Error {}

/**
 * The decoding time one document has left. Only time spent decoding counts (not what a caller does
 * between pages: drawing an image, storing it), so a long real fax is never cut short by its uploads.
 */
export interface DecodeBudget {
  remainingMs: number;
  limitMs: number;
}

/**
 * How long decoding one document may take, all its pages together. A real fax of 60 dense pages
 * decodes in seconds; Group 3 coded data can be made to cost time by the square of its fill (150 KB
 * of crafted fill took 1.4 s, a 40 MB attachment over 6 minutes, past the OCR function's 5-minute
 * timeout, and the fax would reach only the dead-letter queue). Past this, the document is refused as
 * unreadable, so it still becomes a case for a person to look at.
 */
export const DOCUMENT_DECODE_LIMIT_MS = 60_000;

/** When the page decode running now must stop (decodes are synchronous: one at a time). */
let activeDeadline: number | undefined;

/** Runs one page's decode under `budget`, and names an exhausted budget as the reason it failed. */
function withinBudget<T>(budget: DecodeBudget | undefined, where: string, decodePage: () => T): T {
  const outer = activeDeadline;
  const started = performance.now();
  activeDeadline = budget ? started + budget.remainingMs : undefined;
  try {
    return decodePage();
  } catch (error) {
    if (
      error instanceof DecodeOverBudget ||
      (error as { cause?: unknown })?.cause instanceof DecodeOverBudget
    ) {
      throw new FaxDocumentError(
        `${where}: decoding the document took longer than ${(budget?.limitMs ?? 0) / 1000} s, more than any real fax needs (its coded data is damaged or crafted)`,
        { cause: error },
      );
    }
    throw error;
  } finally {
    activeDeadline = outer;
    if (budget) budget.remainingMs -= performance.now() - started;
  }
}

/**
 * Fill bits a Group 3 row may carry before its EOL (T.4 §4.1.2): the longest minimum scan-line time,
 * 40 ms, at 14,400 bit/s is 576 bits, and fax servers that store Phase C data as received (HylaFAX
 * without copy-quality checking) keep that fill in the TIFF. The codec looks a code word up again at
 * each bit, so fill costs time by its square (150 KB of crafted 1,024-bit fill takes 1.4 s): a bound
 * low enough to stop that would blank real faxes, so the bound stays above the standard's.
 */
const G3_MAX_FILL_BITS = 1_024;

/**
 * utif2's CCITT codecs trust the coded data, and damaged data (a bit flipped on a noisy line, a
 * stretch lost to a dropout) makes them run without end: a row that overshoots the page width
 * never completes and grows with every remaining code (gigabytes for a 15 KB page), and bits that
 * match no code pile up in a code word that is looked up again at each bit (quadratic: a 15 KB
 * page of zeros took 35 s). A hung decode is no error the OCR step can flag: the function times
 * out, is retried into the dead-letter queue, and the fax never becomes a case. So each codec
 * stops where its input can yield no further row: a code word longer than any code (in Group 3,
 * longer than an EOL after its fill), a row longer than twice the width (Group 3 rows start at the
 * width until their first EOL), or a row written wholly past the image. Up to there nothing changes:
 * the rows decoded before are kept, as the codecs keep them.
 */
function guardCcittCodecs(decode: CcittInternals): void {
  let active: { maxCodeBits: number; maxRowPixels: number } | undefined;
  let lookups = 0;
  const longest = (table: Record<string, number>) => Math.max(...Object.keys(table).map((key) => key.length));
  const maxRunCodeBits = Math.max(...decode._lens.map(longest), longest(decode._dmap));
  const codeTable = (table: Record<string, number>) =>
    new Proxy(table, {
      get(target, key, receiver) {
        if (active && typeof key === 'string' && key.length > active.maxCodeBits)
          throw new CcittDecodingStopped();
        // A clock read every 65,536 lookups (a few milliseconds of decoding) costs nothing measurable.
        if (activeDeadline !== undefined && (++lookups & 0xffff) === 0 && performance.now() > activeDeadline)
          throw new DecodeOverBudget();
        return Reflect.get(target, key, receiver);
      },
    });
  decode._lens = decode._lens.map(codeTable);
  decode._dmap = codeTable(decode._dmap);
  const addNtimes = decode._addNtimes;
  decode._addNtimes = (row, count, value) => {
    if (active && row.length + count > active.maxRowPixels) throw new CcittDecodingStopped();
    addNtimes(row, count, value);
  };
  const writeBits = decode._writeBits;
  decode._writeBits = (row, tgt, bitOffset) => {
    if (active && bitOffset >= tgt.length * 8) throw new CcittDecodingStopped();
    writeBits(row, tgt, bitOffset);
  };
  for (const [name, maxCodeBits] of [
    ['_decodeG2', maxRunCodeBits],
    ['_decodeG3', 12 + G3_MAX_FILL_BITS],
    ['_decodeG4', maxRunCodeBits],
  ] as const) {
    const codec = decode[name];
    decode[name] = (data, off, len, tgt, toff, width, ...rest) => {
      const outer = active;
      active = { maxCodeBits, maxRowPixels: 2 * width };
      try {
        codec(data, off, len, tgt, toff, width, ...rest);
      } catch (error) {
        if (!(error instanceof CcittDecodingStopped)) throw error;
      } finally {
        active = outer;
      }
    };
  }
}
guardCcittCodecs(UTIF.decode as unknown as CcittInternals);

/** A fax document that cannot be turned into page images, with the reason a person can act on. */
export class FaxDocumentError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FaxDocumentError';
  }
}

export type FaxMediaType = 'application/pdf' | 'image/tiff';

/** What the bytes are, by their magic number (providers' content types are not always right). */
export function sniffFaxMediaType(bytes: Uint8Array): FaxMediaType | undefined {
  if (bytes[0] === 0x25 && bytes[1] === 0x50 && bytes[2] === 0x44 && bytes[3] === 0x46)
    return 'application/pdf';
  if (
    (bytes[0] === 0x49 && bytes[1] === 0x49 && bytes[2] === 42 && bytes[3] === 0) ||
    (bytes[0] === 0x4d && bytes[1] === 0x4d && bytes[2] === 0 && bytes[3] === 42)
  )
    return 'image/tiff';
  return undefined;
}

function checkSize(width: number, height: number, where: string): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new FaxDocumentError(`${where}: the image has no valid size (${width}×${height})`);
  }
  if (width > FAX_PAGE_LIMITS.maxWidth || height > FAX_PAGE_LIMITS.maxHeight) {
    throw new FaxDocumentError(
      `${where}: ${width}×${height} pixels is larger than a fax page (at most ${FAX_PAGE_LIMITS.maxWidth}×${FAX_PAGE_LIMITS.maxHeight})`,
    );
  }
}

/** Unpacks 1-bit rows (each padded to a byte) into one byte per pixel; `blackBit` is the bit value that means black. */
function unpackBits(packed: Uint8Array, width: number, height: number, blackBit: 0 | 1): Uint8Array {
  const out = new Uint8Array(width * height);
  const rowBytes = Math.ceil(width / 8);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = ((packed[y * rowBytes + (x >> 3)] ?? 0) >> (7 - (x & 7))) & 1;
      out[y * width + x] = bit === blackBit ? 1 : 0;
    }
  }
  return out;
}

function thresholdRgba(rgba: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let index = 0; index < width * height; index++) {
    const luminance =
      0.299 * (rgba[index * 4] ?? 255) +
      0.587 * (rgba[index * 4 + 1] ?? 255) +
      0.114 * (rgba[index * 4 + 2] ?? 255);
    out[index] = luminance < 128 ? 1 : 0;
  }
  return out;
}

function tagNumber(ifd: utifModule.IFD, tag: number): number | undefined {
  const value = ifd[`t${tag}`];
  if (Array.isArray(value) && typeof value[0] === 'number') return value[0];
  return undefined;
}

/** Where a directory's image data lies: its strips (StripOffsets, StripByteCounts) and its tiles (TileOffsets, TileByteCounts). */
function imageDataOf(ifd: utifModule.IFD): { offsets: number[]; counts: number[] }[] {
  const numbers = (tag: number) => {
    const value = ifd[`t${tag}`];
    return Array.isArray(value) ? value.filter((entry): entry is number => typeof entry === 'number') : [];
  };
  return [
    { offsets: numbers(273), counts: numbers(279) },
    { offsets: numbers(324), counts: numbers(325) },
  ];
}

/**
 * A transmission cut short leaves a TIFF whose strips (or tiles) run past the end of the file: the
 * codec then decodes forever on what is missing, so such a page is refused before it is decoded.
 */
function checkStripsPresent(ifd: utifModule.IFD, fileBytes: number, where: string): void {
  for (const { offsets, counts } of imageDataOf(ifd)) {
    if (offsets.length === 0) continue;
    if (counts.length !== offsets.length) {
      throw new FaxDocumentError(`${where} names ${offsets.length} strips but ${counts.length} lengths`);
    }
    for (const [index, offset] of offsets.entries()) {
      if (offset + (counts[index] ?? 0) > fileBytes) {
        throw new FaxDocumentError(`${where} is cut short: its image data runs past the end of the file`);
      }
    }
  }
}

/**
 * Pages that point at the same coded data: no writer does this (each page's strips are its own), and
 * it multiplies the decoding work of one stretch of a file by the number of pages (60 directories
 * naming one 40 MB strip), so a file whose strips or tiles overlap is refused.
 */
function checkImageDataNotShared(pages: utifModule.IFD[]): void {
  const stretches: [start: number, end: number][] = [];
  for (const ifd of pages) {
    for (const { offsets, counts } of imageDataOf(ifd)) {
      for (const [index, offset] of offsets.entries()) {
        const count = counts[index] ?? 0;
        if (count > 0) stretches.push([offset, offset + count]);
      }
    }
  }
  stretches.sort((a, b) => a[0] - b[0]);
  for (let index = 1; index < stretches.length; index++) {
    if ((stretches[index]?.[0] ?? 0) < (stretches[index - 1]?.[1] ?? 0)) {
      throw new FaxDocumentError("the TIFF's pages share coded data (their strips overlap)");
    }
  }
}

/** Node's error when an inflation would exceed `maxOutputLength`. */
const isInflatedTooLarge = (error: unknown) =>
  error instanceof RangeError && (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';

/**
 * utif2 inflates a Deflate strip whole before it looks at its size: a 1 MB TIFF whose strip is
 * zeros that inflate to 1 GB took 2.2 GB of memory (a 512 MB OCR function dies, on every retry, and
 * the fax never becomes a case). Each strip is inflated here first, as utif2 reads it (raw, zlib
 * header and checksum aside), stopping past the bytes the whole image holds.
 */
function checkDeflateStrips(
  buffer: ArrayBuffer,
  ifd: utifModule.IFD,
  width: number,
  height: number,
  where: string,
) {
  const compression = tagNumber(ifd, 259);
  if (compression !== 8 && compression !== 32946) return;
  // At most 64 bits a pixel (16-bit RGBA), so a damaged BitsPerSample cannot lift the bound.
  const bitsPerPixel = Math.min(64, (tagNumber(ifd, 258) ?? 1) * (tagNumber(ifd, 277) ?? 1));
  const imageBytes = height * Math.ceil((width * bitsPerPixel) / 8);
  for (const { offsets, counts } of imageDataOf(ifd)) {
    for (const [index, offset] of offsets.entries()) {
      const length = counts[index] ?? 0;
      if (length < 6) continue;
      try {
        inflateRawSync(new Uint8Array(buffer, offset + 2, length - 6), {
          maxOutputLength: imageBytes,
          finishFlush: zlibConstants.Z_SYNC_FLUSH,
        });
      } catch (error) {
        // Any other failure is utif2's to meet as it always has.
        if (isInflatedTooLarge(error))
          throw new FaxDocumentError(
            `${where} inflates to more than the ${imageBytes} bytes its image holds`,
          );
      }
    }
  }
}

function rational(ifd: utifModule.IFD, tag: number): number | undefined {
  const value = ifd[`t${tag}`];
  if (!Array.isArray(value)) return undefined;
  // UTIF reads a RATIONAL as [[numerator, denominator]] (or flat, in older versions).
  const pair: unknown = Array.isArray(value[0]) ? value[0] : value;
  if (!Array.isArray(pair) || typeof pair[0] !== 'number') return undefined;
  const denominator = typeof pair[1] === 'number' && pair[1] > 0 ? pair[1] : 1;
  const dpi = pair[0] / denominator;
  const unit = tagNumber(ifd, 296) ?? 2;
  return unit === 3 ? dpi * 2.54 : dpi;
}

/**
 * One page of a faxed document, decoded only when asked: its size is known first, so a caller can
 * leave out a page (or stop) before it costs the memory of its bitmap.
 */
export interface FaxPageSource {
  width: number;
  height: number;
  /** Decodes the page; with a budget, fails once the document's decoding time is spent. */
  decode(budget?: DecodeBudget): FaxBitmap;
}

/** Multi-page TIFF: Group 3 (1-D and 2-D), Group 4, uncompressed, PackBits, LZW, Deflate. */
export function decodeTiff(bytes: Uint8Array): FaxBitmap[] {
  return tiffPageSources(bytes).map((page) => page.decode());
}

/** Bytes per value of each TIFF field type, by type number (TIFF 6.0 §2; 13 is IFD, from TIFF/EP). */
const TIFF_TYPE_BYTES = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4] as const;
/** Tags whose values utif2 follows as further directories: SubIFDs, Exif, GPS. */
const TIFF_SUB_DIRECTORY_TAGS = new Set([330, 34665, 34853]);
/** Tags utif2 follows as camera-raw directories (DNG private data, Fuji RAF): never in a fax. */
const TIFF_RAW_DIRECTORY_TAGS = new Set([50740, 61440]);
/** Directories read at most: a page each, plus a few sub-directories (Exif) per page. */
const TIFF_MAX_DIRECTORIES = FAX_PAGE_LIMITS.maxPages * 4;

/**
 * utif2 trusts a TIFF's directories: it reads as many values as an entry's count says and follows
 * every directory pointer, so one damaged byte (a count of 3.5 billion, a next-directory pointer
 * back to its own directory) makes it allocate until the process dies, by V8's "invalid size"
 * abort or out of memory, which no caller can catch: the OCR step fails on every retry and the fax
 * never becomes a case (in local mode the whole router goes down). So the directories are walked
 * here first, and a file whose entries point outside it, or whose directories loop, is refused.
 */
function checkTiffDirectories(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const littleEndian = bytes[0] === 0x49;
  const fits = (offset: number, length: number) => offset >= 0 && offset + length <= bytes.length;
  const damaged = (what: string) => new FaxDocumentError(`the TIFF structure is damaged: ${what}`);
  if (!fits(4, 4)) throw damaged('the header is cut short');
  const pending = [view.getUint32(4, littleEndian)];
  const seen = new Set<number>();
  /** Where a next-directory pointer leads out of the file: the chain ends there (a file cut short). */
  const chainEnds: number[] = [];
  const nextPointers = new Map<number, number>();
  for (let offset = pending.shift(); offset !== undefined; offset = pending.shift()) {
    if (seen.has(offset)) throw damaged('its directories form a loop');
    seen.add(offset);
    if (seen.size > TIFF_MAX_DIRECTORIES) throw damaged(`it has over ${TIFF_MAX_DIRECTORIES} directories`);
    const entries = fits(offset, 2) ? view.getUint16(offset, littleEndian) : 0;
    if (!fits(offset, 2) || !fits(offset + 2, entries * 12 + 4)) {
      // A fax cut short after its first pages: the pages before are read, as utif2 read them before
      // this check, and the chain ends where the file does. Only the first directory is required.
      const pointer = nextPointers.get(offset);
      if (pointer === undefined) throw damaged('a directory lies outside the file');
      chainEnds.push(pointer);
      continue;
    }
    for (let index = 0; index < entries; index++) {
      const entry = offset + 2 + index * 12;
      const tag = view.getUint16(entry, littleEndian);
      const typeBytes = TIFF_TYPE_BYTES[view.getUint16(entry + 2, littleEndian)];
      if (!typeBytes) continue; // a type utif2 does not know: it reads no value
      const count = view.getUint32(entry + 4, littleEndian);
      const inline = count * typeBytes <= 4;
      const valuesAt = inline ? entry + 8 : view.getUint32(entry + 8, littleEndian);
      // Byte-sized values (BYTE, ASCII, UNDEFINED) utif2 reads only as far as the file goes.
      if (!inline && typeBytes > 1 && !fits(valuesAt, count * typeBytes))
        throw damaged(`tag ${tag} names values outside the file`);
      if (TIFF_RAW_DIRECTORY_TAGS.has(tag)) throw damaged(`tag ${tag} is camera-raw data, not a fax page`);
      if (TIFF_SUB_DIRECTORY_TAGS.has(tag)) {
        // Directory offsets are SHORT, LONG or IFD values; utif2 would follow any other type's values too.
        if (typeBytes !== 2 && typeBytes !== 4) throw damaged(`tag ${tag} does not hold directory offsets`);
        for (let value = 0; value < count; value++) {
          const at = valuesAt + value * typeBytes;
          pending.push(typeBytes === 2 ? view.getUint16(at, littleEndian) : view.getUint32(at, littleEndian));
        }
      }
    }
    const pointerAt = offset + 2 + entries * 12;
    const next = view.getUint32(pointerAt, littleEndian);
    if (next !== 0) {
      nextPointers.set(next, pointerAt);
      pending.push(next);
    }
  }
  return chainEnds;
}

function tiffPageSources(bytes: Uint8Array): FaxPageSource[] {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  // utif2 reads this copy: a next-directory pointer that leads out of the file is made the chain's end.
  for (const pointerAt of checkTiffDirectories(bytes)) new DataView(buffer).setUint32(pointerAt, 0);
  let ifds: utifModule.IFD[];
  try {
    // Maker notes are a camera's private data, nothing a fax page needs: utif2 is not to follow them.
    const decodeDirectories = UTIF.decode as (buffer: ArrayBuffer, options: object) => utifModule.IFD[];
    ifds = decodeDirectories(buffer, { parseMN: false, debug: false });
  } catch (error) {
    throw new FaxDocumentError('the TIFF structure could not be read', { cause: error });
  }
  const pages = ifds.filter((ifd) => tagNumber(ifd, 256) !== undefined);
  if (pages.length === 0) throw new FaxDocumentError('the TIFF holds no image');
  if (pages.length > FAX_PAGE_LIMITS.maxPages) {
    throw new FaxDocumentError(
      `the TIFF has ${pages.length} pages; at most ${FAX_PAGE_LIMITS.maxPages} are read`,
    );
  }
  checkImageDataNotShared(pages);
  return pages.map((ifd, index) => {
    const where = `TIFF page ${index + 1}`;
    const width = tagNumber(ifd, 256) ?? 0;
    const height = tagNumber(ifd, 257) ?? 0;
    return {
      width,
      height,
      decode: (budget?: DecodeBudget) =>
        withinBudget(budget, where, () => decodeTiffPage(buffer, ifd, width, height, where)),
    };
  });
}

function decodeTiffPage(
  buffer: ArrayBuffer,
  ifd: utifModule.IFD,
  width: number,
  height: number,
  where: string,
): FaxBitmap {
  checkSize(width, height, where);
  checkStripsPresent(ifd, buffer.byteLength, where);
  checkDeflateStrips(buffer, ifd, width, height, where);
  try {
    UTIF.decodeImage(buffer, ifd);
  } catch (error) {
    throw new FaxDocumentError(`${where} could not be decoded`, { cause: error });
  }
  // utif2 returns without decoding a page that names no strip or tile offsets; reading its missing
  // data threw a TypeError, which the OCR step retries into the dead-letter queue as an outage.
  if (!ifd.data) throw new FaxDocumentError(`${where} has no image data (no strip or tile offsets)`);
  const bitsPerSample = tagNumber(ifd, 258) ?? 1;
  const samplesPerPixel = tagNumber(ifd, 277) ?? 1;
  const photometric = tagNumber(ifd, 262) ?? 0;
  let data: Uint8Array;
  if (bitsPerSample === 1 && samplesPerPixel === 1) {
    // Photometric 0 (WhiteIsZero, what fax software writes): a 1 bit is black; 1 (BlackIsZero): a 0 bit is.
    data = unpackBits(ifd.data, width, height, photometric === 1 ? 0 : 1);
  } else {
    data = thresholdRgba(UTIF.toRGBA8(ifd), width, height);
  }
  // The decoder keeps the raw pixels on the IFD; drop them so only the returned bitmap stays.
  (ifd as { data?: Uint8Array }).data = undefined;
  const dpiX = rational(ifd, 282);
  const dpiY = rational(ifd, 283);
  return { width, height, data, ...(dpiX ? { dpiX } : {}), ...(dpiY ? { dpiY } : {}) };
}

/** Wraps one CCITT-coded image in a minimal TIFF so the TIFF decoder's Group 3/4 codecs read it. */
function ccittAsTiff(
  coded: Uint8Array,
  width: number,
  height: number,
  compression: 2 | 3 | 4,
  t4Options: number,
): Uint8Array {
  const entries: [number, number, number][] = [
    [256, 4, width],
    [257, 4, height],
    [258, 3, 1],
    [259, 3, compression],
    [262, 3, 0],
    [273, 4, 0],
    [278, 4, height],
    [279, 4, coded.length],
    ...(compression === 3 ? ([[292, 4, t4Options]] as [number, number, number][]) : []),
  ];
  const ifdSize = 2 + entries.length * 12 + 4;
  const stripOffset = 8 + ifdSize;
  const out = new Uint8Array(stripOffset + coded.length);
  const view = new DataView(out.buffer);
  out.set([0x49, 0x49]);
  view.setUint16(2, 42, true);
  view.setUint32(4, 8, true);
  view.setUint16(8, entries.length, true);
  entries.forEach(([tag, type, value], index) => {
    const at = 10 + index * 12;
    view.setUint16(at, tag, true);
    view.setUint16(at + 2, type, true);
    view.setUint32(at + 4, 1, true);
    const stored = tag === 273 ? stripOffset : value;
    if (type === 3) view.setUint16(at + 8, stored, true);
    else view.setUint32(at + 8, stored, true);
  });
  out.set(coded, stripOffset);
  return out;
}

function asNumber(dict: PDFDict | undefined, key: string): number | undefined {
  const value = dict?.lookup(PDFName.of(key));
  return value instanceof PDFNumber ? value.asNumber() : undefined;
}

function asBool(dict: PDFDict | undefined, key: string): boolean | undefined {
  const value = dict?.lookup(PDFName.of(key));
  return value instanceof PDFBool ? value.asBoolean() : undefined;
}

function nameList(value: unknown): string[] {
  if (value instanceof PDFName) return [value.decodeText()];
  if (value instanceof PDFArray) return value.asArray().flatMap((entry) => nameList(entry));
  return [];
}

function parmsList(stream: PDFRawStream, count: number): (PDFDict | undefined)[] {
  const value = stream.dict.lookup(PDFName.of('DecodeParms'));
  if (value instanceof PDFDict) return [value];
  if (value instanceof PDFArray) {
    return value.asArray().map((entry) => {
      const resolved = entry instanceof PDFDict ? entry : stream.dict.context.lookup(entry as PDFRef);
      return resolved instanceof PDFDict ? resolved : undefined;
    });
  }
  return new Array(count).fill(undefined);
}

/** Reverses PNG row predictors (PDF FlateDecode /Predictor ≥ 10). */
function unpredictPng(data: Uint8Array, bytesPerPixel: number, rowBytes: number): Uint8Array {
  const rows = Math.floor(data.length / (rowBytes + 1));
  const out = new Uint8Array(rows * rowBytes);
  for (let y = 0; y < rows; y++) {
    const filter = data[y * (rowBytes + 1)] ?? 0;
    for (let x = 0; x < rowBytes; x++) {
      const raw = data[y * (rowBytes + 1) + 1 + x] ?? 0;
      const left = x >= bytesPerPixel ? (out[y * rowBytes + x - bytesPerPixel] ?? 0) : 0;
      const up = y > 0 ? (out[(y - 1) * rowBytes + x] ?? 0) : 0;
      const upLeft = y > 0 && x >= bytesPerPixel ? (out[(y - 1) * rowBytes + x - bytesPerPixel] ?? 0) : 0;
      let value = raw;
      if (filter === 1) value = raw + left;
      else if (filter === 2) value = raw + up;
      else if (filter === 3) value = raw + ((left + up) >> 1);
      else if (filter === 4) {
        const estimate = left + up - upLeft;
        const toLeft = Math.abs(estimate - left);
        const toUp = Math.abs(estimate - up);
        const toUpLeft = Math.abs(estimate - upLeft);
        value = raw + (toLeft <= toUp && toLeft <= toUpLeft ? left : toUp <= toUpLeft ? up : upLeft);
      }
      out[y * rowBytes + x] = value & 0xff;
    }
  }
  return out;
}

interface PdfImage {
  stream: PDFRawStream;
  width: number;
  height: number;
}

function imagesOf(resources: PDFDict | undefined, depth = 0): PdfImage[] {
  const xobjects = resources?.lookup(PDFName.of('XObject'));
  if (!(xobjects instanceof PDFDict) || depth > 2) return [];
  const images: PdfImage[] = [];
  for (const [, ref] of xobjects.entries()) {
    const stream = xobjects.context.lookup(ref);
    if (!(stream instanceof PDFRawStream)) continue;
    const subtype = stream.dict.lookup(PDFName.of('Subtype'));
    if (subtype === PDFName.of('Image')) {
      images.push({
        stream,
        width: asNumber(stream.dict, 'Width') ?? 0,
        height: asNumber(stream.dict, 'Height') ?? 0,
      });
    } else if (subtype === PDFName.of('Form')) {
      const nested = stream.dict.lookup(PDFName.of('Resources'));
      images.push(...imagesOf(nested instanceof PDFDict ? nested : undefined, depth + 1));
    }
  }
  return images;
}

function decodePdfImage(image: PdfImage, where: string): Uint8Array {
  const { stream, width, height } = image;
  checkSize(width, height, where);
  const filters = nameList(stream.dict.lookup(PDFName.of('Filter')));
  const parms = parmsList(stream, filters.length);
  const decodeArray = stream.dict.lookup(PDFName.of('Decode'));
  const inverted =
    decodeArray instanceof PDFArray && (decodeArray.lookup(0, PDFNumber)?.asNumber() ?? 0) === 1;
  const imageMask = asBool(stream.dict, 'ImageMask') ?? false;
  const last = filters[filters.length - 1];
  if (last === 'CCITTFaxDecode') {
    let coded: Uint8Array = stream.contents;
    for (const filter of filters.slice(0, -1)) {
      if (filter !== 'FlateDecode')
        throw new FaxDocumentError(`${where}: ${filter} before CCITTFaxDecode is not supported`);
      try {
        // Coded fax data takes under a byte a pixel (a run of one pixel costs at most 6 bits).
        coded = inflateSync(coded, { maxOutputLength: width * height + 65_536 });
      } catch (error) {
        if (isInflatedTooLarge(error))
          throw new FaxDocumentError(`${where}: the coded image inflates to more than its page could need`);
        throw error;
      }
    }
    const parm = parms[filters.length - 1];
    const k = asNumber(parm, 'K') ?? 0;
    const columns = asNumber(parm, 'Columns') ?? 1728;
    const endOfLine = asBool(parm, 'EndOfLine') ?? false;
    const byteAlign = asBool(parm, 'EncodedByteAlign') ?? false;
    const blackIs1 = asBool(parm, 'BlackIs1') ?? false;
    if (columns !== width)
      throw new FaxDocumentError(`${where}: /Columns ${columns} differs from /Width ${width}`);
    let tiff: Uint8Array;
    if (k < 0) tiff = ccittAsTiff(coded, width, height, 4, 0);
    else if (endOfLine) tiff = ccittAsTiff(coded, width, height, 3, k > 0 ? 1 : 0);
    else if (k === 0 && byteAlign) tiff = ccittAsTiff(coded, width, height, 2, 0);
    else throw new FaxDocumentError(`${where}: Group 3 without end-of-line codes (K=${k}) is not supported`);
    const [ifd] = UTIF.decode(tiff.buffer as ArrayBuffer);
    if (!ifd) throw new FaxDocumentError(`${where}: the CCITT image could not be read`);
    UTIF.decodeImage(tiff.buffer as ArrayBuffer, ifd);
    // The codec emits 1 for black runs. BlackIs1, a /Decode [1 0] and an image mask each flip what
    // the page shows (see ISO 32000-1, 7.4.6 and 8.9.6.2).
    const flips = Number(blackIs1) + Number(inverted) + Number(imageMask);
    return unpackBits(ifd.data, width, height, flips % 2 === 0 ? 1 : 0);
  }
  if (last === 'DCTDecode' || last === 'JPXDecode' || last === 'JBIG2Decode') {
    throw new FaxDocumentError(`${where}: ${last} images are not supported (fax pages are CCITT or Flate)`);
  }
  const bits = imageMask ? 1 : (asNumber(stream.dict, 'BitsPerComponent') ?? 8);
  const colourSpace = stream.dict.lookup(PDFName.of('ColorSpace'));
  const components =
    colourSpace === PDFName.of('DeviceRGB') ? 3 : colourSpace === PDFName.of('DeviceCMYK') ? 4 : 1;
  const rowBytes = Math.ceil((width * components * bits) / 8);
  const flateParm = parms[filters.indexOf('FlateDecode')];
  const predicted = (asNumber(flateParm, 'Predictor') ?? 1) >= 10;
  let samples: Uint8Array;
  try {
    // Only the bytes the image holds (a PNG predictor adds one a row): decode() would inflate the
    // whole stream first, and a few hundred KB of zeros inflate to gigabytes.
    const held = decodePDFRawStream(stream).getBytes((predicted ? rowBytes + 1 : rowBytes) * height);
    samples = new Uint8Array(held.buffer, held.byteOffset, held.byteLength);
  } catch (error) {
    throw new FaxDocumentError(`${where}: the image stream could not be decoded`, { cause: error });
  }
  if (predicted) {
    samples = unpredictPng(samples, Math.max(1, Math.ceil((components * bits) / 8)), rowBytes);
  }
  if (bits === 1 && components === 1) {
    // DeviceGray 1-bit: 0 is black; an image mask paints its 0 samples; /Decode [1 0] flips both.
    return unpackBits(samples, width, height, inverted ? 1 : 0);
  }
  if (bits !== 8)
    throw new FaxDocumentError(`${where}: ${bits}-bit ${components}-component images are not supported`);
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = y * rowBytes + x * components;
      let luminance: number;
      if (components === 3)
        luminance =
          0.299 * (samples[at] ?? 255) + 0.587 * (samples[at + 1] ?? 255) + 0.114 * (samples[at + 2] ?? 255);
      else if (components === 4)
        luminance =
          255 -
          Math.min(
            255,
            (samples[at + 3] ?? 0) +
              0.3 * (samples[at] ?? 0) +
              0.59 * (samples[at + 1] ?? 0) +
              0.11 * (samples[at + 2] ?? 0),
          );
      else luminance = samples[at] ?? 255;
      if (inverted) luminance = 255 - luminance;
      out[y * width + x] = luminance < 128 ? 1 : 0;
    }
  }
  return out;
}

/** Image-only PDF as fax services send it: the largest image on each page is the page. */
export async function decodePdf(bytes: Uint8Array): Promise<FaxBitmap[]> {
  return (await pdfPageSources(bytes)).map((page) => page.decode());
}

/** The most a PDF's object or cross-reference stream may inflate to (a fax's run to a few KB). */
export const PDF_STRUCTURE_STREAM_MAX_BYTES = 16 * 1024 * 1024;

/**
 * Refuses a PDF whose object streams (`/Type /ObjStm`) or cross-reference streams (`/Type /XRef`)
 * inflate past {@link PDF_STRUCTURE_STREAM_MAX_BYTES}, before pdf-lib loads it: pdf-lib inflates
 * them whole while parsing, so a 531 KB PDF whose object stream holds 512 MB of zeros took 14.5 s
 * and 613 MB (a 512 MB OCR function dies on every retry, and the fax never becomes a case). Each
 * such stream is inflated here with a ceiling; one compressed other than by Flate (LZW, whose
 * expansion zlib cannot bound here) is refused too, as fax services write Flate or none.
 */
function checkPdfStructureStreams(bytes: Uint8Array): void {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const streamKeyword = /\bstream\r?\n/g;
  for (let match = streamKeyword.exec(text); match; match = streamKeyword.exec(text)) {
    // The stream's dictionary: from the last "obj" before it (a dictionary runs a few hundred bytes).
    const dictionaryStart = text.lastIndexOf('obj', match.index);
    if (dictionaryStart < 0 || match.index - dictionaryStart > 4_096) continue;
    const dictionary = text.slice(dictionaryStart, match.index);
    if (!/\/Type\s*\/(ObjStm|XRef)\b/.test(dictionary)) continue;
    const dataStart = match.index + match[0].length;
    const dataEnd = text.indexOf('endstream', dataStart);
    const data = bytes.subarray(dataStart, dataEnd < 0 ? bytes.length : dataEnd);
    const filters = [...dictionary.matchAll(/\/(\w+Decode)\b/g)].map((filter) => filter[1]);
    if (filters.some((filter) => filter !== 'FlateDecode')) {
      throw new FaxDocumentError(
        `the PDF's structure is compressed with ${filters.join(', ')}; fax documents use Flate or none`,
      );
    }
    if (filters.length === 0) continue;
    try {
      inflateSync(data, {
        maxOutputLength: PDF_STRUCTURE_STREAM_MAX_BYTES,
        finishFlush: zlibConstants.Z_SYNC_FLUSH,
      });
    } catch (error) {
      if (isInflatedTooLarge(error)) {
        throw new FaxDocumentError(
          `a structure stream of the PDF inflates past ${PDF_STRUCTURE_STREAM_MAX_BYTES} bytes (a decompression bomb)`,
        );
      }
      // Damaged data: pdf-lib reports it (or reads around it) as it would have.
    }
  }
}

async function pdfPageSources(bytes: Uint8Array): Promise<FaxPageSource[]> {
  checkPdfStructureStreams(bytes);
  let document: PDFDocument;
  try {
    document = await PDFDocument.load(bytes, { updateMetadata: false, throwOnInvalidObject: false });
  } catch (error) {
    throw new FaxDocumentError('the PDF structure could not be read', { cause: error });
  }
  let pages: ReturnType<PDFDocument['getPages']>;
  try {
    // pdf-lib walks the page tree here and throws a plain Error when it is broken (a catalog
    // without /Pages, a Kids entry that is no page): the document is unreadable, not the OCR step
    // failing for a while, so it must not be retried into the dead-letter queue.
    pages = document.getPages();
  } catch (error) {
    throw new FaxDocumentError('the PDF page tree could not be read', { cause: error });
  }
  if (pages.length === 0) throw new FaxDocumentError('the PDF has no pages');
  if (pages.length > FAX_PAGE_LIMITS.maxPages) {
    throw new FaxDocumentError(
      `the PDF has ${pages.length} pages; at most ${FAX_PAGE_LIMITS.maxPages} are read`,
    );
  }
  return pages.map((page, index) => {
    const where = `PDF page ${index + 1}`;
    const guarded = <T>(read: () => T): T => {
      try {
        return read();
      } catch (error) {
        if (error instanceof FaxDocumentError) throw error;
        throw new FaxDocumentError(`${where} could not be read`, { cause: error });
      }
    };
    const largest = guarded(() => largestImageOf(page, where));
    return {
      width: largest.width,
      height: largest.height,
      decode: (budget?: DecodeBudget) =>
        withinBudget(budget, where, () => guarded(() => pdfPageBitmap(page, largest, where))),
    };
  });
}

function largestImageOf(page: ReturnType<PDFDocument['getPages']>[number], where: string) {
  const images = imagesOf(page.node.Resources());
  const largest = images.sort((left, right) => right.width * right.height - left.width * left.height)[0];
  if (!largest) throw new FaxDocumentError(`${where} has no image (not a faxed page)`);
  return largest;
}

/** One page's largest image as a bitmap, with the resolution its size on the page implies. */
function pdfPageBitmap(
  page: ReturnType<PDFDocument['getPages']>[number],
  largest: ReturnType<typeof largestImageOf>,
  where: string,
): FaxBitmap {
  const data = decodePdfImage(largest, where);
  const { width: widthPt, height: heightPt } = page.getSize();
  const rotation = ((page.getRotation().angle % 360) + 360) % 360;
  const [pageWidthPt, pageHeightPt] =
    rotation === 90 || rotation === 270 ? [heightPt, widthPt] : [widthPt, heightPt];
  const dpiX = pageWidthPt > 0 ? Math.round((largest.width / pageWidthPt) * 72) : undefined;
  const dpiY = pageHeightPt > 0 ? Math.round((largest.height / pageHeightPt) * 72) : undefined;
  return {
    width: largest.width,
    height: largest.height,
    data,
    ...(dpiX ? { dpiX } : {}),
    ...(dpiY ? { dpiY } : {}),
  };
}

/** The pages of a faxed document (PDF or TIFF, told apart by content), each decoded when asked. */
export async function faxPageSources(bytes: Uint8Array): Promise<FaxPageSource[]> {
  const type = sniffFaxMediaType(bytes);
  if (type === 'application/pdf') return pdfPageSources(bytes);
  if (type === 'image/tiff') return tiffPageSources(bytes);
  throw new FaxDocumentError('the document is neither a PDF nor a TIFF');
}

/** A budget of `limitMs` of decoding time for one document. */
export function decodeBudget(limitMs = DOCUMENT_DECODE_LIMIT_MS): DecodeBudget {
  return { remainingMs: limitMs, limitMs };
}

/** Decodes a faxed document (PDF or TIFF, told apart by content) into its pages, within `limitMs` in all. */
export async function decodeFaxDocument(
  bytes: Uint8Array,
  limitMs = DOCUMENT_DECODE_LIMIT_MS,
): Promise<FaxBitmap[]> {
  const sources = await faxPageSources(bytes);
  const budget = decodeBudget(limitMs);
  return sources.map((page) => page.decode(budget));
}
