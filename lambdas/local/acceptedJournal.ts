import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { ChannelSchema, type InboundMessage, InboundMessageSchema } from '../domain/inboundMessage.js';
import { type FaxJob, type FaxJobQueue, FaxJobSchema } from '../domain/ingest/acceptFax.js';
import type { InboundQueue } from '../domain/ports.js';

/**
 * Local mode's record of what it acknowledged (202) and has not yet routed into a case.
 *
 * Why: the inbound queue lives in fauxqs, in memory. A message the gateway answered 202 for sits
 * in that queue until the route stage has recorded it; a killed process would lose it. So the
 * gateway writes an entry here (fsynced) before it answers, the poller settles it once the route
 * stage reports the record done, and at start-up every entry still here is replayed into the
 * pipeline. Replays are safe: the route stage keeps one case per inbound key, so a message that
 * had become a case just before the kill is recognised as a duplicate and settled.
 *
 * E-mail is replayed from its raw object (the bucket keeps it). A chat line or a form submission
 * has no raw form the pipeline can start from again (a chat event's signature headers are gone),
 * so its entry keeps the normalized message itself; a fax keeps its OCR job (the document is in the
 * bucket). Both are written by the queue wrappers below, before the use case returns its 202.
 *
 * In AWS nothing of this exists: SES's S3 action and SQS are durable before SES accepts the mail,
 * and API Gateway answers a webhook only after its Lambda has queued the message.
 */
export const JournalReplaySchema = z.discriminatedUnion('kind', [
  /** Queue this message for routing again (chat, form). */
  z.object({ kind: z.literal('inbound'), message: InboundMessageSchema }),
  /** Hand this job to the OCR step again (fax webhooks and fax-to-email). */
  z.object({ kind: z.literal('faxJob'), job: FaxJobSchema }),
]);
export type JournalReplay = z.infer<typeof JournalReplaySchema>;

export const JournalEntrySchema = z.object({
  /** What settles the entry: the message's raw key (see {@link journalKeyOf}). */
  key: z.string().min(1).max(2_048),
  channel: ChannelSchema,
  /** The receipt time the replay must reuse: regulatory clocks start there. */
  receivedAt: z.iso.datetime({ offset: true }),
  /** The channel's own id for the delivery (for e-mail: the SES-style message id of the raw object). */
  sourceId: z.string().min(1).max(1_024),
  acceptedAt: z.iso.datetime({ offset: true }),
  /** E-mail: the envelope recipients it was accepted for (fax-to-email depends on them), replayed with it. */
  recipients: z.array(z.string().max(320)).max(50).optional(),
  /** What to hand the pipeline again at start-up; absent for e-mail (its raw object is replayed). */
  replay: JournalReplaySchema.optional(),
});
export type JournalEntry = z.infer<typeof JournalEntrySchema>;

/** The journal key of a routed message: its raw original's key, or its channel and provider id. */
export function journalKeyOf(message: Pick<InboundMessage, 'channel' | 'externalId' | 'rawBlobKey'>): string {
  return message.rawBlobKey ?? `${message.channel}#${message.externalId}`;
}

/** The journal key of a fax job: the document's key, which the fax's routed message names as its raw key. */
export function journalKeyOfFaxJob(job: FaxJob): string {
  return job.documentKey;
}

export interface AcceptedJournal {
  /** Durable when it resolves: the caller may acknowledge the sender. */
  record(entry: JournalEntry): Promise<void>;
  /** The message is a case, joined a case, was quarantined or parked with a reason. */
  settle(key: string): Promise<void>;
  /** Entries not yet settled, oldest acceptance first. */
  pending(): Promise<JournalEntry[]>;
}

export class JournalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JournalError';
  }
}

/** For `--in-memory` runs and tests: the same contract, nothing survives the process. */
export class InMemoryAcceptedJournal implements AcceptedJournal {
  readonly #entries = new Map<string, JournalEntry>();

  async record(entry: JournalEntry): Promise<void> {
    this.#entries.set(entry.key, JournalEntrySchema.parse(entry));
  }

  async settle(key: string): Promise<void> {
    this.#entries.delete(key);
  }

  async pending(): Promise<JournalEntry[]> {
    return [...this.#entries.values()].sort((a, b) => a.acceptedAt.localeCompare(b.acceptedAt));
  }
}

/** One small JSON file per accepted message, written to a temporary name, fsynced, then renamed. */
export class FileAcceptedJournal implements AcceptedJournal {
  readonly #directory: string;

  constructor(directory: string) {
    this.#directory = directory;
  }

  #file(key: string): string {
    return path.join(this.#directory, `${createHash('sha256').update(key).digest('hex')}.json`);
  }

  async record(entry: JournalEntry): Promise<void> {
    const checked = JournalEntrySchema.parse(entry);
    await mkdir(this.#directory, { recursive: true, mode: 0o700 });
    const file = this.#file(checked.key);
    // A temporary name of its own: two deliveries of one message (a retried chat event racing the
    // first) record the same key at once, and a shared name made every rename but one fail.
    const temporary = `${file}.${randomUUID()}.tmp`;
    const handle = await open(temporary, 'w', 0o600); // the entry may hold a message's text (PHI)
    try {
      await handle.writeFile(JSON.stringify(checked));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
    await syncDirectory(this.#directory);
  }

  async settle(key: string): Promise<void> {
    await rm(this.#file(key), { force: true });
  }

  async pending(): Promise<JournalEntry[]> {
    let names: string[];
    try {
      names = await readdir(this.#directory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const entries: JournalEntry[] = [];
    for (const name of names) {
      const file = path.join(this.#directory, name);
      if (name.endsWith('.tmp')) {
        // A write the kill interrupted before its rename: never acknowledged, so nothing owed.
        await rm(file, { force: true });
        continue;
      }
      if (!name.endsWith('.json')) continue;
      const parsed = JournalEntrySchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
      if (!parsed.success)
        throw new JournalError(`journal entry ${file} is damaged: ${parsed.error.message}`);
      entries.push(parsed.data);
    }
    return entries.sort((a, b) => a.acceptedAt.localeCompare(b.acceptedAt));
  }
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * The inbound queue of a channel use case (chat, form), journaling each message before it is
 * queued: the use case answers 202 only after `enqueue` resolves, so nothing it acknowledged is
 * lost to a kill before routing. The route stage's poller settles the entry by the same key.
 */
export function journaledInboundQueue(journal: AcceptedJournal, inner: InboundQueue): InboundQueue {
  return {
    enqueue: async (message) => {
      await journal.record({
        key: journalKeyOf(message),
        channel: message.channel,
        receivedAt: message.receivedAt,
        sourceId: message.externalId.slice(0, 1_024),
        acceptedAt: new Date().toISOString(),
        replay: { kind: 'inbound', message },
      });
      await inner.enqueue(message);
    },
  };
}

/**
 * The fax job queue of the fax webhook and fax-to-email, journaling each job before it goes to
 * the OCR step. The entry settles when the fax's message is routed (its raw key is the document's).
 */
export function journaledFaxJobQueue(journal: AcceptedJournal, inner: FaxJobQueue): FaxJobQueue {
  return {
    enqueue: async (job) => {
      await journal.record({
        key: journalKeyOfFaxJob(job),
        channel: 'fax',
        receivedAt: job.fax.receivedAt,
        sourceId: `${job.fax.provider}:${job.fax.faxId}`.slice(0, 1_024),
        acceptedAt: new Date().toISOString(),
        replay: { kind: 'faxJob', job },
      });
      await inner.enqueue(job);
    },
  };
}
