import { crc32, deflateSync } from 'node:zlib';
import { type FaxBitmap, squarePixels } from '../../domain/fax/faxPage.js';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const tail = Buffer.alloc(4);
  tail.writeUInt32BE(crc32(data, crc32(head.subarray(4))) >>> 0, 0);
  return Buffer.concat([head, data, tail]);
}

/**
 * A fax page as a PNG a browser shows: 1-bit grayscale (a letter page at fine resolution is a few
 * tens of KB), pixels made square first so a standard-resolution page is not squashed.
 * The bitmap's 1 is black; PNG grayscale's 1 is white.
 */
export function faxPagePng(page: FaxBitmap): Buffer {
  const square = squarePixels(page);
  const { width, height, data } = square;
  const rowBytes = Math.ceil(width / 8);
  const raw = Buffer.alloc((rowBytes + 1) * height);
  for (let y = 0; y < height; y++) {
    const rowStart = y * (rowBytes + 1);
    // Filter byte 0 (none), then the row, eight pixels a byte, most significant bit first.
    for (let x = 0; x < width; x++) {
      const at = rowStart + 1 + (x >> 3);
      if (data[y * width + x] === 0) raw[at] = (raw[at] ?? 0) | (0x80 >> (x & 7));
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 1; // bit depth
  header[9] = 0; // grayscale
  // compression, filter and interlace methods: 0
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
