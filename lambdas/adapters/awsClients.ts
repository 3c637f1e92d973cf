import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Endpoint overrides for local mode and integration tests. In AWS every field is absent and the
 * SDK's defaults (region and credentials from the Lambda environment) apply.
 */
export interface AwsEndpoints {
  dynamodb?: string;
  sqs?: string;
  s3?: string;
  ses?: string;
  region?: string;
}

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

function clientConfig(endpoint: string | undefined, region: string | undefined) {
  if (!endpoint) return region ? { region } : {};
  return { endpoint, region: region ?? 'us-east-1', credentials: LOCAL_CREDENTIALS };
}

export function documentClient(endpoints: AwsEndpoints): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig(endpoints.dynamodb, endpoints.region)), {
    marshallOptions: { removeUndefinedValues: true },
  });
}

export function sqsClient(endpoints: AwsEndpoints): SQSClient {
  return new SQSClient(clientConfig(endpoints.sqs, endpoints.region));
}

export function s3Client(endpoints: AwsEndpoints): S3Client {
  return new S3Client({
    ...clientConfig(endpoints.s3, endpoints.region),
    forcePathStyle: Boolean(endpoints.s3),
  });
}

export function sesClient(endpoints: AwsEndpoints): SESv2Client {
  return new SESv2Client(clientConfig(endpoints.ses, endpoints.region));
}

/** Reads the endpoint overrides local mode passes through the environment. */
export function endpointsFromEnvironment(env: NodeJS.ProcessEnv): AwsEndpoints {
  return {
    ...(env.DYNAMODB_ENDPOINT ? { dynamodb: env.DYNAMODB_ENDPOINT } : {}),
    ...(env.SQS_ENDPOINT ? { sqs: env.SQS_ENDPOINT } : {}),
    ...(env.S3_ENDPOINT ? { s3: env.S3_ENDPOINT } : {}),
    ...(env.SES_ENDPOINT ? { ses: env.SES_ENDPOINT } : {}),
    ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}),
  };
}
