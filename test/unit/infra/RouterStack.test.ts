import { App, type CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, HIPAASecurityChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { CASE_TABLE } from '../../../lambdas/adapters/dynamo/caseTableDefinition.js';
import { INBOUND_QUEUE } from '../../../lambdas/adapters/resourceDefinitions.js';
import { ORIGIN_TOKEN_HEADER } from '../../../lambdas/api/originToken.js';
import { staffRouteKeys } from '../../../lambdas/api/routes.js';
import { CHANNEL_FUNCTIONS } from '../../../lib/constructs/ChannelIngest.js';
import { RouterFunction } from '../../../lib/constructs/RouterFunction.js';
import { RouterStack, type RouterStackProps } from '../../../lib/RouterStack.js';
import { roleStatements } from './testStack.js';

const env = { account: '111111111111', region: 'us-east-1' };
const CERTIFICATE_ARN = 'arn:aws:acm:us-east-1:111111111111:certificate/0a1b2c3d-0000-4000-8000-000000000001';
const WEB_ACL_ARN = 'arn:aws:wafv2:us-east-1:111111111111:global/webacl/staff-console/0a1b2c3d';

const PROPS: RouterStackProps = {
  env,
  recipients: ['support@desk.yourpharmacy.com'],
  notifyFrom: 'sla-alerts@yourpharmacy.com',
  deskFrom: 'support@desk.yourpharmacy.com',
  alarmEmail: 'oncall@yourpharmacy.com',
  console: {
    callbackUrls: ['https://desk.yourpharmacy.com/'],
    logoutUrls: ['https://desk.yourpharmacy.com/'],
  },
  consoleDomainNames: ['staff.desk.yourpharmacy.com'],
  consoleCertificateArn: CERTIFICATE_ARN,
};

function synthesize(props: Partial<RouterStackProps> = {}, withNag = false) {
  // Skip esbuild bundling: these tests read the template, not the code.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  if (withNag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new HIPAASecurityChecks(app));
  const stack = new RouterStack(app, 'Test', { ...PROPS, ...props });
  return { app, stack };
}

const FUNCTIONS = [
  'email-ingest',
  'route-inbound',
  'sla-sweeper',
  'staff-api',
  ...Object.values(CHANNEL_FUNCTIONS),
];

describe('RouterStack', () => {
  let template: Template;
  let stack: RouterStack;
  beforeAll(() => {
    stack = synthesize().stack;
    template = Template.fromStack(stack);
  });

  it('creates the case table from the shared definition with PITR and a customer-managed key', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [
        { AttributeName: CASE_TABLE.partitionKey, KeyType: 'HASH' },
        { AttributeName: CASE_TABLE.sortKey, KeyType: 'RANGE' },
      ],
      SSESpecification: Match.objectLike({ SSEEnabled: true, SSEType: 'KMS' }),
      Replicas: [
        Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
      ],
      GlobalSecondaryIndexes: Object.values(CASE_TABLE.indexes).map((index) =>
        Match.objectLike({ IndexName: index.name, Projection: { ProjectionType: 'ALL' } }),
      ),
    });
  });

  it('reports partial batch failures from the route function', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: INBOUND_QUEUE.batchSize,
    });
  });

  it('puts every staff route behind the Cognito JWT authorizer', () => {
    // The channel webhooks (POST /inbound/…) authenticate their senders in their functions.
    const routes = Object.fromEntries(
      Object.entries(template.findResources('AWS::ApiGatewayV2::Route')).filter(
        ([, route]) => !String(route.Properties.RouteKey).startsWith('POST /inbound/'),
      ),
    );
    const keys = Object.values(routes)
      .map((route) => route.Properties.RouteKey)
      .sort();
    expect(keys).toEqual(
      staffRouteKeys()
        .map(({ path, method }) => `${method} ${path}`)
        .sort(),
    );
    for (const route of Object.values(routes)) expect(route.Properties.AuthorizationType).toBe('JWT');
    template.hasResourceProperties('AWS::Cognito::UserPool', { MfaConfiguration: 'ON' });
  });

  it("sends the API only requests that came through the console distribution: its origin header and the staff function's token are one generated secret", () => {
    const secrets = template.findResources('AWS::SecretsManager::Secret', {
      Properties: { Description: Match.stringLikeRegexp('staff console distribution') },
    });
    const [secretId] = Object.keys(secrets);
    if (!secretId) throw new Error('no origin token secret');
    expect(secrets[secretId]?.Properties.GenerateSecretString).toMatchObject({ PasswordLength: 48 });
    // CloudFormation resolves the value at deploy time: the template holds a reference, never the token.
    const reference = {
      'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secretId }, ':SecretString:::}}']],
    };
    const [distribution] = Object.values(template.findResources('AWS::CloudFront::Distribution'));
    const origins = distribution?.Properties.DistributionConfig.Origins as {
      CustomOriginConfig?: unknown;
      OriginCustomHeaders?: { HeaderName: string; HeaderValue: unknown }[];
    }[];
    const apiOrigins = origins.filter((origin) => origin.CustomOriginConfig !== undefined);
    expect(apiOrigins).toHaveLength(1);
    expect(apiOrigins[0]?.OriginCustomHeaders).toEqual([
      { HeaderName: ORIGIN_TOKEN_HEADER, HeaderValue: reference },
    ]);
    const staffFunctions = Object.values(template.findResources('AWS::Lambda::Function')).filter(
      (fn) => fn.Properties.Environment?.Variables?.ORIGIN_TOKEN !== undefined,
    );
    expect(staffFunctions).toHaveLength(1);
    expect(staffFunctions[0]?.Properties.Environment.Variables.ORIGIN_TOKEN).toEqual(reference);
    expect(staffFunctions[0]?.Properties.Description).toContain('Staff HTTP API');
  });

  describe('alarms (finding 2)', () => {
    it('alarms on errors and throttles of every function, the queues, quarantine, the sweeper and breaches', () => {
      const names = Object.values(template.findResources('AWS::CloudWatch::Alarm'))
        .map((alarm) => String(alarm.Properties.AlarmName))
        .sort();

      expect(names).toEqual(
        [
          ...FUNCTIONS.flatMap((fn) => [`Test-${fn}-errors`, `Test-${fn}-throttles`]),
          'Test-inbound-dead-letters',
          'Test-email-ingest-failures',
          'Test-inbound-backlog',
          'Test-email-quarantined',
          'Test-sla-sweeper-not-running',
          'Test-sla-breach-spike',
          'Test-fax-ocr-dead-letters',
          'Test-fax-ocr-backlog',
          'Test-chat-connect-failures',
          'Test-chat-connect-subscription-failures',
          'Test-fax-unauthorized',
          'Test-chat-unauthorized',
        ].sort(),
      );
    });

    it('alarms on a stream of unauthorized fax and chat webhooks, from the metric each channel function emits', () => {
      for (const [channel, service] of [
        ['fax', 'fax-ingest'],
        ['chat', 'chat-ingest'],
      ]) {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          AlarmName: `Test-${channel}-unauthorized`,
          Namespace: 'ContactRouter',
          MetricName: 'InboundUnauthorized',
          Dimensions: Match.arrayWith([
            { Name: 'channel', Value: channel },
            { Name: 'service', Value: service },
          ]),
          Statistic: 'Sum',
          Threshold: 5,
        });
      }
    });

    it('gives every alarm an action on the one alarm topic', () => {
      const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
      template.resourcePropertiesCountIs(
        'AWS::CloudWatch::Alarm',
        { AlarmActions: [{ Ref: Match.stringLikeRegexp('^MonitoringAlarmTopic') }] },
        alarms.length,
      );
    });

    it('uses an existing topic instead when given its ARN', () => {
      const existing = Template.fromStack(
        synthesize({
          alarmEmail: undefined,
          existingAlarmTopicArn: 'arn:aws:sns:us-east-1:111111111111:pager',
        }).stack,
      );

      existing.resourcePropertiesCountIs('AWS::SNS::Topic', { DisplayName: 'contact-router alarms' }, 0);
      existing.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmActions: ['arn:aws:sns:us-east-1:111111111111:pager'],
      });
    });
  });

  it('runs the project functions (4 core, 5 channel) on Node.js 24, arm64, JSON logs, X-Ray, bundled by esbuild', () => {
    const routerFunctions = stack.node.findAll().filter((node) => node instanceof RouterFunction);
    expect(routerFunctions).toHaveLength(FUNCTIONS.length);
    for (const fn of routerFunctions) {
      const resource =
        template.toJSON().Resources[stack.getLogicalId(fn.function.node.defaultChild as CfnResource)];
      expect(resource.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        LoggingConfig: { LogFormat: 'JSON' },
        TracingConfig: { Mode: 'Active' },
      });
    }
  });

  describe('least privilege (finding 4)', () => {
    it("gives every function its own role with no managed policy (no AWSLambdaBasicExecutionRole), CDK's deployment function included", () => {
      const functions = Object.values(template.findResources('AWS::Lambda::Function'));
      // The project's functions and CDK's bucket-deployment function of the staff console.
      expect(functions).toHaveLength(FUNCTIONS.length + 1);
      const roles = template.findResources('AWS::IAM::Role');
      for (const fn of functions) {
        const roleId = fn.Properties.Role['Fn::GetAtt'][0];
        expect(roles[roleId]?.Properties.ManagedPolicyArns, roleId).toBeUndefined();
      }
      expect(JSON.stringify(template.toJSON())).not.toContain('AWSLambdaBasicExecutionRole');
    });

    it('lets each function write logs only to its own KMS-encrypted log group', () => {
      const functions = Object.values(template.findResources('AWS::Lambda::Function'));
      for (const fn of functions) {
        const roleId: string = fn.Properties.Role['Fn::GetAtt'][0];
        const logGroupId: string = fn.Properties.LoggingConfig.LogGroup.Ref;
        const logStatements = roleStatements(template, roleId).filter((statement) =>
          JSON.stringify(statement.Action).includes('logs:'),
        );
        expect(logStatements, roleId).toEqual([
          expect.objectContaining({
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] },
          }),
        ]);
        template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: Match.anyValue() });
      }
    });

    it('grants no table-wide wildcard, no Scan, no BatchWriteItem and no index wildcard to any function', () => {
      const policies = template.findResources('AWS::IAM::Policy', {
        // CDK's deployment function has its own grants on the site bucket (see StaffConsole).
        Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^(?!StaffConsoleDeploymentRole)') }] },
      });
      const text = JSON.stringify(policies);

      expect(text).not.toMatch(
        /dynamodb:\*|dynamodb:Scan|dynamodb:BatchWriteItem|dynamodb:DeleteItem|\/index\/\*/,
      );
      expect(text).not.toMatch(
        /s3:DeleteObject\*|s3:DeleteObjectVersion|s3:List\*|s3:\*|s3:GetObject\*|s3:Abort/,
      );
      expect(text).not.toMatch(/kms:ReEncrypt|kms:GenerateDataKey\*/);
      // Listing only where a dedupe read must see "no such key", and only under its own prefix.
      const listings = Object.values(policies).flatMap((policy) =>
        (policy.Properties.PolicyDocument.Statement as { Action: unknown; Condition?: unknown }[]).filter(
          (statement) => JSON.stringify(statement.Action).includes('s3:List'),
        ),
      );
      // The data key only through the service holding the data, never to decrypt anything directly
      // (the SQS event sources included: their grants are declared, not CDK's SqsEventSource's).
      const keyUses = Object.values(policies).flatMap((policy) =>
        (policy.Properties.PolicyDocument.Statement as { Action: unknown; Condition?: unknown }[]).filter(
          (statement) => JSON.stringify(statement.Action).includes('kms:'),
        ),
      );
      expect(keyUses.length).toBeGreaterThan(0);
      for (const statement of keyUses) {
        expect(JSON.stringify(statement.Condition)).toMatch(
          /"kms:ViaService":"[a-z0-9]+\.us-east-1\.amazonaws\.com"/,
        );
      }
      expect(listings.map((statement) => statement.Condition)).toEqual([
        { StringLike: { 's3:prefix': 'fax/*' } },
        { StringLike: { 's3:prefix': 'chat/widget/*' } },
      ]);
    });

    it('lets the staff function read fax page images of the raw bucket and no other object', () => {
      const objects = roleStatements(template, 'StaffApiRole').filter((statement) =>
        JSON.stringify(statement.Action).includes('s3:'),
      );
      expect(objects.map((statement) => statement.Action)).toEqual(['s3:GetObject']);
      expect(JSON.stringify(objects[0]?.Resource)).toContain('/fax/*/pages/*');
      const staff = Object.values(template.findResources('AWS::Lambda::Function')).find((fn) =>
        String(fn.Properties.Description).startsWith('Staff HTTP API'),
      );
      expect(staff?.Properties.Environment.Variables.RAW_BUCKET).toEqual({
        Ref: expect.stringMatching(/RawBucket|RawContent/),
      });
    });

    it("lets members' mail go out only as the desk's address, and supervisor notices only as notifyFrom", () => {
      const senders = (rolePrefix: string) =>
        roleStatements(template, rolePrefix)
          .filter((statement) => JSON.stringify(statement.Action).includes('ses:Send'))
          .flatMap((statement) => [statement.Resource].flat())
          .map((resource) => JSON.stringify(resource))
          .filter((resource) => resource.includes(':identity/'))
          .map((resource) => resource.replace(/.*identity\/([^"]+)".*/, '$1'))
          .sort();

      const desk = ['desk.yourpharmacy.com', 'support@desk.yourpharmacy.com'];
      expect(senders('InboundMailPipelineRouteInboundRole')).toEqual(desk);
      expect(senders('StaffApiRole')).toEqual(desk);
      expect(senders('SlaSweeperRole')).toEqual(
        [...desk, 'sla-alerts@yourpharmacy.com', 'yourpharmacy.com'].sort(),
      );
      // The domain identities would allow any mailbox of the domain: the From address is pinned.
      const fromAddresses = (rolePrefix: string) =>
        roleStatements(template, rolePrefix)
          .filter((statement) => JSON.stringify(statement.Action).includes('ses:Send'))
          .map((statement) => statement.Condition);
      for (const role of ['InboundMailPipelineRouteInboundRole', 'StaffApiRole']) {
        expect(fromAddresses(role)).toEqual([
          { StringEquals: { 'ses:FromAddress': ['support@desk.yourpharmacy.com'] } },
        ]);
      }
      expect(fromAddresses('SlaSweeperRole')).toEqual([
        {
          StringEquals: {
            'ses:FromAddress': ['sla-alerts@yourpharmacy.com', 'support@desk.yourpharmacy.com'],
          },
        },
      ]);
      const environments = Object.values(template.findResources('AWS::Lambda::Function')).filter(
        (fn) => fn.Properties.Environment?.Variables?.DESK_FROM,
      );
      expect(environments).toHaveLength(3);
    });

    it("sends members' mail through a TLS-only set that suppresses bounces and complaints, and supervisor notices through a TLS-only set that suppresses nothing", () => {
      const sets = template.findResources('AWS::SES::ConfigurationSet');
      const setId = (logicalPrefix: string) =>
        Object.keys(sets).find((id) => id.startsWith(logicalPrefix)) ?? '?';
      const member = setId('MemberMail');
      const staff = setId('StaffMail');
      expect(Object.keys(sets).sort()).toEqual([member, staff].sort());
      for (const id of [member, staff])
        expect(sets[id]?.Properties.DeliveryOptions).toEqual({ TlsPolicy: 'REQUIRE' });
      // Members: hard bounces and complaints suppressed, guarding the account's sending.
      expect(sets[member]?.Properties.SuppressionOptions).toEqual({
        SuppressedReasons: ['BOUNCE', 'COMPLAINT'],
      });
      // Staff: none (the account-level list overridden too), so one spam click cannot silence SLA notices.
      expect(sets[staff]?.Properties.SuppressionOptions).toEqual({ SuppressedReasons: [] });
      const senders = Object.values(template.findResources('AWS::Lambda::Function')).filter(
        (fn) => fn.Properties.Environment?.Variables?.DESK_FROM,
      );
      expect(senders.map((fn) => fn.Properties.Environment.Variables.SES_CONFIGURATION_SET)).toEqual([
        { Ref: member },
        { Ref: member },
        { Ref: member },
      ]);
      // Only the sweeper sends supervisor notices.
      expect(
        senders.map((fn) => fn.Properties.Environment.Variables.SES_STAFF_CONFIGURATION_SET).filter(Boolean),
      ).toEqual([{ Ref: staff }]);
      const expected: Record<string, string[]> = {
        InboundMailPipelineRouteInboundRole: [member],
        StaffApiRole: [member],
        SlaSweeperRole: [member, staff],
      };
      for (const [role, setIds] of Object.entries(expected)) {
        const resources = roleStatements(template, role)
          .filter((statement) => JSON.stringify(statement.Action).includes('ses:Send'))
          .flatMap((statement) => [statement.Resource].flat())
          .map((resource) => JSON.stringify(resource));
        expect(
          resources.filter((resource) => resource.includes(':configuration-set/')),
          role,
        ).toEqual(setIds.map((id) => expect.stringContaining(`{"Ref":"${id}"}`)));
      }
    });

    it('gives email ingest fax-to-email (the fax job queue, fax/email/ writes) only when the desk has fax addresses', () => {
      const emailIngest = (from: Template) =>
        Object.values(from.findResources('AWS::Lambda::Function')).find((fn) =>
          String(fn.Properties.Description).startsWith('SES receipt'),
        );
      expect(emailIngest(template)?.Properties.Environment.Variables.FAX_JOB_QUEUE_URL).toBeUndefined();
      expect(JSON.stringify(roleStatements(template, 'InboundMailPipelineEmailIngestRole'))).not.toContain(
        '/fax/',
      );

      const withFax = Template.fromStack(
        synthesize({
          recipients: ['support@desk.yourpharmacy.com', 'fax@desk.yourpharmacy.com'],
          faxEmailAddresses: ['fax@desk.yourpharmacy.com'],
        }).stack,
      );

      expect(emailIngest(withFax)?.Properties.Environment.Variables).toMatchObject({
        FAX_JOB_QUEUE_URL: expect.anything(),
        FAX_EMAIL_ADDRESSES: 'fax@desk.yourpharmacy.com',
        DESK_DOMAINS: 'desk.yourpharmacy.com,yourpharmacy.com',
      });
      expect(JSON.stringify(roleStatements(withFax, 'InboundMailPipelineEmailIngestRole'))).toContain(
        '/fax/email/*',
      );
    });

    it("registers the console's own name as the sign-in client callback and logout URL, beside the given ones, and not its CloudFront name", () => {
      const [client] = Object.values(template.findResources('AWS::Cognito::UserPoolClient'));
      for (const urls of [client?.Properties.CallbackURLs, client?.Properties.LogoutURLs]) {
        expect(urls).toEqual(['https://desk.yourpharmacy.com/', 'https://staff.desk.yourpharmacy.com/']);
      }
    });

    it('registers the CloudFront name in a sandbox without a console name, where the first deploy cannot know it', () => {
      const sandbox = Template.fromStack(
        synthesize({
          sandbox: true,
          consoleDomainNames: undefined,
          consoleCertificateArn: undefined,
          console: { callbackUrls: [], logoutUrls: [] },
        }).stack,
      );
      const [client] = Object.values(sandbox.findResources('AWS::Cognito::UserPoolClient'));
      expect(client?.Properties.CallbackURLs).toEqual([
        {
          'Fn::Join': [
            '',
            [
              'https://',
              { 'Fn::GetAtt': [expect.stringMatching(/^StaffConsoleDistribution/), 'DomainName'] },
              '/',
            ],
          ],
        },
      ]);
    });
  });

  describe('deploys in a fresh account (finding 6)', () => {
    it('reserves no concurrency by default', () => {
      template.resourcePropertiesCountIs(
        'AWS::Lambda::Function',
        { ReservedConcurrentExecutions: Match.anyValue() },
        0,
      );
    });

    it('reserves the given concurrency when asked (two for the sweeper)', () => {
      const reserved = Template.fromStack(synthesize({ reservedConcurrency: 20 }).stack);

      // email ingest, route, staff API and the five channel functions; never CDK's deployment function.
      reserved.resourcePropertiesCountIs('AWS::Lambda::Function', { ReservedConcurrentExecutions: 20 }, 8);
      reserved.resourcePropertiesCountIs('AWS::Lambda::Function', { ReservedConcurrentExecutions: 2 }, 1);
      // What the README's quota rule is built on: Lambda leaves 100 executions of the account's quota
      // unreserved, so reservedConcurrency N needs a quota of at least 8 × N + 2 + 100.
      const total = Object.values(reserved.findResources('AWS::Lambda::Function')).reduce(
        (sum, fn) => sum + (fn.Properties.ReservedConcurrentExecutions ?? 0),
        0,
      );
      expect(total).toBe(8 * 20 + 2);
    });

    it('keeps every SQS event source at or below its function reservation, whatever the reservation', () => {
      // Lambda throttles an SQS event source above the function's reservation, and each throttled
      // receive counts toward maxReceiveCount: good messages would be dead-lettered.
      for (const reservedConcurrency of [undefined, 3, 20]) {
        const synthesized = Template.fromStack(
          synthesize(reservedConcurrency === undefined ? {} : { reservedConcurrency }).stack,
        );
        const functions = synthesized.findResources('AWS::Lambda::Function');
        const mappings = Object.values(synthesized.findResources('AWS::Lambda::EventSourceMapping'));
        expect(mappings).toHaveLength(2);
        for (const mapping of mappings) {
          const maximum = mapping.Properties.ScalingConfig?.MaximumConcurrency;
          const reserved =
            functions[mapping.Properties.FunctionName.Ref]?.Properties.ReservedConcurrentExecutions;
          expect(maximum, mapping.Properties.FunctionName.Ref).toBeGreaterThanOrEqual(2);
          if (reservedConcurrency !== undefined) expect(maximum).toBeLessThanOrEqual(reserved);
          expect(reserved).toBe(reservedConcurrency);
        }
      }
    });

    it('refuses a reservation SQS cannot keep to, and a routeMaxConcurrency above it, in one error', () => {
      expect(() => synthesize({ reservedConcurrency: 1 })).toThrow(
        /RouterStack: invalid props:[\s\S]*`reservedConcurrency` must be at least 2 for a function an SQS queue invokes/,
      );
      expect(() => synthesize({ reservedConcurrency: 4, routeMaxConcurrency: 8 })).toThrow(
        /RouterStack: invalid props:[\s\S]*`routeMaxConcurrency` \(8\) must not exceed `reservedConcurrency` \(4\)/,
      );
    });

    it('bundles the AWS SDK into each function instead of loading the runtime copy (finding 8)', () => {
      for (const fn of stack.node.findAll().filter((node) => node instanceof RouterFunction)) {
        expect(fn.sdkClients.length).toBeGreaterThan(0);
      }
      template.resourcePropertiesCountIs(
        'AWS::Lambda::Function',
        { Environment: { Variables: Match.objectLike({ NODE_OPTIONS: Match.anyValue() }) } },
        0,
      );
    });
  });

  describe('switched on (finding 3)', () => {
    it('prints the API, user pool, client, bucket, table, rule set and alarm topic as outputs', () => {
      for (const output of [
        'ApiUrl',
        'UserPoolId',
        'UserPoolClientId',
        'RawBucketName',
        'CaseTableName',
        'ReceiptRuleSetName',
        'AlarmTopicArn',
        'DashboardUrl',
        'InboundDeadLetterQueueUrl',
        'InboundQueueUrl',
        'ChannelSecretsArn',
        'FaxJobDeadLetterQueueUrl',
      ]) {
        template.hasOutput(output, { Value: Match.anyValue() });
      }
    });

    it('prints the exact next steps with this deployment names in them', () => {
      const outputs = Object.fromEntries(
        Object.entries(template.findOutputs('*')).filter(([id]) => id.startsWith('NextStep')),
      );
      const text = JSON.stringify(outputs);

      expect(Object.keys(outputs)).toHaveLength(7);
      expect(text).toContain('aws sesv2 create-email-identity --email-identity desk.yourpharmacy.com');
      expect(text).toContain('aws sesv2 create-email-identity --email-identity yourpharmacy.com');
      expect(text).toContain('--group-name lang-<code> (lang-en, lang-es');
      expect(text).toContain('aws secretsmanager put-secret-value --secret-id');
      expect(text).toContain('desk.yourpharmacy.com MX 10 inbound-smtp.us-east-1.amazonaws.com');
      expect(text).toContain('aws ses set-active-receipt-rule-set --rule-set-name Test-inbound-mail');
      expect(text).toContain('oncall@yourpharmacy.com');
      expect(text).toContain('admin-add-user-to-group');
    });

    it('leaves the receipt rule set inactive unless asked (activating replaces the account active set)', () => {
      template.resourceCountIs('Custom::SesActiveReceiptRuleSet', 0);
    });

    it('activates the rule set through a custom resource when asked, after the rule exists', () => {
      const activated = Template.fromStack(synthesize({ activateReceiptRuleSet: true }).stack);

      activated.hasResource('Custom::SesActiveReceiptRuleSet', {
        Properties: {
          ServiceToken: Match.anyValue(),
          RuleSetName: { Ref: Match.stringLikeRegexp('InboundMail') },
        },
        DependsOn: Match.arrayWith([Match.stringLikeRegexp('InboundMailDeskMail')]),
      });
      activated.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Effect: 'Allow',
              Action: ['ses:DescribeActiveReceiptRuleSet', 'ses:SetActiveReceiptRuleSet'],
              Resource: '*',
            },
          ]),
        },
      });
      expect(JSON.stringify(activated.findOutputs('NextStep3'))).toContain('is active');
    });

    it('refuses placeholder addresses unless the stack is a sandbox', () => {
      const placeholders = {
        recipients: ['support@pharmacy.example'],
        notifyFrom: 'sla-alerts@pharmacy.example',
        deskFrom: 'support@pharmacy.example',
        alarmEmail: 'ops@pharmacy.example',
      };

      expect(() => synthesize(placeholders)).toThrow(
        /recipients[\s\S]*placeholder[\s\S]*notifyFrom[\s\S]*placeholder[\s\S]*deskFrom[\s\S]*placeholder[\s\S]*alarmEmail[\s\S]*placeholder/,
      );
      expect(() => synthesize({ ...placeholders, sandbox: true })).not.toThrow();
    });

    it('refuses a region where SES does not receive mail, naming the ones that do', () => {
      const build = () => synthesize({ env: { ...env, region: 'eu-south-1' } });

      expect(build).toThrow(/SES does not receive email in eu-south-1[\s\S]*us-east-1, us-east-2/);
      expect(() =>
        synthesize({ env: { ...env, region: 'eu-south-1' }, allowUnlistedSesRegion: true }),
      ).not.toThrow();
    });

    it('refuses an environment-agnostic stack (no region to check)', () => {
      expect(() => synthesize({ env: undefined })).toThrow(/no region/);
    });

    it('reports every invalid prop in one error', () => {
      const build = () =>
        synthesize({
          recipients: [],
          notifyFrom: 'pharmacy.example',
          deskFrom: 'members@elsewhere.yourpharmacy.com',
          deskName: 'Desk <spoof>',
          faxEmailAddresses: ['fax@elsewhere.yourpharmacy.com'],
          alarmEmail: undefined,
          reservedConcurrency: 0,
          console: { callbackUrls: ['http://desk.yourpharmacy.com/'], logoutUrls: ['desk'] },
        });

      expect(build).toThrow(
        /RouterStack: invalid props:\n {2}- `recipients`[\s\S]*`notifyFrom`[\s\S]*`deskFrom` must be one of `recipients`[\s\S]*`deskName`[\s\S]*`faxEmailAddresses` entries must be among[\s\S]*alarms must reach someone[\s\S]*consoleCallbackUrls[\s\S]*consoleLogoutUrls[\s\S]*`reservedConcurrency`/,
      );
    });
  });

  describe('staff console TLS (the console serves PHI)', () => {
    it('serves the console on its own name with the ACM certificate and TLSv1.2_2021, never the default certificate', () => {
      const distribution = Object.values(template.findResources('AWS::CloudFront::Distribution'))[0];
      const config = distribution?.Properties.DistributionConfig;

      expect(config.Aliases).toEqual(['staff.desk.yourpharmacy.com']);
      expect(config.ViewerCertificate).toEqual({
        AcmCertificateArn: CERTIFICATE_ARN,
        MinimumProtocolVersion: 'TLSv1.2_2021',
        SslSupportMethod: 'sni-only',
      });
      template.hasOutput('*', { Value: 'https://staff.desk.yourpharmacy.com/' });
    });

    it('puts the given web ACL and country allowlist in front of the console and the API paths', () => {
      const guarded = Template.fromStack(
        synthesize({ consoleWebAclArn: WEB_ACL_ARN, consoleAllowedCountries: ['US', 'PR'] }).stack,
      );

      guarded.hasResourceProperties('AWS::CloudFront::Distribution', {
        DistributionConfig: Match.objectLike({
          WebACLId: WEB_ACL_ARN,
          Restrictions: { GeoRestriction: { RestrictionType: 'whitelist', Locations: ['US', 'PR'] } },
        }),
      });
    });

    it('refuses a deployment that is no sandbox without the console name and certificate, naming the keys', () => {
      expect(() => synthesize({ consoleDomainNames: undefined, consoleCertificateArn: undefined })).toThrow(
        /`consoleDomainNames` and `consoleCertificateArn` are required outside a sandbox[\s\S]*TLSv1[\s\S]*-c contact-router:consoleDomainNames=/,
      );
      expect(() => synthesize({ consoleCertificateArn: undefined })).toThrow(/consoleCertificateArn/);
    });

    it('refuses a certificate outside us-east-1, a malformed name, web ACL or country, in one error', () => {
      const build = () =>
        synthesize({
          consoleDomainNames: ['https://staff.desk.yourpharmacy.com/'],
          consoleCertificateArn: CERTIFICATE_ARN.replace('us-east-1', 'us-west-2'),
          consoleWebAclArn: 'arn:aws:wafv2:us-east-1:111111111111:regional/webacl/x/1',
          consoleAllowedCountries: ['usa'],
        });

      expect(build).toThrow(
        /RouterStack: invalid props:[\s\S]*`consoleDomainNames` entries are lowercase host names[\s\S]*`consoleCertificateArn` must be an ACM certificate in us-east-1[\s\S]*`consoleAllowedCountries` entries[\s\S]*`consoleWebAclArn` must be a WAFv2 web ACL of CLOUDFRONT scope/,
      );
    });
  });

  it('passes both packs as a sandbox on the CloudFront default name (its TLS acknowledgement says it holds no PHI)', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new HIPAASecurityChecks(app));
    new RouterStack(app, 'Test', {
      ...PROPS,
      sandbox: true,
      consoleDomainNames: undefined,
      consoleCertificateArn: undefined,
      consoleWebAclArn: WEB_ACL_ARN,
    });
    expect(() => app.synth()).not.toThrow();
  });

  it('passes the AwsSolutions and HIPAA Security packs with every finding acknowledged', () => {
    const { app } = synthesize({ activateReceiptRuleSet: true }, true);
    expect(() => app.synth()).not.toThrow();
  });

  it('passes both packs with a VPC, reservations, fax-to-email and an existing alarm topic too', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new HIPAASecurityChecks(app));
    const network = new Stack(app, 'Network', { env });
    const vpc = new ec2.Vpc(network, 'Vpc', { maxAzs: 2, natGateways: 1 });
    new RouterStack(app, 'Test', {
      ...PROPS,
      recipients: ['support@desk.yourpharmacy.com', 'fax@desk.yourpharmacy.com'],
      faxEmailAddresses: ['fax@desk.yourpharmacy.com'],
      alarmEmail: undefined,
      existingAlarmTopicArn: 'arn:aws:sns:us-east-1:111111111111:pager',
      reservedConcurrency: 20,
      vpc,
    });

    const report = (() => {
      try {
        app.synth();
        return '';
      } catch (error) {
        return String(error);
      }
    })();
    // Findings on the example VPC itself (flow logs and the like) are the network's, not this stack's.
    expect(report.split('\n').filter((line) => /Test\//.test(line))).toEqual([]);
  });

  it('fails synthesis when a finding is left unacknowledged', () => {
    const { app, stack: nagged } = synthesize({}, true);
    new sqs.Queue(nagged, 'UnencryptedQueueWithoutDeadLetters');
    expect(() => app.synth()).toThrow(/validation/i);
  });
});
