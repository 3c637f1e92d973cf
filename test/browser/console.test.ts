import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRouter } from '../helpers/localRouter.js';
import {
  ARTIFACTS,
  launchConsoleBrowser,
  memberEmail,
  openWatchedPage,
  screenshot,
  seriousAccessibilityViolations,
  type WatchedPage,
} from './browser.js';

/**
 * The staff console as staff use it, in Debian's Chromium against local mode on the real
 * emulators: sign in, watch the board, claim with the keyboard, read, reply, resolve; roles;
 * right-to-left and CJK text. Each step asserts what a person would see.
 */

type Router = Awaited<ReturnType<typeof startTestRouter>>;

let router: Router;
let browser: Awaited<ReturnType<typeof launchConsoleBrowser>>;
let context: BrowserContext;

beforeAll(async () => {
  // The board refreshes every second here (5 s by default in local mode).
  process.env.CONSOLE_REFRESH_SECONDS = '1';
  router = await startTestRouter({ poll: true });
  browser = await launchConsoleBrowser();
  context = browser.context;
});

afterAll(async () => {
  await browser?.close();
  await router?.stop();
  delete process.env.CONSOLE_REFRESH_SECONDS;
});

async function signIn(page: Page, name: string, role: 'agent' | 'supervisor', skills: string[] = []) {
  await page.goto(`${router.url}/`);
  await page.getByLabel('Name (staff id)').fill(name);
  await page.getByRole('radio', { name: role === 'agent' ? 'Agent' : 'Supervisor' }).check();
  for (const language of skills) await page.getByRole('checkbox', { name: language }).check();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Queues', level: 1 }).waitFor();
}

function queueRow(page: Page, queue: string) {
  return page.locator(`tr[data-queue="${queue}"]`);
}

async function depthOf(page: Page, queue: string): Promise<number> {
  return Number(await queueRow(page, queue).getByTestId('depth').textContent());
}

async function postMail(from: string, subject: string, body: string) {
  const response = await router.postEmail(memberEmail({ from, subject, body }));
  expect(response.status).toBe(202);
}

/** The case a member's mail became, by its subject (the API's queue listing, as a person would look it up). */
async function caseIdBySubject(queue: string, subjectPart: string): Promise<string> {
  let found: string | undefined;
  await expect
    .poll(
      async () => {
        const response = await router.staffFetch('lookup', `/cases?state=queued&queue=${queue}&limit=100`);
        const page = (await response.json()) as { cases: { caseId: string; subject: string }[] };
        found = page.cases.find((kase) => kase.subject.includes(subjectPart))?.caseId;
        return found;
      },
      { timeout: 20_000 },
    )
    .toBeDefined();
  return found as string;
}

function expectNoProblems(watched: WatchedPage) {
  expect(watched.problems).toEqual([]);
}

