import { S3Client } from '@aws-sdk/client-s3';
import { type AwsEndpoints, clientConfig } from './awsEndpoints.js';

export function s3Client(endpoints: AwsEndpoints): S3Client {
  return new S3Client({
    ...clientConfig(endpoints.s3, endpoints.region),
    // Emulators answer on one host: virtual-hosted bucket names would not resolve.
    forcePathStyle: Boolean(endpoints.s3),
  });
}
