import defaultPolicyJson from './default-policy.json' with { type: 'json' };
import { loadPolicy, type Policy } from './policy.js';

/**
 * The pharmacy desk's default policy, from `default-policy.json` (bundled by esbuild; no file
 * read at run time). Validated at module load: an invalid edit fails at start-up, listing every problem.
 */
export const DEFAULT_POLICY: Policy = loadPolicy(defaultPolicyJson);
