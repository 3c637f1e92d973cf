import { z } from 'zod';

// The SLA sweeper parses NOTIFY_FROM with z.email() at cold start; synth applies the same rule.
const EmailAddress = z.email();
// SES receipt rules match an address, a domain, or every subdomain of one (a leading dot).
const RecipientDomain = /^\.?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/i;
// SES quota: at most 100 recipients per receipt rule.
const MAX_RECIPIENTS_PER_RULE = 100;

/** Problems with SES receipt-rule recipients, each naming what was expected and what was received. */
export function recipientsProblems(recipients: readonly string[]): string[] {
  if (recipients.length === 0) {
    return [
      '`recipients` must list at least one inbound address (e.g. support@pharmacy.example); received []',
    ];
  }
  const problems = recipients
    .filter((recipient) => !EmailAddress.safeParse(recipient).success && !RecipientDomain.test(recipient))
    .map(
      (recipient) =>
        `\`recipients\` entries must be e-mail addresses or domains (e.g. support@pharmacy.example); received ${JSON.stringify(recipient)}`,
    );
  if (recipients.length > MAX_RECIPIENTS_PER_RULE) {
    problems.push(
      `\`recipients\` may list at most ${MAX_RECIPIENTS_PER_RULE} addresses (one SES receipt rule); received ${recipients.length}`,
    );
  }
  return problems;
}

/** Problems with a prop that must be an e-mail address. */
export function emailAddressProblems(name: string, value: string): string[] {
  return EmailAddress.safeParse(value).success
    ? []
    : [
        `\`${name}\` must be an e-mail address (e.g. sla-alerts@pharmacy.example); received ${JSON.stringify(value)}`,
      ];
}

/** Problems with a Lambda reserved concurrency. */
export function reservedConcurrencyProblems(name: string, value: number): string[] {
  return Number.isInteger(value) && value > 0
    ? []
    : [`\`${name}\` must be a positive integer; received ${value}`];
}

// Names reserved for documentation and tests (RFC 2606, RFC 6761): mail to them never arrives.
const RESERVED_DOMAIN = /(?:^|\.)(?:example|test|invalid|localhost|example\.(?:com|net|org))$/i;

/** True when the address or domain is a placeholder such as support@pharmacy.example. */
export function isPlaceholderAddress(addressOrDomain: string): boolean {
  const domain = addressOrDomain.includes('@') ? (addressOrDomain.split('@')[1] ?? '') : addressOrDomain;
  return RESERVED_DOMAIN.test(domain.replace(/^\./, ''));
}

/**
 * Problems with placeholder addresses in a real deployment: mail to or from a reserved domain never
 * arrives, so a stack deployed with one would silently receive (or notify) nothing.
 */
export function placeholderProblems(name: string, values: readonly string[]): string[] {
  return values
    .filter(isPlaceholderAddress)
    .map(
      (value) =>
        `\`${name}\` is a placeholder (${JSON.stringify(value)} is a reserved example domain): pass your desk's real address, or deploy a sandbox with -c contact-router:sandbox=true`,
    );
}
