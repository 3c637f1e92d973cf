import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type AwsEndpoints, clientConfig } from './awsEndpoints.js';

/** The DynamoDB document client (undefined attributes dropped, as the case store expects). */
export function documentClient(endpoints: AwsEndpoints): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig(endpoints.dynamodb, endpoints.region)), {
    marshallOptions: { removeUndefinedValues: true },
  });
}
