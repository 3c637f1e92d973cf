import type { StackProps } from 'aws-cdk-lib';
import { z } from 'zod';
import { InvalidPropsError } from './constructs/InvalidPropsError.js';
import { CONSOLE_DOMAIN_EXAMPLE, type RouterStackProps } from './RouterStack.js';

/** Every context key the app reads, as `-c contact-router:<key>=<value>` (or in cdk.json "context"). */
export const CONTEXT_PREFIX = 'contact-router:';

// Context from the command line is always a string; from cdk.json it may be a JSON value.
const list = z.union([
  z.string().transform((text) =>
    text
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  ),
  z.array(z.string()),
]);
const flag = z.union([z.boolean(), z.enum(['true', 'false']).transform((text) => text === 'true')]);
const integer = z.union([
  z.number(),
  z
    .string()
    .regex(/^-?\d+$/, 'a whole number')
    .transform(Number),
]);

const ContextSchema = z
  .object({
    recipients: list.optional(),
    notifyFrom: z.string().optional(),
    deskFrom: z.string().optional(),
    deskName: z.string().optional(),
    alarmEmail: z.string().optional(),
    alarmTopicArn: z.string().optional(),
    consoleCallbackUrls: list.optional(),
    consoleLogoutUrls: list.optional(),
    consoleDomainNames: list.optional(),
    consoleCertificateArn: z.string().optional(),
    consoleWebAclArn: z.string().optional(),
    consoleAllowedCountries: list.optional(),
    formOrigins: list.optional(),
    authDomainPrefix: z.string().optional(),
    activateRuleSet: flag.optional(),
    sandbox: flag.optional(),
    allowUnlistedSesRegion: flag.optional(),
    reservedConcurrency: integer.optional(),
    routeMaxConcurrency: integer.optional(),
    rawMailRetentionYears: integer.optional(),
    noncurrentVersionRetentionDays: integer.optional(),
    slaBreachAlarmThreshold: integer.optional(),
    inboundBacklogSeconds: integer.optional(),
    sourceMaps: flag.optional(),
  })
  .strict();

export type DeployContext = z.infer<typeof ContextSchema>;

/** What a sandbox gets when a key is missing: placeholders that can never receive or send real mail. */
const SANDBOX_DEFAULTS = {
  recipients: ['support@pharmacy.example'],
  notifyFrom: 'sla-alerts@pharmacy.example',
  alarmEmail: 'ops@pharmacy.example',
  // Local mode's console, beside the deployed console's own URL (registered by the stack).
  consoleCallbackUrls: ['http://localhost:3000/'],
};

const EXAMPLES: Record<'recipients' | 'notifyFrom' | 'deskFrom', string> = {
  recipients: '-c contact-router:recipients=support@desk.yourpharmacy.com,appeals@desk.yourpharmacy.com',
  notifyFrom: '-c contact-router:notifyFrom=sla-alerts@yourpharmacy.com',
  deskFrom: '-c contact-router:deskFrom=support@desk.yourpharmacy.com',
};

/**
 * The stack props from the CDK context (`contact-router:*` keys). Every missing, malformed or unknown
 * key is reported in one error, with an example of each missing one; a sandbox
 * (`-c contact-router:sandbox=true`) fills the missing ones with placeholders instead.
 */
