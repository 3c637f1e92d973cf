import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FAX_OCR_QUEUE } from '../../../lambdas/adapters/resourceDefinitions.js';
import { CHANNEL_FUNCTIONS, ChannelIngest } from '../../../lib/constructs/ChannelIngest.js';
import { InvalidPropsError } from '../../../lib/constructs/InvalidPropsError.js';
import { roleActions, roleStatements, stackWithStores } from './testStack.js';

function channels(reservedConcurrency?: number) {
  const { stack, stores, functionDefaults, monitoring } = stackWithStores(reservedConcurrency);
  const construct = new ChannelIngest(stack, 'Channels', {
    httpApi: new apigw.HttpApi(stack, 'Api'),
    rawBucket: stores.rawBucket,
    dataKey: stores.dataKey,
    inboundQueue: new sqs.Queue(stack, 'Inbound'),
    faxJobs: new sqs.Queue(stack, 'FaxJobs'),
    functionDefaults,
    monitoring,
  });
  return { template: Template.fromStack(stack), construct };
}

/** The S3 object statements of a role: actions and the key pattern under the raw bucket. */
function objectGrants(template: Template, rolePrefix: string) {
  return roleStatements(template, rolePrefix)
    .filter((statement) => /^s3:(Get|Put|Delete)Object/.test(String(statement.Action)))
    .map((statement) => ({
      actions: [statement.Action].flat(),
      keys: (statement.Resource as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1][1],
    }));
}

