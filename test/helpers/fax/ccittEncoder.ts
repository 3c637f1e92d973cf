import type { FaxBitmap } from '../../../lambdas/domain/fax/faxPage.js';
import { EOL, MODE_CODES, RUN_CODES } from './ccittCodes.js';

/** Packs a stream of '0'/'1' code words into bytes, most significant bit first (FillOrder 1). */
class BitWriter {
  readonly #bytes: number[] = [];
  #current = 0;
  #used = 0;

  write(bits: string): void {
    for (let index = 0; index < bits.length; index++) {
      this.#current = (this.#current << 1) | (bits.charCodeAt(index) === 49 ? 1 : 0);
      this.#used++;
      if (this.#used === 8) this.#flushByte();
    }
  }

  /** Pads with zero bits to the next byte boundary (T.4 fill before an EOL). */
  align(): void {
    if (this.#used > 0) this.write('0'.repeat(8 - this.#used));
  }

  bytes(): Uint8Array {
    this.align();
    return Uint8Array.from(this.#bytes);
  }

  #flushByte(): void {
    this.#bytes.push(this.#current);
    this.#current = 0;
    this.#used = 0;
  }
}

function runCode(length: number, black: boolean): string {
  const table = black ? RUN_CODES.black : RUN_CODES.white;
  let code = '';
  let remaining = length;
  while (remaining >= 2624) {
    code += RUN_CODES.extended[RUN_CODES.extended.length - 1];
    remaining -= 2560;
  }
  if (remaining >= 64) {
    const makeup = Math.floor(remaining / 64) * 64;
    code += makeup <= 1728 ? table.makeup[makeup / 64 - 1] : RUN_CODES.extended[(makeup - 1792) / 64];
    remaining -= makeup;
  }
  return code + table.terminating[remaining];
}

/** Positions where the colour changes along a row (the "changing elements"), starting after white. */
function changingElements(row: Uint8Array): number[] {
  const changes: number[] = [];
  let colour = 0;
  for (let x = 0; x < row.length; x++) {
    if (row[x] !== colour) {
      changes.push(x);
      colour = row[x] ?? 0;
    }
  }
  return changes;
}

/** The first changing element of the reference row right of `a0` whose colour is opposite to `colour`. */
function findB1(reference: number[], a0: number, colour: number, width: number): number {
  // reference[i] starts a run of colour (i % 2 === 0 ? black : white)
  for (let index = 0; index < reference.length; index++) {
    const position = reference[index] ?? width;
    const startsColour = index % 2 === 0 ? 1 : 0;
    if (position > a0 && startsColour !== colour) return position;
  }
  return width;
}

function nextChange(changes: number[], after: number, width: number): number {
  for (const position of changes) if (position > after) return position;
  return width;
}

/** Encodes a bitmap with T.6 (Group 4, "MMR"): every row coded against the one above, ending in EOFB. */
export function encodeGroup4(page: FaxBitmap): Uint8Array {
  const { width, height, data } = page;
  const writer = new BitWriter();
  let reference: number[] = [];
  for (let y = 0; y < height; y++) {
    const row = data.subarray(y * width, (y + 1) * width);
    const coding = changingElements(row);
    let a0 = -1;
    let colour = 0;
    while (a0 < width) {
      const a1 = nextChange(coding, a0, width);
      const b1 = findB1(reference, a0, colour, width);
      const b2 = nextChange(reference, b1, width);
      if (b2 < a1) {
        writer.write(MODE_CODES.pass);
        a0 = b2;
        continue;
      }
      const delta = a1 - b1;
      if (Math.abs(delta) <= 3) {
        writer.write(MODE_CODES.vertical.get(delta) ?? '');
        a0 = a1;
        colour = 1 - colour;
        continue;
      }
      const a2 = nextChange(coding, a1, width);
      const start = Math.max(a0, 0);
      writer.write(MODE_CODES.horizontal);
      writer.write(runCode(a1 - start, colour === 1));
      writer.write(runCode(a2 - a1, colour !== 1));
      a0 = a2;
    }
    reference = coding;
  }
  writer.write(EOL + EOL);
  return writer.bytes();
}

/**
 * Encodes a bitmap with T.4 one-dimensional coding (Group 3 "MH"), each row ending in a byte-aligned
 * EOL, as TIFF Compression 3 with T4Options bit 2 (fill bits) describes it.
 */
export function encodeGroup3(page: FaxBitmap): Uint8Array {
  const { width, height, data } = page;
  const writer = new BitWriter();
  for (let y = 0; y < height; y++) {
    // Fill so each EOL ends on a byte boundary: 12 bits of EOL need 4 zero bits after alignment.
    writer.align();
    writer.write('0000');
    writer.write(EOL);
    const row = data.subarray(y * width, (y + 1) * width);
    let colour = 0;
    let x = 0;
    while (x < width) {
      let end = x;
      while (end < width && row[end] === colour) end++;
      writer.write(runCode(end - x, colour === 1));
      x = end;
      colour = 1 - colour;
    }
  }
  writer.align();
  writer.write(`0000${EOL}`.repeat(6));
  return writer.bytes();
}
