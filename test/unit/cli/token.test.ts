import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { run as token } from '../../../bin/commands/token.js';
import { staffFromClaims } from '../../../lambdas/api/auth.js';
import { verifyDevToken } from '../../../lambdas/local/devTokens.js';

async function runToken(args: string[]) {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough().on('data', (chunk: Buffer) => out.push(chunk));
  const stderr = new PassThrough().on('data', (chunk: Buffer) => err.push(chunk));
  const code = await token(args, { stdin: Readable.from([]), stdout, stderr });
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

describe('contact-router token', () => {
  it('mints a token carrying the role and the language skills asked for', async () => {
    const result = await runToken(['--staff', 'alice', '--role', 'supervisor', '--skills', 'es, PT']);
    expect(result.code).toBe(0);
    const claims = await verifyDevToken(`Bearer ${result.stdout.trim()}`);
    expect(staffFromClaims(claims)).toEqual({
      outcome: 'staff',
      staff: { id: 'alice', role: 'supervisor', languages: ['es', 'pt'] },
    });
    expect(Number(claims?.exp)).toBeGreaterThan(Date.now() / 1000);
  });

  it('refuses an unknown role, a bad skill and a missing name, saying what it expected', async () => {
    const result = await runToken(['--staff', 'alice', '--role', 'admin', '--skills', 'spanish']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--role: expected agent or supervisor, got "admin"');
    expect(result.stderr).toContain('--skills: expected ISO 639-1 codes, got spanish');
    expect((await runToken([])).stderr).toContain('--staff: expected a name');
  });

  it('refuses a lifetime that never ends', async () => {
    const result = await runToken(['--staff', 'alice', '--ttl', 'forever']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--ttl');
  });

  it.each([['0s'], ['0d'], ['99999999999d'], ['31d']])(
    'refuses a lifetime of %s (already expired, or practically never ending)',
    async (ttl) => {
      const result = await runToken(['--staff', 'alice', '--ttl', ttl]);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('--ttl');
    },
  );

  it('still mints a token for up to 30 days', async () => {
    const result = await runToken(['--staff', 'alice', '--ttl', '30d']);
    expect(result.code).toBe(0);
    const claims = await verifyDevToken(`Bearer ${result.stdout.trim()}`);
    expect(Number(claims?.exp) - Number(claims?.iat)).toBe(30 * 86_400);
  });
});
