import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { INBOUND_QUEUE, RAW_CONTENT } from '../../../lambdas/adapters/resourceDefinitions.js';
import { InboundMailPipeline } from '../../../lib/constructs/InboundMailPipeline.js';
import { InvalidPropsError } from '../../../lib/constructs/InvalidPropsError.js';
import { stackWithStores } from './testStack.js';

function pipeline(recipients: string[], reservedConcurrency = 50) {
  const { stack, stores, functionDefaults } = stackWithStores(reservedConcurrency);
  new InboundMailPipeline(stack, 'Inbound', {
    recipients,
    dataKey: stores.dataKey,
    rawBucket: stores.rawBucket,
    table: stores.table,
    functionDefaults,
  });
  return Template.fromStack(stack);
}

describe('InboundMailPipeline', () => {
  let template: Template;
  beforeAll(() => {
    template = pipeline(['support@pharmacy.example', 'appeals@pharmacy.example']);
  });

  it('encrypts the inbound queue with the data key and redrives it to a 14-day dead-letter queue', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: Match.anyValue(),
      VisibilityTimeout: INBOUND_QUEUE.visibilityTimeoutSeconds,
      RedrivePolicy: {
        deadLetterTargetArn: Match.anyValue(),
        maxReceiveCount: INBOUND_QUEUE.maxReceiveCount,
      },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: Match.anyValue(),
      MessageRetentionPeriod: INBOUND_QUEUE.deadLetterRetentionDays * 24 * 60 * 60,
    });
  });

  it('alarms the encrypted ops topic as soon as one message is dead-lettered', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Period: 60,
      Threshold: 1,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('OpsAlerts') }],
    });
  });

  it('requires TLS, scans for spam and viruses, and stores raw mail before invoking ingest asynchronously', () => {
    template.hasResourceProperties('AWS::SES::ReceiptRule', {
      Rule: Match.objectLike({
        Enabled: true,
        Recipients: ['support@pharmacy.example', 'appeals@pharmacy.example'],
        ScanEnabled: true,
        TlsPolicy: 'Require',
        Actions: [
          {
            S3Action: Match.objectLike({
              ObjectKeyPrefix: RAW_CONTENT.emailPrefix,
              KmsKeyArn: Match.anyValue(),
            }),
          },
          { LambdaAction: Match.objectLike({ InvocationType: 'Event' }) },
        ],
      }),
    });
  });

  it('gives email ingest the raw bucket, the inbound queue, two async retries and a failure queue', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^SES receipt'),
      MemorySize: 1024,
      Timeout: 60,
      DeadLetterConfig: { TargetArn: Match.anyValue() },
      Environment: {
        Variables: Match.objectLike({
          RAW_BUCKET: Match.anyValue(),
          RAW_EMAIL_PREFIX: RAW_CONTENT.emailPrefix,
          INBOUND_QUEUE_URL: Match.anyValue(),
        }),
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 2 });
  });

  it('feeds the route function in batches with partial failures and concurrency capped by its reservation', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: INBOUND_QUEUE.batchSize,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 50 },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Triage, route'),
      Timeout: INBOUND_QUEUE.routeFunctionTimeoutSeconds,
      ReservedConcurrentExecutions: 50,
      Environment: {
        Variables: Match.objectLike({
          TABLE_NAME: Match.anyValue(),
          DEAD_LETTER_QUEUE_URL: Match.anyValue(),
        }),
      },
    });
  });

  it('reports every invalid prop in one error', () => {
    const build = () => pipeline([], 0);

    expect(build).toThrow(InvalidPropsError);
    expect(build).toThrow(/recipients[\s\S]*reservedConcurrency/);
  });

  it('rejects a recipient that is neither an address nor a domain', () => {
    expect(() => pipeline(['support@pharmacy.example', 'not an address'])).toThrow(/"not an address"/);
  });

  it('accepts domains and subdomain wildcards as SES recipients', () => {
    expect(() => pipeline(['pharmacy.example', '.pharmacy.example'])).not.toThrow();
  });
});
