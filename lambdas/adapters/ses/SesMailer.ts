import { SESv2Client, SESv2ServiceException, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { MailRejectedError } from '../../domain/outbound/deliverOutbox.js';
import type { Mailer, OutboundMail } from '../../domain/ports.js';
import { type AwsEndpoints, clientConfig } from '../aws/awsEndpoints.js';
import { buildRawMime } from './rawMime.js';

/** SES errors no retry can cure: the outbox reports them as rejections, not as transient failures. */
const PERMANENT = new Set([
  'MessageRejected',
  'MailFromDomainNotVerifiedException',
  'AccountSuspendedException',
  'BadRequestException',
  'NotFoundException',
]);

/**
 * The SES v2 client the outbox sends with: one attempt per call (an SDK retry after a timeout could
 * send a mail twice — SES has no idempotency key — so retries are the outbox's, after its hold),
 * and a request timeout far inside the outbox hold.
 */
export function sesOutboxClient(endpoints: AwsEndpoints, requestTimeoutMs = 5_000): SESv2Client {
  return new SESv2Client({
    ...clientConfig(endpoints.ses, endpoints.region),
    maxAttempts: 1,
    requestHandler: { requestTimeout: requestTimeoutMs, connectionTimeout: 2_000 },
  });
}

/**
 * The address of a From value (`Member Services <support@…>` → `support@…`). SES evaluates a
 * sender's IAM condition `ses:FromAddress` against the From address, apart from its display name
 * (`ses:FromDisplayName`), and the stack's grants allow only the function's own sender addresses.
 */
export function fromAddressOf(from: string): string {
  const bracketed = /<([^<>\s]+)>\s*$/.exec(from);
  return (bracketed?.[1] ?? from).trim();
}

/**
 * Every mail the desk sends, through SES v2 as raw MIME built here, so the threading headers
 * (Message-ID, In-Reply-To, References) and RFC 3834's Auto-Submitted reach the member as set.
 * SES replaces Message-ID with its own on the way out: `<provider id@email.amazonses.com>` in
 * us-east-1, `<provider id@<region>.amazonses.com>` elsewhere. Both forms are reported as the ids
 * the member's copy may carry (`deliveredMessageIds`), and the outbox registers them as thread keys
 * of the case, so an answer citing only that id finds its case. The provider id is recorded on the
 * sent outbox entry.
 */
export class SesMailer implements Mailer {
  readonly #client: SESv2Client;
  readonly #from: string;
  readonly #configurationSet: string | undefined;
  readonly #staffConfigurationSet: string | undefined;

  /**
   * `from`: the desk's address (`Member Services <support@…>`) for mail that names no other.
   * `configurationSet`: the SES configuration set to send through (the stack's requires TLS to the
   * member's mail server and suppresses addresses that bounced or complained); by default
   * `SES_CONFIGURATION_SET` of the environment, none where unset. `staffConfigurationSet`: the one
   * for mail to staff (`audience: 'staff'`), which suppresses nothing; by default
   * `SES_STAFF_CONFIGURATION_SET`, else the members' set.
   */
  constructor(
    client: SESv2Client,
    from: string,
    configurationSet: string | undefined = process.env.SES_CONFIGURATION_SET || undefined,
    staffConfigurationSet: string | undefined = process.env.SES_STAFF_CONFIGURATION_SET || undefined,
  ) {
    this.#client = client;
    this.#from = from;
    this.#configurationSet = configurationSet;
    this.#staffConfigurationSet = staffConfigurationSet;
  }

  async send(mail: OutboundMail): Promise<{ providerMessageId?: string; deliveredMessageIds?: string[] }> {
    const from = mail.from ?? this.#from;
    const raw = await buildRawMime(mail, { from, date: new Date() });
    const configurationSet =
      mail.audience === 'staff'
        ? (this.#staffConfigurationSet ?? this.#configurationSet)
        : this.#configurationSet;
    try {
      const result = await this.#client.send(
        new SendEmailCommand({
          // Given explicitly (the raw From header carries the display name), so the IAM condition on
          // ses:FromAddress has the bare address to compare with the function's sender addresses.
          FromEmailAddress: fromAddressOf(from),
          Destination: { ToAddresses: mail.to },
          Content: { Raw: { Data: raw } },
          ...(configurationSet ? { ConfigurationSetName: configurationSet } : {}),
        }),
      );
      if (!result.MessageId) return {};
      const region = await this.#client.config.region();
      return {
        providerMessageId: result.MessageId,
        deliveredMessageIds: [
          `<${result.MessageId}@email.amazonses.com>`,
          `<${result.MessageId}@${region}.amazonses.com>`,
        ],
      };
    } catch (error) {
      if (error instanceof SESv2ServiceException && PERMANENT.has(error.name)) {
        throw new MailRejectedError(`SES rejected the mail: ${error.name}`, { cause: error });
      }
      throw error;
    }
  }
}
