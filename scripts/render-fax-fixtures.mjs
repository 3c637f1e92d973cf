#!/usr/bin/env node
// Renders the fax fixtures under test/fixtures/fax/: image-only PDFs and TIFFs made from text, the way
// a fax machine would send a printed form: 1728 pixels across at 204 × 196 dpi, bi-level, a little
// skewed, with scanner noise and the sending machine's header line. Deterministic (seeded noise), so
// re-running it reproduces the same bytes. Run: npm run fixtures:fax
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as PImage from 'pureimage';
import { FAX_FIXTURES } from '../test/fixtures/fax/documents.ts';
import { writeFaxPdf, writeFaxTiff } from '../test/helpers/fax/faxDocuments.ts';

const require = createRequire(import.meta.url);
const fontDir = path.join(path.dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
const FONTS = {
  serif: PImage.registerFont(path.join(fontDir, 'DejaVuSerif.ttf'), 'FaxSerif'),
  serifBold: PImage.registerFont(path.join(fontDir, 'DejaVuSerif-Bold.ttf'), 'FaxSerifBold'),
  mono: PImage.registerFont(path.join(fontDir, 'DejaVuSansMono.ttf'), 'FaxMono'),
  sans: PImage.registerFont(path.join(fontDir, 'DejaVuSans.ttf'), 'FaxSans'),
};
for (const font of Object.values(FONTS)) font.loadSync();

const WIDTH = 1728;
const HEIGHT = 2156; // US Letter at 196 lines per inch
const DPI_X = 204;
const DPI_Y = 196;
const MARGIN = 110;

/** Mulberry32: a small seeded generator, so the noise is the same on every run. */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const STYLE = {
  title: { family: 'FaxSerifBold', size: 40 },
  heading: { family: 'FaxSerifBold', size: 30 },
  text: { family: 'FaxSerif', size: 27 },
  small: { family: 'FaxSerif', size: 23 },
  field: { family: 'FaxMono', size: 28 },
  header: { family: 'FaxMono', size: 22 },
};

/** Lays out one page of lines ({style, text, indent?, gap?}) on a white canvas; returns grey pixels. */
function renderPage(lines, header) {
  const image = PImage.make(WIDTH, HEIGHT);
  const context = image.getContext('2d');
  context.fillStyle = '#ffffff';
  context.fillRect(0, 0, WIDTH, HEIGHT);
  context.fillStyle = '#000000';
  context.font = `${STYLE.header.size}px ${STYLE.header.family}`;
  context.fillText(header, 40, 34);
  let y = MARGIN + 20;
  for (const line of lines) {
    const style = STYLE[line.style ?? 'text'];
    y += line.gap ?? 0;
    if (line.rule) {
      context.fillRect(MARGIN, y - 10, WIDTH - 2 * MARGIN, 3);
      y += 24;
      continue;
    }
    context.font = `${style.size}px ${style.family}`;
    context.fillText(line.text, MARGIN + (line.indent ?? 0), y);
    y += Math.round(style.size * 1.55);
  }
  return image;
}

/** Thresholds, rotates by `skewDegrees` about the centre (nearest neighbour, as a scanner's paper feed would), adds noise. */
function toFaxBitmap(image, { skewDegrees, noise, seed }) {
  const grey = new Uint8Array(WIDTH * HEIGHT);
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      const rgba = image.getPixelRGBA(x, y);
      grey[y * WIDTH + x] = (rgba >>> 24) & 0xff;
    }
  }
  const next = random(seed);
  const data = new Uint8Array(WIDTH * HEIGHT);
  const angle = (skewDegrees * Math.PI) / 180;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const centreX = WIDTH / 2;
  const centreY = HEIGHT / 2;
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      const sourceX = Math.round(cos * (x - centreX) + sin * (y - centreY) + centreX);
      const sourceY = Math.round(-sin * (x - centreX) + cos * (y - centreY) + centreY);
      const value =
        sourceX >= 0 && sourceX < WIDTH && sourceY >= 0 && sourceY < HEIGHT
          ? grey[sourceY * WIDTH + sourceX]
          : 255;
      // A threshold that wanders a little, as a fax scanner's does with toner density.
      data[y * WIDTH + x] = value < 150 + (next() - 0.5) * 60 ? 1 : 0;
    }
  }
  // Speckles (dust on the glass) and a faint vertical streak (a dirty scanner bar).
  const speckles = Math.round(WIDTH * HEIGHT * noise);
  for (let index = 0; index < speckles; index++) {
    const x = Math.floor(next() * (WIDTH - 2));
    const y = Math.floor(next() * (HEIGHT - 2));
    const size = next() < 0.8 ? 1 : 2;
    for (let dy = 0; dy < size; dy++) for (let dx = 0; dx < size; dx++) data[(y + dy) * WIDTH + x + dx] = 1;
  }
  const streakX = 200 + Math.floor(next() * (WIDTH - 400));
  for (let y = 0; y < HEIGHT; y++) if (next() < 0.35) data[y * WIDTH + streakX] = 1;
  return { width: WIDTH, height: HEIGHT, dpiX: DPI_X, dpiY: DPI_Y, data };
}

const outDir = path.join(import.meta.dirname, '..', 'test', 'fixtures', 'fax');
for (const fixture of FAX_FIXTURES) {
  const pages = fixture.pages.map((page, index) => {
    const header = `${fixture.faxHeader}  P.${index + 1}/${fixture.declaredPages ?? fixture.pages.length}`;
    const image = renderPage(page.lines, header);
    return toFaxBitmap(image, {
      skewDegrees: page.skewDegrees,
      noise: fixture.noise,
      seed: fixture.seed + index,
    });
  });
  const bytes =
    fixture.format === 'pdf'
      ? writeFaxPdf(pages)
      : writeFaxTiff(pages, fixture.format === 'tiff-g3' ? 'g3' : 'g4');
  writeFileSync(path.join(outDir, fixture.file), bytes);
  console.log(`${fixture.file}: ${pages.length} page(s), ${(bytes.length / 1024).toFixed(1)} KB`);
}
