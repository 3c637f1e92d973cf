import { CfnOutput, RemovalPolicy, Stack, type StackProps, Token } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ChannelIngest } from './constructs/ChannelIngest.js';
import { alarmDestinationProblems, DeskMonitoring } from './constructs/DeskMonitoring.js';
import { FaxJobQueue } from './constructs/FaxJobQueue.js';
import { domainsOf, InboundMailPipeline } from './constructs/InboundMailPipeline.js';
import { InvalidPropsError } from './constructs/InvalidPropsError.js';
import { PhiDataStores, retentionProblems } from './constructs/PhiDataStores.js';
import {
  emailAddressProblems,
  placeholderProblems,
  recipientsProblems,
  reservedConcurrencyProblems,
} from './constructs/propChecks.js';
import { ReceiptRuleSetActivation } from './constructs/ReceiptRuleSetActivation.js';
import {
  type RouterFunctionDefaults,
  sqsMaxConcurrencyProblems,
  sqsReservationProblems,
} from './constructs/RouterFunction.js';
import { SlaSweeper } from './constructs/SlaSweeper.js';
import {
  LANGUAGE_GROUPS,
  STAFF_GROUPS,
  StaffApi,
  type StaffConsoleClient,
  staffConsoleProblems,
} from './constructs/StaffApi.js';
import { consoleEdgeProblems, StaffConsole } from './constructs/StaffConsole.js';
import { inboundSmtpHost, SES_RECEIVING_REGIONS } from './sesReceivingRegions.js';

export interface RouterStackProps extends StackProps {
  /** Addresses (or domains) SES receives for: the desk's inbound addresses. */
  recipients: string[];
  /** Sender of supervisor notices: an address whose identity (the address or its domain) SES has verified. */
  notifyFrom: string;
  /**
   * The desk's address on mail to members (acknowledgements, replies): an address on a verified SES
   * identity, and one of `recipients` (or in a domain they cover), since members reply to it.
   */
  deskFrom: string;
  /** The display name on members' mail (`Member Services`, the functions' default). */
  deskName?: string;
  /** The on-call address subscribed to the alarm topic. Exclusive with `existingAlarmTopicArn`. */
  alarmEmail?: string;
  /** An existing SNS topic (pager, chat) for alarms instead of a new one. Exclusive with `alarmEmail`. */
  existingAlarmTopicArn?: string;
  /** The staff console's OAuth client: callback and logout URLs, hosted sign-in domain prefix. */
  console: StaffConsoleClient;
  /**
   * The staff console's own host names, served with `consoleCertificateArn` (an ACM certificate in
   * us-east-1) and the TLSv1.2_2021 security policy; the stack registers `https://<name>/` as the
   * sign-in client's callback and logout URL. Required unless `sandbox`: the console serves case views
   * and fax pages (PHI), and on its *.cloudfront.net name CloudFront forces the TLSv1 policy.
   */
  consoleDomainNames?: string[];
  consoleCertificateArn?: string;
  /** A WAFv2 web ACL of CLOUDFRONT scope (us-east-1) in front of the console and the staff API paths. */
  consoleWebAclArn?: string;
  /** ISO 3166-1 alpha-2 countries staff may open the console from (CloudFront geo restriction); default: anywhere. */
  consoleAllowedCountries?: string[];
  /** Origins of the web pages that post the international form (CORS); none by default. */
  formOrigins?: string[];
  /**
   * Make this stack's receipt rule set the region's active one. Off by default: SES has one active
   * set per account and region, and activating replaces the one in use.
   */
  activateReceiptRuleSet?: boolean;
  /**
   * A sandbox: placeholder addresses (reserved example domains such as pharmacy.example) are accepted.
   * Never for a desk that should receive mail.
   */
  sandbox?: boolean;
  /** Deploy to a region missing from `SES_RECEIVING_REGIONS` (one AWS added after that list). */
  allowUnlistedSesRegion?: boolean;
  /**
   * Reserved concurrency per function (two for the sweeper); unset by default so a new account (quota
   * as low as 10) can deploy. Lambda leaves 100 executions of the account quota unreserved, so the
   * quota must be at least 8 × N + 2 + 100 (eight functions reserve N) plus other stacks' reservations.
   */
  reservedConcurrency?: number;
  /** Most route-inbound invocations at once (SQS event source maximum concurrency); default 5. */
  routeMaxConcurrency?: number;
  /** Years raw mail is kept (default 10, 42 CFR 423.505(d)). */
  rawMailRetentionYears?: number;
  /** Days replaced or deleted raw-mail versions are kept (default 30). */
  noncurrentVersionRetentionDays?: number;
  /** SLA breaches within 15 minutes that raise the spike alarm (default 10). */
  slaBreachAlarmThreshold?: number;
  /** Seconds the oldest inbound message may wait before the backlog alarm (default 900). */
  inboundBacklogSeconds?: number;
  /** Resolve stack traces through source maps at run time (costs every cold start; default off). */
  sourceMaps?: boolean;
  /** Addresses fax services mail received faxes to (fax-to-email); they must be among `recipients`. */
  faxEmailAddresses?: string[];
  /** Place the functions in this VPC (with endpoints) where account policy demands it. */
  vpc?: ec2.IVpc;
  logRetention?: logs.RetentionDays;
  /** Keep PHI stores on stack deletion (default) or destroy them (sandboxes only). */
  removalPolicy?: RemovalPolicy;
}

