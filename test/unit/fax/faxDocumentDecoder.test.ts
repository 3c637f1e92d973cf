import { deflateRawSync, constants as zlibConstants } from 'node:zlib';
import { PDFDocument } from 'pdf-lib';
import { describe, expect, it, vi } from 'vitest';
import {
  decodeBudget,
  decodeFaxDocument,
  decodePdf,
  decodeTiff,
  FaxDocumentError,
  faxPageSources,
} from '../../../lambdas/adapters/fax/faxDocumentDecoder.js';
import { despeckle, type FaxBitmap, removeRules, squarePixels } from '../../../lambdas/domain/fax/faxPage.js';
import { writeFaxPdf, writeFaxTiff } from '../../helpers/fax/faxDocuments.js';
import { fixture } from '../../helpers/fixtures.js';

/** A page with text-like strokes, runs crossing byte boundaries and a full-width rule. */
function testPage(width = 1728, height = 120, seed = 7): FaxBitmap {
  const data = new Uint8Array(width * height);
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  for (let y = 10; y < height - 10; y += 14) {
    for (let x = 40; x < width - 40; ) {
      const run = 1 + Math.floor(next() * 30);
      const ink = next() < 0.4;
      for (let dy = 0; dy < 9; dy++)
        for (let dx = 0; dx < run; dx++) if (ink) data[(y + dy) * width + x + dx] = 1;
      x += run;
    }
  }
  for (let x = 0; x < width; x++) data[(height - 3) * width + x] = 1;
  return { width, height, dpiX: 204, dpiY: 196, data };
}

