import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../helpers/fixtures.js';

/** A network namespace with only a down loopback: nothing can be fetched from inside it. */
const probe = spawnSync('unshare', ['-rn', 'true'], { encoding: 'utf8' });
const canIsolate = probe.status === 0;

describe.skipIf(!canIsolate)(
  `offline OCR ${canIsolate ? '' : '(skipped: this machine cannot create a network namespace with unshare -rn)'}`,
  () => {
    it('reads a Spanish fax with no network at all: engine and language data come from node_modules', () => {
      const tsx = path.join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs');
      const run = spawnSync(
        'unshare',
        [
          '-rn',
          process.execPath,
          tsx,
          path.join(repoRoot, 'test', 'helpers', 'fax', 'ocrOneFixture.ts'),
          path.join(repoRoot, 'test', 'fixtures', 'fax', 'spanish-coverage-request.pdf'),
        ],
        { encoding: 'utf8', timeout: 120_000 },
      );

      expect(run.status, run.stderr).toBe(0);
      const result = JSON.parse(run.stdout) as { pages: { text: string }[] };
      expect(result.pages[0]?.text).toContain('SOLICITUD DE DETERMINACIÓN DE COBERTURA');
    }, 150_000);
  },
);
