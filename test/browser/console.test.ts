import { randomUUID } from 'node:crypto';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sesBounceMail } from '../helpers/deliveryReports.js';
import { fixture } from '../helpers/fixtures.js';
import { startTestRouter } from '../helpers/localRouter.js';
import { sentMail } from '../helpers/sesStore.js';
import {
  inPage,
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

/** The parts of a listed case the SLA test reads (the API's own schemas are tested with the API). */
interface ListedCase {
  caseId: string;
  queue: string;
  subject: string;
  clocks: { clocks: { kind: string; milestones: { type: string; at: string }[] }[] };
}

/** How long a person would wait for the page to show a change (the machine is shared and slow at times). */
const PATIENCE = { timeout: 15_000, interval: 100 };

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

/** What the console has just told the staff member (its status and alert regions). */
async function noticesOn(page: Page): Promise<string> {
  return (await page.locator('.notices').allTextContents()).join(' | ');
}

function expectNoProblems(watched: WatchedPage) {
  expect(watched.problems).toEqual([]);
}

describe('staff console', () => {
  it('signs in, sees a queue grow when mail arrives, claims by keyboard, replies, resolves and sees the queue fall', async () => {
    const watched = await openWatchedPage(context, router.url);
    const { page } = watched;
    await signIn(page, 'alice', 'agent', ['Spanish']);
    await expect.poll(() => queueRow(page, 'fulfillment').count(), PATIENCE).toBe(1);
    const before = await depthOf(page, 'fulfillment');
    await inPage.mark(page);

    const subject = `Refill for my lisinopril ${randomUUID().slice(0, 6)}`;
    await postMail(
      `Maria Lopez <maria.${randomUUID().slice(0, 8)}@example.com>`,
      subject,
      'Please send a refill of my lisinopril prescription. My SSN is 123-45-6789. Thank you.',
    );
    await expect
      .poll(() => depthOf(page, 'fulfillment'), { timeout: 20_000, interval: 250 })
      .toBe(before + 1);
    expect(await inPage.stillMarked(page)).toBe(true);

    // Polling costs one GET /queues per refresh and nothing else.
    const since = Date.now();
    await page.waitForTimeout(3_500);
    const polled = watched.requests.filter((request) => request.at >= since);
    expect(polled.length).toBeGreaterThanOrEqual(2);
    expect(polled.length).toBeLessThanOrEqual(5);
    expect(new Set(polled.map((request) => `${request.method} ${request.path}`))).toEqual(
      new Set(['GET /queues']),
    );

    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'console-board.png');

    // Claim with the keyboard: the queue's number selects its row, j and k move, c claims.
    const queueNames = await Promise.all(
      (await page.locator('tr[data-queue]').all()).map((row) => row.getAttribute('data-queue')),
    );
    const rowIndex = queueNames.indexOf('fulfillment');
    expect(rowIndex).toBeGreaterThanOrEqual(0);
    expect(rowIndex).toBeLessThan(9);
    await page.getByRole('heading', { name: 'Queues', level: 1 }).focus();
    await page.keyboard.press(String(rowIndex + 1));
    await page.keyboard.press(rowIndex === 0 ? 'j' : 'k');
    await page.keyboard.press(rowIndex === 0 ? 'k' : 'j');
    expect(await queueRow(page, 'fulfillment').getAttribute('class')).toContain('selected');
    await page.keyboard.press('c');
    await page.getByRole('heading', { level: 1, name: new RegExp(subject) }).waitFor();

    // Read: the member's redacted message, its clocks, why it is here, its history.
    const inbound = page.locator('.message-inbound').first();
    await expect.poll(() => inbound.locator('.message-text').textContent(), PATIENCE).toContain('[SSN]');
    expect(await inbound.locator('.message-text').textContent()).not.toContain('123-45-6789');
    expect(await page.locator('.facts').textContent()).toContain('alice');
    expect(await page.locator('tr[data-clock="firstResponse"]').textContent()).toContain('running');
    const why = page.getByRole('region', { name: 'Why it is here' });
    expect(await why.textContent()).toContain('refill');
    // The triage evidence that routed it (what `explain` shows), not "no evidence".
    expect(await why.locator('ul.evidence li').count()).toBeGreaterThan(0);
    expect(await page.getByRole('region', { name: 'History' }).textContent()).toContain('Claimed');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    // Reply with the Spanish/English templates: greeting inserted, text written, sent.
    await page.getByRole('button', { name: 'Insert greeting' }).click();
    const reply = page.getByLabel('Your reply (sent by e-mail in the member’s language)');
    expect((await reply.inputValue()).length).toBeGreaterThan(0);
    await reply.press('End');
    await reply.pressSequentially('Your refill of lisinopril ships today.');
    // A reload keeps the draft where it was (as would a session that ended and a new sign-in).
    await page.reload();
    await page.getByRole('heading', { level: 1, name: new RegExp(subject) }).waitFor();
    expect(await reply.inputValue()).toContain('Your refill of lisinopril ships today.');
    await page.getByRole('button', { name: 'Send reply' }).click();
    await page.locator('.message-outbound', { hasText: 'Your refill of lisinopril ships today.' }).waitFor();
    expect(await page.locator('tr[data-clock="firstResponse"]').textContent()).toContain('met');
    // Sent, the draft is gone: a reload shows an empty box.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: new RegExp(subject) }).waitFor();
    expect(await reply.inputValue()).toBe('');
    await screenshot(page, 'console-case.png');

    // Resolve, then back to the board: the case left the queue when it was claimed and stays out.
    await page.getByRole('button', { name: 'Resolve', exact: true }).click();
    await page.getByLabel('Resolution (optional)').fill('refill shipped');
    await page.getByRole('button', { name: 'Confirm: Resolve' }).click();
    await page.locator('.case-head .state', { hasText: 'resolved' }).waitFor();
    expect(await page.getByRole('region', { name: 'History' }).textContent()).toContain('Resolved');
    await page.keyboard.press('q');
    await page.getByRole('heading', { name: 'Queues', level: 1 }).waitFor();
    await expect.poll(() => depthOf(page, 'fulfillment'), PATIENCE).toBe(before);

    // Sign out: the token the page held is refused from then on, a copy of it included.
    const token: string = await page.evaluate(
      "JSON.parse(sessionStorage.getItem('contact-router.console.session') ?? '{}').accessToken",
    );
    expect((await fetch(`${router.url}/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(
      200,
    );
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect((await fetch(`${router.url}/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(
      401,
    );
    expectNoProblems(watched);
    await page.close();
  });

  it('says so when the server does not confirm a sign-out, and signs out of the page all the same', async () => {
    const watched = await openWatchedPage(context, router.url);
    const { page } = watched;
    await signIn(page, 'gil', 'agent');
    await page.route('**/session/sign-out', (route) => route.fulfill({ status: 503, body: '' }));

    await page.getByRole('button', { name: 'Sign out' }).click();

    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.getByText('the server did not confirm it').waitFor();
    expect(await page.evaluate("sessionStorage.getItem('contact-router.console.session')")).toBeNull();
    await page.close();
  });

  it('keeps supervisor actions from agents and gives them to supervisors', async () => {
    const subject = `Where is my package ${randomUUID().slice(0, 6)}`;
    await postMail(
      `Ana <ana.${randomUUID().slice(0, 8)}@example.com>`,
      subject,
      'My package with my medicine did not arrive, tracking shows nothing.',
    );
    const agent = await openWatchedPage(context, router.url);
    await signIn(agent.page, 'bob', 'agent');
    expect(await agent.page.getByRole('link', { name: 'Supervisor' }).count()).toBe(0);
    const { caseId, queue } = await findCase(subject);
    await agent.page.goto(`${router.url}/#/cases/${caseId}`);
    await agent.page.getByRole('heading', { level: 1, name: new RegExp(subject) }).waitFor();
    for (const name of ['Merge into…', 'Reassign']) {
      expect(await agent.page.getByRole('button', { name }).count()).toBe(0);
    }
    await agent.page.goto(`${router.url}/#/supervisor`);
    await agent.page.getByText('This view is for supervisors.').waitFor();

    // The agent claims; the supervisor sees the claim, reassigns it, then releases it.
    await agent.page.goto(`${router.url}/#/queues`);
    await queueRow(agent.page, queue)
      .getByRole('button', { name: `Claim next in ${queue}` })
      .click();
    await agent.page.locator('.case-head').waitFor();
    const claimedId = decodeURIComponent(new URL(agent.page.url()).hash.replace('#/cases/', ''));

    // My work: the claim with its lease running down, renewed from the list.
    await agent.page.keyboard.press('m');
    const mine = agent.page.locator(`tr[data-case="${claimedId}"]`);
    await mine.waitFor();
    expect(await mine.getByTestId('lease').textContent()).toMatch(/^in \d+ min$/);
    await mine.getByRole('button', { name: 'Renew lease' }).click();
    await expect.poll(() => noticesOn(agent.page), PATIENCE).toContain('Lease renewed');

    const supervisor = await openWatchedPage(context, router.url);
    await signIn(supervisor.page, 'sam', 'supervisor');
    await supervisor.page.getByRole('link', { name: 'Supervisor' }).click();
    const row = supervisor.page.locator(`tr[data-case="${claimedId}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('bob');
    expect(await seriousAccessibilityViolations(supervisor.page)).toEqual([]);
    await row.getByRole('textbox').fill('carol');
    await row.getByRole('button', { name: 'Reassign' }).click();
    await expect.poll(() => noticesOn(supervisor.page), PATIENCE).toContain('is with carol now');
    await expect.poll(() => row.textContent(), PATIENCE).toContain('carol');
    await row.getByRole('button', { name: 'Release' }).click();
    await expect.poll(() => noticesOn(supervisor.page)).toContain('is back in its queue');
    await expect.poll(() => row.count(), PATIENCE).toBe(0);

    await supervisor.page.goto(`${router.url}/#/cases/${claimedId}`);
    await supervisor.page.locator('.case-head').waitFor();
    expect(await supervisor.page.getByRole('button', { name: 'Merge into…' }).count()).toBe(1);
    expect(await supervisor.page.getByRole('region', { name: 'History' }).textContent()).toContain(
      'Reassigned',
    );
    expectNoProblems(agent);
    expectNoProblems(supervisor);
    await agent.page.close();
    await supervisor.page.close();
  });

  it('reclassifies a billing question that is really an appeal: the case moves to appeals with its Part D clock', async () => {
    const subject = `Charged twice ${randomUUID().slice(0, 6)}`;
    await postMail(
      `Ruth <ruth.${randomUUID().slice(0, 8)}@example.com>`,
      subject,
      'Why was my card charged twice for my refill copay this month?',
    );
    const { caseId, queue } = await findCase(subject);
    expect(queue).toBe('billing');
    const supervisor = await openWatchedPage(context, router.url);
    await signIn(supervisor.page, 'sam', 'supervisor');
    await supervisor.page.goto(`${router.url}/#/cases/${caseId}`);
    await supervisor.page.getByRole('heading', { level: 1, name: new RegExp(subject) }).waitFor();
    expect(await supervisor.page.locator('tr[data-clock="regulatory"]').count()).toBe(0);
    await supervisor.page.getByRole('button', { name: 'Reclassify' }).click();
    await supervisor.page.getByLabel('Topic').selectOption('appeal');
    await supervisor.page.getByLabel('Expedited decision').selectOption('yes');
    await supervisor.page.getByLabel('Reason', { exact: true }).fill('the member disputes a denied refill');
    expect(await seriousAccessibilityViolations(supervisor.page)).toEqual([]);
    await supervisor.page.getByRole('button', { name: 'Confirm: Reclassify' }).click();
    const regulatory = supervisor.page.locator('tr[data-clock="regulatory"]');
    await regulatory.waitFor();
    expect(await regulatory.textContent()).toContain('redetermination, expedited');
    expect(await regulatory.textContent()).toContain('423.590(d)(1)');
    expect(await regulatory.getByTestId('ire-forward').textContent()).toContain('to the IRE by');
    expect(await supervisor.page.locator('.facts').textContent()).toContain('appeals');
    expect(await supervisor.page.getByRole('region', { name: 'History' }).textContent()).toContain(
      'Reclassified',
    );
    expectNoProblems(supervisor);
    await supervisor.page.close();
  });

  it('shows a faxed form page by page: each page as received beside what was read from it', async () => {
    const faxId = randomUUID().slice(0, 8);
    const boundary = `fax-${faxId}`;
    const pdf = fixture('fax/expedited-redetermination.pdf').toString('base64');
    const mail = [
      'From: eFax <delivery@efax.example>',
      'To: fax@pharmacy.example',
      `Subject: Fax ${faxId} from +15125550142`,
      `Message-ID: <fax-${faxId}@efax.example>`,
      'MIME-Version: 1.0',
      `Content-Type: multipart/mixed; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      'You have received a 2 page fax.',
      `--${boundary}`,
      'Content-Type: application/pdf',
      `Content-Disposition: attachment; filename="fax-${faxId}.pdf"`,
      'Content-Transfer-Encoding: base64',
      '',
      pdf,
      `--${boundary}--`,
      '',
    ].join('\r\n');
    const accepted = await fetch(`${router.url}/inbound/email?to=fax@pharmacy.example`, {
      method: 'POST',
      body: mail,
    });
    expect(await accepted.json()).toMatchObject({ status: 'queued_as_fax' });
    // Offline OCR reads each page in seconds on this machine.
    const { caseId } = await findCaseWhere(
      (subject) => subject.includes('Request for redetermination by fax'),
      'a faxed redetermination',
      120_000,
    );

    const watched = await openWatchedPage(context, router.url);
    const { page } = watched;
    await signIn(page, 'fay', 'supervisor');
    await page.goto(`${router.url}/#/cases/${caseId}`);
    const images = page.locator('img.fax-page-image');
    await expect.poll(() => images.count(), PATIENCE).toBe(2);
    // Both pages drawn (a broken image has no natural width), at the fax's 1728 pixels across.
    await expect
      .poll(
        () =>
          images.evaluateAll((all) =>
            all.map((image) => (image as unknown as { naturalWidth: number }).naturalWidth),
          ),
        PATIENCE,
      )
      .toEqual([1728, 1728]);
    const fields = await page.locator('.fax-fields').textContent();
    expect(fields).toContain('Request for redetermination');
    expect(fields).toContain('1234567893');
    expect(fields).toContain('Robert Chen');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'console-case-fax.png');
    expectNoProblems(watched);
    await page.close();
  }, 180_000);

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
    const cjkStylesheet = () => inPage.stylesheetLoaded(page, 'fonts-cjk');
    expect(await cjkStylesheet()).toBe(false);

    const { caseId: arabicCase } = await findCase(arabicSubject);
    await page.goto(`${router.url}/#/cases/${arabicCase}`);
    const arabicText = page.locator('.message-inbound .message-text').first();
    await arabicText.waitFor();
    expect(await inPage.direction(arabicText)).toBe('rtl');
    expect(await arabicText.getAttribute('lang')).toBe('ar');
    expect(await inPage.direction(page.locator('.case-head .subject'))).toBe('rtl');
    expect(await cjkStylesheet()).toBe(false);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'console-case-arabic.png');

    const { caseId: japaneseCase } = await findCase(japaneseSubject);
    await page.goto(`${router.url}/#/cases/${japaneseCase}`);
    const japaneseText = page.locator('.message-inbound .message-text').first();
    await japaneseText.waitFor();
    await expect.poll(cjkStylesheet, PATIENCE).toBe(true);
    await expect
      .poll(() => inPage.fontReady(page, 'Noto Sans JP Variable', '薬の再処方'), PATIENCE)
      .toBe(true);
    expect(await inPage.direction(japaneseText)).toBe('ltr');
    await screenshot(page, 'console-case-japanese.png');
    expectNoProblems(watched);
    await page.close();
  });

  it('says on the case when our mail bounced, and keeps a name that reverses text from reordering the address', async () => {
    const address = `eve.${randomUUID().slice(0, 8)}@example.com`;
    const subject = `Refill question ${randomUUID().slice(0, 4)}`;
    // U+202E RIGHT-TO-LEFT OVERRIDE: without isolation it would print the address after it backwards.
    const name = 'Eve \u202Eevil';
    await postMail(
      `"${name}" <${address}>`,
      subject,
      'Hello, please refill my lisinopril and send it to my home address. Thank you.',
    );
    const { caseId } = await findCase(subject);
    // The acknowledgement SES accepted; SES returns its bounce naming `<its id@email.amazonses.com>`.
    const acknowledgementId = async () => (await sentMail(router.endpoints.ses, address))[0]?.messageId;
    await expect.poll(acknowledgementId, PATIENCE).toBeDefined();
    const bounce = sesBounceMail({
      original: `<${await acknowledgementId()}@email.amazonses.com>`,
      recipients: [address],
    });
    expect((await router.postEmail(bounce)).status).toBe(202);
    await expect
      .poll(
        async () =>
          (await router.viewCase('lookup', caseId)).history.some((event) => event.type === 'delivery_failed'),
        PATIENCE,
      )
      .toBe(true);

    const watched = await openWatchedPage(context, router.url);
    const { page } = watched;
    await signIn(page, 'dana', 'supervisor');
    await page.goto(`${router.url}/#/cases/${caseId}`);
    const banner = page.locator('.banner-warning', { hasText: 'bounced' });
    await banner.waitFor();
    expect(await banner.textContent()).toContain(`Our e-mail to ${address} bounced (5.1.1)`);
    expect(await banner.locator('bdi').allTextContents()).toEqual([address]);
    expect(await page.locator('.history strong', { hasText: 'Our e-mail bounced' }).count()).toBe(1);
    const from = page.locator('.message-inbound .from').first();
    expect(await from.locator('bdi').allTextContents()).toEqual([name, address]);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'console-case-bounced.png');
    expectNoProblems(watched);
    await page.close();
  });

  it('marks a queue amber when a case is at risk and red once it has breached', async () => {
    // A router of its own whose clock the test moves (the SLA sweep reads it); the page reads the board as always.
    let offsetMs = 0;
    const timed = await startTestRouter({
      poll: true,
      clock: { now: () => new Date(Date.now() + offsetMs) },
    });
    try {
      const subject = `Copay question ${randomUUID().slice(0, 6)}`;
      const response = await timed.postEmail(
        memberEmail({
          from: `Lee <lee.${randomUUID().slice(0, 8)}@example.com>`,
          subject,
          body: 'Why was I charged a higher copay on my last statement? Please refund the difference.',
        }),
      );
      expect(response.status).toBe(202);
      let kase: ListedCase | undefined;
      await expect
        .poll(
          async () => {
            for (const { queue } of await timed.queues('lookup')) {
              const response = await timed.staffFetch(
                'lookup',
                `/cases?state=queued&queue=${queue}&limit=100`,
              );
              const listing = (await response.json()) as { cases: ListedCase[] };
              kase = listing.cases.find((candidate) => candidate.subject === subject) ?? kase;
            }
            return kase;
          },
          { timeout: 20_000, interval: 250 },
        )
        .toBeDefined();
      if (!kase) throw new Error('the case did not arrive');
      const firstResponse = kase.clocks.clocks.find((clock) => clock.kind === 'firstResponse');
      const milestoneAt = (type: string) =>
        Date.parse(firstResponse?.milestones.find((milestone) => milestone.type === type)?.at ?? '');
      const warningAt = milestoneAt('warning');
      const breachAt = milestoneAt('breach');
      expect(Number.isNaN(warningAt) || Number.isNaN(breachAt)).toBe(false);

      const watched = await openWatchedPage(context, timed.url);
      const { page } = watched;
      await page.goto(`${timed.url}/`);
      await page.getByLabel('Name (staff id)').fill('erin');
      await page.getByRole('button', { name: 'Sign in' }).click();
      const row = page.locator(`tr[data-queue="${kase.queue}"]`);
      await row.waitFor();

      offsetMs = warningAt + 60_000 - Date.now();
      await timed.sweep();
      await row.locator('.badge-amber', { hasText: '1 at risk' }).waitFor({ timeout: 15_000 });
      expect(await row.getAttribute('class')).toContain('has-at-risk');
      await screenshot(page, 'console-board-at-risk.png');

      offsetMs = breachAt + 60_000 - Date.now();
      await timed.sweep();
      await row.locator('.badge-red', { hasText: '1 breached' }).waitFor({ timeout: 15_000 });
      expect(await row.getAttribute('class')).toContain('has-breached');
      expect(await row.locator('.badge-amber').count()).toBe(0);
      expect(await seriousAccessibilityViolations(page)).toEqual([]);
      await screenshot(page, 'console-board-breached.png');
      expectNoProblems(watched);
      await page.close();
    } finally {
      await timed.stop();
    }
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

/** The case a member's mail became, by its subject, and its queue (looked up as a person would, through the API). */
async function findCase(subject: string): Promise<{ caseId: string; queue: string }> {
  return findCaseWhere((found) => found === subject, `the subject ${subject}`);
}

/** The first queued case whose subject passes `matches`, once routing has made it. */
async function findCaseWhere(
  matches: (subject: string) => boolean,
  what: string,
  timeout = 20_000,
): Promise<{ caseId: string; queue: string }> {
  let found: { caseId: string; queue: string } | undefined;
  await expect
    .poll(
      async () => {
        for (const { queue } of await router.queues('lookup')) {
          const response = await router.staffFetch('lookup', `/cases?state=queued&queue=${queue}&limit=100`);
          const listing = (await response.json()) as { cases: { caseId: string; subject: string }[] };
          const match = listing.cases.find((kase) => matches(kase.subject));
          if (match) found = { caseId: match.caseId, queue };
        }
        return found;
      },
      { timeout, interval: 250 },
    )
    .toBeDefined();
  if (!found) throw new Error(`no case with ${what}`);
  return found;
}
