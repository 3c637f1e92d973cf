import { once } from '../once.js';
import defaultPolicyJson from './default-policy.json' with { type: 'json' };
import { loadPolicy, type Policy } from './policy.js';

/**
 * The pharmacy desk's default policy, from `default-policy.json` (bundled by esbuild; no file read
 * at run time), validated on first use: an invalid edit fails the first invocation, listing every
 * problem (and `test/unit/policy` fails first). Not at module load: the functions that never route
 * (e-mail, fax, form ingest) bundle `handlers/config.ts` too, and the validation is a zod parse
 * of the whole document.
 */
export const defaultPolicy: () => Policy = once(() => loadPolicy(defaultPolicyJson));

/**
 * The same policy as a constant, for tests, the CLI and benches. Marked pure so that a bundle that
 * does not read it (every Lambda: they call `defaultPolicy()`) drops it instead of parsing at load.
 */
export const DEFAULT_POLICY: Policy = /* @__PURE__ */ defaultPolicy();
