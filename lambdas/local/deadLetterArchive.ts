import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';

/**
 * A copy on disk of every message the route stage parks in the dead-letter queue with a reason.
 * fauxqs keeps queues in memory, so local mode writes the copy first and puts the messages back
 * into the DLQ at the next start. A file is the DLQ's record: delete it to discard the message.
 */
export const DeadLetterSchema = z.object({
  body: z.string(),
  reason: z.string(),
  sourceMessageId: z.string(),
  parkedAt: z.iso.datetime({ offset: true }),
});
export type DeadLetter = z.infer<typeof DeadLetterSchema>;

export class DeadLetterArchive {
  readonly #directory: string;

  constructor(directory: string) {
    this.#directory = directory;
  }

  #file(sourceMessageId: string, body: string): string {
    const name = createHash('sha256').update(`${sourceMessageId}\n${body}`).digest('hex');
    return path.join(this.#directory, `${name}.json`);
  }

  async record(letter: DeadLetter): Promise<void> {
    const checked = DeadLetterSchema.parse(letter);
    await mkdir(this.#directory, { recursive: true, mode: 0o700 });
    const file = this.#file(checked.sourceMessageId, checked.body);
    const temporary = `${file}.${randomUUID()}.tmp`; // its own: one letter may be parked twice at once
    const handle = await open(temporary, 'w', 0o600); // a message body: PHI
    try {
      await handle.writeFile(JSON.stringify(checked));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  }

  /**
   * The letter left the DLQ (`dlq redrive`) and the route stage has now finished with it (a case,
   * or parked again under its new id): its copy must not be put back into the DLQ at the next start.
   */
  async discard(sourceMessageId: string, body: string): Promise<void> {
    await rm(this.#file(sourceMessageId, body), { force: true });
  }

  async all(): Promise<DeadLetter[]> {
    const names = await readdir(this.#directory).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    const letters: DeadLetter[] = [];
    for (const name of names.filter((candidate) => candidate.endsWith('.json'))) {
      letters.push(
        DeadLetterSchema.parse(JSON.parse(await readFile(path.join(this.#directory, name), 'utf8'))),
      );
    }
    return letters.sort((a, b) => a.parkedAt.localeCompare(b.parkedAt));
  }
}
