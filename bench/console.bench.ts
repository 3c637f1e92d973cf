/**
 * How long the staff console takes to become usable on local mode: from navigation to the queue
 * board rendered with data (the page's own `board-ready` mark), in Debian's Chromium, cold (a new
 * profile: nothing cached) and warm (a reload: the content-addressed bundle and fonts cached).
 * Printed beside two baselines measured in the same run on the same router: one `GET /queues`
 * from Node (the API's own floor), and a navigation to a static file of the console (the
 * browser's own floor).
 *
 *   npm run bench:console [-- samples]
 */
import { randomUUID } from 'node:crypto';
import { mintDevToken } from '../lambdas/local/devTokens.js';
import { startEmulators } from '../lambdas/local/emulators.js';
import { startLocalRouter } from '../lambdas/local/localRouter.js';
import { launchConsoleBrowser } from '../test/browser/browser.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
process.env.DESK_FROM ??= 'member-services@pharmacy.example';

const SAMPLES = Number(process.argv[2] ?? 7);

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const format = (values: number[]) =>
  `median ${median(values).toFixed(0)} ms (min ${Math.min(...values).toFixed(0)}, max ${Math.max(...values).toFixed(0)}, n=${values.length})`;

const emulators = await startEmulators();
const router = await startLocalRouter({
  endpoints: emulators.endpoints,
  prefix: `b${randomUUID().slice(0, 8)}`,
});
try {
  const token = await mintDevToken('bench', process.env, { role: 'agent', skills: ['es'] });
  // Warm-up: DynamoDB Local's JVM and the router's first requests are not what a shift sees.
  for (let warmUp = 0; warmUp < 3; warmUp++) {
    await (await fetch(`${router.url}/queues`, { headers: { authorization: `Bearer ${token}` } })).json();
  }
  const api: number[] = [];
  for (let sample = 0; sample < SAMPLES; sample++) {
    const started = performance.now();
    const response = await fetch(`${router.url}/queues`, { headers: { authorization: `Bearer ${token}` } });
    await response.json();
    api.push(performance.now() - started);
  }

  const boardReady = async (page: import('playwright-core').Page) => {
    await page.locator('tr[data-queue]').first().waitFor();
    await page.waitForFunction("performance.getEntriesByName('board-ready').length > 0");
    return Number(await page.evaluate("performance.getEntriesByName('board-ready')[0].startTime"));
  };

  const cold: number[] = [];
  const warm: number[] = [];
  const staticFile: number[] = [];
  for (let sample = 0; sample < SAMPLES; sample++) {
    const browser = await launchConsoleBrowser();
    try {
      const page = await browser.context.newPage();
      await page.goto(`${router.url}/console/icon.svg`);
      staticFile.push(
        Number(await page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")),
      );
      // Signed in already (a session in this tab), as when an agent opens the console for a shift.
      await page.goto(`${router.url}/`);
      await page.evaluate(
        `sessionStorage.setItem('contact-router.console.session', JSON.stringify({ kind: 'dev', accessToken: ${JSON.stringify(token)}, expiresAt: Date.now() + 3600000, staffId: 'bench', role: 'agent', languages: ['es'] }))`,
      );
      await page.goto(`${router.url}/`);
      cold.push(await boardReady(page));
      await page.reload();
      warm.push(await boardReady(page));
    } finally {
      await browser.close();
    }
  }
  console.log('staff console, local mode: navigation → queue board rendered with data');
  console.log(`  first visit (new profile)      ${format(cold)}`);
  console.log(`  reload (cached bundle, fonts)  ${format(warm)}`);
  console.log('baselines in the same run');
  console.log(`  GET /queues from Node          ${format(api)}`);
  console.log(`  navigation to a static file    ${format(staticFile)}`);
  console.log('(a shared 2-core machine: re-run on a quiet one for figures to compare)');
} finally {
  await router.stop();
  await emulators.stop();
}
