import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';

/**
 * Local mode's data folder: `dynamodb/` (DynamoDB Local's SQLite file), `s3/` (raw mail and
 * quarantine), `journal/` (accepted messages not yet routed) and `dead-letters/` (messages parked
 * in the DLQ). One local mode at a time may use it.
 */
export const DATA_LAYOUT = {
  lock: 'local-mode.pid',
  dynamodb: 'dynamodb',
  s3: 's3',
  journal: 'journal',
  deadLetters: 'dead-letters',
} as const;

export class DataDirectoryInUseError extends Error {
  constructor(directory: string, pid: number) {
    super(
      `${directory} is in use by another local mode (pid ${pid}): stop it, or run with --data-dir <other>`,
    );
    this.name = 'DataDirectoryInUseError';
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Command lines of running processes (Linux /proc; elsewhere nothing is known). */
function processCommandLines(): { pid: number; commandLine: string }[] {
  if (!existsSync('/proc')) return [];
  const found: { pid: number; commandLine: string }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      found.push({ pid: Number(name), commandLine: readFileSync(`/proc/${name}/cmdline`, 'utf8') });
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

/**
 * Takes the data folder for this process. A lock left by a killed run is taken over; a live
 * one is refused. A killed run's DynamoDB Local stops within about a second of its parent (see
 * `spawnTethered`); we wait for it, so two servers never open the same database file.
 */
export async function claimDataDirectory(
  directory: string,
  options: { emulatorExitTimeoutMs?: number } = {},
): Promise<{ release: () => Promise<void> }> {
  // Cases, raw mail and accepted messages are PHI: the folder is its owner's alone (one created
  // by an earlier version with the umask's 0755 too), whatever the emulators write inside it.
  await mkdir(directory, { recursive: true, mode: 0o700 });
  await chmod(directory, 0o700);
  const lockFile = path.join(directory, DATA_LAYOUT.lock);
  const previous = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
  if (Number.isInteger(previous) && previous > 0 && previous !== process.pid && isRunning(previous)) {
    throw new DataDirectoryInUseError(directory, previous);
  }
  const databaseArgument = `\0${path.join(directory, DATA_LAYOUT.dynamodb)}\0`;
  const deadline = Date.now() + (options.emulatorExitTimeoutMs ?? 15_000);
  for (;;) {
    const holders = processCommandLines().filter(
      ({ pid, commandLine }) => pid !== process.pid && commandLine.includes(databaseArgument),
    );
    if (holders.length === 0) break;
    if (Date.now() > deadline) throw new DataDirectoryInUseError(directory, holders[0]?.pid ?? 0);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const handle = await open(lockFile, 'w');
  try {
    await handle.writeFile(String(process.pid));
    await handle.sync();
  } finally {
    await handle.close();
  }
  return {
    release: async () => {
      const holder = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
      if (holder === process.pid) await rm(lockFile, { force: true });
    },
  };
}
