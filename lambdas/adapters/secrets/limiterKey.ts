import { createHmac } from 'node:crypto';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { readSecretString } from './secretString.js';

/** The shortest key accepted: 32 characters (the stack generates 64 letters and digits, ~380 bits). */
export const LIMITER_KEY_MIN_LENGTH = 32;

/**
 * The key of the form limiter's digests, read once per cold start: from Secrets Manager
 * (`FORM_LIMITER_KEY_ARN`, a secret the stack generates) or, locally, `FORM_LIMITER_KEY`. A missing
 * or short key fails the cold start: an unkeyed digest of an IPv4 address is reversible.
 */
export async function loadLimiterKey(env: NodeJS.ProcessEnv, client?: SecretsManagerClient): Promise<string> {
  const { FORM_LIMITER_KEY_ARN: arn, FORM_LIMITER_KEY: local } = env;
  let key: string | undefined;
  let source: string;
  if (arn) {
    key = await readSecretString(arn, env, client);
    source = `the secret ${arn}`;
  } else {
    key = local;
    source = 'FORM_LIMITER_KEY';
  }
  if (!key)
    throw new Error(`form-ingest: no limiter key (set FORM_LIMITER_KEY_ARN, or FORM_LIMITER_KEY locally)`);
  if (key.length < LIMITER_KEY_MIN_LENGTH) {
    throw new Error(`form-ingest: ${source} is shorter than ${LIMITER_KEY_MIN_LENGTH} characters`);
  }
  return key;
}

/** HMAC-SHA-256 under `key`, as hex. */
export function hmacSha256Hex(key: string): (text: string) => string {
  return (text) => createHmac('sha256', key).update(text).digest('hex');
}
