import { beforeAll, describe, expect, it } from 'vitest';
import {
  ClaimDispatcher,
  type ClaimDispatcherOptions,
  type ClaimStorage,
  type ClaimWrite,
  type HeadReach,
  type HeadRead,
} from '../../../lambdas/adapters/dynamo/ClaimDispatcher.js';
import type { Case } from '../../../lambdas/domain/cases/caseRecord.js';
import { claimRevision, claimTiers, queueOrderKey } from '../../../lambdas/domain/cases/claimQueue.js';
import type { StaffMember } from '../../../lambdas/domain/cases/staffMember.js';
import { DEFAULT_POLICY } from '../../../lambdas/domain/policy/defaultPolicy.js';
import type { Priority } from '../../../lambdas/domain/policy/policy.js';
import type { ClaimRequest } from '../../../lambdas/domain/ports.js';
import { caseTemplate, queuedCase } from '../../helpers/caseFactory.js';

const QUEUE = 'fulfillment';
const NOW = new Date('2026-12-01T15:01:00.000Z');

/**
 * A queue in memory behind the dispatcher's storage port: reads in queue order, `perRead` cases at
 * a time, and writes that take a case only at the version read, like the DynamoDB store's
 * conditional writes. Reads and writes can be held to order events in a test.
 */
class QueueInMemory implements ClaimStorage {
  readonly cases = new Map<string, Case>();
  readonly rounds: string[][] = [];
  reads: (string | undefined)[] = [];
  /** How far each read reached (a glance reads a quarter as much, or what it was asked for at least). */
  reaches: HeadReach['reach'][] = [];
  asked: HeadReach[] = [];
  /** Writes still to lose, as if another container had just taken each case. */
  losing = 0;
  failWrites = false;
  #held: (() => void)[] = [];
  hold = false;

  constructor(readonly perRead = 100) {}

  put(...cases: Case[]) {
    for (const kase of cases) this.cases.set(kase.caseId, kase);
  }

  /** What someone else (another container) does meanwhile: takes the case at its current version. */
  takeElsewhere(caseId: string, by: string) {
    const kase = this.cases.get(caseId);
    if (!kase) throw new Error(`no case ${caseId}`);
    this.cases.set(caseId, claimRevision(kase, staff(by), NOW, 60_000).after);
  }

