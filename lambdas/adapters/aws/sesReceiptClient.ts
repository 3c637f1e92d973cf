import { SESClient } from '@aws-sdk/client-ses';
import { type AwsEndpoints, clientConfig } from './awsEndpoints.js';

/** SES v1: receipt rule sets exist only in the classic API (SES v2 has no receiving calls). */
export function sesReceiptClient(endpoints: AwsEndpoints): SESClient {
  return new SESClient(clientConfig(endpoints.ses, endpoints.region));
}