describe('ChannelIngest', () => {
  let template: Template;
  beforeAll(() => {
    template = channels().template;
  });

  it('adds the three webhook routes to the HTTP API without a JWT authorizer', () => {
    for (const routeKey of ['POST /inbound/fax/{provider}', 'POST /inbound/chat', 'POST /inbound/form']) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: routeKey,
        AuthorizationType: 'NONE',
      });
    }
  });

  it('keeps the provider secrets in one KMS-encrypted secret only the two webhooks that verify signatures may read', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', { KmsKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Fax provider webhooks'),
      Environment: {
        Variables: Match.objectLike({
          CHANNEL_SECRETS_ARN: Match.anyValue(),
          FAX_JOB_QUEUE_URL: Match.anyValue(),
        }),
      },
    });
    const secretsReadBy = (fn: string) =>
      roleStatements(template, `Channels${fn}Role`)
        .filter((statement) => [statement.Action].flat().includes('secretsmanager:GetSecretValue'))
        .map((statement) => JSON.stringify(statement.Resource));
    const readers = ['FaxIngest', 'FaxOcr', 'ChatIngest', 'ChatConnect', 'FormIngest'].filter((fn) =>
      secretsReadBy(fn).some((resource) => resource.includes('ChannelsChannelSecrets')),
    );
    expect(readers).toEqual(['FaxIngest', 'ChatIngest']);
    // The form reads its limiter key and nothing else; no one else reads that key.
    expect(secretsReadBy('FormIngest')).toEqual([expect.stringMatching(/^\{"Ref":"ChannelsFormLimiterKey/)]);
    for (const fn of ['FaxIngest', 'FaxOcr', 'ChatIngest', 'ChatConnect']) {
      expect(secretsReadBy(fn).join()).not.toContain('FormLimiterKey');
    }
    // GetSecretValue alone: no DescribeSecret, no wildcard.
    expect(
      roleActions(template, 'ChannelsFaxIngestRole').filter((a) => a.startsWith('secretsmanager:')),
    ).toEqual(['secretsmanager:GetSecretValue']);
  });

  it('generates the form limiter key (64 letters and digits, KMS-encrypted) and hands the form only its ARN', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Description: Match.stringLikeRegexp('^HMAC key of the international form rate limiter'),
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true, IncludeSpace: false },
      KmsKeyId: Match.anyValue(),
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^International inquiry form'),
      Environment: {
        Variables: Match.objectLike({
          FORM_LIMITER_KEY_ARN: { Ref: Match.stringLikeRegexp('^ChannelsFormLimiterKey') },
        }),
      },
    });
  });

  it.each([
    ['FaxIngest', [{ actions: ['s3:GetObject', 's3:PutObject'], keys: '/fax/*' }]],
    [
      'FaxOcr',
      [
        { actions: ['s3:GetObject'], keys: '/fax/*' },
        { actions: ['s3:PutObject'], keys: '/fax/*/pages/*' },
      ],
    ],
    ['ChatIngest', [{ actions: ['s3:GetObject', 's3:PutObject'], keys: '/chat/widget/*' }]],
    ['ChatConnect', [{ actions: ['s3:PutObject'], keys: '/chat/connect/*' }]],
    [
      'FormIngest',
      [
        { actions: ['s3:GetObject', 's3:PutObject'], keys: '/form/*' },
        { actions: ['s3:PutObject'], keys: '/quarantine/form/*' },
      ],
    ],
  ])('lets %s read and write only its own keys of the raw bucket, no deletes', (fn, expected) => {
    expect(objectGrants(template, `Channels${fn}Role`)).toEqual(expected);
  });

  it('lets the dedupe reads of the fax and chat webhooks see "no such key", listing only their own prefix', () => {
    for (const [fn, prefix] of [
      ['FaxIngest', 'fax/*'],
      ['ChatIngest', 'chat/widget/*'],
    ]) {
      expect(roleStatements(template, `Channels${fn}Role`)).toContainEqual(
        expect.objectContaining({
          Action: 's3:ListBucket',
          Condition: { StringLike: { 's3:prefix': prefix } },
        }),
      );
    }
    for (const fn of ['FaxOcr', 'ChatConnect', 'FormIngest']) {
      expect(roleActions(template, `Channels${fn}Role`)).not.toContain('s3:ListBucket');
    }
  });

  it('sends the fax webhook only to the fax job queue and every other channel only to the inbound queue', () => {
    const queuesOf = (fn: string) =>
      roleStatements(template, `Channels${fn}Role`)
        .filter((statement) => statement.Action === 'sqs:SendMessage')
        .flatMap((statement) => [statement.Resource].flat())
        .map((resource) => JSON.stringify(resource));

    expect(queuesOf('FaxIngest')).toEqual([expect.stringMatching(/"FaxJobs/)]);
    for (const fn of ['FaxOcr', 'ChatIngest', 'FormIngest']) {
      expect(queuesOf(fn)).toEqual([expect.stringMatching(/"Inbound/)]);
    }
    // The Connect function's own failure queue (Lambda sends an asynchronous event there after its retries).
    expect(queuesOf('ChatConnect')).toEqual([
      expect.stringMatching(/"Inbound/),
      expect.stringMatching(/"ChannelsChatConnectFailures/),
    ]);
  });

  it('runs the OCR step on the fax job queue, allowed Textract text detection and nothing else of Textract', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Fax OCR step'),
      Timeout: FAX_OCR_QUEUE.ocrFunctionTimeoutSeconds,
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FaxJobs'), 'Arn'] },
      BatchSize: FAX_OCR_QUEUE.batchSize,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: FAX_OCR_QUEUE.maxConcurrency },
    });
    expect(
      roleActions(template, 'ChannelsFaxOcrRole').filter((action) => action.startsWith('textract:')),
    ).toEqual(['textract:GetDocumentTextDetection', 'textract:StartDocumentTextDetection']);
    for (const fn of ['FaxIngest', 'ChatIngest', 'ChatConnect', 'FormIngest']) {
      expect(roleActions(template, `Channels${fn}Role`).filter((a) => a.startsWith('textract:'))).toEqual([]);
    }
  });

  it("lowers the fax OCR queue's maximum concurrency to the function's reservation, and refuses one below 2", () => {
    const reserved = channels(3).template;
    const faxOcr = Object.entries(reserved.findResources('AWS::Lambda::Function')).find(([, fn]) =>
      String(fn.Properties.Description).startsWith('Fax OCR step'),
    );

    expect(faxOcr?.[1].Properties.ReservedConcurrentExecutions).toBe(3);
    reserved.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: faxOcr?.[0] },
      ScalingConfig: { MaximumConcurrency: 3 },
    });
    expect(() => channels(1)).toThrow(/`reservedConcurrency` must be at least 2/);
  });

  it('lets the form only increment its rate-limit counters, in an encrypted on-demand table that expires them', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      SSESpecification: Match.objectLike({ SSEEnabled: true, SSEType: 'KMS' }),
    });
    expect(roleActions(template, 'ChannelsFormIngestRole').filter((a) => a.startsWith('dynamodb:'))).toEqual([
      'dynamodb:UpdateItem',
    ]);
  });

  it('gives every channel function its own role with no managed policy, logging only to its own group', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(functions).toHaveLength(5);
    const roles = template.findResources('AWS::IAM::Role');
    for (const fn of functions) {
      const roleId: string = fn.Properties.Role['Fn::GetAtt'][0];
      expect(roles[roleId]?.Properties.ManagedPolicyArns, roleId).toBeUndefined();
      expect(
        roleStatements(template, roleId).filter((statement) =>
          JSON.stringify(statement.Action).includes('logs:'),
        ),
      ).toEqual([
        expect.objectContaining({
          Resource: { 'Fn::GetAtt': [fn.Properties.LoggingConfig.LogGroup.Ref, 'Arn'] },
        }),
      ]);
    }
  });

  it('alarms on errors and throttles of every channel function, on each failure queue, and on unauthorized webhooks', () => {
    const names = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((alarm) =>
      String(alarm.Properties.AlarmName),
    );

    expect(names.sort()).toEqual(
      [
        ...Object.values(CHANNEL_FUNCTIONS).flatMap((label) => [
          `Test-${label}-errors`,
          `Test-${label}-throttles`,
        ]),
        'Test-chat-connect-failures',
        'Test-chat-connect-subscription-failures',
        'Test-fax-unauthorized',
        'Test-chat-unauthorized',
      ].sort(),
    );
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toEqual([
        { Ref: expect.stringMatching(/^MonitoringAlarmTopic/) },
      ]);
    }
  });

  it('keeps dead letters only where an invocation is asynchronous: the Connect stream, not the webhooks', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Amazon Connect chat'),
      DeadLetterConfig: { TargetArn: Match.anyValue() },
    });
    for (const description of [
      '^Fax provider webhooks',
      '^Chat widget events',
      '^International inquiry form',
    ]) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: Match.stringLikeRegexp(description),
        DeadLetterConfig: Match.absent(),
      });
    }
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue() },
    });
  });

  it('lets Amazon Connect of this account publish chat streams to an encrypted topic, and use the key for it', () => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 'Test-connect-chat-stream',
      KmsMasterKeyId: Match.anyValue(),
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'connect.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'connect.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } },
          }),
          Match.objectLike({
            Principal: { Service: 'sns.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Condition: {
              ArnEquals: {
                'aws:SourceArn': {
                  'Fn::Join': [
                    '',
                    [
                      'arn:',
                      { Ref: 'AWS::Partition' },
                      ':sns:us-east-1:111111111111:Test-connect-chat-stream',
                    ],
                  ],
                },
              },
            },
          }),
        ]),
      },
    });
  });

  it('reserves concurrency only when the stack asks for it', () => {
    template.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      { ReservedConcurrentExecutions: Match.anyValue() },
      0,
    );
    channels(20).template.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      { ReservedConcurrentExecutions: 20 },
      5,
    );
    expect(() => channels(0)).toThrow(InvalidPropsError);
  });
});