  release() {
    this.hold = false;
    for (const go of this.#held.splice(0)) go();
  }

  async #gate() {
    if (this.hold) await new Promise<void>((resolve) => this.#held.push(resolve));
  }

  async readQueue(_queue: string, reach: HeadReach): Promise<HeadRead> {
    const after = reach.reach === 'more' ? reach.after : undefined;
    this.reads.push(after);
    this.reaches.push(reach.reach);
    this.asked.push(reach);
    await this.#gate();
    const queued = [...this.cases.values()]
      .filter((kase) => kase.state === 'queued')
      .map((kase) => ({ key: queueOrderKey(kase), entry: kase }))
      .filter(({ key }) => after === undefined || key > after)
      .sort((a, b) => a.key.localeCompare(b.key));
    const glance = Math.max(Math.ceil(this.perRead / 4), reach.reach === 'glance' ? (reach.atLeast ?? 0) : 0);
    const entries = queued.slice(0, reach.reach === 'glance' ? glance : this.perRead);
    const last = entries.at(-1);
    return { entries, ...(queued.length > entries.length && last ? { cutoff: last.key } : {}) };
  }

  async writeClaims(claims: readonly ClaimWrite[]): Promise<(Case | 'taken')[]> {
    this.rounds.push(claims.map(({ entry }) => entry.caseId));
    await this.#gate();
    if (this.failWrites) throw new Error('table gone');
    if (this.losing > 0) {
      this.losing -= 1;
      return claims.map(() => 'taken');
    }
    return claims.map(({ entry, take }) => {
      const current = this.cases.get(entry.caseId);
      if (current?.state !== 'queued' || current.version !== entry.version) return 'taken';
      const { after } = take(entry);
      this.cases.set(after.caseId, after);
      return after;
    });
  }
}

function staff(id: string, languages = ['en']): StaffMember {
  return { id, role: 'agent', languages };
}

function request(who: StaffMember, now = NOW): ClaimRequest {
  return {
    queue: QUEUE,
    choose: (head) => claimTiers(head, who, now, DEFAULT_POLICY),
    take: (current) => claimRevision(current, who, now, 60_000),
  };
}

function dispatcher(storage: ClaimStorage, clock = { at: 0 }, options: Partial<ClaimDispatcherOptions> = {}) {
  let seed = 1;
  return new ClaimDispatcher(storage, {
    maxBatch: 30,
    maxInFlight: 2,
    headTtlMs: 500,
    spread: 8,
    maxLosses: 5,
    takenMemoryMs: 5_000,
    // Deterministic spread: a fixed sequence in [0, 1).
    random: () => {
      seed = (seed * 16_807) % 2_147_483_647;
      return seed / 2_147_483_647;
    },
    now: () => clock.at,
    ...options,
  });
}

describe('ClaimDispatcher', () => {
  let template: Case;
  beforeAll(async () => {
    template = await caseTemplate();
  });

  const at = (minute: number) =>
    new Date(Date.parse('2026-12-01T14:00:00.000Z') + minute * 60_000).toISOString();
  const make = (key: string, priority: Priority = 'normal', language = 'en', receivedAt = at(0)) =>
    queuedCase(template, { key, priority, language, queue: QUEUE, receivedAt });

  it('gives concurrent claimers different cases and writes those who waited together in one round', async () => {
    const storage = new QueueInMemory();
    storage.put(...Array.from({ length: 12 }, (_, index) => make(`c${index}`, 'normal', 'en', at(index))));
    const claims = dispatcher(storage);

    const claimed = await Promise.all(
      Array.from({ length: 10 }, (_, index) => claims.claim(request(staff(`agent-${index}`)))),
    );

    const ids = claimed.map((kase) => kase?.caseId);
    expect(new Set(ids).size).toBe(10);
    expect(claimed.every((kase) => kase?.state === 'claimed')).toBe(true);
    expect(storage.reads).toEqual([undefined]);
    // One round for all ten: they arrived before the head was read.
    expect(storage.rounds).toHaveLength(1);
  });

  it('keeps priority first for every claimer of a round', async () => {
    const storage = new QueueInMemory();
    storage.put(
      ...Array.from({ length: 6 }, (_, index) => make(`normal-${index}`, 'normal', 'en', at(index))),
      make('urgent-a', 'urgent', 'en', at(10)),
      make('urgent-b', 'urgent', 'en', at(11)),
    );
    const claims = dispatcher(storage);

    const claimed = await Promise.all([1, 2, 3].map((index) => claims.claim(request(staff(`a${index}`)))));

    expect(claimed.map((kase) => kase?.priority).sort()).toEqual(['normal', 'urgent', 'urgent']);
  });

  it('serves a claimer who lost a race again, never with a case seen taken, and reads the top again', async () => {
    const storage = new QueueInMemory();
    storage.put(make('first', 'urgent'), make('second', 'normal'));
    const clock = { at: 0 };
    const claims = dispatcher(storage, clock);
    // This instance reads the head and claims its first case; then another container takes the next.
    expect((await claims.claim(request(staff('ann'))))?.caseId).toBe(make('first', 'urgent').caseId);
    storage.takeElsewhere(make('second').caseId, 'elsewhere');
    storage.put(make('third', 'normal', 'en', at(5)));
    clock.at = 100; // the head is young: it is used as it is, with the taken case in it

    const next = await claims.claim(request(staff('bob')));

    expect(next?.caseId).toBe(make('third', 'normal', 'en', at(5)).caseId);
    expect(storage.cases.get(make('second').caseId)?.assignee).toBe('elsewhere');
    expect(storage.rounds.flat().filter((id) => id === make('second').caseId)).toHaveLength(1);
    expect(storage.reads.length).toBeGreaterThan(1);
  });

  it('offers a case queued again at a newer version after it was seen taken', async () => {
    const storage = new QueueInMemory();
    const kase = make('again');
    storage.put(kase);
    const clock = { at: 0 };
    const claims = dispatcher(storage, clock);
    const claimed = await claims.claim(request(staff('ann')));
    if (!claimed) throw new Error('not claimed');
    // Released: back in the queue, one version on.
    storage.put({ ...claimed, state: 'queued', version: claimed.version + 1 });
    clock.at = 2_000;

    expect((await claims.claim(request(staff('bob'))))?.assignee).toBe('bob');
  });

  it('answers "nothing for you" only from a read of the top made after the claim arrived', async () => {
    const storage = new QueueInMemory();
    const claims = dispatcher(storage);
    expect(await claims.claim(request(staff('ann')))).toBeUndefined();
    // A case arrives; the head this instance read a moment ago is still young.
    storage.put(make('late'));

    const claimed = await claims.claim(request(staff('bob')));

    expect(claimed?.assignee).toBe('bob');
  });

  it('reads further down when the head holds nothing the claimer may take yet', async () => {
    const storage = new QueueInMemory(10);
    storage.put(
      ...Array.from({ length: 25 }, (_, index) =>
        make(`ja-${index}`, 'normal', 'ja', '2026-12-01T15:00:00.000Z'),
      ),
      queuedCase(template, {
        key: 'en-late',
        language: 'en',
        queue: QUEUE,
        receivedAt: '2026-12-01T15:00:00.000Z',
        firstResponseDueAt: '2026-12-31T15:00:00.000Z',
      }),
    );
    // Small rounds: the first read (sized to the round) holds only the top, all Japanese.
    const claims = dispatcher(storage, { at: 0 }, { maxBatch: 2 });

    const claimed = await claims.claim(request(staff('eve')));

    expect(claimed?.language).toBe('en');
    expect(storage.reads.filter((after) => after !== undefined).length).toBeGreaterThanOrEqual(2);
  });

  it('keeps a case in another language for readers until the relaxation timeout, then gives it to anyone', async () => {
    const storage = new QueueInMemory();
    storage.put(make('vi', 'normal', 'vi', '2026-12-01T15:00:00.000Z'));
    const clock = { at: 0 };
    const claims = dispatcher(storage, clock);
    expect(await claims.claim(request(staff('eve')))).toBeUndefined();

    const relaxed = new Date(
      Date.parse('2026-12-01T15:00:00.000Z') + DEFAULT_POLICY.caseRules.languageRelaxMinutes * 60_000,
    );
    clock.at = 100;
    expect((await claims.claim(request(staff('eve'), relaxed)))?.language).toBe('vi');
  });

  it('reads the top again before anyone chooses from a head older than twice its time to live', async () => {
    const storage = new QueueInMemory();
    storage.put(make('a', 'normal', 'en', at(1)), make('b', 'normal', 'en', at(2)));
    const clock = { at: 0 };
    const claims = dispatcher(storage, clock);
    await claims.claim(request(staff('ann')));
    storage.put(make('urgent', 'urgent', 'en', at(3)));
    clock.at = 1_001;

    expect((await claims.claim(request(staff('bob'))))?.priority).toBe('urgent');
    expect(storage.reads).toEqual([undefined, undefined]);
  });

  it('gives up with a store error after losing every race it may', async () => {
    const kase = make('contested');
    let version = kase.version;
    // Someone else changes the case before every write, and every read shows the newer version.
    const losing: ClaimStorage = {
      readQueue: async () => ({
        entries: [{ key: queueOrderKey(kase), entry: { ...kase, version: ++version } }],
      }),
      writeClaims: async (claims) => claims.map(() => 'taken' as const),
    };
    const claims = dispatcher(losing, { at: 0 }, { maxLosses: 3 });

    await expect(claims.claim(request(staff('ann')))).rejects.toThrow('kept losing races');
  });

  it('fails the claims of a round whose write fails and frees their cases for the next', async () => {
    const storage = new QueueInMemory();
    storage.put(make('only'));
    storage.failWrites = true;
    const claims = dispatcher(storage);
    await expect(claims.claim(request(staff('ann')))).rejects.toThrow('table gone');

    storage.failWrites = false;
    expect((await claims.claim(request(staff('bob'))))?.assignee).toBe('bob');
  });

  it('sends a lone claim at once, and gathers those who ask while it is in flight into the next round', async () => {
    const storage = new QueueInMemory();
    storage.put(...Array.from({ length: 40 }, (_, index) => make(`c${index}`, 'normal', 'en', at(index))));
    const claims = dispatcher(storage, { at: 0 }, { maxInFlight: 2, maxBatch: 30 });
    await claims.claim(request(staff('warm')));
    storage.hold = true;
    const lone = claims.claim(request(staff('lone')));
    while (storage.rounds.length < 2) await new Promise((resolve) => setImmediate(resolve));
    const stragglers = [1, 2].map((index) => claims.claim(request(staff(`straggler-${index}`))));
    await new Promise((resolve) => setImmediate(resolve));
    const others = Array.from({ length: 12 }, (_, index) => claims.claim(request(staff(`later-${index}`))));

    storage.release();
    await Promise.all([lone, ...stragglers, ...others]);

    // Two stragglers do not take a round of their own while one is in flight: they join the twelve.
    expect(storage.rounds.map((round) => round.length)).toEqual([1, 1, 14]);
  });

  it('only glances at the top of a queue it alone claims from while enough is known beyond it', async () => {
    const storage = new QueueInMemory(8);
    storage.put(...Array.from({ length: 40 }, (_, index) => make(`c${index}`, 'normal', 'en', at(index))));
    const clock = { at: 0 };
    const claims = dispatcher(storage, clock, { maxBatch: 2, maxInFlight: 1 });

    for (let round = 0; round < 6; round++) {
      clock.at = round * 600;
      expect((await claims.claim(request(staff(`agent-${round}`))))?.state).toBe('claimed');
    }

    // Only glances at the top: the reads further down keep the horizon ahead, and none goes over the top again.
    expect(storage.reaches.filter((reach) => reach === 'glance').length).toBeGreaterThanOrEqual(5);
    expect(storage.reaches).not.toContain('head');
    expect(storage.reaches).toContain('more');
  });

  it('answers the first claims after one short read sized to those waiting, not a read of the whole head', async () => {
    const storage = new QueueInMemory(64);
    storage.put(...Array.from({ length: 200 }, (_, index) => make(`c${index}`, 'normal', 'en', at(index))));
    const claims = dispatcher(storage, { at: 0 }, { maxBatch: 30, maxInFlight: 2 });

    const answered = await Promise.all(
      Array.from({ length: 50 }, (_, index) => claims.claim(request(staff(`agent-${index}`)))),
    );

    expect(storage.asked[0]).toEqual({ reach: 'glance', atLeast: 100 });
    expect(new Set(answered.map((kase) => kase?.caseId)).size).toBe(50);
    // Every claim went out in the first two rounds, before any read further down came back.
    expect(storage.rounds.slice(0, 2).flat()).toHaveLength(50);
  });

  it('does not hand out low cases known from before while a burst of higher priority arrived behind the top', async () => {
    const storage = new QueueInMemory(64);
    storage.put(...Array.from({ length: 3 }, (_, index) => make(`low-${index}`, 'low', 'en', at(index))));
    const clock = { at: 0 };
    const claims = dispatcher(storage, clock);
    // A quiet queue: this instance knows it whole (three low cases) and claims one.
    expect((await claims.claim(request(staff('ann'))))?.priority).toBe('low');
    // Forty normal cases arrive; later, when the head is stale, twenty agents claim at once.
    storage.put(
      ...Array.from({ length: 40 }, (_, index) => make(`normal-${index}`, 'normal', 'en', at(10 + index))),
    );
    clock.at = 1_100;

    const claimed = await Promise.all(
      Array.from({ length: 20 }, (_, index) => claims.claim(request(staff(`agent-${index}`)))),
    );

    // The glance sees sixteen of the forty; the low cases known from before are read again, behind the rest.
    expect(claimed.map((kase) => kase?.priority)).toEqual(Array(20).fill('normal'));
  });

  it('keeps what it knows beyond a glance while it has the priority of the glance’s last case', async () => {
    const storage = new QueueInMemory(64);
    storage.put(...Array.from({ length: 60 }, (_, index) => make(`n${index}`, 'normal', 'en', at(index))));
    const clock = { at: 0 };
    const claims = dispatcher(storage, clock, { maxBatch: 2, maxInFlight: 1 });
    await claims.claim(request(staff('first')));
    storage.reads = [];
    clock.at = 600;

    await claims.claim(request(staff('second')));

    // A glance of the top only: the normal cases further down were still good.
    expect(storage.reads).toEqual([undefined]);
  });

  it('reaches past the top every fourth read once it loses races to other claimers', async () => {
    const storage = new QueueInMemory(8);
    storage.put(...Array.from({ length: 40 }, (_, index) => make(`c${index}`, 'normal', 'en', at(index))));
    const clock = { at: 0 };
    const claims = dispatcher(storage, clock, { maxBatch: 2, maxInFlight: 1, maxLosses: 10 });
    await claims.claim(request(staff('warm')));
    storage.losing = 2;
    storage.reaches = [];

    for (let round = 1; round <= 8; round++) {
      clock.at = round * 600;
      expect((await claims.claim(request(staff(`agent-${round}`))))?.state).toBe('claimed');
    }

    const tops = storage.reaches.filter((reach) => reach !== 'more');
    expect(tops).toContain('head');
    expect(tops).toContain('glance');
  });
});
