import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

/** The CLI as a user runs it: its exit code and what it printed. */
async function contactRouter(...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [
      '--import',
      'tsx',
      'bin/contact-router.ts',
      ...args,
    ]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('contact-router dispatch', () => {
  it.each([['constructor'], ['toString'], ['__proto__']])(
    'answers "%s" as an unknown command (usage, exit 2), not with a stack trace',
    async (name) => {
      const result = await contactRouter(name);

      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`unknown command "${name}"`);
      expect(result.stderr).not.toContain('ERR_MODULE_NOT_FOUND');
    },
    30_000,
  );
});
