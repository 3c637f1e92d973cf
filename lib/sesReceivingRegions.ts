/**
 * Regions where Amazon SES receives email (an `inbound-smtp.<region>.amazonaws.com` endpoint), from
 * the "Email receiving endpoints" table of "Amazon Simple Email Service endpoints and quotas" in the
 * AWS General Reference (https://docs.aws.amazon.com/general/latest/gr/ses.html#ses_inbound_endpoints).
 * SES sends mail in more regions than it receives it; a receipt rule set in any other region is
 * accepted by CloudFormation and never sees a message. AWS adds receiving regions from time to time:
 * check the table, and deploy with `-c contact-router:allowUnlistedSesRegion=true` if yours is new.
 */
export const SES_RECEIVING_REGIONS = [
  'us-east-1',
  'us-east-2',
  'us-west-2',
  'ca-central-1',
  'eu-central-1',
  'eu-west-1',
  'eu-west-2',
  'ap-northeast-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
] as const;

/** The MX host SES receives on in `region`. */
export function inboundSmtpHost(region: string): string {
  return `inbound-smtp.${region}.amazonaws.com`;
}
