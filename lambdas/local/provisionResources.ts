import {
  CreateTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { type AwsEndpoints, s3Client, sqsClient } from '../adapters/awsClients.js';
import { CASE_TABLE, caseTableAttributeNames } from '../adapters/dynamo/caseTableDefinition.js';
import { RATE_LIMIT_TABLE } from '../adapters/ratelimit/DynamoRateLimiter.js';
import {
  FAX_OCR_QUEUE,
  INBOUND_QUEUE,
  RATE_LIMIT_TABLE_NAME_SUFFIX,
} from '../adapters/resourceDefinitions.js';

export interface LocalResources {
  tableName: string;
  inboundQueueUrl: string;
  deadLetterQueueUrl: string;
  rawBucket: string;
  /** Channels: the fax OCR step's queue and DLQ, and the form's rate-limit table. */
  faxOcrQueueUrl: string;
  faxOcrDeadLetterQueueUrl: string;
  rateLimitTableName: string;
}

/** Creates the table, queues and bucket from the same definitions the CDK stack uses. Idempotent. */
export async function provisionResources(
  endpoints: AwsEndpoints,
  prefix = 'contact-router',
): Promise<LocalResources> {
  const tableName = `${prefix}-cases`;
  const dynamodb = new DynamoDBClient({
    endpoint: endpoints.dynamodb,
    region: endpoints.region ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: caseTableAttributeNames().map((name) => ({
          AttributeName: name,
          AttributeType: 'S',
        })),
        KeySchema: [
          { AttributeName: CASE_TABLE.partitionKey, KeyType: 'HASH' },
          { AttributeName: CASE_TABLE.sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: Object.values(CASE_TABLE.indexes).map((index) => ({
          IndexName: index.name,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' },
            { AttributeName: index.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        })),
      }),
    );
    await dynamodb.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: CASE_TABLE.timeToLiveAttribute, Enabled: true },
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  const rateLimitTableName = `${prefix}-${RATE_LIMIT_TABLE_NAME_SUFFIX}`;
  try {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: rateLimitTableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: RATE_LIMIT_TABLE.partitionKey, AttributeType: 'S' }],
        KeySchema: [{ AttributeName: RATE_LIMIT_TABLE.partitionKey, KeyType: 'HASH' }],
      }),
    );
    await dynamodb.send(
      new UpdateTimeToLiveCommand({
        TableName: rateLimitTableName,
        TimeToLiveSpecification: { AttributeName: RATE_LIMIT_TABLE.timeToLiveAttribute, Enabled: true },
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  dynamodb.destroy();

  const sqs = sqsClient(endpoints);
  const deadLetter = await sqs.send(
    new CreateQueueCommand({
      QueueName: `${prefix}-${INBOUND_QUEUE.deadLetterName}`,
      Attributes: { MessageRetentionPeriod: String(INBOUND_QUEUE.deadLetterRetentionDays * 86_400) },
    }),
  );
  const deadLetterQueueUrl = deadLetter.QueueUrl ?? '';
  const deadLetterArn = (
    await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: deadLetterQueueUrl, AttributeNames: ['QueueArn'] }),
    )
  ).Attributes?.QueueArn;
  const inbound = await sqs.send(
    new CreateQueueCommand({
      QueueName: `${prefix}-${INBOUND_QUEUE.name}`,
      Attributes: {
        VisibilityTimeout: String(INBOUND_QUEUE.visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: deadLetterArn,
          maxReceiveCount: INBOUND_QUEUE.maxReceiveCount,
        }),
      },
    }),
  );
  const faxDeadLetter = await sqs.send(
    new CreateQueueCommand({
      QueueName: `${prefix}-${FAX_OCR_QUEUE.deadLetterName}`,
      Attributes: { MessageRetentionPeriod: String(FAX_OCR_QUEUE.deadLetterRetentionDays * 86_400) },
    }),
  );
  const faxOcrDeadLetterQueueUrl = faxDeadLetter.QueueUrl ?? '';
  const faxDeadLetterArn = (
    await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: faxOcrDeadLetterQueueUrl, AttributeNames: ['QueueArn'] }),
    )
  ).Attributes?.QueueArn;
  const faxOcr = await sqs.send(
    new CreateQueueCommand({
      QueueName: `${prefix}-${FAX_OCR_QUEUE.name}`,
      Attributes: {
        VisibilityTimeout: String(FAX_OCR_QUEUE.visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: faxDeadLetterArn,
          maxReceiveCount: FAX_OCR_QUEUE.maxReceiveCount,
        }),
      },
    }),
  );
  sqs.destroy();

  const rawBucket = `${prefix}-raw`;
  const s3 = s3Client(endpoints);
  try {
    await s3.send(new CreateBucketCommand({ Bucket: rawBucket }));
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw error;
  }
  s3.destroy();
  return {
    tableName,
    inboundQueueUrl: inbound.QueueUrl ?? '',
    deadLetterQueueUrl,
    rawBucket,
    faxOcrQueueUrl: faxOcr.QueueUrl ?? '',
    faxOcrDeadLetterQueueUrl,
    rateLimitTableName,
  };
}
