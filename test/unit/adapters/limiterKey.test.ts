import { createHash } from 'node:crypto';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { hmacSha256Hex, loadLimiterKey } from '../../../lambdas/adapters/secrets/limiterKey.js';

const KEY = 'k'.repeat(64);

/** Answers GetSecretValue with `secret` and records what was asked. */
function secretsClient(secret: string | undefined) {
  const asked: unknown[] = [];
  const client = {
    send: async (command: { input: unknown }) => {
      asked.push(command.input);
      return { SecretString: secret };
    },
  } as unknown as SecretsManagerClient;
  return { client, asked };
}

describe('the form limiter key', () => {
  it('is read from the secret the stack generates when its ARN is set', async () => {
    const arn = 'arn:aws:secretsmanager:us-east-1:111111111111:secret:FormLimiterKey-abc';
    const { client, asked } = secretsClient(KEY);
    expect(
      await loadLimiterKey({ FORM_LIMITER_KEY_ARN: arn, FORM_LIMITER_KEY: 'x'.repeat(40) }, client),
    ).toBe(KEY);
    expect(asked).toEqual([{ SecretId: arn }]);
  });

  it('is taken from FORM_LIMITER_KEY locally', async () => {
    expect(await loadLimiterKey({ FORM_LIMITER_KEY: KEY })).toBe(KEY);
  });

  it('fails the cold start when missing or shorter than 32 characters, naming where it looked', async () => {
    await expect(loadLimiterKey({})).rejects.toThrow(/FORM_LIMITER_KEY_ARN/);
    await expect(loadLimiterKey({ FORM_LIMITER_KEY: 'short' })).rejects.toThrow(
      /FORM_LIMITER_KEY is shorter than 32/,
    );
    const { client } = secretsClient('');
    await expect(loadLimiterKey({ FORM_LIMITER_KEY_ARN: 'arn:x' }, client)).rejects.toThrow(/no limiter key/);
  });

  it('keys the digest: another key gives another digest, and neither is the plain SHA-256', () => {
    const one = hmacSha256Hex(KEY)('198.51.100.7');
    const other = hmacSha256Hex('o'.repeat(64))('198.51.100.7');
    expect(one).toMatch(/^[0-9a-f]{64}$/);
    expect(one).not.toBe(other);
    expect(one).not.toBe(createHash('sha256').update('198.51.100.7').digest('hex'));
    expect(hmacSha256Hex(KEY)('198.51.100.7')).toBe(one);
  });
});
