import type { Case } from '../../domain/cases/caseRecord.js';
import type { ClaimRequest, QueueEntry } from '../../domain/ports.js';
import { CaseStoreError } from './CaseStoreError.js';

/** A queued case as the queue's index lists it (whole, as of that read), with its order key. */
export interface HeadEntry {
  key: string;
  entry: Case;
}

/** One read of a queue, in queue order. */
export interface HeadRead {
  entries: HeadEntry[];
  /** The order key up to which this read is the whole queue; undefined when it reached the queue's end. */
  cutoff?: string;
}

/** One claimer's chosen case (as the head read it) and the domain's claim of it. */
export interface ClaimWrite {
  entry: Case;
  take: ClaimRequest['take'];
}

/**
 * How far a read reaches: `glance` a short read of the top (what arrived there, what others took;
 * `atLeast` cases where nothing is known yet, enough for those waiting), `head` a longer one, `more`
 * the stretch after an order key.
 */
export type HeadReach =
  | { reach: 'glance'; atLeast?: number }
  | { reach: 'head' }
  | { reach: 'more'; after: string };

/** What the dispatcher needs of the store. */
export interface ClaimStorage {
  readQueue(queue: string, reach: HeadReach): Promise<HeadRead>;
  /**
   * Takes each chosen case only if it is still queued at the version read, each claim atomic with
   * its history and figures, all in one round; `taken` where the case moved on meanwhile.
   */
  writeClaims(claims: readonly ClaimWrite[]): Promise<(Case | 'taken')[]>;
}

export interface ClaimDispatcherOptions {
  /** Claims written together in one round. */
  maxBatch: number;
  /** Rounds of writes in flight at once, per queue. */
  maxInFlight: number;
  /**
   * A head read this long ago is read again in the background while claims come in; one twice as
   * old (a container that claims now and then) is read again before anyone chooses from it.
   */
  headTtlMs: number;
  /**
   * How many of a claimer's best cases a claim is spread over at random: the claims in flight of
   * this instance never collide (each has its own case); those of other instances rarely do. Wider
   * as races are lost here (up to sixteen times: one lost race cancels a whole round, so it aims
   * at well under one in a round) and for a claimer after each race it lost; narrow keeps the
   * queue's order within a priority (earliest due first).
   */
  spread: number;
  /** Lost races after which a claim gives up. */
  maxLosses: number;
  /** How long a case seen taken stays out of reads made meanwhile (an index can lag the table). */
  takenMemoryMs: number;
  random?: () => number;
  now?: () => number;
}

interface Waiter {
  request: ClaimRequest;
  /** When it asked (again, after a lost race), in the order of this dispatcher's events. */
  askedAt: number;
  losses: number;
  /** What this claimer waits for when the head as known has nothing for them. */
  needs?: 'top' | 'more';
  resolve: (kase: Case | undefined) => void;
  reject: (error: unknown) => void;
}

/** One queue as this instance knows it, and the claims waiting on it. */
interface QueueDesk {
  queue: string;
  /** In queue order, up to the horizon. */
  known: HeadEntry[];
  /** The order key up to which `known` is the whole queue (as of its reads); undefined when it is all of it. */
  horizon?: string;
  /** When the last completed read of the top started (-∞ before the first), and in which order of events. */
  topReadAt: number;
  topReadSequence: number;
  readingTop: boolean;
  readingMore: boolean;
  /** Reads of the top so far: every few is a long one. */
  topReads: number;
  waiting: Waiter[];
  /** Cases in a write in flight from here. */
  reserved: Set<string>;
  /** Cases seen taken, at which version, until when (a case queued again comes back at a newer version). */
  taken: Map<string, { version: number; until: number }>;
  inFlight: number;
  /**
   * The share of recent claims that lost their race (moving average): how much other instances
   * claim from the same part of the head, so how widely to spread (a case in flight elsewhere is
   * invisible here until it is taken).
   */
  lossRate: number;
  /** A pump is due at the end of this turn of the event loop. */
  scheduled: boolean;
}

