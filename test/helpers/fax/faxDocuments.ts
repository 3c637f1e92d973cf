import type { FaxBitmap } from '../../../lambdas/domain/fax/faxPage.js';
import { encodeGroup3, encodeGroup4 } from './ccittEncoder.js';

export type FaxCompression = 'g3' | 'g4';

/** A little-endian TIFF writer for bi-level fax pages: one IFD per page, one strip per page. */
export function writeFaxTiff(pages: FaxBitmap[], compression: FaxCompression): Uint8Array {
  const encoded = pages.map((page) => (compression === 'g4' ? encodeGroup4(page) : encodeGroup3(page)));
  const entriesPerIfd = 13;
  const ifdSize = 2 + entriesPerIfd * 12 + 4;
  const headerSize = 8;
  // Layout: header, then per page: IFD, resolution rationals (16 bytes), strip bytes.
  const pageOffsets: number[] = [];
  let offset = headerSize;
  for (const strip of encoded) {
    pageOffsets.push(offset);
    offset += ifdSize + 16 + strip.length + (strip.length % 2);
  }
  const buffer = new Uint8Array(offset);
  const view = new DataView(buffer.buffer);
  buffer.set([0x49, 0x49]);
  view.setUint16(2, 42, true);
  view.setUint32(4, headerSize, true);
  pages.forEach((page, index) => {
    const strip = encoded[index] ?? new Uint8Array();
    const ifd = pageOffsets[index] ?? 0;
    const rationals = ifd + ifdSize;
    const stripOffset = rationals + 16;
    const entries: [tag: number, type: number, value: number][] = [
      [254, 4, 2], // NewSubfileType: one page of a multi-page document
      [256, 4, page.width],
      [257, 4, page.height],
      [258, 3, 1], // BitsPerSample
      [259, 3, compression === 'g4' ? 4 : 3],
      [262, 3, 0], // WhiteIsZero, as fax TIFFs are written
      [266, 3, 1], // FillOrder: most significant bit first
      [273, 4, stripOffset],
      [278, 4, page.height], // RowsPerStrip
      [279, 4, strip.length],
      [282, 5, rationals],
      [283, 5, rationals + 8],
      [compression === 'g4' ? 293 : 292, 4, compression === 'g4' ? 0 : 4], // T6Options / T4Options (fill bits)
    ];
    entries.sort((left, right) => left[0] - right[0]);
    view.setUint16(ifd, entries.length, true);
    entries.forEach(([tag, type, value], entry) => {
      const at = ifd + 2 + entry * 12;
      view.setUint16(at, tag, true);
      view.setUint16(at + 2, type, true);
      view.setUint32(at + 4, 1, true);
      if (type === 3) view.setUint16(at + 8, value, true);
      else view.setUint32(at + 8, value, true);
    });
    const next = index + 1 < pages.length ? (pageOffsets[index + 1] ?? 0) : 0;
    view.setUint32(ifd + 2 + entries.length * 12, next, true);
    view.setUint32(rationals, page.dpiX ?? 204, true);
    view.setUint32(rationals + 4, 1, true);
    view.setUint32(rationals + 8, page.dpiY ?? 196, true);
    view.setUint32(rationals + 12, 1, true);
    buffer.set(strip, stripOffset);
  });
  return buffer;
}

/**
 * An image-only PDF as fax services deliver it: each page one CCITT Group 4 image XObject drawn over
 * the whole page, no text layer.
 */
export function writeFaxPdf(pages: FaxBitmap[]): Uint8Array {
  const encoder = new TextEncoder();
  const chunks: Uint8Array[] = [];
  const offsets: number[] = [];
  let length = 0;
  const push = (part: string | Uint8Array) => {
    const bytes = typeof part === 'string' ? encoder.encode(part) : part;
    chunks.push(bytes);
    length += bytes.length;
  };
  const object = (id: number, body: string, stream?: Uint8Array) => {
    offsets[id] = length;
    push(`${id} 0 obj\n${body}\n`);
    if (stream) {
      push('stream\n');
      push(stream);
      push('\nendstream\n');
    }
    push('endobj\n');
  };
  push('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n');
  const pageIds = pages.map((_, index) => 3 + index * 3);
  object(1, '<< /Type /Catalog /Pages 2 0 R >>');
  object(
    2,
    `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pages.length} >>`,
  );
  pages.forEach((page, index) => {
    const pageId = pageIds[index] ?? 0;
    const widthPt = (page.width / (page.dpiX ?? 204)) * 72;
    const heightPt = (page.height / (page.dpiY ?? 196)) * 72;
    const image = encodeGroup4(page);
    const content = `q ${widthPt.toFixed(2)} 0 0 ${heightPt.toFixed(2)} 0 0 cm /Im0 Do Q`;
    object(
      pageId,
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${widthPt.toFixed(2)} ${heightPt.toFixed(2)}] /Resources << /XObject << /Im0 ${pageId + 1} 0 R >> >> /Contents ${pageId + 2} 0 R >>`,
    );
    object(
      pageId + 1,
      `<< /Type /XObject /Subtype /Image /Width ${page.width} /Height ${page.height} /ColorSpace /DeviceGray /BitsPerComponent 1 /Filter /CCITTFaxDecode /DecodeParms << /K -1 /Columns ${page.width} /Rows ${page.height} /BlackIs1 false >> /Length ${image.length} >>`,
      image,
    );
    object(pageId + 2, `<< /Length ${content.length} >>`, encoder.encode(content));
  });
  const xref = length;
  const count = pages.length * 3 + 3;
  let table = `xref\n0 ${count}\n0000000000 65535 f \n`;
  for (let id = 1; id < count; id++) table += `${String(offsets[id] ?? 0).padStart(10, '0')} 00000 n \n`;
  push(`${table}trailer\n<< /Size ${count} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
  const out = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
