import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`); CHROMIUM_PATH points elsewhere on other systems. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const MISSING_CHROMIUM = `Chromium is not installed at ${CHROMIUM_PATH}; the console's browser tests need it. Install it with: bash scripts/install-browser.sh  (as root: apt-get update && apt-get install -y chromium)`;

/** Screenshots and timings the test run writes for reviewers (git-ignored). */
export const ARTIFACTS = path.resolve(import.meta.dirname, '..', 'artifacts');

/**
 * Chromium as this machine can run it: headless, no sandbox (root), and none of its background
 * traffic (update checks, sync, QUIC probes), which a closed network refuses and which would make
 * timings noisy; a new empty profile each launch.
 */
export async function launchConsoleBrowser(): Promise<{
  context: BrowserContext;
  close: () => Promise<void>;
}> {
  const profile = mkdtempSync(path.join(tmpdir(), 'console-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    viewport: { width: 1360, height: 900 },
    locale: 'en-US',
    timezoneId: 'America/Chicago',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface WatchedPage {
  page: Page;
  /** Console errors, page errors and CSP violations seen so far. */
  problems: string[];
  /** Every API request the page made (method and path). */
  requests: { method: string; path: string; at: number }[];
}

/** A new tab that records what a reviewer would want to know went wrong. */
export async function openWatchedPage(context: BrowserContext, origin: string): Promise<WatchedPage> {
  const page = await context.newPage();
  const problems: string[] = [];
  const requests: WatchedPage['requests'] = [];
  // Runs before the page's own script (through DevTools, so the page's CSP does not govern it).
  await page.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (event) => {
      console.error('CSP violation: ' + event.violatedDirective + ' ' + event.blockedURI);
    });`,
  });
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.origin === origin && !url.pathname.startsWith('/console/') && url.pathname !== '/') {
      requests.push({ method: request.method(), path: `${url.pathname}${url.search}`, at: Date.now() });
    }
  });
  return { page, problems, requests };
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * axe-core on the page as it is now (WCAG 2.1 A and AA rules), the serious and critical findings.
 * axe is evaluated through the DevTools protocol, which the page's CSP does not govern.
 */
export async function seriousAccessibilityViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  const violations: AxeViolation[] = await page.evaluate(`(async () => {
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    });
    return result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      nodes: violation.nodes.map((node) => JSON.stringify(node.target)),
    }));
  })()`);
  return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
}

/**
 * What the tests ask the page itself. The test build has no DOM types (they would change Node's
 * `fetch` for every other file), so these run as expressions in the page.
 */
export const inPage = {
  direction: (locator: Locator): Promise<string> =>
    locator.evaluate(
      (element) => (globalThis as unknown as BrowserGlobals).getComputedStyle(element).direction,
    ),
  stylesheetLoaded: (page: Page, part: string): Promise<boolean> =>
    page.evaluate(
      (wanted) =>
        [...(globalThis as unknown as BrowserGlobals).document.styleSheets].some((sheet) =>
          (sheet.href ?? '').includes(wanted),
        ),
      part,
    ),
  fontReady: (page: Page, family: string, sample: string): Promise<boolean> =>
    page.evaluate(
      async ({ font, text }) => {
        const { fonts } = (globalThis as unknown as BrowserGlobals).document;
        await fonts.ready;
        return fonts.check(font, text);
      },
      { font: `16px "${family}"`, text: sample },
    ),
  mark: (page: Page) =>
    page.evaluate(() => {
      (globalThis as unknown as { consoleTestMark?: boolean }).consoleTestMark = true;
    }),
  stillMarked: (page: Page): Promise<boolean> =>
    page.evaluate(() => (globalThis as unknown as { consoleTestMark?: boolean }).consoleTestMark === true),
};

/** The few browser globals {@link inPage} reads. */
interface BrowserGlobals {
  getComputedStyle(element: unknown): { direction: string };
  document: {
    styleSheets: Iterable<{ href: string | null }>;
    fonts: { ready: Promise<unknown>; check(font: string, text: string): boolean };
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, name);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** A plain e-mail from a member, with a Message-ID of its own. */
export function memberEmail(options: {
  from: string;
  subject: string;
  body: string;
  language?: string;
}): string {
  const id = `${Math.random().toString(36).slice(2)}.${Date.now()}@mail.example.com`;
  return [
    `From: ${options.from}`,
    'To: support@pharmacy.example',
    `Subject: =?utf-8?B?${Buffer.from(options.subject).toString('base64')}?=`,
    `Message-ID: <${id}>`,
    `Date: ${new Date().toUTCString()}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    ...(options.language ? [`Content-Language: ${options.language}`] : []),
    '',
    Buffer.from(options.body).toString('base64'),
    '',
  ].join('\r\n');
}
