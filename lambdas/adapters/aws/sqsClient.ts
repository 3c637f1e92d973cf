import { SQSClient } from '@aws-sdk/client-sqs';
import { type AwsEndpoints, clientConfig } from './awsEndpoints.js';

export function sqsClient(endpoints: AwsEndpoints): SQSClient {
  return new SQSClient(clientConfig(endpoints.sqs, endpoints.region));
}