describe('staff console', () => {
  it('signs in, sees a queue grow when mail arrives, claims by keyboard, replies, resolves and sees the queue fall', async () => {
    const watched = await openWatchedPage(context, router.url);
    const { page } = watched;
    await signIn(page, 'alice', 'agent', ['Spanish']);
    await expect.poll(() => queueRow(page, 'fulfillment').count()).toBe(1);
    const before = await depthOf(page, 'fulfillment');
    await page.evaluate(() => {
      (window as unknown as { stayedOnPage: boolean }).stayedOnPage = true;
    });

    const subject = `Refill for my lisinopril ${randomUUID().slice(0, 6)}`;
    await postMail(
      `Maria Lopez <maria.${randomUUID().slice(0, 8)}@example.com>`,
      subject,
      'Please send a refill of my lisinopril prescription. My SSN is 123-45-6789. Thank you.',
    );
    await expect.poll(() => depthOf(page, 'fulfillment'), { timeout: 20_000 }).toBe(before + 1);
    expect(await page.evaluate(() => (window as unknown as { stayedOnPage?: boolean }).stayedOnPage)).toBe(true);

    // Polling costs one GET /queues per refresh and nothing else.
    const since = Date.now();
    await page.waitForTimeout(3_500);
    const polled = watched.requests.filter((request) => request.at >= since);
    expect(polled.length).toBeGreaterThanOrEqual(2);
    expect(polled.length).toBeLessThanOrEqual(5);
    expect(new Set(polled.map((request) => `${request.method} ${request.path}`))).toEqual(new Set(['GET /queues']));

    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'console-board.png');

    // Claim with the keyboard: select the queue's row, press c.
    const rowIndex = await page.locator('tr[data-queue]').evaluateAll(
      (rows, queue) => rows.findIndex((row) => row.getAttribute('data-queue') === queue),
      'fulfillment',
    );
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    for (let step = 0; step <= rowIndex; step++) await page.keyboard.press('j');
    await page.keyboard.press('k');
    await page.keyboard.press(rowIndex === 0 ? 'k' : 'j');
    await page.keyboard.press('c');
    await page.getByRole('heading', { level: 1, name: new RegExp(subject) }).waitFor();

    // Read: the member's redacted message, its clocks, why it is here, its history.
    const inbound = page.locator('.message-inbound').first();
    await expect.poll(() => inbound.locator('.message-text').textContent()).toContain('[SSN]');
    expect(await inbound.locator('.message-text').textContent()).not.toContain('123-45-6789');
    expect(await page.locator('.facts').textContent()).toContain('alice');
    expect(await page.locator('tr[data-clock="firstResponse"]').textContent()).toContain('running');
    expect(await page.getByRole('region', { name: 'Why it is here' }).textContent()).toContain('refill');
    expect(await page.getByRole('region', { name: 'History' }).textContent()).toContain('Claimed');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    // Reply with the Spanish/English templates: greeting inserted, text written, sent.
    await page.getByRole('button', { name: 'Insert greeting' }).click();
    const reply = page.getByLabel('Your reply (sent by e-mail in the member’s language)');
    expect((await reply.inputValue()).length).toBeGreaterThan(0);
    await reply.press('End');
    await reply.pressSequentially('Your refill of lisinopril ships today.');
    await page.getByRole('button', { name: 'Send reply' }).click();
    await page.locator('.message-outbound', { hasText: 'Your refill of lisinopril ships today.' }).waitFor();
    expect(await page.locator('tr[data-clock="firstResponse"]').textContent()).toContain('met');
    await screenshot(page, 'console-case.png');

    // Resolve, then back to the board: the case left the queue when it was claimed and stays out.
    await page.getByRole('button', { name: 'Resolve', exact: true }).click();
    await page.getByLabel('Resolution (optional)').fill('refill shipped');
    await page.getByRole('button', { name: 'Confirm: Resolve' }).click();
    await page.locator('.case-head .state', { hasText: 'resolved' }).waitFor();
    expect(await page.getByRole('region', { name: 'History' }).textContent()).toContain('Resolved');
    await page.keyboard.press('q');
    await page.getByRole('heading', { name: 'Queues', level: 1 }).waitFor();
    await expect.poll(() => depthOf(page, 'fulfillment'), { timeout: 10_000 }).toBe(before);
    expectNoProblems(watched);
    await page.close();
  });

  it('keeps supervisor actions from agents and gives them to supervisors', async () => {
    const subject = `Where is my package ${randomUUID().slice(0, 6)}`;
    await postMail(`Ana <ana.${randomUUID().slice(0, 8)}@example.com>`, subject, 'My package with my medicine did not arrive, tracking shows nothing.');
    const agent = await openWatchedPage(context, router.url);
    await signIn(agent.page, 'bob', 'agent');
    expect(await agent.page.getByRole('link', { name: 'Supervisor' }).count()).toBe(0);
    const caseId = await caseIdBySubject('fulfillment', subject);
    await agent.page.goto(`${router.url}/#/cases/${caseId}`);
    await agent.page.getByRole('heading', { level: 1, name: new RegExp(subject) }).waitFor();
    for (const name of ['Merge into…', 'Reassign']) {
      expect(await agent.page.getByRole('button', { name }).count()).toBe(0);
    }
    await agent.page.goto(`${router.url}/#/supervisor`);
    await agent.page.getByText('This view is for supervisors.').waitFor();

    // The agent claims; the supervisor sees the claim, reassigns it, then releases it.
    await agent.page.goto(`${router.url}/#/queues`);
    await queueRow(agent.page, 'fulfillment').getByRole('button', { name: 'Claim the next case in fulfillment' }).click();
    await agent.page.locator('.case-head').waitFor();
    const claimedId = decodeURIComponent(new URL(agent.page.url()).hash.replace('#/cases/', ''));

    const supervisor = await openWatchedPage(context, router.url);
    await signIn(supervisor.page, 'sam', 'supervisor');
    await supervisor.page.getByRole('link', { name: 'Supervisor' }).click();
    const row = supervisor.page.locator(`tr[data-case="${claimedId}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('bob');
    expect(await seriousAccessibilityViolations(supervisor.page)).toEqual([]);
    await row.getByRole('textbox').fill('carol');
    await row.getByRole('button', { name: 'Reassign' }).click();
    await expect.poll(() => row.textContent()).toContain('carol');
    await row.getByRole('button', { name: 'Release' }).click();
    await expect.poll(() => row.count()).toBe(0);

    await supervisor.page.goto(`${router.url}/#/cases/${claimedId}`);
    await supervisor.page.locator('.case-head').waitFor();
    expect(await supervisor.page.getByRole('button', { name: 'Merge into…' }).count()).toBe(1);
    expect(await supervisor.page.getByRole('region', { name: 'History' }).textContent()).toContain('Reassigned');
    expectNoProblems(agent);
    expectNoProblems(supervisor);
    await agent.page.close();
    await supervisor.page.close();
  });

  it('writes Arabic right to left and loads the Japanese face only for Japanese text', async () => {
    const arabicSubject = `طلب إعادة صرف الدواء ${randomUUID().slice(0, 4)}`;
    const japaneseSubject = `薬の再処方のお願い ${randomUUID().slice(0, 4)}`;
    await postMail(
      `Omar <omar.${randomUUID().slice(0, 8)}@example.com>`,
      arabicSubject,
      'مرحبا، أرجو إعادة صرف دواء الضغط الخاص بي وإرساله إلى عنواني. شكرا جزيلا لكم.',
    );
    await postMail(
      `Yuki <yuki.${randomUUID().slice(0, 8)}@example.com>`,
      japaneseSubject,
      'こんにちは。血圧の薬の再処方をお願いします。いつ届きますか。よろしくお願いします。',
    );
    const watched = await openWatchedPage(context, router.url);
    const { page } = watched;
    await signIn(page, 'dana', 'supervisor');
    const cjkStylesheet = () =>
      page.evaluate(() => [...document.styleSheets].some((sheet) => (sheet.href ?? '').includes('fonts-cjk')));
    expect(await cjkStylesheet()).toBe(false);

    const arabicCase = await findCase(arabicSubject);
    await page.goto(`${router.url}/#/cases/${arabicCase}`);
    const arabicText = page.locator('.message-inbound .message-text').first();
    await arabicText.waitFor();
    expect(await arabicText.evaluate((element) => getComputedStyle(element).direction)).toBe('rtl');
    expect(await arabicText.getAttribute('lang')).toBe('ar');
    expect(await page.locator('.case-head .subject').evaluate((element) => getComputedStyle(element).direction)).toBe('rtl');
    expect(await cjkStylesheet()).toBe(false);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'console-case-arabic.png');

    const japaneseCase = await findCase(japaneseSubject);
    await page.goto(`${router.url}/#/cases/${japaneseCase}`);
    const japaneseText = page.locator('.message-inbound .message-text').first();
    await japaneseText.waitFor();
    await expect.poll(cjkStylesheet).toBe(true);
    await expect
      .poll(() =>
        page.evaluate(async () => {
          await document.fonts.ready;
          return document.fonts.check('16px "Noto Sans JP Variable"', '薬の再処方');
        }),
      )
      .toBe(true);
    expect(await japaneseText.evaluate((element) => getComputedStyle(element).direction)).toBe('ltr');
    await screenshot(page, 'console-case-japanese.png');
    expectNoProblems(watched);
    await page.close();
  });

  it('answers the page with a strict Content-Security-Policy and refuses a dev sign-in from another site', async () => {
    const page = await fetch(`${router.url}/`);
    const policy = page.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("script-src 'self'");
    expect(policy).not.toContain('unsafe-inline');
    expect(policy).toContain("require-trusted-types-for 'script'");
    expect(await page.text()).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);

    const crossSite = await fetch(`${router.url}/console/dev-sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' },
      body: JSON.stringify({ name: 'mallory', role: 'supervisor', skills: [] }),
    });
    expect(crossSite.status).toBe(403);
  });
});

async function findCase(subject: string): Promise<string> {
  let found: string | undefined;
  await expect
    .poll(
      async () => {
        const queues = (await router.queues('lookup')).map((queue) => queue.queue);
        for (const queue of queues) {
          const response = await router.staffFetch('lookup', `/cases?state=queued&queue=${queue}&limit=100`);
          const listing = (await response.json()) as { cases: { caseId: string; subject: string }[] };
          found = listing.cases.find((kase) => kase.subject === subject)?.caseId ?? found;
        }
        return found;
      },
      { timeout: 20_000 },
    )
    .toBeDefined();
  return found as string;
}

export function writeTiming(name: string, figures: unknown) {
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(path.join(ARTIFACTS, name), `${JSON.stringify(figures, null, 2)}\n`);
}
