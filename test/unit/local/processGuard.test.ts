import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeWithoutMessage } from '../../../lambdas/local/processGuard.js';

const SSN = '123-45-6789';
const repoRoot = path.resolve(import.meta.dirname, '../../..');

/** A process that installs the guard, then fails the ways a request handler can escape its caller. */
const SCRIPT = `
import { installProcessGuard } from './lambdas/local/processGuard.ts';
const guard = installProcessGuard((line) => process.stderr.write(line + '\\n'));
Promise.reject(new Error('member SSN ${SSN} has no plan'));
setTimeout(() => { throw Object.assign(new RangeError('card 4111 1111 1111 1111'), { code: 'E_CARD' }); }, 10);
setTimeout(() => { process.stdout.write('still running after ' + guard.caught + ' failures'); guard.uninstall(); }, 200);
`;

describe('process guard', () => {
  it('keeps the process running through an unhandled rejection and an uncaught exception, logging no PHI', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 30_000,
    });

    expect(result.status).toBe(0);
    expect(result.stdout).toBe('still running after 2 failures');
    expect(result.stderr).toMatch(/unhandled rejection was caught; the router keeps running: Error at /);
    expect(result.stderr).toMatch(
      /uncaught exception was caught; the router keeps running: RangeError \(E_CARD\) at /,
    );
    expect(result.stderr).not.toContain(SSN);
    expect(result.stderr).not.toContain('4111');
  });

  it('describes a non-error rejection by its type only', () => {
    expect(describeWithoutMessage(`SSN ${SSN}`)).toBe('a thrown string');
    expect(describeWithoutMessage(null)).toBe('a thrown null');
  });
});
