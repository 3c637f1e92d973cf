import { describe, expect, it } from 'vitest';
import {
  deliverNow,
  deliverOutbox,
  heldForSending,
  MailRejectedError,
  OUTBOX_HOLD_MS,
  SEND_MARGIN_MS,
} from '../../../lambdas/domain/outbound/deliverOutbox.js';
import type { OutboundMail, OutboxEntry } from '../../../lambdas/domain/ports.js';

/** A hand-written outbox with the store's contract: conditional claims that expire, sent entries gone. */
class FakeOutbox {
  readonly entries = new Map<
    string,
    { entry: OutboxEntry; heldUntil?: number; sent?: { at: string; providerMessageId?: string } }
  >();
  failMarks = 0;
  claims = 0;
  /** As the store writes an entry: one written held for its sender keeps the hold, not the field. */
  add(...entries: OutboxEntry[]) {
    for (const { heldUntil, ...entry } of entries)
      this.entries.set(entry.entryId, { entry, ...(heldUntil ? { heldUntil: Date.parse(heldUntil) } : {}) });
  }
  /** Oldest first (insertion order here), resuming after `after` as the store's cursor does. */
  async listOutbox(limit: number, after?: OutboxEntry) {
    const unsent = [...this.entries.values()].filter((item) => !item.sent).map((item) => item.entry);
    const ids = [...this.entries.keys()];
    const start = after ? ids.indexOf(after.entryId) : -1;
    return unsent.filter((item) => ids.indexOf(item.entryId) > start).slice(0, limit);
  }
  async claimOutboxEntry(entryId: string, now: Date, holdMs: number) {
    this.claims += 1;
    const item = this.entries.get(entryId);
    if (!item || item.sent || (item.heldUntil ?? 0) > now.getTime()) return false;
    item.heldUntil = now.getTime() + holdMs;
    return true;
  }
  async markOutboxEntrySent(entryId: string, sent: { at: string; providerMessageId?: string }) {
    if (this.failMarks > 0) {
      this.failMarks -= 1;
      throw new Error('ProvisionedThroughputExceededException');
    }
    const item = this.entries.get(entryId);
    if (item) item.sent = sent;
    return item !== undefined;
  }
  readonly threadKeys: { caseId: string; keys: readonly string[] }[] = [];
  failThreadKeys = false;
  async registerThreadKeys(caseId: string, keys: readonly string[]) {
    if (this.failThreadKeys) throw new Error('ProvisionedThroughputExceededException');
    this.threadKeys.push({ caseId, keys });
  }
}

class FakeMailer {
  readonly sent: OutboundMail[] = [];
  failures: Error[] = [];
  async send(mail: OutboundMail) {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.sent.push(mail);
    const id = `ses-${this.sent.length}`;
    return { providerMessageId: id, deliveredMessageIds: [`<${id}@email.amazonses.com>`] };
  }
}

function entry(entryId: string, kind: OutboxEntry['kind'] = 'acknowledgement'): OutboxEntry {
  return {
    entryId,
    caseId: 'C1',
    kind,
    createdAt: '2026-11-27T16:00:00.000Z',
    mail: { to: ['maria@example.com'], subject: `s ${entryId}`, text: 't', headers: {} },
  };
}

function setup(start = Date.parse('2026-11-27T16:00:00.000Z')) {
  let now = start;
  const caseStore = new FakeOutbox();
  const mailer = new FakeMailer();
  const logged: string[] = [];
  const services = {
    caseStore,
    mailer,
    clock: { now: () => new Date(now) },
    log: (_level: string, message: string) => void logged.push(message),
  };
  const advance = (ms: number) => {
    now += ms;
  };
  return { caseStore, mailer, services, logged, advance };
}

