/**
 * One decoded fax page: a bi-level bitmap, one byte per pixel (1 = black, 0 = white), row-major.
 * Fax machines send 1728 pixels across at 204 dpi and 98 ("standard") or 196 ("fine") lines per inch.
 */
export interface FaxBitmap {
  width: number;
  height: number;
  /** Horizontal and vertical resolution in dots per inch, when the document says. */
  dpiX?: number;
  dpiY?: number;
  data: Uint8Array;
}

/** Guards against decompression bombs: a fax page is at most A3/ledger at superfine resolution. */
export const FAX_PAGE_LIMITS = {
  maxWidth: 5_000,
  maxHeight: 8_000,
  maxPages: 60,
} as const;

/** How many times {@link squarePixels} repeats each row of a page (1: its pixels are square already). */
export function squaringFactor(page: Pick<FaxBitmap, 'dpiX' | 'dpiY'>): number {
  if (!page.dpiX || !page.dpiY || page.dpiY >= page.dpiX * 0.75) return 1;
  return Math.max(1, Math.min(4, Math.round(page.dpiX / page.dpiY)));
}

/**
 * Doubles the rows of a standard-resolution page (98 lines per inch) so OCR sees square pixels;
 * other pages are returned as they are.
 */
export function squarePixels(page: FaxBitmap): FaxBitmap {
  const factor = squaringFactor(page);
  if (factor < 2) return page;
  const data = new Uint8Array(page.width * page.height * factor);
  for (let y = 0; y < page.height; y++) {
    const row = page.data.subarray(y * page.width, (y + 1) * page.width);
    for (let copy = 0; copy < factor; copy++) data.set(row, (y * factor + copy) * page.width);
  }
  return { ...page, height: page.height * factor, dpiY: (page.dpiY ?? 0) * factor, data };
}

/**
 * Removes specks: 8-connected black components of at most `maxPixels` pixels (dust and line noise
 * on the scanner glass). Periods and the dots of an i at fax resolution are larger, so text stays.
 */
export function despeckle(page: FaxBitmap, maxPixels = 4): FaxBitmap {
  const { width, height } = page;
  const data = Uint8Array.from(page.data);
  const seen = new Uint8Array(width * height);
  const stack = new Int32Array(width * height);
  const component: number[] = [];
  for (let start = 0; start < data.length; start++) {
    if (data[start] !== 1 || seen[start]) continue;
    component.length = 0;
    let top = 0;
    stack[top++] = start;
    seen[start] = 1;
    let size = 0;
    while (top > 0) {
      const index = stack[--top] ?? 0;
      size++;
      if (size <= maxPixels) component.push(index);
      const x = index % width;
      const y = (index - x) / width;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const neighbour = ny * width + nx;
          if (data[neighbour] === 1 && !seen[neighbour]) {
            seen[neighbour] = 1;
            stack[top++] = neighbour;
          }
        }
      }
    }
    if (size <= maxPixels) for (const index of component) data[index] = 0;
  }
  return { ...page, data };
}

/**
 * Erases horizontal rules (the lines between a form's sections): black runs along a row longer than
 * any letter's stroke. OCR reads a rule as a row of junk characters otherwise. On a skewed page a
 * rule becomes a staircase of runs, each still far longer than a stroke.
 */
export function removeRules(page: FaxBitmap, minRun = 100): FaxBitmap {
  const { width, height } = page;
  const data = Uint8Array.from(page.data);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let x = 0;
    while (x < width) {
      if (data[row + x] !== 1) {
        x++;
        continue;
      }
      let end = x;
      while (end < width && data[row + end] === 1) end++;
      if (end - x >= minRun) data.fill(0, row + x, row + end);
      x = end;
    }
  }
  return { ...page, data };
}
