import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from '../../domain/zodMini.js';
import { readSecretString } from './secretString.js';

/**
 * The channel secrets, one JSON secret in Secrets Manager (`CHANNEL_SECRETS_ARN`) or, locally,
 * environment variables of the same names in upper snake case. Each channel reads what it needs and
 * fails its cold start naming what is missing.
 */
export const ChannelSecretsSchema = z.object({
  /** Telnyx account public key, base64 of the raw 32-byte Ed25519 key. */
  telnyxPublicKey: z.optional(z.string().check(z.minLength(1))),
  /** Phaxio callback (webhook) token and the callback URL exactly as configured at Phaxio. */
  phaxioCallbackToken: z.optional(z.string().check(z.minLength(1))),
  phaxioCallbackUrl: z.optional(z.url()),
  /** `user:password` embedded in the Sinch callback URL. */
  sinchBasicAuth: z.optional(z.string().check(z.minLength(3))),
  /** HMAC keys of the chat widget (two during a rotation). */
  chatWidgetSecrets: z.optional(z.array(z.string().check(z.minLength(32))).check(z.minLength(1))),
});
export type ChannelSecrets = z.infer<typeof ChannelSecretsSchema>;

/** What a cold start read: the well-formed secrets, and the names (never the values) of the malformed ones. */
export interface LoadedChannelSecrets {
  secrets: ChannelSecrets;
  /** Fields present but malformed, left out of `secrets` so that one bad key disables only its own channel. */
  invalidFields: string[];
}

/**
 * Parses each secret on its own: one provider's malformed key (a rotation pasted wrong) must not
 * take the other providers, or the chat widget, down with it.
 */
export function parseChannelSecrets(json: unknown): LoadedChannelSecrets {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new Error('the channel secret is not a JSON object');
  }
  const secrets: Record<string, unknown> = {};
  const invalidFields: string[] = [];
  for (const [field, schema] of Object.entries(ChannelSecretsSchema.shape)) {
    const value: unknown = Object.hasOwn(json, field) ? Reflect.get(json, field) : undefined;
    const parsed = schema.safeParse(value);
    if (parsed.success) {
      if (parsed.data !== undefined) secrets[field] = parsed.data;
    } else {
      invalidFields.push(field);
    }
  }
  return { secrets: ChannelSecretsSchema.parse(secrets), invalidFields };
}

function fromEnvironment(env: NodeJS.ProcessEnv): LoadedChannelSecrets {
  return parseChannelSecrets({
    telnyxPublicKey: env.TELNYX_PUBLIC_KEY || undefined,
    phaxioCallbackToken: env.PHAXIO_CALLBACK_TOKEN || undefined,
    phaxioCallbackUrl: env.PHAXIO_CALLBACK_URL || undefined,
    sinchBasicAuth: env.SINCH_BASIC_AUTH || undefined,
    chatWidgetSecrets: env.CHAT_WIDGET_SECRETS
      ? env.CHAT_WIDGET_SECRETS.split(',').map((secret) => secret.trim())
      : undefined,
  });
}

/** Reads the channel secrets once per cold start. */
export async function loadChannelSecrets(
  env: NodeJS.ProcessEnv,
  client?: SecretsManagerClient,
): Promise<LoadedChannelSecrets> {
  if (!env.CHANNEL_SECRETS_ARN) return fromEnvironment(env);
  const secret = await readSecretString(env.CHANNEL_SECRETS_ARN, env, client);
  let json: unknown;
  try {
    json = JSON.parse(secret ?? '');
  } catch (error) {
    throw new Error(`the channel secret ${env.CHANNEL_SECRETS_ARN} is not JSON`, { cause: error });
  }
  return parseChannelSecrets(json);
}
