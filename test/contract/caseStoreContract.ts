import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Case, CaseMessage } from '../../lambdas/domain/cases/caseRecord.js';
import { claimRevision } from '../../lambdas/domain/cases/claimQueue.js';
import {
  type CaseStore,
  InvalidCursorError,
  type NewCase,
  type OutboxEntry,
} from '../../lambdas/domain/ports.js';
import { caseTemplate, queuedCase } from '../helpers/caseFactory.js';

/**
 * The CaseStore port's contract, run against every implementation: the in-memory fake the domain
 * tests use (test/unit) and DynamoCaseStore on DynamoDB Local (test/integration). Each test works
 * in queues and keys of its own, so the suite needs no clean table.
 */
export function describeCaseStoreContract(name: string, makeStore: () => Promise<CaseStore>) {
  describe(`${name} keeps the CaseStore contract`, () => {
    let store: CaseStore;
    let template: Case;
    beforeAll(async () => {
      store = await makeStore();
      template = await caseTemplate();
    });

    const unique = () => randomUUID().slice(0, 8);
    const staff = (id: string) => ({ id, role: 'agent' as const, languages: ['en'] });

    function messageOf(kase: Case, externalId = `<${kase.caseId}@mail.example.com>`): CaseMessage {
      return {
        direction: 'inbound',
        channel: 'email',
        externalId,
        receivedAt: kase.receivedAt,
        subject: kase.subject,
        text: kase.preview,
        attachments: [],
      };
    }

    function newCase(kase: Case, extra: Partial<NewCase> = {}): NewCase {
      return {
        case: kase,
        message: messageOf(kase),
        inboundKey: `inbound:${kase.caseId}`,
        threadKeys: [`msg:${kase.caseId}@mail.example.com`],
        event: { at: kase.createdAt, type: 'case_created', actor: 'system', detail: {} },
        ...extra,
      };
    }

    function make(overrides: Partial<Parameters<typeof queuedCase>[1]> = {}): Case {
      return queuedCase(template, { key: unique(), queue: `q-${unique()}`, ...overrides });
    }

    async function claimAll(queue: string): Promise<Case[]> {
      const claimed: Case[] = [];
      for (;;) {
        const next = await store.claimNext({
          queue,
          choose: (head) => head.map((kase) => [kase]),
          take: (head) => claimRevision(head, staff('alice'), new Date('2026-12-01T16:00:00.000Z'), 60_000),
        });
        if (!next) return claimed;
        claimed.push(next);
      }
    }

    it('creates a case once and answers the same message again as a duplicate of it', async () => {
      const kase = make();
      expect(await store.createCase(newCase(kase))).toEqual({ outcome: 'created', acknowledged: false });
      expect(await store.createCase(newCase(kase))).toEqual({ outcome: 'duplicate', caseId: kase.caseId });
      expect((await store.getCase(kase.caseId))?.messages).toHaveLength(1);
    });

    it('records a different message that reuses a Message-ID, leaving the thread key with the first', async () => {
      const first = make();
      const second = make({ queue: first.queue });
      const sharedKey = `msg:reused-${unique()}@broken.example`;
      await store.createCase(newCase(first, { threadKeys: [sharedKey] }));
      const outcome = await store.createCase(newCase(second, { threadKeys: [sharedKey] }));
      expect(outcome).toEqual({ outcome: 'created', acknowledged: false });
      expect(await store.findCaseIdByThread([sharedKey])).toBe(first.caseId);
      expect(await store.getCaseRecord(second.caseId)).toMatchObject({ caseId: second.caseId });
    });

    it('joins a message to the case that holds its conversation root, writing nothing', async () => {
      const root = `msg:root-${unique()}@mail.example.com`;
      const parent = make();
      await store.createCase(newCase(parent, { referenceKeys: [root] }));
      const reply = make({ queue: parent.queue });
      const outcome = await store.createCase(newCase(reply, { referenceKeys: [root] }));
      expect(outcome).toEqual({ outcome: 'joins', caseId: parent.caseId });
      expect(await store.getCaseRecord(reply.caseId)).toBeUndefined();
      expect((await store.listQueues([parent.queue]))[0]?.depth).toBe(1);
    });

    it('joins a message whose own id an earlier reply named: the parent that conversation waited for', async () => {
      const parentKey = `msg:parent-${unique()}@mail.example.com`;
      const earlyReply = make();
      await store.createCase(newCase(earlyReply, { referenceKeys: [parentKey] }));
      const parent = make({ queue: earlyReply.queue });
      expect(await store.createCase(newCase(parent, { threadKeys: [parentKey] }))).toEqual({
        outcome: 'joins',
        caseId: earlyReply.caseId,
      });
    });

    it('finds the case of the first known key, root first', async () => {
      const older = make();
      const newer = make();
      const rootKey = `msg:a-${unique()}@x`;
      const parentKey = `msg:b-${unique()}@x`;
      await store.createCase(newCase(older, { threadKeys: [rootKey] }));
      await store.createCase(newCase(newer, { threadKeys: [parentKey] }));
      expect(await store.findCaseIdByThread([rootKey, parentKey])).toBe(older.caseId);
      expect(await store.findCaseIdByThread([`msg:none-${unique()}`, parentKey])).toBe(newer.caseId);
      expect(await store.findCaseIdByThread([`msg:none-${unique()}`])).toBeUndefined();
    });

    it("registers a sent mail's Message-IDs as a case's thread keys, leaving a key another case holds with it", async () => {
      const first = make();
      const second = make();
      const held = `msg:held-${unique()}@x`;
      const delivered = `msg:${unique()}@email.amazonses.com`;
      await store.createCase(newCase(first, { threadKeys: [held] }));
      await store.createCase(newCase(second));

      await store.registerThreadKeys(second.caseId, [delivered, held, delivered]);
      await store.registerThreadKeys(second.caseId, [delivered]);

      expect(await store.findCaseIdByThread([delivered])).toBe(second.caseId);
      expect(await store.findCaseIdByThread([held])).toBe(first.caseId);
    });

    it('names the case of mail the desk sent only by a key registered for it, never by a member’s own id', async () => {
      const kase = make();
      const membersOwn = `msg:member-${unique()}@x`;
      const sent = `msg:${unique()}@email.amazonses.com`;
      await store.createCase(newCase(kase, { threadKeys: [membersOwn] }));
      await store.registerThreadKeys(kase.caseId, [sent, membersOwn]);
      expect(await store.findCaseIdByDeskMail(sent)).toBe(kase.caseId);
      expect(await store.findCaseIdByDeskMail(membersOwn)).toBeUndefined();
      expect(await store.findCaseIdByDeskMail(`msg:none-${unique()}@x`)).toBeUndefined();
    });

    it('keeps the mark of mail the desk sent when a message on its case names the same id as its own', async () => {
      // A mail server that redirects our mail back to the desk, or anyone who received it, can send
      // a message whose own Message-ID is the one SES gave the desk's mail: the case's later
      // bounces and complaints of that mail must still find it.
      const kase = make();
      const sent = `msg:${unique()}@email.amazonses.com`;
      await store.createCase(newCase(kase));
      await store.registerThreadKeys(kase.caseId, [sent]);
      expect(
        await store.appendMessage({
          caseId: kase.caseId,
          inboundKey: `inbound:${unique()}`,
          threadKeys: [sent],
          decide: (current: Case) => ({
            decision: 'join' as const,
            after: { ...current, messageCount: current.messageCount + 1, version: current.version + 1 },
            message: messageOf(kase, `<${sent.slice(4)}>`),
            events: [],
          }),
        }),
      ).toMatchObject({ outcome: 'appended' });
      expect(await store.findCaseIdByThread([sent])).toBe(kase.caseId);
      expect(await store.findCaseIdByDeskMail(sent)).toBe(kase.caseId);
    });

    it('appends a message once, as the domain decides, and reports a missing case', async () => {
      const kase = make();
      await store.createCase(newCase(kase));
      const message = messageOf(kase, `<reply-${unique()}@mail.example.com>`);
      const append = {
        caseId: kase.caseId,
        inboundKey: `inbound:${unique()}`,
        threadKeys: [],
        decide: (current: Case) => ({
          decision: 'join' as const,
          after: { ...current, messageCount: current.messageCount + 1, version: current.version + 1 },
          message,
          events: [{ at: '2026-12-01T16:00:00.000Z', type: 'message_received', actor: 'system', detail: {} }],
        }),
      };
      expect(await store.appendMessage(append)).toMatchObject({
        outcome: 'appended',
        case: { messageCount: 2 },
      });
      expect(await store.appendMessage(append)).toEqual({ outcome: 'duplicate', caseId: kase.caseId });
      expect(await store.appendMessage({ ...append, caseId: 'NOSUCHCASE' })).toEqual({ outcome: 'missing' });
      const view = await store.getCase(kase.caseId);
      expect(view?.messages).toHaveLength(2);
      expect(view?.history.map((event) => event.type)).toEqual(['case_created', 'message_received']);
    });

    it('follows a forward to the surviving case and reports a decline without writing', async () => {
      const survivor = make();
      const duplicate = make({ queue: survivor.queue });
      await store.createCase(newCase(survivor));
      await store.createCase(newCase(duplicate));
      const message = messageOf(survivor, `<late-${unique()}@mail.example.com>`);
      const forwarded = await store.appendMessage({
        caseId: duplicate.caseId,
        inboundKey: `inbound:${unique()}`,
        threadKeys: [],
        decide: (current) =>
          current.caseId === duplicate.caseId
            ? { decision: 'forward', caseId: survivor.caseId }
            : {
                decision: 'join',
                after: { ...current, messageCount: current.messageCount + 1, version: current.version + 1 },
                message,
                events: [],
              },
      });
      expect(forwarded).toMatchObject({ outcome: 'appended', case: { caseId: survivor.caseId } });
      const declined = await store.appendMessage({
        caseId: survivor.caseId,
        inboundKey: `inbound:${unique()}`,
        threadKeys: [],
        decide: () => ({ decision: 'decline', reason: 'closed' }),
      });
      expect(declined).toMatchObject({
        outcome: 'declined',
        case: { caseId: survivor.caseId },
        reason: 'closed',
      });
      expect((await store.getCaseRecord(survivor.caseId))?.messageCount).toBe(2);
    });

    it('follows a long chain of merges to the last survivor, and refuses a loop', async () => {
      const chain = Array.from({ length: 12 }, () => make());
      const next = (caseId: string) => chain[chain.findIndex((kase) => kase.caseId === caseId) + 1]?.caseId;
      for (const kase of chain) await store.createCase(newCase(kase));
      const append = (start: string, forwardTo: (caseId: string) => string | undefined) =>
        store.appendMessage({
          caseId: start,
          inboundKey: `inbound:${unique()}`,
          threadKeys: [],
          decide: (current) => {
            const to = forwardTo(current.caseId);
            return to
              ? { decision: 'forward', caseId: to }
              : {
                  decision: 'join',
                  after: { ...current, messageCount: current.messageCount + 1, version: current.version + 1 },
                  message: messageOf(current, `<chain-${unique()}@mail.example.com>`),
                  events: [],
                };
          },
        });
      const last = chain.at(-1)?.caseId;
      expect(await append(chain[0]?.caseId ?? '', next)).toMatchObject({
        outcome: 'appended',
        case: { caseId: last },
      });
      // A loop (which merges never make) fails loudly instead of spinning.
      const first = chain[0]?.caseId ?? '';
      await expect(append(first, (caseId) => next(caseId) ?? first)).rejects.toThrow();
    });

    it('serves a queue by priority, then earliest due time, then age', async () => {
      const queue = `q-${unique()}`;
      const at = (hour: number) => `2026-12-01T${String(hour).padStart(2, '0')}:00:00.000Z`;
      const due = (day: number) => `2026-12-${String(day).padStart(2, '0')}T15:00:00.000Z`;
      const cases = {
        normalOldDueLate: make({ queue, priority: 'normal', receivedAt: at(1), firstResponseDueAt: due(4) }),
        normalNewDueSoon: make({ queue, priority: 'normal', receivedAt: at(5), firstResponseDueAt: due(2) }),
        normalNewerDueSoon: make({
          queue,
          priority: 'normal',
          receivedAt: at(6),
          firstResponseDueAt: due(2),
        }),
        urgentNewest: make({ queue, priority: 'urgent', receivedAt: at(9), firstResponseDueAt: due(5) }),
        highOld: make({ queue, priority: 'high', receivedAt: at(2), firstResponseDueAt: due(6) }),
        low: make({ queue, priority: 'low', receivedAt: at(0), firstResponseDueAt: due(2) }),
      };
      for (const kase of Object.values(cases)) await store.createCase(newCase(kase));
      const order = (await claimAll(queue)).map((kase) => kase.caseId);
      expect(order).toEqual(
        [
          cases.urgentNewest,
          cases.highOld,
          cases.normalNewDueSoon,
          cases.normalNewerDueSoon,
          cases.normalOldDueLate,
          cases.low,
        ].map((kase) => kase.caseId),
      );
    });

    it('counts depth, oldest, at-risk and breached from the cases as they change', async () => {
      const queue = `q-${unique()}`;
      const older = make({ queue, receivedAt: '2026-12-01T10:00:00.000Z' });
      const newer = make({ queue, receivedAt: '2026-12-01T12:00:00.000Z' });
      await store.createCase(newCase(older));
      await store.createCase(newCase({ ...newer, slaStatus: 'at_risk' }));
      expect(await store.listQueues([queue, `q-${unique()}`])).toEqual([
        { queue, depth: 2, oldestReceivedAt: '2026-12-01T10:00:00.000Z', atRisk: 1, breached: 0 },
        { queue: expect.any(String), depth: 0, atRisk: 0, breached: 0 },
      ]);
      const claimed = await claimAll(queue);
      expect(claimed).toHaveLength(2);
      const breached = claimed.find((kase) => kase.caseId === newer.caseId);
      if (!breached) throw new Error('the at-risk case was not claimed');
      await store.applyRevision(
        {
          before: breached,
          after: { ...breached, slaStatus: 'breached', version: breached.version + 1 },
          events: [],
        },
        [],
      );
      expect(await store.listQueues([queue])).toEqual([{ queue, depth: 0, atRisk: 0, breached: 1 }]);
    });

    it('writes a revision only at the version read, with its events, messages and thread keys', async () => {
      const kase = make();
      await store.createCase(newCase(kase));
      const replyKey = `msg:our-reply-${unique()}@desk.example`;
      const outbound: CaseMessage = {
        ...messageOf(kase, `<our-reply-${unique()}@desk.example>`),
        direction: 'outbound',
        receivedAt: '2026-12-01T16:00:00.000Z',
        author: 'alice',
      };
      const revision = {
        before: kase,
        after: { ...kase, version: kase.version + 1, messageCount: 2 },
        events: [{ at: '2026-12-01T16:00:00.000Z', type: 'replied', actor: 'alice', detail: {} }],
        messages: [outbound],
        threadKeys: [replyKey],
      };
      expect(await store.applyRevision(revision, [])).toBe('applied');
      expect(await store.applyRevision(revision, [])).toBe('conflict');
      const view = await store.getCase(kase.caseId);
      expect(view?.messages.map((message) => message.direction)).toEqual(['inbound', 'outbound']);
      expect(view?.history.map((event) => event.type)).toEqual(['case_created', 'replied']);
      expect(await store.findCaseIdByThread([replyKey])).toBe(kase.caseId);
    });

    it('writes several cases all together or not at all', async () => {
      const first = make();
      const second = make();
      await store.createCase(newCase(first));
      await store.createCase(newCase(second));
      const stale = { ...second, version: second.version + 5 };
      const outcome = await store.applyRevisions(
        [
          { before: first, after: { ...first, version: first.version + 1, state: 'merged' }, events: [] },
          { before: stale, after: { ...stale, version: stale.version + 1 }, events: [] },
        ],
        [],
      );
      expect(outcome).toBe('conflict');
      expect((await store.getCaseRecord(first.caseId))?.state).toBe('queued');
      expect(
        await store.applyRevisions(
          [
            {
              before: first,
              after: { ...first, version: 2, state: 'merged', mergedInto: second.caseId },
              events: [],
            },
            { before: second, after: { ...second, version: 2 }, events: [] },
          ],
          [],
        ),
      ).toBe('applied');
      expect(await store.getCaseRecord(first.caseId)).toMatchObject({
        state: 'merged',
        mergedInto: second.caseId,
      });
    });

    it('lists cases by assignee and by queue and state, a page at a time', async () => {
      const queue = `q-${unique()}`;
      const cases = Array.from({ length: 5 }, (_, index) =>
        make({ queue, receivedAt: `2026-12-01T1${index}:00:00.000Z` }),
      );
      for (const kase of cases) await store.createCase(newCase(kase));
      const queuedPages: string[][] = [];
      let cursor: string | undefined;
      do {
        const page = await store.listCases(
          { queue, state: 'queued' },
          { limit: 2, ...(cursor ? { cursor } : {}) },
        );
        queuedPages.push(page.cases.map((kase) => kase.caseId));
        cursor = page.nextCursor;
      } while (cursor);
      expect(queuedPages.flat()).toEqual(cases.map((kase) => kase.caseId));
      expect(queuedPages[0]).toHaveLength(2);

      const holder = `agent-${unique()}`;
      const now = new Date('2026-12-01T16:00:00.000Z');
      for (const kase of cases.slice(0, 3)) {
        const claimed = claimRevision(kase, staff(holder), now, 60_000);
        expect(
          await store.applyRevision({ before: kase, after: claimed.after, events: claimed.events }, []),
        ).toBe('applied');
      }
      const mine = await store.listCases({ assignee: holder }, { limit: 10 });
      expect(mine.cases.map((kase) => kase.caseId)).toEqual(cases.slice(0, 3).map((kase) => kase.caseId));
      expect(mine.nextCursor).toBeUndefined();
      const held = await store.listCases({ queue, state: 'claimed' }, { limit: 2 });
      expect(held.cases).toHaveLength(2);
      expect(held.nextCursor).toBeDefined();
      const rest = await store.listCases(
        { queue, state: 'claimed' },
        { limit: 2, cursor: held.nextCursor ?? '' },
      );
      expect([...held.cases, ...rest.cases].map((kase) => kase.caseId).sort()).toEqual(
        cases
          .slice(0, 3)
          .map((kase) => kase.caseId)
          .sort(),
      );
      expect((await store.listCases({ queue, state: 'queued' }, { limit: 10 })).cases).toHaveLength(2);
    });

    it('refuses a cursor it did not hand out', async () => {
      await expect(store.listCases({ assignee: 'x' }, { limit: 5, cursor: 'not-a-cursor' })).rejects.toThrow(
        InvalidCursorError,
      );
      // Under 1,024 characters, over DynamoDB's 1,024 bytes for a sort key.
      const wide = Buffer.from(JSON.stringify({ s: 'é'.repeat(700), c: 'AAAAAAAAAA' })).toString('base64url');
      for (const query of [{ assignee: 'x' }, { queue: `q-${unique()}`, state: 'queued' as const }]) {
        await expect(store.listCases(query, { limit: 5, cursor: wide })).rejects.toThrow(InvalidCursorError);
      }
    });

    it('keeps outbox entries until sent, oldest first, each held by one sender and never reset', async () => {
      const kase = make();
      await store.createCase(newCase(kase));
      const entry = (id: string, createdAt: string): OutboxEntry => ({
        entryId: id,
        caseId: kase.caseId,
        kind: 'reply',
        mail: { to: ['maria@example.com'], subject: 'Re: refill', text: 'On its way.', headers: {} },
        createdAt,
      });
      const later = entry(`reply-${unique()}`, '2026-12-01T16:05:00.000Z');
      const earlier = entry(`reply-${unique()}`, '2026-12-01T16:00:00.000Z');
      const after = { ...kase, version: kase.version + 1 };
      expect(await store.applyRevision({ before: kase, after, events: [] }, [later, earlier])).toBe(
        'applied',
      );
      const listed = (await store.listOutbox(100)).filter((item) => item.caseId === kase.caseId);
      expect(listed).toEqual([earlier, later]);
      const now = new Date('2026-12-01T16:10:00.000Z');
      expect(await store.claimOutboxEntry(earlier.entryId, now, 60_000)).toBe(true);
      expect(await store.claimOutboxEntry(earlier.entryId, now, 60_000)).toBe(false);
      await store.markOutboxEntrySent(earlier.entryId, { at: now.toISOString(), providerMessageId: 'ses-1' });
      expect((await store.listOutbox(100)).map((item) => item.entryId)).not.toContain(earlier.entryId);
      expect(
        await store.claimOutboxEntry(earlier.entryId, new Date('2026-12-02T00:00:00.000Z'), 60_000),
      ).toBe(false);
      // A retried write of a sent entry must not bring it back.
      expect(
        await store.applyRevision(
          { before: after, after: { ...after, version: after.version + 1 }, events: [] },
          [earlier],
        ),
      ).toBe('conflict');
    });

    it('lists the outbox a page at a time after a given entry, so a sender can page past entries it cannot send', async () => {
      const kase = make();
      await store.createCase(newCase(kase));
      // 1970: older than any other test's entry, so these three are the first after `start`.
      const entry = (second: number): OutboxEntry => ({
        entryId: `reply-${unique()}-${second}`,
        caseId: kase.caseId,
        kind: 'reply',
        mail: { to: ['maria@example.com'], subject: 'Re: refill', text: 'On its way.', headers: {} },
        createdAt: `1970-01-01T00:00:0${second}.000Z`,
      });
      const [first, second, third] = [entry(1), entry(2), entry(3)] as [
        OutboxEntry,
        OutboxEntry,
        OutboxEntry,
      ];
      expect(
        await store.applyRevision(
          { before: kase, after: { ...kase, version: kase.version + 1 }, events: [] },
          [third, first, second],
        ),
      ).toBe('applied');
      const start = { ...first, entryId: 'start', createdAt: '1970-01-01T00:00:00.000Z' };
      expect(await store.listOutbox(2, start)).toEqual([first, second]);
      expect((await store.listOutbox(2, second))[0]).toEqual(third);
      expect((await store.listOutbox(100, first)).map((item) => item.entryId)).not.toContain(first.entryId);
    });

    it('writes an entry held for its sender: nobody can claim it before the hold ends, and it lists without the hold', async () => {
      const kase = make();
      const held: OutboxEntry = {
        entryId: `reply-${unique()}`,
        caseId: kase.caseId,
        kind: 'reply',
        mail: { to: ['maria@example.com'], subject: 'Re: refill', text: 'On its way.', headers: {} },
        createdAt: '2026-12-01T16:00:00.000Z',
        heldUntil: '2026-12-01T16:05:00.000Z',
      };
      await store.createCase({ ...newCase(kase), outbox: [held] });
      const { heldUntil: _hold, ...listedAs } = held;
      expect((await store.listOutbox(100)).filter((item) => item.entryId === held.entryId)).toEqual([
        listedAs,
      ]);
      expect(await store.claimOutboxEntry(held.entryId, new Date('2026-12-01T16:04:59.000Z'), 60_000)).toBe(
        false,
      );
      expect(await store.claimOutboxEntry(held.entryId, new Date('2026-12-01T16:05:01.000Z'), 60_000)).toBe(
        true,
      );
    });

    it('opens a case without its outbox entry when an entry of that id exists already, and says so', async () => {
      const entryId = `acknowledgement#shared-${unique()}`;
      const entry = (caseId: string): OutboxEntry => ({
        entryId,
        caseId,
        kind: 'acknowledgement',
        mail: { to: ['maria@example.com'], subject: 'We got it', text: 'Thanks.', headers: {} },
        createdAt: '2026-12-01T15:00:05.000Z',
        heldUntil: '2026-12-01T15:05:05.000Z',
      });
      const first = make();
      const second = make();
      expect(await store.createCase({ ...newCase(first), outbox: [entry(first.caseId)] })).toEqual({
        outcome: 'created',
        acknowledged: true,
      });
      expect(await store.createCase({ ...newCase(second), outbox: [entry(second.caseId)] })).toEqual({
        outcome: 'created',
        acknowledged: false,
      });
      expect((await store.listOutbox(100)).filter((item) => item.entryId === entryId)).toEqual([
        expect.objectContaining({ caseId: first.caseId }),
      ]);
      expect(
        await store.markOutboxEntrySent(`no-such-entry-${unique()}`, { at: '2026-12-01T15:00:06.000Z' }),
      ).toBe(false);
    });

    it('acknowledges a sender once per guard window and still opens the case when the guard is held', async () => {
      const guardKey = `ack:${unique()}@example.com`;
      const withAck = (kase: Case, until: string): Partial<NewCase> => ({
        outbox: [
          {
            entryId: `ack-${kase.caseId}`,
            caseId: kase.caseId,
            kind: 'acknowledgement',
            mail: {
              to: ['maria@example.com'],
              subject: `[${kase.reference}]`,
              text: 'Received.',
              headers: {},
            },
            createdAt: kase.createdAt,
          },
        ],
        acknowledgementGuard: { key: guardKey, until },
      });
      const first = { ...make(), createdAt: '2026-12-01T16:00:00.000Z' };
      const second = { ...make(), createdAt: '2026-12-01T16:05:00.000Z' };
      const third = { ...make(), createdAt: '2026-12-01T16:11:00.000Z' };
      expect(await store.createCase(newCase(first, withAck(first, '2026-12-01T16:10:00.000Z')))).toEqual({
        outcome: 'created',
        acknowledged: true,
      });
      expect(await store.createCase(newCase(second, withAck(second, '2026-12-01T16:15:00.000Z')))).toEqual({
        outcome: 'created',
        acknowledged: false,
      });
      expect(await store.createCase(newCase(third, withAck(third, '2026-12-01T16:21:00.000Z')))).toEqual({
        outcome: 'created',
        acknowledged: true,
      });
      const entries = (await store.listOutbox(500)).map((item) => item.entryId);
      expect(entries).toContain(`ack-${first.caseId}`);
      expect(entries).not.toContain(`ack-${second.caseId}`);
      expect(await store.getCaseRecord(second.caseId)).toMatchObject({ caseId: second.caseId });
    });

    it('lists the earliest due timers first, across the timer shards, when more are due than asked for', async () => {
      const cases = Array.from({ length: 12 }, (_, index) => ({
        ...make(),
        nextTimerAt: `1999-01-01T00:00:${String(10 + index).padStart(2, '0')}.000Z`,
      }));
      for (const kase of [...cases].reverse()) await store.createCase(newCase(kase));

      const due = await store.listDueTimers(new Date('1999-06-01T00:00:00.000Z'), 3);

      expect(due.map((kase) => kase.caseId)).toEqual(cases.slice(0, 3).map((kase) => kase.caseId));
    });

    it('lists the cases whose next timer is due', async () => {
      const due = { ...make(), nextTimerAt: '2000-01-01T00:00:00.000Z' };
      const later = { ...make(), nextTimerAt: '2999-01-01T00:00:00.000Z' };
      await store.createCase(newCase(due));
      await store.createCase(newCase(later));
      const ids = (await store.listDueTimers(new Date('2001-01-01T00:00:00.000Z'), 1_000)).map(
        (kase) => kase.caseId,
      );
      expect(ids).toContain(due.caseId);
      expect(ids).not.toContain(later.caseId);
    });
  });
}