/**
 * Claim-next for one store instance (a process, a Lambda container), TaskRouter-style: claimers
 * wait in line, and the dispatcher hands each of them a different case of the head as this
 * instance knows it (the domain's choice for that claimer, at random among its best few so that
 * other instances spread over the head too), then writes the claims of everyone waiting together
 * in one round. The write is conditional on each case still being queued at the version chosen,
 * so a head read before someone else claimed can never give a case twice; a claimer who lost a
 * race is served again first, from a wider choice, and the top is read again.
 *
 * The head is read from the top in the background once it is `headTtlMs` old, further down when
 * what is left runs low, and "nothing for you" is answered only from a read of the top that
 * started after the claimer asked.
 */
export class ClaimDispatcher {
  readonly #storage: ClaimStorage;
  readonly #options: ClaimDispatcherOptions;
  readonly #random: () => number;
  readonly #now: () => number;
  readonly #desks = new Map<string, QueueDesk>();
  /** Orders claims and reads: "a read made after the claim asked" does not depend on the clock's resolution. */
  #sequence = 0;

  constructor(storage: ClaimStorage, options: ClaimDispatcherOptions) {
    this.#storage = storage;
    this.#options = options;
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? (() => performance.now());
  }

  claim(request: ClaimRequest): Promise<Case | undefined> {
    const desk = this.#desk(request.queue);
    return new Promise((resolve, reject) => {
      desk.waiting.push({ request, askedAt: ++this.#sequence, losses: 0, resolve, reject });
      this.#schedule(desk);
    });
  }

  #desk(queue: string): QueueDesk {
    let desk = this.#desks.get(queue);
    if (!desk) {
      desk = {
        queue,
        known: [],
        topReadAt: Number.NEGATIVE_INFINITY,
        topReadSequence: 0,
        readingTop: false,
        readingMore: false,
        topReads: 0,
        waiting: [],
        reserved: new Set(),
        taken: new Map(),
        inFlight: 0,
        lossRate: 0,
        scheduled: false,
      };
      this.#desks.set(queue, desk);
    }
    return desk;
  }

  /**
   * Pumps once at the end of this turn of the event loop, so the claimers a round answered, who ask
   * again at once, all join the next round instead of the first of them going alone.
   */
  #schedule(desk: QueueDesk): void {
    if (desk.scheduled) return;
    desk.scheduled = true;
    setImmediate(() => {
      desk.scheduled = false;
      this.#pump(desk);
    });
  }

