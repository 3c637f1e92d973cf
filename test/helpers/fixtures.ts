import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '../..');

/** The project's own fixture, as bytes. */
export function fixture(relativePath: string): Buffer {
  return readFileSync(path.join(repoRoot, 'test', 'fixtures', relativePath));
}

/** The shared corpora live beside the clone (CI has them); tests that use them skip when absent. */
export const corporaDir = path.resolve(repoRoot, '../shared/corpora');
export const hasCorpora = existsSync(corporaDir);
export const corporaSkipReason = `shared corpora not found at ${corporaDir}: corpus tests skipped (a plain clone runs on its own fixtures)`;

/** Every raw email of the shared corpus, relative path and bytes. */
export function corpusEmails(): { name: string; raw: Buffer }[] {
  const root = path.join(corporaDir, 'email');
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.eml'))
    .sort()
    .map((name) => ({ name, raw: readFileSync(path.join(root, name)) }));
}
