import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { SesMailer, sesOutboxClient } from '../../../lambdas/adapters/ses/SesMailer.js';
import type { Mailer, OutboundMail } from '../../../lambdas/domain/ports.js';
import { buildRouteInboundServices, handleInboundBatch } from '../../../lambdas/handlers/routeInbound.js';
import { buildSweeperServices, handleSweep } from '../../../lambdas/handlers/slaSweeper.js';
import { localEnvironment } from '../../../lambdas/local/localRouter.js';
import { provisionResources } from '../../../lambdas/local/provisionResources.js';
import { snapshotTable } from '../../helpers/caseInvariants.js';
import { fixedClock } from '../../helpers/channelFakes.js';
import { casesByExternalId, freshEmail, uniqueMessageId } from '../../helpers/routeHarness.js';
import { sqsEvent } from '../../helpers/sqsEvents.js';

/** What aws-ses-v2-local stored (it re-parses the raw mail: recipients and subject survive). */
const StoredEmailsSchema = z.object({
  emails: z.array(z.object({ destination: z.object({ to: z.array(z.string()) }), subject: z.string() })),
});

/** The real SES mailer behind an outage: its first `failures` sends fail before SES sees them. */
class FlakyMailer implements Mailer {
  attempts = 0;
  constructor(
    private readonly mailer: Mailer,
    private readonly failures: number,
  ) {}
  async send(mail: OutboundMail) {
    this.attempts++;
    if (this.attempts <= this.failures) {
      throw Object.assign(new Error('Service unavailable (injected)'), { name: 'ServiceUnavailable' });
    }
    return this.mailer.send(mail);
  }
}

describe('SES failing while a new case is acknowledged', () => {
  const endpoints = inject('endpoints');
  // Tuesday 1 December 2026, 09:00 Central.
  const clock = fixedClock('2026-12-01T15:00:05.000Z');
  const ses = sesOutboxClient(endpoints);
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    env = localEnvironment(endpoints, await provisionResources(endpoints, `m${randomUUID().slice(0, 8)}`));
  });
  afterAll(() => ses.destroy());

  async function mailTo(address: string) {
    const store = StoredEmailsSchema.parse(await (await fetch(`${endpoints.ses}/store`)).json());
    return store.emails.filter((sent) => sent.destination.to.some((to) => to.includes(address)));
  }

  it('keeps the case, retries the acknowledgement from the outbox after each hold, and sends it once with two sweepers racing', async () => {
    const member = `member-${randomUUID().slice(0, 8)}@example.com`;
    const message = freshEmail(uniqueMessageId('ses-down'), {
      sender: { address: member, name: 'Maria Lopez' },
    });
    const mailer = new FlakyMailer(new SesMailer(ses, 'member-services@pharmacy.example'), 3);
    const route = { ...buildRouteInboundServices(env), clock, mailer };
    const sweeper = { ...buildSweeperServices(env), clock, mailer };
    const minutesLater = (minutes: number) =>
      clock.set(new Date(Date.parse('2026-12-01T15:00:05.000Z') + minutes * 60_000).toISOString());

    // The route stage commits the case with its acknowledgement in the outbox, then SES fails.
    const routed = await handleInboundBatch(sqsEvent([message]), route);
    const snapshot = await snapshotTable(endpoints.dynamodb ?? '', env.TABLE_NAME ?? '');
    const placed = casesByExternalId(snapshot);
    const kase = snapshot.cases.find((candidate) => candidate.caseId === placed.get(message.externalId)?.[0]);
    // The sweep a minute later finds the entry still held by the failed attempt: no resend yet.
    minutesLater(1);
    const held = await handleSweep(sweeper);
    // Each sweep after a hold (five minutes) makes one more attempt.
    minutesLater(6);
    await handleSweep(sweeper);
    minutesLater(12);
    await handleSweep(sweeper);
    const beforeRecovery = await mailTo(member);
    minutesLater(18);
    const racing = await Promise.all([handleSweep(sweeper), handleSweep(sweeper), handleSweep(sweeper)]);
    minutesLater(30);
    await handleSweep(sweeper);

    expect(routed.batchItemFailures).toEqual([]);
    expect(placed.get(message.externalId)).toHaveLength(1);
    expect(held.events).toBe(0);
    expect(beforeRecovery).toEqual([]);
    expect(mailer.attempts).toBe(4);
    const sent = await mailTo(member);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.subject).toContain(`[${kase?.reference}]`);
    expect(racing.map((report) => report.noticesSent).reduce((sum, count) => sum + count, 0)).toBe(1);
  }, 60_000);
});
