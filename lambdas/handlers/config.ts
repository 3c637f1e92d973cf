import { readFileSync } from 'node:fs';
import type { DeskSettings } from '../domain/outbound/deskSettings.js';
import { defaultPolicy } from '../domain/policy/defaultPolicy.js';
import { loadPolicy, type Policy } from '../domain/policy/policy.js';
import * as z from '../domain/zodMini.js';
import { loadConfig } from './loadConfig.js';

export { loadConfig } from './loadConfig.js';

/**
 * The routing policy: the bundled default, or the JSON file named by `POLICY_FILE` (local mode,
 * or a Lambda layer). An invalid file fails the cold start with every problem listed.
 */
export function policyFromEnvironment(env: NodeJS.ProcessEnv): Policy {
  if (!env.POLICY_FILE) return defaultPolicy();
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(env.POLICY_FILE, 'utf8'));
  } catch (error) {
    throw new Error(`POLICY_FILE ${env.POLICY_FILE} could not be read as JSON: ${(error as Error).message}`);
  }
  return loadPolicy(json);
}

const DeskConfigSchema = z.object({
  /** The desk's address: From of acknowledgements and replies, and the domain of our Message-IDs. */
  DESK_FROM: z.optional(z.email()),
  DESK_NAME: z._default(z.string().check(z.minLength(1), z.maxLength(100)), 'Member Services'),
});

/**
 * The desk as it appears on outgoing mail, from `DESK_FROM` and `DESK_NAME`; its time zone is the
 * e-mail calendar's. Undefined when `DESK_FROM` is not set: nothing is sent to members then (the
 * function still serves everything else), and the caller says so once at cold start.
 */
export function deskSettingsFromEnvironment(
  env: NodeJS.ProcessEnv,
  policy: Policy,
  entryPoint: string,
): (DeskSettings & { from: string }) | undefined {
  const config = loadConfig(DeskConfigSchema, env, entryPoint);
  if (!config.DESK_FROM) return undefined;
  const calendar = policy.calendars[policy.channelTargets.email.calendar];
  return {
    address: config.DESK_FROM,
    name: config.DESK_NAME,
    timeZone: calendar?.timeZone ?? 'America/Chicago',
    from: `${config.DESK_NAME.replace(/[<>"\\]/g, '')} <${config.DESK_FROM}>`,
  };
}
