import * as z from '../domain/zodMini.js';

/**
 * Fails fast at cold start, naming every missing or malformed setting. Its own module, apart from
 * `config.ts`: a function that reads only its environment (the ingest functions) then bundles no
 * routing policy, calendar schema or time-zone library.
 */
export function loadConfig<T extends z.core.$ZodType>(
  schema: T,
  env: NodeJS.ProcessEnv,
  entryPoint: string,
): z.infer<T> {
  // The function form takes a classic schema as well as a mini one (every entry point's is mini).
  const result = z.safeParse(schema, env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`);
  throw new Error(`${entryPoint} configuration is invalid:\n  ${problems.join('\n  ')}`);
}
