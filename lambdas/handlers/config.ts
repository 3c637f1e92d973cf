import type { z } from 'zod';

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
