/**
 * The console's response headers, in one place for both deployments: local mode's gateway sets
 * them on every console response, and CloudFront's response headers policy sets them in AWS.
 *
 * The page runs only its own bundled script (no inline script, no `eval`, no third party), styles
 * only from its own stylesheet, fonts only from its own origin, and talks only to its own origin
 * (the staff API shares it) and, in AWS, to Cognito's token endpoint. Trusted Types forbid every
 * string-to-DOM sink (`innerHTML` and kin), which the console never uses.
 */
export function contentSecurityPolicy(options: { connectSources?: readonly string[] } = {}): string {
  const connect = ["'self'", ...(options.connectSources ?? [])].join(' ');
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "font-src 'self'",
    // Fax page images are fetched with the bearer token and shown from blob: URLs.
    "img-src 'self' blob:",
    `connect-src ${connect}`,
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "require-trusted-types-for 'script'",
    "trusted-types 'none'",
  ].join('; ');
}

/** The other security headers (CloudFront sets the same through its typed settings). */
export const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()',
} as const;