  /** Serves whoever waits as far as the head and the writes in flight allow; runs again when either changes. */
  #pump(desk: QueueDesk): void {
    if (desk.waiting.length === 0) return;
    const age = this.#now() - desk.topReadAt;
    if (age > this.#options.headTtlMs) this.#readTop(desk);
    if (age > 2 * this.#options.headTtlMs) return;
    while (desk.inFlight < this.#options.maxInFlight && desk.waiting.length > 0) {
      // A lone claim goes at once; with a round in flight, a few stragglers join the next full one
      // instead of taking a round of their own (each round costs the table as much as a full one).
      if (desk.inFlight > 0 && desk.waiting.length < this.#options.maxBatch / 3) break;
      const batch = this.#formBatch(desk);
      if (batch.length === 0) break;
      this.#write(desk, batch);
    }
  }

  #isTaken(desk: QueueDesk, entry: Case, now: number): boolean {
    const taken = desk.taken.get(entry.caseId);
    return taken !== undefined && entry.version <= taken.version && taken.until >= now;
  }

  /** A different case for each waiting claimer, up to a batch; answers those with nothing here. */
  #formBatch(desk: QueueDesk): { waiter: Waiter; entry: Case }[] {
    const now = this.#now();
    const complete = desk.horizon === undefined;
    let available = desk.known
      .filter(({ entry }) => !desk.reserved.has(entry.caseId) && !this.#isTaken(desk, entry, now))
      .map(({ entry }) => entry);
    const availableById = new Map(available.map((entry) => [entry.caseId, entry]));
    const batch: { waiter: Waiter; entry: Case }[] = [];
    const stillWaiting: Waiter[] = [];
    for (const waiter of desk.waiting) {
      if (batch.length >= this.#options.maxBatch) {
        stillWaiting.push(waiter);
        continue;
      }
      let best: QueueEntry[] | undefined;
      try {
        best = waiter.request.choose(available, complete).find((tier) => tier.length > 0);
      } catch (error) {
        waiter.reject(error);
        continue;
      }
      // One lost race cancels the transaction of the whole round: aim well below one in a round.
      const widen = Math.min(16, 1 + 100 * desk.lossRate);
      const spread = this.#options.spread * widen * 2 ** Math.min(waiter.losses, 4);
      const window = Math.min(best?.length ?? 0, Math.ceil(spread));
      const chosen = best?.[Math.floor(this.#random() * window)];
      // The case as read (the choice names one of those offered; anything else is not taken).
      const entry = chosen && availableById.get(chosen.caseId);
      if (entry) {
        delete waiter.needs;
        desk.reserved.add(entry.caseId);
        availableById.delete(entry.caseId);
        available = available.filter((other) => other.caseId !== entry.caseId);
        batch.push({ waiter, entry });
        continue;
      }
      // Nothing here for this claimer: read further down, or the top again, before saying so.
      if (!complete) waiter.needs = 'more';
      else if (desk.topReadSequence < waiter.askedAt) waiter.needs = 'top';
      else if (desk.inFlight === 0 && batch.length === 0) {
        waiter.resolve(undefined);
        continue;
      } else delete waiter.needs; // a case in a write in flight comes back if that write fails
      stillWaiting.push(waiter);
    }
    desk.waiting = stillWaiting;
    const lowWater = 2 * this.#options.maxBatch * this.#options.maxInFlight;
    if (
      stillWaiting.some((waiter) => waiter.needs === 'more') ||
      (!complete && available.length < lowWater)
    ) {
      this.#readMore(desk);
    }
    if (stillWaiting.some((waiter) => waiter.needs === 'top')) this.#readTop(desk);
    return batch;
  }

  #write(desk: QueueDesk, batch: { waiter: Waiter; entry: Case }[]): void {
    desk.inFlight += 1;
    this.#storage
      .writeClaims(batch.map(({ waiter, entry }) => ({ entry, take: waiter.request.take })))
      .then(
        (results) => {
          const now = this.#now();
          const lost: Waiter[] = [];
          batch.forEach(({ waiter, entry }, index) => {
            // Taken here or elsewhere: either way the case at this version has left the queue.
            desk.taken.set(entry.caseId, {
              version: entry.version,
              until: now + this.#options.takenMemoryMs,
            });
            const result = results[index];
            desk.lossRate = 0.9 * desk.lossRate + (result === 'taken' ? 0.1 : 0);
            if (result === undefined) waiter.reject(new CaseStoreError('a claim write gave no answer'));
            else if (result !== 'taken') waiter.resolve(result);
            else if (++waiter.losses >= this.#options.maxLosses) {
              waiter.reject(new CaseStoreError(`claim-next on ${desk.queue} kept losing races`));
            } else {
              // "Nothing for you" after a lost race needs a read made after it.
              waiter.askedAt = ++this.#sequence;
              lost.push(waiter);
            }
          });
          const gone = new Set(batch.map(({ entry }) => entry.caseId));
          desk.known = desk.known.filter(({ entry }) => !gone.has(entry.caseId));
          if (lost.length > 0) {
            // Someone else took cases this instance thought waiting: serve these first, from a fresher head.
            desk.waiting.unshift(...lost);
            if (now - desk.topReadAt > this.#options.headTtlMs / 5) this.#readTop(desk);
          }
        },
        (error: unknown) => {
          for (const { waiter } of batch) waiter.reject(error);
        },
      )
      .finally(() => {
        for (const { entry } of batch) desk.reserved.delete(entry.caseId);
        desk.inFlight -= 1;
        this.#schedule(desk);
      });
  }

  /**
   * Reads the top of the queue. A glance shows what arrived there (the queue's order puts a case of
   * higher priority there, and what waits behind the top reaches it as the top is claimed); what
   * lies further down is read by {@link #readMore}, a stretch at a time, so no read goes over the
   * top again. Where nothing is known yet (the first claims, a drained queue), the glance reaches
   * far enough for everyone waiting: a claim's first answer waits for one short read and a write,
   * not for a long read (on DynamoDB Local a read of the whole head took as long as the write).
   * Where others claim from this queue too (races are lost here), every fourth read reaches
   * further, so what was read further down is never more than a few reads old. Alone, what was
   * read further down changes only by arrivals, which the glance sees once the top is claimed down
   * to them, and by cases that left otherwise, which a lost race reports (and the reads reach
   * further from then on).
   */
  #readTop(desk: QueueDesk): void {
    if (desk.readingTop) return;
    desk.readingTop = true;
    const startedAt = this.#now();
    const sequence = ++this.#sequence;
    const shared = desk.lossRate >= 0.01;
    const reach: HeadReach =
      desk.known.length === 0
        ? { reach: 'glance', atLeast: Math.max(this.#options.maxBatch, 2 * desk.waiting.length) }
        : shared && ++desk.topReads % 4 === 0
          ? { reach: 'head' }
          : { reach: 'glance' };
    this.#storage
      .readQueue(desk.queue, reach)
      .then(
        (read) => this.#mergeTop(desk, read, startedAt, sequence),
        (error: unknown) => {
          const unusable = this.#now() - desk.topReadAt > 2 * this.#options.headTtlMs;
          this.#failWaiting(desk, error, (waiter) => unusable || waiter.needs === 'top');
        },
      )
      .finally(() => {
        desk.readingTop = false;
        this.#schedule(desk);
      });
  }

  #mergeTop(desk: QueueDesk, read: HeadRead, startedAt: number, sequence: number): void {
    const now = this.#now();
    for (const [caseId, taken] of desk.taken) if (taken.until < now) desk.taken.delete(caseId);
    const { cutoff } = read;
    const top = read.entries.filter(({ entry }) => !this.#isTaken(desk, entry, now));
    // What was read further down before stays known only as far as nothing that arrived since can
    // outrank it: an arrival of a higher priority than this read's last case sorts inside this read,
    // so the stretch beyond of that same priority holds; a case of a lower priority there could be
    // passed over by an unseen arrival (a burst behind a short queue of low cases), so from the
    // first such case on, the stretch is read again.
    const lastPriority = read.entries.at(-1)?.entry.priority;
    const beyond: HeadEntry[] = [];
    if (cutoff !== undefined) {
      for (const known of desk.known) {
        if (known.key <= cutoff) continue;
        if (known.entry.priority !== lastPriority) break;
        beyond.push(known);
      }
    }
    desk.known = [...top, ...beyond];
    if (cutoff === undefined) delete desk.horizon;
    else desk.horizon = beyond.at(-1)?.key ?? cutoff;
    desk.topReadAt = startedAt;
    desk.topReadSequence = sequence;
  }

  #readMore(desk: QueueDesk): void {
    const after = desk.horizon;
    if (desk.readingMore || after === undefined || desk.topReadAt === Number.NEGATIVE_INFINITY) return;
    desk.readingMore = true;
    this.#storage
      .readQueue(desk.queue, { reach: 'more', after })
      .then(
        (read) => {
          // A read of the top moved the horizon meanwhile: this read may overlap it, and the next one will do.
          if (desk.horizon !== after) return;
          const now = this.#now();
          const more = read.entries.filter(
            ({ key, entry }) => key > after && !this.#isTaken(desk, entry, now),
          );
          desk.known = [...desk.known, ...more];
          if (read.cutoff === undefined) delete desk.horizon;
          else desk.horizon = read.cutoff;
        },
        (error: unknown) => this.#failWaiting(desk, error, (waiter) => waiter.needs === 'more'),
      )
      .finally(() => {
        desk.readingMore = false;
        this.#schedule(desk);
      });
  }

  #failWaiting(desk: QueueDesk, error: unknown, fails: (waiter: Waiter) => boolean): void {
    const failing = desk.waiting.filter(fails);
    desk.waiting = desk.waiting.filter((waiter) => !fails(waiter));
    for (const waiter of failing) {
      waiter.reject(new CaseStoreError(`could not read queue ${desk.queue}`, { cause: error }));
    }
  }
}