/** A zlib stream of `megabytes` MB of zeros, about 1 KB a MB: one deflated megabyte, repeated. */
function zerosDeflated(megabytes: number): Buffer {
  const megabyte = deflateRawSync(Buffer.alloc(1 << 20), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
  const adler32 = Buffer.alloc(4);
  adler32.writeUInt32BE(((((megabytes * (1 << 20)) % 65521) << 16) | 1) >>> 0);
  const finalEmptyBlock = Buffer.from([0x03, 0x00]);
  return Buffer.concat([
    Buffer.from([0x78, 0x9c]),
    ...Array(megabytes).fill(megabyte),
    finalEmptyBlock,
    adler32,
  ]);
}

/** A one-page 1728 × 2156 bi-level TIFF with one Deflate (Compression 8) strip. */
function deflateTiff(strip: Uint8Array): Uint8Array {
  const entries = [
    [256, 4, 1728],
    [257, 4, 2156],
    [258, 3, 1],
    [259, 3, 8],
    [262, 3, 0],
    [273, 4, 0], // StripOffsets: after the directory
    [278, 4, 2156],
    [279, 4, strip.length],
  ] as const;
  const stripOffset = 8 + 2 + entries.length * 12 + 4;
  const tiff = Buffer.alloc(stripOffset + strip.length);
  tiff.write('II', 0);
  tiff.writeUInt16LE(42, 2);
  tiff.writeUInt32LE(8, 4);
  tiff.writeUInt16LE(entries.length, 8);
  entries.forEach(([tag, type, value], index) => {
    const at = 10 + index * 12;
    tiff.writeUInt16LE(tag, at);
    tiff.writeUInt16LE(type, at + 2);
    tiff.writeUInt32LE(1, at + 4);
    if (type === 3) tiff.writeUInt16LE(value, at + 8);
    else tiff.writeUInt32LE(tag === 273 ? stripOffset : value, at + 8);
  });
  tiff.set(strip, stripOffset);
  return tiff;
}

/** A one-page PDF whose page is one 1728 × 2156 bi-level image XObject with `filter` over `stream`. */
function imagePdf(filter: string, stream: Uint8Array): Uint8Array {
  const head = [
    '%PDF-1.4',
    '1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj',
    '2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj',
    '3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /XObject << /Im0 4 0 R >> >> >> endobj',
    `4 0 obj << /Type /XObject /Subtype /Image /Width 1728 /Height 2156 /ColorSpace /DeviceGray /BitsPerComponent 1 ${filter} /Length ${stream.length} >>`,
    'stream\n',
  ].join('\n');
  const tail = '\nendstream\nendobj\ntrailer << /Root 1 0 R >>\n%%EOF\n';
  return Buffer.concat([Buffer.from(head, 'latin1'), stream, Buffer.from(tail, 'latin1')]);
}

describe('fax document decoding', () => {
  const pages = [testPage(), testPage(1728, 96, 99)];

  it.each(['g3', 'g4'] as const)('reads back every pixel of a two-page %s TIFF', (compression) => {
    const decoded = decodeTiff(writeFaxTiff(pages, compression));
    expect(decoded).toHaveLength(2);
    decoded.forEach((page, index) => {
      expect(page.width).toBe(pages[index]?.width);
      expect(page.height).toBe(pages[index]?.height);
      expect(page.dpiY).toBe(196);
      expect(Buffer.from(page.data).equals(Buffer.from(pages[index]?.data ?? []))).toBe(true);
    });
  });

  it('reads back every pixel of an image-only CCITT Group 4 PDF and its resolution from the page size', async () => {
    const decoded = await decodePdf(writeFaxPdf(pages));
    expect(decoded.map((page) => [page.width, page.height, page.dpiX, page.dpiY])).toEqual([
      [1728, 120, 204, 196],
      [1728, 96, 204, 196],
    ]);
    expect(Buffer.from(decoded[0]?.data ?? []).equals(Buffer.from(pages[0]?.data ?? []))).toBe(true);
  });

  it('decodes the checked-in fixtures: letter pages of 1728 × 2156 at 204 × 196 dpi', async () => {
    for (const file of [
      'expedited-redetermination.pdf',
      'cover-sheet-new-prescription.tiff',
      'partial-redetermination.tiff',
    ]) {
      const decoded = await decodeFaxDocument(fixture(`fax/${file}`));
      for (const page of decoded)
        expect([page.width, page.height, page.dpiX, page.dpiY]).toEqual([1728, 2156, 204, 196]);
    }
  });

  it.each([
    ['an empty body', new Uint8Array(), /neither a PDF nor a TIFF/],
    ['an e-mail', Buffer.from('From: a@b.example\r\n\r\nhello'), /neither a PDF nor a TIFF/],
    ['a truncated PDF', Buffer.from('%PDF-1.4\n1 0 obj\n<<'), /PDF/],
    ['a TIFF header alone', Buffer.from([0x49, 0x49, 42, 0, 8, 0, 0, 0, 0, 0]), /TIFF/],
  ])('refuses %s with a reason', async (_, bytes, reason) => {
    await expect(decodeFaxDocument(bytes)).rejects.toThrow(FaxDocumentError);
    await expect(decodeFaxDocument(bytes)).rejects.toThrow(reason);
  });

  it('refuses a TIFF cut short in transmission at once, instead of decoding forever on what is missing', () => {
    const whole = fixture('fax/cover-sheet-new-prescription.tiff');
    for (const length of [1_000, 5_000, 20_000, Math.floor(whole.length * 0.9)]) {
      const started = Date.now();
      expect(() => decodeTiff(new Uint8Array(whole.subarray(0, length)))).toThrow(FaxDocumentError);
      expect(Date.now() - started).toBeLessThan(1_000);
    }
  });

  describe('a page whose coded data was damaged in transmission', () => {
    const fixtureTiff = () => Buffer.from(fixture('fax/partial-redetermination.tiff'));
    /** Where the coded data starts in the G4 fixture and in a one-page `writeFaxTiff`; it runs to the end. */
    const STRIP_OFFSET = 186;

    /** Decodes within `limitMs` (a damaged page may decode to little), or refuses it as unreadable. */
    function decodesPromptly(bytes: Uint8Array, limitMs = 2_000): FaxBitmap[] | FaxDocumentError {
      const started = Date.now();
      let outcome: FaxBitmap[] | FaxDocumentError;
      try {
        outcome = decodeTiff(bytes);
      } catch (error) {
        if (!(error instanceof FaxDocumentError)) throw error;
        outcome = error;
      }
      expect(Date.now() - started).toBeLessThan(limitMs);
      return outcome;
    }

    it('decodes a Group 4 page with two bytes garbled by line noise (the codec ran out of memory)', () => {
      const noisy = fixtureTiff();
      // Two bytes of the coded data changed: a row overshoots the page width and never completes.
      noisy[240] = 0o33;
      noisy[336] = 0o125;

      const pages = decodesPromptly(noisy);

      expect(pages).not.toBeInstanceOf(FaxDocumentError);
      expect((pages as FaxBitmap[])[0]?.width).toBe(1728);
    });

    it.each([
      ['Group 4', 'g4'],
      ['Group 3', 'g3'],
    ] as const)('decodes a %s page whose second half was lost to a dropout (all zeros)', (_, compression) => {
      const tiff =
        compression === 'g4' ? fixtureTiff() : Buffer.from(writeFaxTiff([testPage(1728, 400)], 'g3'));
      const middle = STRIP_OFFSET + Math.floor((tiff.length - STRIP_OFFSET) / 2);
      tiff.fill(0, middle);

      const pages = decodesPromptly(tiff);

      // The rows coded before the dropout are kept.
      expect(pages).not.toBeInstanceOf(FaxDocumentError);
      expect((pages as FaxBitmap[])[0]?.data.some((pixel) => pixel === 1)).toBe(true);
    });
  });

  describe('decoding work bounded by the page, not by the coded data', () => {
    /** A one-page Group 3 TIFF whose coded data is `count` code words of `zeros` zero bits and a one (EOLs with fill). */
    function fillFlood(count: number, zeros: number): Uint8Array {
      const strip = new Uint8Array(Math.ceil((count * (zeros + 1)) / 8));
      for (let word = 1; word <= count; word++) {
        const one = word * (zeros + 1) - 1;
        strip[one >> 3] = (strip[one >> 3] ?? 0) | (0x80 >> (one & 7));
      }
      const container = writeFaxTiff(
        [{ width: 1728, height: 2000, data: new Uint8Array(1728 * 2000) }],
        'g3',
      );
      const stripOffset = 8 + 2 + 13 * 12 + 4 + 16;
      const tiff = new Uint8Array(stripOffset + strip.length);
      tiff.set(container.subarray(0, stripOffset));
      tiff.set(strip, stripOffset);
      new DataView(tiff.buffer).setUint32(8 + 2 + 9 * 12 + 8, strip.length, true); // StripByteCounts
      return tiff;
    }

    it('refuses a document whose decoding outlasts its budget, as unreadable, promptly after the budget', async () => {
      // 150 KB of code words of 1,030 fill bits: each bit looks the whole word up again (1.4 s here).
      const crafted = fillFlood(1_160, 1_030);
      const started = Date.now();

      await expect(decodeFaxDocument(crafted, 100)).rejects.toThrow(
        /decoding the document took longer than 0\.1 s, more than any real fax needs/,
      );
      expect(Date.now() - started).toBeLessThan(600);
    });

    it('counts only the time spent decoding against the budget, not the time between pages (uploads)', async () => {
      const sources = await faxPageSources(fixture('fax/partial-redetermination.tiff'));
      const budget = decodeBudget(2_000);
      let offset = 0;
      const realNow = performance.now.bind(performance);
      const now = vi.spyOn(performance, 'now').mockImplementation(() => realNow() + offset);
      try {
        for (const source of sources) {
          offset += 10_000; // a slow page-image upload before this page
          expect(source.decode(budget).width).toBeGreaterThan(0);
        }
      } finally {
        now.mockRestore();
      }
      expect(budget.remainingMs).toBeGreaterThan(0);
    });

    it('decodes real faxes well within the default budget', async () => {
      const pages = await decodeFaxDocument(fixture('fax/partial-redetermination.tiff'));
      expect(pages.length).toBeGreaterThan(0);
    });

    /** Dithered noise: about half the pixels black, runs mostly one or two pixels long. */
    function ditheredPage(width: number, height: number): FaxBitmap {
      const data = new Uint8Array(width * height);
      let state = 12345;
      for (let index = 0; index < data.length; index++) {
        state = (state * 1103515245 + 12345) % 2147483648;
        data[index] = state / 2147483648 < 0.5 ? 1 : 0;
      }
      return { width, height, dpiX: 204, dpiY: 196, data };
    }

    it.each(['g3', 'g4'] as const)(
      'decodes a page of dithered noise whole in %s (the densest real coding)',
      (compression) => {
        const page = ditheredPage(1728, 200);

        const [decoded] = decodeTiff(writeFaxTiff([page], compression));

        expect(decoded?.data).toEqual(page.data);
      },
    );

    it('refuses pages that share their coded data (one strip decoded once per page)', () => {
      const page = testPage(1728, 40);
      const two = writeFaxTiff([page, page], 'g4');
      const view = new DataView(two.buffer);
      // The second directory's StripOffsets and StripByteCounts point at the first page's strip.
      const first = 8;
      const second = view.getUint32(first + 2 + 13 * 12, true);
      view.setUint32(second + 2 + 7 * 12 + 8, view.getUint32(first + 2 + 7 * 12 + 8, true), true);
      view.setUint32(second + 2 + 9 * 12 + 8, view.getUint32(first + 2 + 9 * 12 + 8, true) + 200, true);

      expect(() => decodeTiff(two)).toThrow(/pages share coded data \(their strips overlap\)/);
    });
  });

  describe('a TIFF whose directory was damaged', () => {
    // One page from writeFaxTiff: its directory at byte 8 holds 13 entries of 12 bytes after a count.
    const entry = (index: number) => 8 + 2 + index * 12;
    const onePage = () => writeFaxTiff([testPage(1728, 40)], 'g4');

    it('refuses an entry whose count of values is far larger than the file (utif2 allocated until the process died)', () => {
      const tiff = onePage();
      new DataView(tiff.buffer).setUint32(entry(10) + 4, 0xd5000001, true); // XResolution: 3.5 billion rationals

      expect(() => decodeTiff(tiff)).toThrow(/tag 282 names values outside the file/);
    });

    it('refuses a next-directory pointer back to its own directory (utif2 looped until the process died)', () => {
      const tiff = onePage();
      new DataView(tiff.buffer).setUint32(entry(13), 8, true);

      expect(() => decodeTiff(tiff)).toThrow(/directories form a loop/);
    });

    it('refuses a page whose StripOffsets tag was garbled, as an unreadable document', () => {
      const tiff = onePage();
      new DataView(tiff.buffer).setUint16(entry(7), 56_593, true); // StripOffsets (273) is the eighth entry

      expect(() => decodeTiff(tiff)).toThrow(FaxDocumentError);
    });

    it('reads the pages before a next-directory pointer that leads out of the file (a fax cut short)', () => {
      const tiff = onePage();
      new DataView(tiff.buffer).setUint32(entry(13), 0x7fff0000, true);

      const pages = decodeTiff(tiff);

      expect(pages).toHaveLength(1);
      expect(pages[0]?.width).toBe(1728);
    });

    it('reads the first page of a two-page fax cut just before its second directory', () => {
      const twoPages = writeFaxTiff([testPage(1728, 40), testPage(1728, 40, 7)], 'g4');
      const secondDirectory = new DataView(twoPages.buffer).getUint32(entry(13), true);
      const pages = decodeTiff(twoPages.subarray(0, secondDirectory));

      expect(pages).toHaveLength(1);
      expect(pages[0]?.height).toBe(40);
    });

    it('still reads the checked-in fixtures and a multi-page TIFF', async () => {
      expect(decodeTiff(writeFaxTiff([testPage(), testPage(1728, 96, 99)], 'g3'))).toHaveLength(2);
      expect(await decodeFaxDocument(fixture('fax/cover-sheet-new-prescription.tiff'))).toHaveLength(1);
    });
  });

  describe('a compressed image that inflates far past its page (1 KB a megabyte)', () => {
    it('refuses a Deflate TIFF strip that inflates past the bytes of its image', () => {
      expect(() => decodeTiff(deflateTiff(zerosDeflated(256)))).toThrow(
        /inflates to more than the 465696 bytes its image holds/,
      );
    });

    it('refuses a PDF image whose Flate-coded CCITT data inflates past what a page could need', async () => {
      const pdf = imagePdf(
        '/Filter [/FlateDecode /CCITTFaxDecode] /DecodeParms [<< >> << /K -1 /Columns 1728 >>]',
        zerosDeflated(256),
      );

      await expect(decodePdf(pdf)).rejects.toThrow(/inflates to more than its page could need/);
    });

    it('inflates a Flate PDF image only as far as the bytes the image holds', async () => {
      const pdf = imagePdf('/Filter /FlateDecode', zerosDeflated(512));

      const started = Date.now();
      const [page] = await decodePdf(pdf);

      expect(Date.now() - started).toBeLessThan(1_000);
      expect(page?.width).toBe(1728);
      expect(page?.data.every((pixel) => pixel === 1)).toBe(true); // 0 samples are black
    });
  });

  describe('a PDF whose structure streams inflate far past any fax (read by pdf-lib before any page)', () => {
    function objectStreamPdf(dictionary: string, stream: Uint8Array): Uint8Array {
      const head = [
        '%PDF-1.5',
        '1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj',
        '2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj',
        `5 0 obj << /Type /ObjStm /N 1 /First 4 ${dictionary} /Length ${stream.length} >>`,
        'stream\n',
      ].join('\n');
      const tail = '\nendstream\nendobj\ntrailer << /Root 1 0 R >>\n%%EOF\n';
      return Buffer.concat([Buffer.from(head, 'latin1'), stream, Buffer.from(tail, 'latin1')]);
    }

    it('refuses an object stream that inflates past 16 MB, at once', async () => {
      const started = Date.now();
      await expect(decodePdf(objectStreamPdf('/Filter /FlateDecode', zerosDeflated(64)))).rejects.toThrow(
        /structure stream of the PDF inflates past 16777216 bytes/,
      );
      expect(Date.now() - started).toBeLessThan(2_000);
    });

    it('refuses an object stream compressed with LZW, whose expansion cannot be bounded first', async () => {
      await expect(
        decodePdf(objectStreamPdf('/Filter /LZWDecode', Buffer.from([0x80, 0x0b, 0x60, 0x50]))),
      ).rejects.toThrow(/structure is compressed with LZWDecode/);
    });

    it('still reads a fax PDF written with object streams', async () => {
      const page: FaxBitmap = { width: 1728, height: 40, data: new Uint8Array(1728 * 40).fill(0) };
      // pdf-lib, as many PDF tools do, writes the objects of a saved document into object streams.
      const resaved = await PDFDocument.load(writeFaxPdf([page]));
      const pdf = await resaved.save({ useObjectStreams: true });
      expect(Buffer.from(pdf).toString('latin1')).toContain('/ObjStm');
      const [decoded] = await decodePdf(pdf);
      expect(decoded?.width).toBe(1728);
    });
  });

  it('refuses a page larger than any fax before allocating it', () => {
    const huge = writeFaxTiff([{ width: 1728, height: 1, data: new Uint8Array(1728) }], 'g4');
    new DataView(huge.buffer).setUint32(8 + 2 + 2 * 12 + 8, 90_000, true); // ImageLength, the third entry
    expect(() => decodeTiff(huge)).toThrow(/larger than a fax page/);
  });

  it('reports a PDF whose page tree is broken as an unreadable document, not a transient failure', async () => {
    // Starts with %PDF (so the webhook accepts it), but the catalog's /Pages names no page tree:
    // pdf-lib's getPages() throws a plain Error, which the OCR step would retry into the DLQ.
    const broken = Buffer.from(
      '%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF',
    );

    await expect(decodePdf(broken)).rejects.toBeInstanceOf(FaxDocumentError);
  });

  it("erases a form's horizontal rule but keeps shorter strokes", () => {
    const page = testPage(400, 20);
    page.data.fill(0);
    page.data.fill(1, 5 * 400 + 10, 5 * 400 + 390); // a rule of 380 pixels
    page.data.fill(1, 10 * 400 + 10, 10 * 400 + 60); // a letter's bar of 50 pixels
    const cleaned = removeRules(page);
    expect(cleaned.data.subarray(5 * 400, 6 * 400).some((pixel) => pixel === 1)).toBe(false);
    expect(cleaned.data.subarray(10 * 400, 11 * 400).filter((pixel) => pixel === 1)).toHaveLength(50);
  });

  it('doubles the rows of a standard-resolution page and removes specks but keeps strokes', () => {
    const standard = { ...testPage(64, 10), dpiY: 98 };
    expect(squarePixels(standard).height).toBe(20);
    const specked = testPage(64, 30);
    specked.data[5] = 1; // a lone pixel in the empty top margin
    const cleaned = despeckle(specked);
    expect(cleaned.data[5]).toBe(0);
    expect(cleaned.data.reduce((sum, pixel) => sum + pixel, 0)).toBe(
      specked.data.reduce((sum, pixel) => sum + pixel, 0) - 1,
    );
  });
});
