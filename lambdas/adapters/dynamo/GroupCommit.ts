/**
 * Group commit: writes submitted while others are in flight go out together in the next ones, so
 * concurrent writers in one process share transactions instead of each queueing a transaction of
 * its own (a database's classic answer to many small commits). A lone writer waits for nothing:
 * its write starts at once. Up to `maxInFlight` writes run at a time; each writer gets its own answer.
 */
export class GroupCommit<T, R> {
  readonly #write: (batch: T[]) => Promise<R[]>;
  readonly #maxBatch: number;
  readonly #maxInFlight: number;
  readonly #waiting: { item: T; resolve: (result: R) => void; reject: (error: unknown) => void }[] = [];
  #inFlight = 0;

  /** `write` answers each item of a batch, in order. */
  constructor(write: (batch: T[]) => Promise<R[]>, options: { maxBatch: number; maxInFlight: number }) {
    this.#write = write;
    this.#maxBatch = options.maxBatch;
    this.#maxInFlight = options.maxInFlight;
  }

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#waiting.push({ item, resolve, reject });
      if (this.#inFlight < this.#maxInFlight) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#inFlight += 1;
    try {
      while (this.#waiting.length > 0) {
        // Share what waits among the writers that may run, so no writer sits idle behind a big batch.
        const share = Math.ceil(this.#waiting.length / this.#maxInFlight);
        const batch = this.#waiting.splice(0, Math.min(this.#maxBatch, share));
        try {
          const results = await this.#write(batch.map(({ item }) => item));
          batch.forEach(({ resolve, reject }, index) => {
            const result = results[index];
            if (result === undefined) reject(new Error('group commit: no answer for a write'));
            else resolve(result);
          });
        } catch (error) {
          for (const { reject } of batch) reject(error);
        }
      }
    } finally {
      this.#inFlight -= 1;
    }
  }
}
