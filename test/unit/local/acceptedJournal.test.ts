import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chatLineMessage } from '../../../lambdas/domain/ingest/acceptChat.js';
import type { FaxJob } from '../../../lambdas/domain/ingest/acceptFax.js';
import {
  type AcceptedJournal,
  FileAcceptedJournal,
  InMemoryAcceptedJournal,
  type JournalEntry,
  JournalError,
  journaledFaxJobQueue,
  journaledInboundQueue,
  journalKeyOf,
} from '../../../lambdas/local/acceptedJournal.js';
import { claimDataDirectory, DataDirectoryInUseError } from '../../../lambdas/local/dataDirectory.js';
import { MemoryFaxJobQueue, MemoryInboundQueue } from '../../helpers/channelFakes.js';

const entry = (key: string, acceptedAt: string): JournalEntry => ({
  key,
  channel: 'email',
  receivedAt: '2026-11-27T16:00:00.000Z',
  sourceId: `local-${key}`,
  acceptedAt,
});

describe('accepted-message journal', () => {
  const directories: string[] = [];
  const directory = () => {
    const created = mkdtempSync(path.join(tmpdir(), 'cr-journal-'));
    directories.push(created);
    return created;
  };
  afterEach(() => {
    for (const created of directories.splice(0)) rmSync(created, { recursive: true, force: true });
  });

  it.each([
    ['on disk', () => new FileAcceptedJournal(directory())],
    ['in memory', () => new InMemoryAcceptedJournal()],
  ])('keeps entries %s until settled, oldest first', async (_kind, create) => {
    const journal = create();

    await journal.record(entry('email/b', '2026-11-27T16:00:02.000Z'));
    await journal.record(entry('email/a', '2026-11-27T16:00:01.000Z'));
    await journal.record(entry('email/c', '2026-11-27T16:00:03.000Z'));
    await journal.settle('email/c');
    await journal.settle('email/unknown');

    expect((await journal.pending()).map((pending) => pending.key)).toEqual(['email/a', 'email/b']);
  });

  it('reads back what another instance wrote (a restart) and drops a write the kill cut short', async () => {
    const folder = directory();
    await new FileAcceptedJournal(folder).record(entry('email/a', '2026-11-27T16:00:01.000Z'));
    writeFileSync(path.join(folder, 'deadbeef.json.tmp'), '{"key":');

    const pending = await new FileAcceptedJournal(folder).pending();

    expect(pending).toEqual([entry('email/a', '2026-11-27T16:00:01.000Z')]);
    expect(readdirSync(folder).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('records the same key from concurrent deliveries (a retried chat event racing itself) without failing', async () => {
    const folder = directory();
    const journal = new FileAcceptedJournal(folder);

    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => journal.record(entry('chat#line-1', '2026-11-27T16:00:01.000Z'))),
    );

    expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
    expect(await new FileAcceptedJournal(folder).pending()).toEqual([
      entry('chat#line-1', '2026-11-27T16:00:01.000Z'),
    ]);
    expect(readdirSync(folder).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses a damaged entry instead of dropping an accepted message', async () => {
    const folder = directory();
    writeFileSync(path.join(folder, 'damaged.json'), JSON.stringify({ key: 'email/x', channel: 'pigeon' }));

    await expect(new FileAcceptedJournal(folder).pending()).rejects.toBeInstanceOf(JournalError);
  });

  it('rejects an entry without a receipt time', async () => {
    await expect(
      new InMemoryAcceptedJournal().record({
        ...entry('email/a', '2026-11-27T16:00:01.000Z'),
        receivedAt: 'yesterday',
      }),
    ).rejects.toThrow();
  });

  it('keys a routed message by its raw original, or by channel and provider id', () => {
    expect(journalKeyOf({ channel: 'email', externalId: '<a@b>', rawBlobKey: 'email/local-1' })).toBe(
      'email/local-1',
    );
    expect(journalKeyOf({ channel: 'chat', externalId: 'evt-9' })).toBe('chat#evt-9');
  });

  const chatLine = chatLineMessage({
    source: 'widget',
    conversationId: 'conv-7',
    lineId: 'm1',
    role: 'member',
    event: 'message',
    text: 'Where is my order?',
    receivedAt: new Date('2026-03-02T15:14:00.000Z'),
    member: { name: 'Dana Lee', email: 'dana@example.com' },
    outsideChatHours: false,
    rawBlobKey: 'chat/widget/conv-7/events/m1.json',
  });
  const faxJob: FaxJob = {
    fax: {
      provider: 'telnyx',
      faxId: 'fax-1',
      receivedAt: '2026-03-02T15:14:02.000Z',
      partialContent: false,
    },
    documentKey: 'fax/telnyx/fax-1/document',
    mediaType: 'application/pdf',
    documentBytes: 1_234,
  };

  it('journals a chat line with the message itself before queueing it, keyed as the route stage settles it', async () => {
    const journal = new FileAcceptedJournal(directory());
    const queue = new MemoryInboundQueue();

    await journaledInboundQueue(journal, queue).enqueue(chatLine);

    expect(queue.messages).toEqual([chatLine]);
    const [pending] = await journal.pending();
    expect(pending).toMatchObject({
      key: journalKeyOf(chatLine),
      channel: 'chat',
      receivedAt: chatLine.receivedAt,
      replay: { kind: 'inbound', message: chatLine },
    });
  });

  it('journals a fax job under its document key, which the fax message routed later names', async () => {
    const journal = new FileAcceptedJournal(directory());
    const jobs = new MemoryFaxJobQueue();

    await journaledFaxJobQueue(journal, jobs).enqueue(faxJob);

    expect(jobs.jobs).toEqual([faxJob]);
    expect(await journal.pending()).toEqual([
      expect.objectContaining({
        key: 'fax/telnyx/fax-1/document',
        channel: 'fax',
        receivedAt: faxJob.fax.receivedAt,
        replay: { kind: 'faxJob', job: faxJob },
      }),
    ]);
    expect(journalKeyOf({ channel: 'fax', externalId: 'telnyx:fax-1', rawBlobKey: faxJob.documentKey })).toBe(
      'fax/telnyx/fax-1/document',
    );
  });

  it('queues nothing when the journal cannot record the entry (no 202 without it)', async () => {
    const broken: AcceptedJournal = {
      record: async () => {
        throw new JournalError('disk full');
      },
      settle: async () => {},
      pending: async () => [],
    };
    const queue = new MemoryInboundQueue();
    const jobs = new MemoryFaxJobQueue();

    await expect(journaledInboundQueue(broken, queue).enqueue(chatLine)).rejects.toBeInstanceOf(JournalError);
    await expect(journaledFaxJobQueue(broken, jobs).enqueue(faxJob)).rejects.toBeInstanceOf(JournalError);
    expect(queue.messages).toEqual([]);
    expect(jobs.jobs).toEqual([]);
  });

  it('lets one local mode at a time use a data folder and takes over the lock of a killed one', async () => {
    const folder = directory();
    writeFileSync(path.join(folder, 'local-mode.pid'), String(process.ppid));

    await expect(claimDataDirectory(folder)).rejects.toBeInstanceOf(DataDirectoryInUseError);

    writeFileSync(path.join(folder, 'local-mode.pid'), '999999999');
    const claim = await claimDataDirectory(folder);
    await claim.release();
    expect(readdirSync(folder)).toEqual([]);
  });

  it('keeps the data folder to its owner: 0700, and journal entries (PHI) 0600', async () => {
    const folder = path.join(directory(), 'data');
    const claim = await claimDataDirectory(folder);
    const journal = new FileAcceptedJournal(path.join(folder, 'journal'));
    await journal.record(entry('chat#line-1', '2026-11-27T16:00:01.000Z'));

    const mode = (file: string) => statSync(file).mode & 0o777;
    expect(mode(folder)).toBe(0o700);
    expect(mode(path.join(folder, 'journal'))).toBe(0o700);
    for (const name of readdirSync(path.join(folder, 'journal'))) {
      expect(mode(path.join(folder, 'journal', name))).toBe(0o600);
    }
    await claim.release();
  });
});
