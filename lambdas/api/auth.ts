import type { Context } from 'hono';
import * as z from 'zod';
import type { StaffMember } from '../domain/cases/staffMember.js';

/**
 * Who is calling, from the claims of a token the platform already verified: API Gateway's JWT
 * authorizer in AWS (Cognito), the dev-token check in local mode. Both carry the same claims:
 *
 * - `username` (Cognito access token) or `cognito:username` (ID token), else `sub`: the staff id;
 * - `cognito:groups`: the role and the language skills, by group name —
 *   `supervisor` or `agent` (a supervisor is also an agent), and `lang-<ISO 639-1>` per language
 *   read and written (`lang-es`, `lang-pt`). Groups rather than a custom attribute because Cognito
 *   access tokens carry groups but not custom attributes, and groups are managed in one place.
 *
 * API Gateway HTTP APIs hand array claims to the function as one string, `[a b c]`; dev tokens and
 * ID tokens verified elsewhere carry a JSON array. Both are read.
 */
export type Authenticate = (c: Context) => Promise<unknown>;

export const ROLE_GROUPS = { supervisor: 'supervisor', agent: 'agent' } as const;
export const LANGUAGE_GROUP_PREFIX = 'lang-';

const GroupsClaimSchema = z
  .union([z.array(z.string()), z.string()])
  .transform((value) => (Array.isArray(value) ? value : splitGroups(value)));

/** `[a b c]` (API Gateway), `["a","b"]` (JSON text), `a,b` or `a` → the group names. */
function splitGroups(value: string): string[] {
  const trimmed = value.trim();
  if (trimmed.startsWith('["')) {
    try {
      const parsed = z.array(z.string()).safeParse(JSON.parse(trimmed));
      if (parsed.success) return parsed.data;
    } catch {
      // not JSON after all: fall through to the API Gateway form
    }
  }
  const inner = trimmed.startsWith('[') && trimmed.endsWith(']') ? trimmed.slice(1, -1) : trimmed;
  return inner.split(/[\s,]+/).filter((group) => group.length > 0);
}

/** What a staff id looks like in a token (a Cognito user name): the only ids a case can be held by. */
export const STAFF_ID_PATTERN = /^[\w.@+-]{1,128}$/;
export const STAFF_ID_RULE = 'a staff id of 1–128 letters, digits or . _ @ + -';

const StaffIdSchema = z.string().regex(STAFF_ID_PATTERN, STAFF_ID_RULE);

const ClaimsSchema = z.object({
  sub: z.string().min(1),
  username: StaffIdSchema.optional(),
  'cognito:username': StaffIdSchema.optional(),
  'cognito:groups': GroupsClaimSchema.optional(),
});

export type StaffFromClaims =
  | { outcome: 'staff'; staff: StaffMember }
  | { outcome: 'unauthenticated'; reason: string }
  | { outcome: 'no_role'; staffId: string };

const LANGUAGE = /^[a-z]{2,3}$/;

/** The staff member a verified token names, or why there is none. */
export function staffFromClaims(claims: unknown): StaffFromClaims {
  if (claims === undefined || claims === null) {
    return { outcome: 'unauthenticated', reason: 'no bearer token, or it is forged or expired' };
  }
  const parsed = ClaimsSchema.safeParse(claims);
  if (!parsed.success) {
    return {
      outcome: 'unauthenticated',
      reason: `the token's claims are not usable: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
    };
  }
  const id = parsed.data.username ?? parsed.data['cognito:username'] ?? parsed.data.sub;
  const groups = parsed.data['cognito:groups'] ?? [];
  const role = groups.includes(ROLE_GROUPS.supervisor)
    ? 'supervisor'
    : groups.includes(ROLE_GROUPS.agent)
      ? 'agent'
      : undefined;
  if (!role) return { outcome: 'no_role', staffId: id };
  const languages = [
    ...new Set(
      groups
        .filter((group) => group.startsWith(LANGUAGE_GROUP_PREFIX))
        .map((group) => group.slice(LANGUAGE_GROUP_PREFIX.length).toLowerCase())
        .filter((language) => LANGUAGE.test(language)),
    ),
  ];
  return { outcome: 'staff', staff: { id, role, languages } };
}

/** The sign-in a token belongs to, and when the token expires (seconds since the epoch). */
export interface TokenSession {
  id: string;
  expiresAt?: number;
}

const SessionClaimsSchema = z.object({
  jti: z.string().min(1).max(512).optional(),
  origin_jti: z.string().min(1).max(512).optional(),
  // API Gateway hands every claim on as a string.
  exp: z.coerce.number().int().positive().optional().catch(undefined),
});

/**
 * The session of a verified token: Cognito's `origin_jti` (the same for every token refreshed from
 * one sign-in), else the token's own `jti`; undefined for a token that names neither.
 */
export function sessionOf(claims: unknown): TokenSession | undefined {
  const parsed = SessionClaimsSchema.safeParse(claims);
  if (!parsed.success) return undefined;
  const id = parsed.data.origin_jti ?? parsed.data.jti;
  if (!id) return undefined;
  return { id, ...(parsed.data.exp ? { expiresAt: parsed.data.exp } : {}) };
}

/** The groups a token must carry for a role and skills (dev tokens mint exactly these). */
export function groupsFor(role: StaffMember['role'], languages: readonly string[]): string[] {
  return [ROLE_GROUPS[role], ...languages.map((language) => `${LANGUAGE_GROUP_PREFIX}${language}`)];
}

const LambdaEventSchema = z.object({
  event: z.object({
    requestContext: z.object({
      authorizer: z.object({ jwt: z.object({ claims: z.record(z.string(), z.unknown()) }) }).optional(),
    }),
  }),
});

/**
 * AWS: API Gateway's JWT authorizer has verified the Cognito token before the function runs;
 * its claims are in the Lambda event that `hono/aws-lambda` puts in `c.env`.
 */
export const authenticateFromApiGateway: Authenticate = async (c) => {
  const bindings = LambdaEventSchema.safeParse(c.env);
  return bindings.success ? bindings.data.event.requestContext.authorizer?.jwt.claims : undefined;
};