/** Every problem with the stack's props and region, so a deployer fixes them in one pass. */
export function routerStackProblems(props: RouterStackProps, region: string): string[] {
  const problems = [
    ...recipientsProblems(props.recipients),
    ...emailAddressProblems('notifyFrom', props.notifyFrom),
    ...emailAddressProblems('deskFrom', props.deskFrom),
    ...(receivedBy(props.deskFrom, props.recipients)
      ? []
      : [
          `\`deskFrom\` must be one of \`recipients\` or in a domain they cover: members reply to it, and their replies must reach the desk; received ${JSON.stringify(props.deskFrom)} with recipients ${JSON.stringify(props.recipients)}`,
        ]),
    ...deskNameProblems(props.deskName),
    ...(props.faxEmailAddresses ?? []).flatMap((address) => [
      ...emailAddressProblems('faxEmailAddresses', address),
      ...(receivedBy(address, props.recipients)
        ? []
        : [
            `\`faxEmailAddresses\` entries must be among \`recipients\` (SES must receive the faxed mail); received ${JSON.stringify(address)}`,
          ]),
    ]),
    ...alarmDestinationProblems({
      ...(props.alarmEmail === undefined ? {} : { alarmEmail: props.alarmEmail }),
      ...(props.existingAlarmTopicArn === undefined
        ? {}
        : { existingAlarmTopic: props.existingAlarmTopicArn }),
    }),
    ...(props.existingAlarmTopicArn === undefined || SNS_TOPIC_ARN.test(props.existingAlarmTopicArn)
      ? []
      : [
          `\`existingAlarmTopicArn\` must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>); received ${JSON.stringify(props.existingAlarmTopicArn)}`,
        ]),
    ...positiveIntegerProblems('slaBreachAlarmThreshold', props.slaBreachAlarmThreshold),
    ...positiveIntegerProblems('inboundBacklogSeconds', props.inboundBacklogSeconds),
    ...(props.routeMaxConcurrency === undefined ||
    (Number.isInteger(props.routeMaxConcurrency) &&
      props.routeMaxConcurrency >= 2 &&
      props.routeMaxConcurrency <= 1000)
      ? []
      : [
          `\`routeMaxConcurrency\` must be an integer from 2 to 1000 (SQS event sources); received ${props.routeMaxConcurrency}`,
        ]),
    ...staffConsoleProblems(props.console),
    ...consoleEdgeProblems(
      {
        ...(props.consoleDomainNames ? { domainNames: props.consoleDomainNames } : {}),
        ...(props.consoleCertificateArn === undefined ? {} : { certificateArn: props.consoleCertificateArn }),
        ...(props.consoleWebAclArn === undefined ? {} : { webAclArn: props.consoleWebAclArn }),
        ...(props.consoleAllowedCountries ? { allowedCountries: props.consoleAllowedCountries } : {}),
      },
      (setting) => `console${setting[0]?.toUpperCase()}${setting.slice(1)}`,
    ),
    ...retentionProblems(props),
    ...(props.reservedConcurrency === undefined
      ? []
      : reservedConcurrencyProblems('reservedConcurrency', props.reservedConcurrency)),
    // Route-inbound and the fax OCR step are invoked by SQS event sources.
    ...(props.reservedConcurrency !== undefined && props.reservedConcurrency > 0
      ? sqsReservationProblems('reservedConcurrency', props.reservedConcurrency)
      : []),
    ...sqsMaxConcurrencyProblems('routeMaxConcurrency', props.routeMaxConcurrency, props.reservedConcurrency),
  ];
  if (!props.sandbox) {
    if (!props.consoleDomainNames?.length || props.consoleCertificateArn === undefined) {
      problems.push(
        `\`consoleDomainNames\` and \`consoleCertificateArn\` are required outside a sandbox: the staff console serves case views and fax pages (PHI), and on its *.cloudfront.net name CloudFront forces the TLSv1 security policy; give its host name and an ACM certificate for it in us-east-1 (${CONSOLE_DOMAIN_EXAMPLE}), or deploy a sandbox with -c contact-router:sandbox=true`,
      );
    }
    problems.push(
      ...placeholderProblems('recipients', props.recipients),
      ...placeholderProblems('notifyFrom', [props.notifyFrom]),
      ...placeholderProblems('deskFrom', [props.deskFrom]),
      ...placeholderProblems('alarmEmail', props.alarmEmail === undefined ? [] : [props.alarmEmail]),
    );
  }
  if (Token.isUnresolved(region)) {
    problems.push(
      'the stack has no region: set `env.region` (or CDK_DEFAULT_REGION / AWS_REGION) to a region where SES receives email',
    );
  } else if (
    !props.allowUnlistedSesRegion &&
    !(SES_RECEIVING_REGIONS as readonly string[]).includes(region)
  ) {
    problems.push(
      `SES does not receive email in ${region}: deploy to one of ${SES_RECEIVING_REGIONS.join(', ')} (AWS General Reference, SES "Email receiving endpoints"), or pass -c contact-router:allowUnlistedSesRegion=true if AWS has added ${region} since`,
    );
  }
  return problems;
}