export function routerStackPropsFromContext(
  context: Record<string, unknown>,
): Omit<RouterStackProps, keyof StackProps> {
  const ours = Object.fromEntries(
    Object.entries(context)
      .filter(([key]) => key.startsWith(CONTEXT_PREFIX))
      .map(([key, value]) => [key.slice(CONTEXT_PREFIX.length), value]),
  );
  const parsed = ContextSchema.safeParse(ours);
  if (!parsed.success) {
    throw new InvalidPropsError(
      'CDK context',
      parsed.error.issues.map((issue) =>
        issue.code === 'unrecognized_keys'
          ? `unknown context ${issue.keys.map((key) => `${CONTEXT_PREFIX}${key}`).join(', ')} (known: ${Object.keys(ContextSchema.shape).join(', ')})`
          : `${CONTEXT_PREFIX}${issue.path.join('.')}: ${issue.message}`,
      ),
    );
  }
  const given = parsed.data;
  const sandbox = given.sandbox ?? false;
  const recipients = given.recipients ?? (sandbox ? SANDBOX_DEFAULTS.recipients : undefined);
  const notifyFrom = given.notifyFrom ?? (sandbox ? SANDBOX_DEFAULTS.notifyFrom : undefined);
  // A sandbox sends as its first inbound address, so members' replies come back to it.
  const deskFrom =
    given.deskFrom ?? (sandbox ? recipients?.find((recipient) => recipient.includes('@')) : undefined);
  // The deployed console's own URLs (https://<consoleDomainNames>/, in a sandbox without them its
  // CloudFront URL) are registered by the stack; these are the others (localhost for local mode).
  const callbackUrls = given.consoleCallbackUrls ?? (sandbox ? SANDBOX_DEFAULTS.consoleCallbackUrls : []);
  const alarmEmail =
    given.alarmEmail ??
    (sandbox && given.alarmTopicArn === undefined ? SANDBOX_DEFAULTS.alarmEmail : undefined);
  const missing = [
    ...(recipients ? [] : [`${CONTEXT_PREFIX}recipients is required (${EXAMPLES.recipients})`]),
    ...(notifyFrom ? [] : [`${CONTEXT_PREFIX}notifyFrom is required (${EXAMPLES.notifyFrom})`]),
    ...(deskFrom
      ? []
      : [
          `${CONTEXT_PREFIX}deskFrom is required: the address members get acknowledgements and replies from, one of the recipients, on a verified SES identity (${EXAMPLES.deskFrom})`,
        ]),
    ...(alarmEmail !== undefined || given.alarmTopicArn !== undefined
      ? []
      : [
          `${CONTEXT_PREFIX}alarmEmail or ${CONTEXT_PREFIX}alarmTopicArn is required: alarms must reach someone (-c contact-router:alarmEmail=oncall@yourpharmacy.com)`,
        ]),
    ...(sandbox || (given.consoleDomainNames?.length && given.consoleCertificateArn !== undefined)
      ? []
      : [
          `${CONTEXT_PREFIX}consoleDomainNames and ${CONTEXT_PREFIX}consoleCertificateArn are required: the staff console serves PHI, and on its *.cloudfront.net name CloudFront forces the TLSv1 security policy; give its host name and an ACM certificate for it in us-east-1 (${CONSOLE_DOMAIN_EXAMPLE})`,
        ]),
  ];
  if (!recipients || !notifyFrom || !deskFrom || missing.length > 0) {
    throw new InvalidPropsError('CDK context', [
      ...missing,
      'or deploy a sandbox that accepts placeholders: -c contact-router:sandbox=true',
    ]);
  }
  return {
    recipients,
    notifyFrom,
    deskFrom,
    ...optional('deskName', given.deskName),
    ...(alarmEmail === undefined ? {} : { alarmEmail }),
    ...(given.alarmTopicArn === undefined ? {} : { existingAlarmTopicArn: given.alarmTopicArn }),
    console: {
      callbackUrls,
      logoutUrls: given.consoleLogoutUrls ?? callbackUrls,
      ...(given.authDomainPrefix === undefined ? {} : { domainPrefix: given.authDomainPrefix }),
    },
    sandbox,
    ...optional('consoleDomainNames', given.consoleDomainNames),
    ...optional('consoleCertificateArn', given.consoleCertificateArn),
    ...optional('consoleWebAclArn', given.consoleWebAclArn),
    ...optional('consoleAllowedCountries', given.consoleAllowedCountries),
    ...optional('formOrigins', given.formOrigins),
    ...optional('activateReceiptRuleSet', given.activateRuleSet),
    ...optional('allowUnlistedSesRegion', given.allowUnlistedSesRegion),
    ...optional('reservedConcurrency', given.reservedConcurrency),
    ...optional('routeMaxConcurrency', given.routeMaxConcurrency),
    ...optional('rawMailRetentionYears', given.rawMailRetentionYears),
    ...optional('noncurrentVersionRetentionDays', given.noncurrentVersionRetentionDays),
    ...optional('slaBreachAlarmThreshold', given.slaBreachAlarmThreshold),
    ...optional('inboundBacklogSeconds', given.inboundBacklogSeconds),
    ...optional('sourceMaps', given.sourceMaps),
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
