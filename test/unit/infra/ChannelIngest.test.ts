import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FAX_OCR_QUEUE } from '../../../lambdas/adapters/resourceDefinitions.js';
import { ChannelIngest } from '../../../lib/constructs/ChannelIngest.js';
import { InvalidPropsError } from '../../../lib/constructs/InvalidPropsError.js';
import { stackWithStores } from './testStack.js';

function channels(deskDomains = ['pharmacy.example'], reservedConcurrency = 50) {
  const { stack, stores, functionDefaults } = stackWithStores(reservedConcurrency);
  const construct = new ChannelIngest(stack, 'Channels', {
    httpApi: new apigw.HttpApi(stack, 'Api'),
    rawBucket: stores.rawBucket,
    dataKey: stores.dataKey,
    inboundQueue: new sqs.Queue(stack, 'Inbound'),
    alarmTopic: new sns.Topic(stack, 'Ops'),
    functionDefaults,
    deskDomains,
  });
  return { template: Template.fromStack(stack), construct };
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

  it('keeps the provider secrets in one KMS-encrypted secret the webhook functions may read', () => {
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
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'] }),
        ]),
      },
    });
  });

  it('gives every API-invoked ingest function its own dead-letter queue and an error alarm', () => {
    for (const description of [
      '^Fax provider webhooks',
      '^Chat widget events',
      '^International inquiry form',
      '^Amazon Connect chat',
    ]) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: Match.stringLikeRegexp(description),
        DeadLetterConfig: { TargetArn: Match.anyValue() },
      });
    }
    const alarms = template.findResources('AWS::CloudWatch::Alarm');
    const errorAlarms = Object.values(alarms).filter((alarm) => alarm.Properties.MetricName === 'Errors');
    expect(errorAlarms).toHaveLength(5);
    for (const alarm of Object.values(alarms)) expect(alarm.Properties.AlarmActions).toHaveLength(1);
  });

  it('runs the OCR step as its own function on its own encrypted queue with a redrive DLQ, allowed to call Textract', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: Match.anyValue(),
      VisibilityTimeout: FAX_OCR_QUEUE.visibilityTimeoutSeconds,
      RedrivePolicy: {
        deadLetterTargetArn: Match.anyValue(),
        maxReceiveCount: FAX_OCR_QUEUE.maxReceiveCount,
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Fax OCR step'),
      Timeout: FAX_OCR_QUEUE.ocrFunctionTimeoutSeconds,
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: FAX_OCR_QUEUE.batchSize,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['textract:StartDocumentTextDetection', 'textract:GetDocumentTextDetection'],
          }),
        ]),
      },
    });
  });

  it('lets Amazon Connect publish chat streams to an encrypted topic the Connect function subscribes to with a DLQ', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'connect.amazonaws.com' }, Action: 'sns:Publish' }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      RedrivePolicy: Match.anyValue(),
    });
  });

  it('keeps the form rate limits in an encrypted on-demand table that expires its counters', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      SSESpecification: Match.objectLike({ SSEEnabled: true, SSEType: 'KMS' }),
    });
  });

  it('reports every invalid prop in one error', () => {
    const build = () => channels(['not a domain'], 0);
    expect(build).toThrow(InvalidPropsError);
    expect(build).toThrow(/reservedConcurrency[\s\S]*deskDomains/);
  });
});
