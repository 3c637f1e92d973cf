import { SESv2Client } from '@aws-sdk/client-sesv2';
import { type AwsEndpoints, clientConfig } from './awsEndpoints.js';

export function sesClient(endpoints: AwsEndpoints): SESv2Client {
  return new SESv2Client(clientConfig(endpoints.ses, endpoints.region));
}
