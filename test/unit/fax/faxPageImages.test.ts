import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FaxPageImageStore } from '../../../lambdas/adapters/fax/FaxPageImageStore.js';
import { faxPagePng } from '../../../lambdas/adapters/fax/faxPagePng.js';
import { faxPageImageKey, type OcrEngine } from '../../../lambdas/domain/fax/ocr.js';
import type { FaxJob } from '../../../lambdas/domain/ingest/acceptFax.js';
import { readFax } from '../../../lambdas/domain/ingest/readFax.js';
import { MemoryBlobStore, MemoryInboundQueue } from '../../helpers/channelFakes.js';
import { fixture } from '../../helpers/fixtures.js';

/** Reads a 1-bit grayscale PNG back into rows of 0 (black) and 1 (white), checking its structure. */
function readPng(png: Buffer) {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let offset = 8;
  const idat: Buffer[] = [];
  let width = 0;
  let height = 0;
  const types: string[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    types.push(type);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect([data[8], data[9], data[10], data[11], data[12]]).toEqual([1, 0, 0, 0, 0]);
    }
    if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  expect(types).toEqual(['IHDR', 'IDAT', 'IEND']);
  const raw = inflateSync(Buffer.concat(idat));
  const rowBytes = Math.ceil(width / 8);
  const pixel = (x: number, y: number) =>
    ((raw[y * (rowBytes + 1) + 1 + (x >> 3)] ?? 0) >> (7 - (x & 7))) & 1;
  return { width, height, pixel };
}

describe('fax page images', () => {
  it('draws a page as a 1-bit PNG, black where the fax is black, with square pixels', () => {
    // 10 × 3 at standard resolution (204 × 98 dpi): rows are doubled.
    const data = new Uint8Array(30);
    data[0] = 1; // top-left black
    data[29] = 1; // bottom-right black
    const png = faxPagePng({ width: 10, height: 3, dpiX: 204, dpiY: 98, data });
    const image = readPng(png);

    expect([image.width, image.height]).toEqual([10, 6]);
    expect([image.pixel(0, 0), image.pixel(0, 1), image.pixel(1, 0)]).toEqual([0, 0, 1]);
    expect([image.pixel(9, 5), image.pixel(9, 4), image.pixel(8, 5)]).toEqual([0, 0, 1]);
  });

  it('stores an image of every page of a fixture fax beside the document', async () => {
    const blobs = new MemoryBlobStore();
    const documentKey = 'fax/telnyx/fx-1/document';
    await blobs.put(documentKey, fixture('fax/partial-redetermination.tiff'));
    const pages = await new FaxPageImageStore(blobs).render({
      blobKey: documentKey,
      mediaType: 'image/tiff',
    });

    expect(pages.length).toBeGreaterThan(0);
    for (const page of pages) {
      const png = Buffer.from((await blobs.get(faxPageImageKey(documentKey, page))) ?? []);
      const image = readPng(png);
      expect(image.width).toBe(1728);
      expect(png.length).toBeLessThan(200_000);
    }
    expect(faxPageImageKey(documentKey, 2)).toBe('fax/telnyx/fx-1/pages/2.png');
  });

  it('leaves out a page over the per-page limit and every page past the document budget, decoding none of them', async () => {
    const blobs = new MemoryBlobStore();
    const documentKey = 'fax/telnyx/fx-3/document';
    await blobs.put(documentKey, fixture('fax/expedited-redetermination.pdf'));
    const document = { blobKey: documentKey, mediaType: 'application/pdf' as const };
    const all = await new FaxPageImageStore(blobs).render(document);
    const onePage = 1728 * 2200;

    expect(all).toEqual([1, 2]);
    expect(
      await new FaxPageImageStore(blobs, { maxPagePixels: 1_000_000, maxDocumentPixels: 1e9 }).render(
        document,
      ),
    ).toEqual([]);
    expect(
      await new FaxPageImageStore(blobs, { maxPagePixels: 1e9, maxDocumentPixels: onePage }).render(document),
    ).toEqual([1]);
  });

  it('names the rendered pages on the fax message, and queues the fax without them when drawing fails', async () => {
    const job: FaxJob = {
      fax: {
        provider: 'telnyx',
        faxId: 'fx-2',
        receivedAt: '2026-03-03T15:00:00.000Z',
        from: '+15125550100',
        pageCount: 1,
      },
      documentKey: 'fax/telnyx/fx-2/document',
      mediaType: 'application/pdf',
      documentBytes: 1000,
    } as FaxJob;
    const ocr: OcrEngine = {
      recognize: async () => ({
        engine: 'test',
        pages: [{ pageNumber: 1, text: 'Refill', confidence: 0.9 }],
        unreadable: [],
      }),
    };
    const drawn = new MemoryInboundQueue();
    await readFax(job, { ocr, inboundQueue: drawn, pageImages: { render: async () => [1] } });
    const failing = new MemoryInboundQueue();
    await readFax(job, {
      ocr,
      inboundQueue: failing,
      pageImages: {
        render: async () => {
          throw new Error('S3 is down');
        },
      },
    });

    expect(drawn.messages[0]?.fax?.pageImages).toEqual([1]);
    expect(failing.messages).toHaveLength(1);
    expect(failing.messages[0]?.fax?.pageImages).toBeUndefined();
  });
});
