import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import { jwtVerify, SignJWT } from 'jose';
import { type Authenticate, groupsFor } from '../api/auth.js';
import type { StaffRole } from '../domain/cases/staffMember.js';

/**
 * Local mode's stand-in for the Cognito JWT authorizer: HS256 tokens signed with a dev secret,
 * carrying the claims a Cognito access token carries (`sub`, `username`, `cognito:groups` with
 * the role and `lang-xx` skill groups), so the staff API reads both the same way.
 * Never used in AWS, where API Gateway verifies Cognito tokens before the handler runs.
 */
const ISSUER = 'contact-router-local';
const AUDIENCE = 'contact-router-staff';
const DEFAULT_SECRET = 'contact-router-local-dev-secret-not-for-production';

function secretKey(env: NodeJS.ProcessEnv): Uint8Array {
  return new TextEncoder().encode(env.CONTACT_ROUTER_DEV_SECRET ?? DEFAULT_SECRET);
}

export interface DevTokenOptions {
  role?: StaffRole;
  /** Languages the staff member works in (ISO 639-1). */
  skills?: readonly string[];
  /** A jose time span (`12h`, `30m`); every token expires. */
  ttl?: string;
}

export async function mintDevToken(
  staffId: string,
  env: NodeJS.ProcessEnv = process.env,
  options: DevTokenOptions = {},
): Promise<string> {
  return (
    new SignJWT({
      username: staffId,
      token_use: 'access',
      'cognito:groups': groupsFor(options.role ?? 'agent', options.skills ?? []),
    })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(staffId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      // Each token its own session (Cognito's tokens carry origin_jti): sign-out ends this one.
      .setJti(randomUUID())
      .setExpirationTime(options.ttl ?? '12h')
      .sign(secretKey(env))
  );
}

/**
 * The verified claims, or undefined for a missing, forged or expired token, and for a token
 * without `exp`: a dev token must not be valid forever.
 */
export async function verifyDevToken(
  authorization: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Record<string, string> | undefined> {
  const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  if (!token) return undefined;
  try {
    const { payload } = await jwtVerify(token, secretKey(env), {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['HS256'],
      requiredClaims: ['exp', 'sub'],
    });
    // Claims as strings, as an API Gateway authorizer hands them on (arrays as JSON text, which the staff API reads).
    return Object.fromEntries(
      Object.entries(payload).map(([name, value]) => [
        name,
        typeof value === 'string' ? value : JSON.stringify(value),
      ]),
    );
  } catch {
    return undefined;
  }
}

/** The staff API's `authenticate` for local mode: the dev token in the Authorization header. */
export function devTokenAuthenticate(env: NodeJS.ProcessEnv = process.env): Authenticate {
  return (c: Context) => verifyDevToken(c.req.header('authorization'), env);
}
