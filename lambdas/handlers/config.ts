import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { DEFAULT_POLICY } from '../domain/policy/defaultPolicy.js';
import { loadPolicy, type Policy } from '../domain/policy/policy.js';

/** Fails fast at cold start, naming every missing or malformed setting. */
export function loadConfig<T extends z.ZodType>(
  schema: T,
  env: NodeJS.ProcessEnv,
  entryPoint: string,
): z.infer<T> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`);
  throw new Error(`${entryPoint} configuration is invalid:\n  ${problems.join('\n  ')}`);
}

/**
 * The routing policy: the bundled default, or the JSON file named by `POLICY_FILE` (local mode,
 * or a Lambda layer). An invalid file fails the cold start with every problem listed.
 */
export function policyFromEnvironment(env: NodeJS.ProcessEnv): Policy {
  if (!env.POLICY_FILE) return DEFAULT_POLICY;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(env.POLICY_FILE, 'utf8'));
  } catch (error) {
    throw new Error(`POLICY_FILE ${env.POLICY_FILE} could not be read as JSON: ${(error as Error).message}`);
  }
  return loadPolicy(json);
}
