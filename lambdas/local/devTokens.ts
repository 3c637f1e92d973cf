import { jwtVerify, SignJWT } from 'jose';

/**
 * Local mode's stand-in for the Cognito JWT authorizer: HS256 tokens signed with a dev secret.
 * Never used in AWS, where API Gateway verifies Cognito tokens before the handler runs.
 */
const ISSUER = 'contact-router-local';
const AUDIENCE = 'contact-router-staff';
const DEFAULT_SECRET = 'contact-router-local-dev-secret-not-for-production';

function secretKey(env: NodeJS.ProcessEnv): Uint8Array {
  return new TextEncoder().encode(env.CONTACT_ROUTER_DEV_SECRET ?? DEFAULT_SECRET);
}

export async function mintDevToken(
  staffId: string,
  env: NodeJS.ProcessEnv = process.env,
  ttl = '12h',
): Promise<string> {
  return new SignJWT({ username: staffId, token_use: 'access' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(staffId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(ttl)
    .sign(secretKey(env));
}

/** The verified claims, or undefined for a missing, forged or expired token. */
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
    });
    return Object.fromEntries(
      Object.entries(payload).map(([key, value]) => [
        key,
        typeof value === 'string' ? value : JSON.stringify(value),
      ]),
    );
  } catch {
    return undefined;
  }
}