/** The context keys that give the staff console its own name, as a deployer types them. */
export const CONSOLE_DOMAIN_EXAMPLE =
  '-c contact-router:consoleDomainNames=staff.desk.yourpharmacy.com -c contact-router:consoleCertificateArn=arn:aws:acm:us-east-1:<account>:certificate/<id>';

const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

function positiveIntegerProblems(name: string, value: number | undefined): string[] {
  return value === undefined || (Number.isInteger(value) && value > 0)
    ? []
    : [`\`${name}\` must be a positive integer; received ${value}`];
}

/**
 * Whether an SES receipt rule with these recipients receives mail to `address`: the address itself,
 * its domain, or a parent domain written with a leading dot (SES matches recipients that way).
 */
export function receivedBy(address: string, recipients: readonly string[]): boolean {
  const lower = address.toLowerCase();
  const domain = lower.split('@')[1] ?? '';
  return recipients.some((recipient) => {
    const entry = recipient.toLowerCase();
    if (entry.includes('@')) return entry === lower;
    return entry.startsWith('.') ? domain.endsWith(entry) : entry === domain;
  });
}

/** The display name goes into a From header: printable, short, without the characters that end it. */
function deskNameProblems(name: string | undefined): string[] {
  return name === undefined || /^[^\p{Cc}<>"\\]{1,100}$/u.test(name)
    ? []
    : [
        `\`deskName\` must be 1–100 characters without control characters, < > " or \\ (it becomes the From display name); received ${JSON.stringify(name)}`,
      ];
}

/**
 * The contact router: SES inbound → raw mail in S3 → ingest → SQS → route → DynamoDB case table; the
 * fax, chat and form channels into the same queue (fax through the OCR step); the SLA sweeper; the
 * staff HTTP API behind a Cognito JWT authorizer and the staff console in front of it; members' mail
 * from the desk's address; alarms on one topic that reaches a person, and the desk's dashboard.
 */
export class RouterStack extends Stack {
  readonly table: dynamodb.TableV2;
  readonly rawBucket: s3.Bucket;
  readonly inboundQueue: sqs.Queue;
  readonly api: apigw.HttpApi;
  readonly monitoring: DeskMonitoring;

  constructor(scope: Construct, id: string, props: RouterStackProps) {
    super(scope, id, props);
    InvalidPropsError.throwIfAny('RouterStack', routerStackProblems(props, this.region));
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    const stores = new PhiDataStores(this, 'PhiDataStores', {
      removalPolicy,
      ...(props.rawMailRetentionYears === undefined
        ? {}
        : { rawMailRetentionYears: props.rawMailRetentionYears }),
      ...(props.noncurrentVersionRetentionDays === undefined
        ? {}
        : { noncurrentVersionRetentionDays: props.noncurrentVersionRetentionDays }),
    });
    this.monitoring = new DeskMonitoring(this, 'Monitoring', {
      ...(props.alarmEmail === undefined ? {} : { alarmEmail: props.alarmEmail }),
      ...(props.existingAlarmTopicArn === undefined
        ? {}
        : {
            existingAlarmTopic: sns.Topic.fromTopicArn(
              this,
              'ExistingAlarmTopic',
              props.existingAlarmTopicArn,
            ),
          }),
    });
    // Mail to members carries PHI (a staff reply quotes their case): SES sends with opportunistic
    // TLS unless a configuration set requires it (SES API reference, DeliveryOptions.TlsPolicy), in
    // which case a receiving server that cannot do TLS gets nothing and SES reports a bounce.
    // An address that hard-bounced or complained is not mailed again through this set (SES API
    // reference, SuppressionOptions): SES places an account under review from a 5 % bounce or 0.1 %
    // complaint rate and may pause its sending, which would stop every acknowledgement and reply. A
    // send to a suppressed address comes back as a bounce, which joins its case (delivery_failed).
    const memberMail = new ses.ConfigurationSet(this, 'MemberMail', {
      tlsPolicy: ses.ConfigurationSetTlsPolicy.REQUIRE,
      reputationMetrics: true,
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    // Supervisor notices: TLS as well (they name cases), but no address is suppressed, neither by
    // this set nor by the account's list: one bounce or spam click must not silence later SLA notices.
    const staffMail = new ses.ConfigurationSet(this, 'StaffMail', {
      tlsPolicy: ses.ConfigurationSetTlsPolicy.REQUIRE,
      reputationMetrics: true,
      disableSuppressionList: true,
    });
    const functionDefaults: RouterFunctionDefaults = {
      dataKey: stores.dataKey,
      mailConfigurationSet: memberMail.configurationSetName,
      staffMailConfigurationSet: staffMail.configurationSetName,
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      monitoring: this.monitoring,
      ...(props.reservedConcurrency === undefined ? {} : { reservedConcurrency: props.reservedConcurrency }),
      ...(props.sourceMaps ? { sourceMaps: true } : {}),
      ...(props.vpc ? { vpc: props.vpc } : {}),
    };
    const deskDomains = domainsOf([...props.recipients, props.deskFrom, props.notifyFrom]);
    const faxJobs = new FaxJobQueue(this, 'FaxJobs', {
      dataKey: stores.dataKey,
      monitoring: this.monitoring,
      ...(props.inboundBacklogSeconds === undefined ? {} : { backlogSeconds: props.inboundBacklogSeconds }),
    });
    const inbound = new InboundMailPipeline(this, 'InboundMailPipeline', {
      recipients: props.recipients,
      deskFrom: props.deskFrom,
      ...(props.deskName === undefined ? {} : { deskName: props.deskName }),
      deskDomains,
      // Only a desk with fax addresses gets fax-to-email (and email ingest the grants it needs).
      ...(props.faxEmailAddresses?.length
        ? { faxToEmail: { jobQueue: faxJobs.queue, addresses: props.faxEmailAddresses } }
        : {}),
      dataKey: stores.dataKey,
      rawBucket: stores.rawBucket,
      table: stores.table,
      functionDefaults,
      monitoring: this.monitoring,
      ...(props.routeMaxConcurrency === undefined ? {} : { routeMaxConcurrency: props.routeMaxConcurrency }),
      ...(props.inboundBacklogSeconds === undefined
        ? {}
        : { inboundBacklogSeconds: props.inboundBacklogSeconds }),
    });
    new SlaSweeper(this, 'SlaSweeper', {
      table: stores.table,
      notifyFrom: props.notifyFrom,
      deskFrom: props.deskFrom,
      ...(props.deskName === undefined ? {} : { deskName: props.deskName }),
      functionDefaults,
      monitoring: this.monitoring,
      ...(props.slaBreachAlarmThreshold === undefined
        ? {}
        : { slaBreachAlarmThreshold: props.slaBreachAlarmThreshold }),
    });
    const staff = new StaffApi(this, 'StaffApi', {
      table: stores.table,
      rawBucket: stores.rawBucket,
      functionDefaults,
      console: props.console,
      deskFrom: props.deskFrom,
      ...(props.deskName === undefined ? {} : { deskName: props.deskName }),
      ...(props.formOrigins ? { formOrigins: props.formOrigins } : {}),
      removalPolicy,
    });
    const activation = props.activateReceiptRuleSet
      ? new ReceiptRuleSetActivation(this, 'ActivateReceiptRuleSet', {
          ruleSet: inbound.ruleSet,
          functionDefaults,
        })
      : undefined;
    const staffConsole = new StaffConsole(this, 'StaffConsole', {
      api: staff.api,
      apiOriginToken: staff.originToken,
      userPoolClient: staff.client,
      ...(staff.domain ? { signInDomain: staff.domain } : {}),
      ...(props.consoleDomainNames?.length && props.consoleCertificateArn !== undefined
        ? {
            domainNames: props.consoleDomainNames,
            certificate: acm.Certificate.fromCertificateArn(
              this,
              'StaffConsoleCertificate',
              props.consoleCertificateArn,
            ),
          }
        : {}),
      ...(props.consoleWebAclArn === undefined ? {} : { webAclArn: props.consoleWebAclArn }),
      ...(props.consoleAllowedCountries ? { allowedCountries: props.consoleAllowedCountries } : {}),
      accessLogs: stores.accessLogs,
      logKey: stores.dataKey,
      removalPolicy,
      ...(props.vpc ? { vpc: props.vpc } : {}),
    });
    // The console's own URLs become the client's callback and logout URLs: its custom names, or in a
    // sandbox its CloudFront name, which the first deploy signs in at without knowing it in advance.
    for (const url of staffConsole.urls) staff.allowConsoleUrl(url);
    const channels = new ChannelIngest(this, 'ChannelIngest', {
      httpApi: staff.api,
      rawBucket: stores.rawBucket,
      dataKey: stores.dataKey,
      inboundQueue: inbound.inboundQueue,
      faxJobs: faxJobs.queue,
      functionDefaults,
      monitoring: this.monitoring,
      removalPolicy,
    });

    this.table = stores.table;
    this.rawBucket = stores.rawBucket;
    this.inboundQueue = inbound.inboundQueue;
    this.api = staff.api;

    const output = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    output('ApiUrl', staff.api.apiEndpoint, 'Staff API base URL (every route needs a Cognito token)');
    output('UserPoolId', staff.userPool.userPoolId, 'Cognito user pool of the staff');
    output(
      'UserPoolClientId',
      staff.client.userPoolClientId,
      'OAuth client of the staff console (code flow + PKCE)',
    );
    if (staff.domain) {
      output('HostedSignInUrl', staff.domain.baseUrl(), 'Cognito hosted sign-in domain of the staff console');
    }
    output(
      'RawBucketName',
      stores.rawBucket.bucketName,
      'Raw mail (email/) and quarantined mail (quarantine/)',
    );
    output('CaseTableName', stores.table.tableName, 'DynamoDB case table');
    output('ReceiptRuleSetName', inbound.ruleSetName, 'SES receipt rule set of the desk');
    output('AlarmTopicArn', this.monitoring.alarmTopic.topicArn, 'Every alarm notifies this topic');
    output(
      'DashboardUrl',
      `https://${this.region}.console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards/dashboard/${this.monitoring.dashboard.dashboardName}`,
      'The desk dashboard',
    );
    output('InboundQueueUrl', inbound.inboundQueue.queueUrl, 'Queue between ingest and routing');
    output(
      'ChannelSecretsArn',
      channels.secret.secretArn,
      'Fax provider and chat widget secrets (JSON): the webhooks answer 500 until they are set',
    );
    output('FaxJobDeadLetterQueueUrl', faxJobs.deadLetters.queueUrl, 'Faxes the OCR step could not read');
    output(
      'InboundDeadLetterQueueUrl',
      inbound.deadLetters.queueUrl,
      'npx contact-router dlq redrive --from this',
    );
    output(
      'EmailIngestFailureQueueUrl',
      inbound.ingestFailures.queueUrl,
      'SES receipts email ingest could not process',
    );

    // The exact next steps, printed by `cdk deploy` with this deployment's names filled in.
    const region = this.region;
    const receiveDomains = domainsOf(props.recipients);
    const steps = [
      `verify the sending and receiving domains in SES: ${deskDomains
        .map((domain) => `aws sesv2 create-email-identity --email-identity ${domain} --region ${region}`)
        .join(' ; ')} (then publish the three DKIM CNAME records it returns)`,
      `publish the MX record: ${receiveDomains.map((domain) => `${domain} MX 10 ${inboundSmtpHost(region)}`).join(' ; ')}`,
      activation
        ? `the receipt rule set ${inbound.ruleSetName} is active (it replaced: "${activation.previouslyActive}")`
        : `activate the receipt rule set (replaces the region's active set): aws ses set-active-receipt-rule-set --rule-set-name ${inbound.ruleSetName} --region ${region} (or redeploy with -c contact-router:activateRuleSet=true)`,
      props.alarmEmail
        ? `confirm the SNS subscription mail sent to ${props.alarmEmail} (alarms reach nobody until then)`
        : 'alarms go to your existing topic: check its subscriptions',
      `create staff: aws cognito-idp admin-create-user --user-pool-id ${staff.userPool.userPoolId} --username <name> --user-attributes Name=email,Value=<address> Name=email_verified,Value=true --region ${region} ; aws cognito-idp admin-add-user-to-group --user-pool-id ${staff.userPool.userPoolId} --username <name> --group-name ${STAFF_GROUPS.agent} (or ${STAFF_GROUPS.supervisor}), and once per language read: --group-name lang-<code> (${LANGUAGE_GROUPS.join(', ')})`,
      `give the channels their secrets: aws secretsmanager put-secret-value --secret-id ${channels.secret.secretArn} --secret-string '{"telnyxPublicKey":"…","chatWidgetSecrets":["…"]}' --region ${region} (only the providers you use: telnyxPublicKey, phaxioCallbackToken + phaxioCallbackUrl, sinchBasicAuth)`,
      `leave the SES sandbox so notices reach any address: aws sesv2 put-account-details --production-access-enabled --mail-type TRANSACTIONAL --website-url <url> --use-case-description <text> --region ${region}`,
    ];
    steps.forEach((step, index) => {
      output(`NextStep${index + 1}`, step, `After deploying, step ${index + 1} of ${steps.length}`);
    });
  }
}
