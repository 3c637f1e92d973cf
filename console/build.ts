import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { STRINGS } from './src/strings.js';

/**
 * Builds the staff console from files on this machine only: the app's TypeScript bundled with
 * Preact, htm and zod/mini from node_modules (esbuild, no network), one stylesheet with the
 * bundled Noto font faces, and an index.html that loads both (no inline script or style). Local
 * mode builds it in memory on first request; the CDK construct writes it to a folder for S3.
 */

const consoleDirectory = import.meta.dirname;
const repositoryRoot = path.resolve(consoleDirectory, '..');
const nodeModules = path.join(repositoryRoot, 'node_modules');

/**
 * Noto Sans faces (variable weight), each split by unicode-range so a browser fetches only the
 * slices the text on screen uses: Latin with Vietnamese, Cyrillic, Greek and Devanagari; Arabic.
 */
export const BASE_FONT_PACKAGES = [
  '@fontsource-variable/noto-sans',
  '@fontsource-variable/noto-sans-arabic',
] as const;

/**
 * Chinese (Simplified, Traditional), Japanese and Korean, one face per language because their Han
 * characters differ. Their ~470 face rules are a stylesheet of their own, which the page loads the
 * first time it shows CJK text, so the board does not wait for them.
 */
export const CJK_FONT_PACKAGES = [
  '@fontsource-variable/noto-sans-sc',
  '@fontsource-variable/noto-sans-tc',
  '@fontsource-variable/noto-sans-jp',
  '@fontsource-variable/noto-sans-kr',
] as const;

/** Where the console's files are served (the staff API owns every other path of the origin). */
export const CONSOLE_PREFIX = '/console/';

export interface ConsoleFile {
  contentType: string;
  body: Uint8Array;
  /** Content-addressed files never change; the page and its settings are checked every time. */
  immutable: boolean;
}

export interface ConsoleSite {
  /** URL path → file (`/` is the page). */
  files: Map<string, ConsoleFile>;
  /** URL path → font file on disk (read when asked for: there are hundreds of slices). */
  fonts: Map<string, string>;
}

const hashOf = (content: string | Uint8Array) =>
  createHash('sha256').update(content).digest('hex').slice(0, 12);

const escapeHtml = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

function bundleScript(): string {
  const result = buildSync({
    entryPoints: [path.join(consoleDirectory, 'src', 'main.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    charset: 'utf8',
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error('esbuild produced no console bundle');
  return output.text;
}

function fontFaces(
  packages: readonly string[],
  files: Map<string, string>,
): { css: string; licenses: string[] } {
  const css: string[] = [];
  const licenses: string[] = [];
  for (const name of packages) {
    const packageDirectory = path.join(nodeModules, name);
    const source = readFileSync(path.join(packageDirectory, 'index.css'), 'utf8');
    css.push(
      source.replace(/url\(\.\/files\/([\w.-]+\.woff2)\)/g, (_whole, file: string) => {
        files.set(`${CONSOLE_PREFIX}fonts/${file}`, path.join(packageDirectory, 'files', file));
        return `url(fonts/${file})`;
      }),
    );
    licenses.push(`${name}\n\n${readFileSync(path.join(packageDirectory, 'LICENSE'), 'utf8')}`);
  }
  return { css: css.join('\n'), licenses };
}

function licenseOf(name: string): string {
  return `${name}\n\n${readFileSync(path.join(nodeModules, name, 'LICENSE'), 'utf8')}`;
}

const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0d2a4a"/><path d="M8 11h16M8 16h11M8 21h7" stroke="#fff" stroke-width="3" stroke-linecap="round"/></svg>`;

let built: ConsoleSite | undefined;

/** The whole console, built once per process. */
export function buildConsoleSite(): ConsoleSite {
  if (built) return built;
  const encoder = new TextEncoder();
  const script = bundleScript();
  const fontFiles = new Map<string, string>();
  const baseFonts = fontFaces(BASE_FONT_PACKAGES, fontFiles);
  const cjkFonts = fontFaces(CJK_FONT_PACKAGES, fontFiles);
  const stylesheet = `${baseFonts.css}\n${readFileSync(path.join(consoleDirectory, 'static', 'console.css'), 'utf8')}`;
  const scriptPath = `${CONSOLE_PREFIX}app.${hashOf(script)}.js`;
  const stylePath = `${CONSOLE_PREFIX}console.${hashOf(stylesheet)}.css`;
  const cjkStylePath = `${CONSOLE_PREFIX}fonts-cjk.${hashOf(cjkFonts.css)}.css`;
  const page = `<!doctype html>
<html lang="en" dir="ltr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(STRINGS.appTitle)}</title>
<link rel="icon" href="${CONSOLE_PREFIX}icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="${stylePath}">
<meta name="cjk-stylesheet" content="${cjkStylePath}">
<script type="module" src="${scriptPath}"></script>
</head>
<body>
<div id="app"><p class="boot">${escapeHtml(STRINGS.loading)}</p></div>
<noscript><p class="boot">${escapeHtml(STRINGS.noScript)}</p></noscript>
</body>
</html>
`;
  const licenses = [
    ...['preact', 'htm', 'zod'].map(licenseOf),
    ...baseFonts.licenses,
    ...cjkFonts.licenses,
  ].join(`\n\n${'-'.repeat(72)}\n\n`);
  const files = new Map<string, ConsoleFile>([
    ['/', { contentType: 'text/html; charset=utf-8', body: encoder.encode(page), immutable: false }],
    [
      scriptPath,
      { contentType: 'text/javascript; charset=utf-8', body: encoder.encode(script), immutable: true },
    ],
    [
      stylePath,
      { contentType: 'text/css; charset=utf-8', body: encoder.encode(stylesheet), immutable: true },
    ],
    [
      cjkStylePath,
      { contentType: 'text/css; charset=utf-8', body: encoder.encode(cjkFonts.css), immutable: true },
    ],
    [
      `${CONSOLE_PREFIX}icon.svg`,
      { contentType: 'image/svg+xml', body: encoder.encode(ICON), immutable: false },
    ],
    [
      `${CONSOLE_PREFIX}licenses.txt`,
      { contentType: 'text/plain; charset=utf-8', body: encoder.encode(licenses), immutable: false },
    ],
  ]);
  built = { files, fonts: fontFiles };
  return built;
}

/**
 * Writes the console as S3 keys (`index.html`, `console/…`) into `directory`, for a bucket
 * deployment. `config.json` is not written: the deployment supplies it with the stack's values.
 */
export function writeConsoleSite(directory: string): void {
  const site = buildConsoleSite();
  for (const [urlPath, file] of site.files) {
    const target = path.join(directory, urlPath === '/' ? 'index.html' : urlPath.slice(1));
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, file.body);
  }
  for (const [urlPath, source] of site.fonts) {
    const target = path.join(directory, urlPath.slice(1));
    mkdirSync(path.dirname(target), { recursive: true });
    copyFileSync(source, target);
  }
}