describe('outbox delivery', () => {
  it('sends every kind of entry once and records the provider id', async () => {
    const { caseStore, mailer, services } = setup();
    caseStore.add(entry('a'), entry('r', 'reply'), entry('n', 'supervisor_notice'));
    expect(await deliverOutbox(services)).toEqual({ sent: 3, failed: 0, held: 0 });
    expect(mailer.sent.map((mail) => mail.subject)).toEqual(['s a', 's r', 's n']);
    // Supervisor notices go to staff (the mailer's staff configuration set), members' mail does not.
    expect(mailer.sent.map((mail) => mail.audience)).toEqual([undefined, undefined, 'staff']);
    expect(caseStore.entries.get('r')?.sent?.providerMessageId).toBe('ses-2');
    expect(await deliverOutbox(services)).toEqual({ sent: 0, failed: 0, held: 0 });
    expect(mailer.sent).toHaveLength(3);
  });

  it('never sends an entry twice when two senders race for it', async () => {
    const { caseStore, mailer, services } = setup();
    caseStore.add(entry('a'), entry('b'));
    const [first, second] = await Promise.all([deliverOutbox(services), deliverOutbox(services)]);
    expect((first?.sent ?? 0) + (second?.sent ?? 0)).toBe(2);
    expect(mailer.sent).toHaveLength(2);
  });

  it('retries a failed send only after the hold, then sends it', async () => {
    const { caseStore, mailer, services, advance, logged } = setup();
    caseStore.add(entry('a'));
    mailer.failures.push(new Error('connect ECONNREFUSED'));
    expect(await deliverNow([entry('a')], services)).toEqual({ a: 'failed' });
    expect(logged).toContain('outbox entry not sent; retried after the hold');
    expect(await deliverOutbox(services)).toEqual({ sent: 0, failed: 0, held: 1 });
    advance(OUTBOX_HOLD_MS + 1);
    expect(await deliverOutbox(services)).toEqual({ sent: 1, failed: 0, held: 0 });
    expect(mailer.sent).toHaveLength(1);
  });

  it('reports a rejected mail as failed and logs it as an error', async () => {
    const { caseStore, mailer, services } = setup();
    caseStore.add(entry('a'));
    mailer.failures.push(new MailRejectedError('SES rejected the mail: MessageRejected'));
    expect(await deliverOutbox(services)).toEqual({ sent: 0, failed: 1, held: 0 });
  });

  it('sends younger entries past a full page of entries SES keeps rejecting', async () => {
    const { caseStore, mailer, services, advance } = setup();
    // A page (50) of mails SES refuses stays unsent (an account-level rejection must lose nothing),
    // but must not starve the supervisor notices and retries queued after it.
    const poison = Array.from({ length: 60 }, (_, index) => entry(`poison-${index}`));
    caseStore.add(...poison, entry('notice', 'supervisor_notice'));
    const rejectOrSend = mailer.send.bind(mailer);
    mailer.send = async (mail: OutboundMail) => {
      if (mail.subject.startsWith('s poison'))
        throw new MailRejectedError('SES rejected the mail: MessageRejected');
      return rejectOrSend(mail);
    };
    expect(await deliverOutbox(services)).toEqual({ sent: 1, failed: 60, held: 0 });
    expect(mailer.sent.map((mail) => mail.subject)).toEqual(['s notice']);
    advance(OUTBOX_HOLD_MS + 1);
    expect(await deliverOutbox(services)).toEqual({ sent: 0, failed: 60, held: 0 });
  });

  it('counts only sends toward its budget, so entries held after a refused send do not starve younger mail', async () => {
    const { caseStore, mailer, services, advance } = setup();
    caseStore.add(...Array.from({ length: 15 }, (_, index) => entry(`poison-${index}`)), entry('notice'));
    const rejectOrSend = mailer.send.bind(mailer);
    mailer.send = async (mail: OutboundMail) => {
      if (mail.subject.startsWith('s poison'))
        throw new MailRejectedError('SES rejected the mail: MessageRejected');
      return rejectOrSend(mail);
    };
    expect(await deliverOutbox(services, { budget: 10 })).toEqual({ sent: 0, failed: 10, held: 0 });
    // A minute later the ten refused ones are still held: passed over without a send.
    advance(60_000);
    expect(await deliverOutbox(services, { budget: 10 })).toEqual({ sent: 1, failed: 5, held: 10 });
    expect(mailer.sent.map((mail) => mail.subject)).toEqual(['s notice']);
  });

  it("registers the Message-ID a member-facing mail reached the member with as a thread key of its case, never a notice's", async () => {
    const { caseStore, services } = setup();
    caseStore.add(entry('ack', 'acknowledgement'), entry('note', 'supervisor_notice'));

    expect(await deliverOutbox(services)).toEqual({ sent: 2, failed: 0, held: 0 });

    expect(caseStore.threadKeys).toEqual([{ caseId: 'C1', keys: ['msg:ses-1@email.amazonses.com'] }]);
  });

  it('counts a mail as sent even when its thread key cannot be registered, and says so', async () => {
    const { caseStore, services, logged } = setup();
    caseStore.add(entry('ack', 'acknowledgement'));
    caseStore.failThreadKeys = true;

    expect(await deliverOutbox(services)).toEqual({ sent: 1, failed: 0, held: 0 });
    expect(caseStore.entries.get('ack')?.sent).toBeDefined();
    expect(logged).toContain("the sent mail's provider Message-ID could not be registered as a thread key");
  });

  it('stops at its budget of attempts', async () => {
    const { caseStore, mailer, services } = setup();
    caseStore.add(...Array.from({ length: 120 }, (_, index) => entry(`e-${index}`)));
    expect(await deliverOutbox(services, { budget: 70 })).toEqual({ sent: 70, failed: 0, held: 0 });
    expect(mailer.sent).toHaveLength(70);
    expect(await deliverOutbox(services)).toEqual({ sent: 50, failed: 0, held: 0 });
  });

  it('keeps trying to mark a sent mail so it is not sent again', async () => {
    const { caseStore, mailer, services } = setup();
    caseStore.add(entry('a'));
    caseStore.failMarks = 2;
    expect(await deliverNow([entry('a')], services)).toEqual({ a: 'sent' });
    expect(caseStore.entries.get('a')?.sent).toBeDefined();
    expect(mailer.sent).toHaveLength(1);
  });

  it('sends an entry written held for its sender without a claim, and nobody else takes it meanwhile', async () => {
    const { caseStore, mailer, services } = setup();
    const held = heldForSending(entry('a'), services.clock.now());
    caseStore.add(held);
    expect(await deliverOutbox(services)).toEqual({ sent: 0, failed: 0, held: 1 });
    const claimsBefore = caseStore.claims;
    expect(await deliverNow([held], services)).toEqual({ a: 'sent' });
    expect(caseStore.claims).toBe(claimsBefore);
    expect(mailer.sent).toHaveLength(1);
    expect(await deliverOutbox(services)).toEqual({ sent: 0, failed: 0, held: 0 });
  });

  it('says so loudly when a held entry it sent was never committed', async () => {
    const { caseStore, mailer, services, logged } = setup();
    expect(await deliverNow([heldForSending(entry('ghost'), services.clock.now())], services)).toEqual({
      ghost: 'sent',
    });
    expect(mailer.sent).toHaveLength(1);
    expect(caseStore.entries.has('ghost')).toBe(false);
    expect(logged).toContain('sent a mail that has no outbox entry');
  });

  it('sends an entry listed twice once', async () => {
    const { caseStore, mailer, services } = setup();
    const held = heldForSending(entry('a'), services.clock.now());
    caseStore.add(held);
    expect(await deliverNow([held, held], services)).toEqual({ a: 'sent' });
    expect(mailer.sent).toHaveLength(1);
  });

  it('leaves a held entry to the sweeper when too little of its hold is left to send it', async () => {
    const { caseStore, mailer, services, advance } = setup();
    const held = heldForSending(entry('a'), services.clock.now());
    caseStore.add(held);
    advance(OUTBOX_HOLD_MS - SEND_MARGIN_MS);
    expect(await deliverNow([held], services)).toEqual({ a: 'held' });
    expect(mailer.sent).toHaveLength(0);
    advance(SEND_MARGIN_MS + 1);
    expect(await deliverOutbox(services)).toEqual({ sent: 1, failed: 0, held: 0 });
    expect(await deliverNow([held], services)).toEqual({ a: 'held' });
    expect(mailer.sent).toHaveLength(1);
  });

  it('sends a held entry whose writer died once its hold is over, once', async () => {
    const { caseStore, mailer, services, advance } = setup();
    caseStore.add(heldForSending(entry('a'), services.clock.now()));
    advance(OUTBOX_HOLD_MS - 1);
    expect(await deliverOutbox(services)).toEqual({ sent: 0, failed: 0, held: 1 });
    advance(2);
    const [first, second] = await Promise.all([deliverOutbox(services), deliverOutbox(services)]);
    expect((first?.sent ?? 0) + (second?.sent ?? 0)).toBe(1);
    expect(mailer.sent).toHaveLength(1);
  });

  it('uses the From of its kind for supervisor notices', async () => {
    const { caseStore, mailer, services } = setup();
    caseStore.add(entry('n', 'supervisor_notice'), entry('a'));
    await deliverOutbox({ ...services, fromByKind: { supervisor_notice: 'sla-alerts@pharmacy.example' } });
    expect(mailer.sent.map((mail) => mail.from)).toEqual(['sla-alerts@pharmacy.example', undefined]);
  });
});
