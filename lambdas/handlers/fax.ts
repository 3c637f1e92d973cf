import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { endpointsFromEnvironment } from '../adapters/aws/awsEndpoints.js';
import { s3Client } from '../adapters/aws/s3Client.js';
import { sqsClient } from '../adapters/aws/sqsClient.js';
import { HttpMediaFetcher } from '../adapters/fax/HttpMediaFetcher.js';
import { PhaxioFaxProvider } from '../adapters/fax/PhaxioFaxProvider.js';
import { SinchFaxProvider } from '../adapters/fax/SinchFaxProvider.js';
import { TelnyxFaxProvider } from '../adapters/fax/TelnyxFaxProvider.js';
import { DESK_METRICS } from '../adapters/metrics/deskMetricNames.js';
import { S3BlobStore } from '../adapters/s3/S3BlobStore.js';
import { type ChannelSecrets, loadChannelSecrets } from '../adapters/secrets/channelSecrets.js';
import { SqsFaxJobQueue } from '../adapters/sqs/SqsFaxJobQueue.js';
import type { FaxProviderName } from '../domain/fax/faxDetails.js';
import type { FaxProvider } from '../domain/fax/faxProvider.js';
import {
  type AcceptFaxOutcome,
  type AcceptFaxServices,
  acceptFaxWebhook,
} from '../domain/ingest/acceptFax.js';
import { systemClock } from '../domain/ports.js';
import type { WebhookRequest } from '../domain/webhookRequest.js';
import * as z from '../domain/zodMini.js';
import { channelMetrics } from './channelMetrics.js';
import { loadConfig } from './loadConfig.js';
import { httpResult, webhookRequestOf } from './webhookEvents.js';

const ConfigSchema = z.object({
  RAW_BUCKET: z.string().check(z.minLength(1)),
  FAX_JOB_QUEUE_URL: z.url(),
  /** Local mode downloads media from a loopback HTTP server; AWS accepts HTTPS only. */
  FAX_MEDIA_ALLOW_LOOPBACK_HTTP: z._default(z.enum(['true', 'false']), 'false'),
});

const logger = new Logger({ serviceName: DESK_METRICS.services.faxIngest });

/**
 * The providers whose secrets are configured, each built on its own: a provider whose secret is
 * malformed is left out (it answers 404) and named in the log, and the others keep taking faxes.
 */
export function faxProviders(secrets: ChannelSecrets): Partial<Record<FaxProviderName, FaxProvider>> {
  const builders: Record<string, () => FaxProvider | undefined> = {
    telnyx: () => (secrets.telnyxPublicKey ? new TelnyxFaxProvider(secrets.telnyxPublicKey) : undefined),
    phaxio: () =>
      secrets.phaxioCallbackToken && secrets.phaxioCallbackUrl
        ? new PhaxioFaxProvider(secrets.phaxioCallbackToken, secrets.phaxioCallbackUrl)
        : undefined,
    sinch: () => (secrets.sinchBasicAuth ? new SinchFaxProvider(secrets.sinchBasicAuth) : undefined),
  };
  const providers: Partial<Record<FaxProviderName, FaxProvider>> = {};
  for (const [name, build] of Object.entries(builders)) {
    try {
      const provider = build();
      if (provider) providers[provider.name] = provider;
    } catch (error) {
      // The message says what is wrong with the key's shape, never the key.
      logger.error('fax provider secret is malformed; the provider is disabled', {
        provider: name,
        problem: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return providers;
}

/** The fax ingest services for the given secrets (local mode passes its own; a provider without secrets answers 404). */
export function faxServicesWith(env: NodeJS.ProcessEnv, secrets: ChannelSecrets): AcceptFaxServices {
  const config = loadConfig(ConfigSchema, env, 'fax-ingest');
  const endpoints = endpointsFromEnvironment(env);
  return {
    providers: faxProviders(secrets),
    blobStore: new S3BlobStore(s3Client(endpoints), config.RAW_BUCKET),
    mediaFetcher: new HttpMediaFetcher({
      allowLoopbackHttp: config.FAX_MEDIA_ALLOW_LOOPBACK_HTTP === 'true',
    }),
    faxJobs: new SqsFaxJobQueue(sqsClient(endpoints), config.FAX_JOB_QUEUE_URL),
    clock: systemClock,
  };
}

/** Cold start in AWS: the secrets from Secrets Manager, and at least one provider configured. */
export async function buildFaxServices(env: NodeJS.ProcessEnv = process.env): Promise<AcceptFaxServices> {
  const { secrets, invalidFields } = await loadChannelSecrets(env);
  if (invalidFields.length > 0) {
    logger.error('channel secret fields are malformed and ignored', { fields: invalidFields });
  }
  const services = faxServicesWith(env, secrets);
  if (Object.keys(services.providers).length === 0) {
    throw new Error(
      'fax-ingest configuration is invalid: no fax provider has its secrets (telnyxPublicKey, phaxioCallbackToken + phaxioCallbackUrl, sinchBasicAuth)',
    );
  }
  return services;
}

/** `POST /inbound/fax/:provider`: the same function in AWS and local mode. */
export async function handleFaxWebhook(
  provider: string,
  request: WebhookRequest,
  services: AcceptFaxServices,
): Promise<AcceptFaxOutcome> {
  const outcome = await acceptFaxWebhook(provider, request, services);
  // Ids and outcomes only; a rejection's reason names a field or a header, never its content.
  logger.info('fax webhook', {
    provider: provider.slice(0, 20),
    outcome: outcome.outcome,
    status: outcome.status,
    ...(typeof outcome.body.faxId === 'string' ? { faxId: outcome.body.faxId } : {}),
  });
  return outcome;
}

let services: Promise<AcceptFaxServices> | undefined;
const metrics = channelMetrics(DESK_METRICS.services.faxIngest, 'fax');

export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  // A failed cold start (the secret not set yet, a throttled GetSecretValue) is retried by the next
  // request rather than cached: a kept rejection would fail every webhook this environment receives.
  services ??= buildFaxServices().catch((error: unknown) => {
    services = undefined;
    throw error;
  });
  const provider = event.pathParameters?.provider ?? '';
  const ready = await services;
  return httpResult(
    await metrics.around(
      () => handleFaxWebhook(provider, webhookRequestOf(event), ready),
      (outcome) => [outcome.outcome],
    ),
  );
}
