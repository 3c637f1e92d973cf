import type { QueueEntry } from '../../domain/ports.js';

/** One read of a queue from the index, in queue order. */
export interface HeadRead {
  cases: QueueEntry[];
  /** The order key up to which this read is the queue; undefined when it reached the queue's end. */
  cutoff?: string;
}

/**
 * Reads the queue from its start, or after an order key; `glance` asks for a short read (the top
 * read again only to see what arrived there).
 */
export type HeadReader = (queue: string, after: string | undefined, glance: boolean) => Promise<HeadRead>;

interface QueueHead {
  /** In queue order. */
  cases: QueueEntry[];
  /** The order key up to which `cases` is the whole queue; undefined when it is all of it. */
  horizon?: string;
  refreshedAt: number;
  refreshes: number;
  /** The read in flight (one at a time per queue), and whether it starts from the top. */
  pending?: { read: Promise<void>; top: boolean };
}

export interface QueueHeadOptions {
  /** How long a read of the top may serve claims before it is read again (in the background). */
  ttlMs: number;
  now?: () => number;
}

/**
 * The head of each queue as one store instance knows it, so concurrent claims in one process
 * (local mode's staff API, a container serving a burst) share reads instead of each querying
 * every shard for every claim. The top is read again, in the background, once it is older than
 * `ttlMs` (a case that arrives at the top is seen within that time); when the cases left run low,
 * the next part of the queue is read after the last one known, so each case is read about once.
 * Cases this instance is claiming are reserved, so two claims here never try the same case, and
 * cases it saw taken stay out for a while (an index read in flight may still list them).
 */
export class QueueHeadCache {
  readonly #read: HeadReader;
  readonly #orderKey: (kase: QueueEntry) => string;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #heads = new Map<string, QueueHead>();
  readonly #reserved = new Set<string>();
  /** Cases seen taken, at which version, until when (a case queued again has a newer version). */
  readonly #taken = new Map<string, { version: number; until: number }>();

  constructor(read: HeadReader, orderKey: (kase: QueueEntry) => string, options: QueueHeadOptions) {
    this.#read = read;
    this.#orderKey = orderKey;
    this.#ttlMs = options.ttlMs;
    this.#now = options.now ?? (() => performance.now());
  }

  /**
   * The cases of the queue's head nobody here is claiming, and whether they are the whole queue.
   * `fresh` waits for a read of the top begun now (an answer of "nothing there" must come from one).
   */
  async open(
    queue: string,
    fresh: boolean,
  ): Promise<{ cases: QueueEntry[]; complete: boolean; low: boolean }> {
    let head = this.#heads.get(queue);
    const age = head ? this.#now() - head.refreshedAt : Number.POSITIVE_INFINITY;
    if (!head || fresh || age > 2 * this.#ttlMs) {
      // No head, or one too old to choose from (a container that claims now and then): read it first.
      await this.#refresh(queue, true);
      head = this.#heads.get(queue);
    } else if (age > this.#ttlMs && !head.pending) {
      // Aging while claims keep coming: read it again in the background, the claims go on meanwhile.
      this.#refresh(queue, true).catch(() => undefined);
    }
    if (!head) return { cases: [], complete: false, low: true };
    const cases = head.cases.filter((kase) => !this.#reserved.has(kase.caseId) && !this.#recentlyTaken(kase));
    return {
      cases,
      complete: head.horizon === undefined,
      low: cases.length < Math.max(8, head.cases.length / 4),
    };
  }

  /** Reads the next part of the queue, after the last case known (in the background when not awaited). */
  async extend(queue: string): Promise<void> {
    const head = this.#heads.get(queue);
    if (!head) return this.#refresh(queue, true);
    if (head.horizon === undefined) return;
    if (head.pending) {
      // A read further down in flight serves; after a read of the top, read further down then.
      if (!head.pending.top) return head.pending.read;
      await head.pending.read.catch(() => undefined);
      return this.extend(queue);
    }
    const after = head.horizon;
    const read = this.#read(queue, after, false).then((more) => {
      const current = this.#heads.get(queue);
      if (!current || current.horizon !== after) return;
      current.cases = [...current.cases, ...more.cases.filter((kase) => this.#orderKey(kase) > after)];
      current.horizon = more.cutoff;
    });
    return this.#track(queue, head, read, false);
  }

  async #refresh(queue: string, fresh: boolean): Promise<void> {
    const head = this.#heads.get(queue);
    // A read of the top in flight serves; a read further down does not answer "what is at the top".
    if (head?.pending && (head.pending.top || !fresh)) return head.pending.read;
    if (head?.pending) await head.pending.read.catch(() => undefined);
    // With cases still known beyond the top, a glance at the top shows what arrived there (a case
    // that sorts below the glance waits at most a few refreshes: every fourth one reads the whole head).
    const glance = (head?.cases.length ?? 0) > 0 && (head?.refreshes ?? 0) % 4 !== 3;
    const read = this.#read(queue, undefined, glance).then((top) => {
      const current = this.#heads.get(queue) ?? { cases: [], refreshedAt: 0, refreshes: 0 };
      const { cutoff } = top;
      // Keep what was known beyond the new read: it is still the queue's order.
      const beyond =
        cutoff === undefined ? [] : current.cases.filter((kase) => this.#orderKey(kase) > cutoff);
      const last = beyond.at(-1);
      // The horizon never moves back: what was read up to it is still known, less what was claimed.
      const horizon =
        cutoff === undefined
          ? undefined
          : current.horizon !== undefined && current.horizon > cutoff
            ? current.horizon
            : last && this.#orderKey(last) > cutoff
              ? this.#orderKey(last)
              : cutoff;
      this.#heads.set(queue, {
        cases: [...top.cases, ...beyond],
        ...(horizon === undefined ? {} : { horizon }),
        refreshedAt: this.#now(),
        refreshes: current.refreshes + 1,
      });
    });
    return this.#track(queue, head ?? { cases: [], refreshedAt: 0, refreshes: 0 }, read, true);
  }

  async #track(queue: string, head: QueueHead, read: Promise<void>, top: boolean): Promise<void> {
    const pending = { read, top };
    head.pending = pending;
    if (!this.#heads.has(queue)) this.#heads.set(queue, head);
    try {
      await read;
    } catch (error) {
      this.#heads.delete(queue);
      throw error;
    } finally {
      const current = this.#heads.get(queue);
      if (current?.pending === pending) delete current.pending;
    }
  }

  /** Takes a case for one claim in this instance; false when another claim here has it. */
  reserve(caseId: string): boolean {
    if (this.#reserved.has(caseId)) return false;
    this.#reserved.add(caseId);
    return true;
  }

  release(caseId: string): void {
    this.#reserved.delete(caseId);
  }

  /** A case claimed (here or, as a failed write showed, elsewhere) at this version leaves the head. */
  forget(queue: string, entry: Pick<QueueEntry, 'caseId' | 'version'>): void {
    const head = this.#heads.get(queue);
    if (head) head.cases = head.cases.filter((kase) => kase.caseId !== entry.caseId);
    const now = this.#now();
    this.#taken.set(entry.caseId, { version: entry.version, until: now + 4 * this.#ttlMs });
    if (this.#taken.size > 10_000) {
      for (const [id, taken] of this.#taken) if (taken.until < now) this.#taken.delete(id);
    }
  }

  #recentlyTaken(entry: QueueEntry): boolean {
    const taken = this.#taken.get(entry.caseId);
    return taken !== undefined && entry.version <= taken.version && taken.until >= this.#now();
  }
}
