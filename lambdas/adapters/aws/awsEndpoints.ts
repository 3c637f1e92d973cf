/**
 * Endpoint overrides for local mode and integration tests. In AWS every field is absent and the
 * SDK's defaults (region and credentials from the Lambda environment) apply.
 *
 * Plain data: no SDK import, so a handler that reads its endpoints loads no client it does not use.
 */
export interface AwsEndpoints {
  dynamodb?: string;
  sqs?: string;
  s3?: string;
  ses?: string;
  region?: string;
}

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** The client settings for one service: the SDK defaults in AWS, the emulator with dummy credentials locally. */
export function clientConfig(
  endpoint: string | undefined,
  region: string | undefined,
): { region?: string; endpoint?: string; credentials?: typeof LOCAL_CREDENTIALS } {
  if (!endpoint) return region ? { region } : {};
  return { endpoint, region: region ?? 'us-east-1', credentials: LOCAL_CREDENTIALS };
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
