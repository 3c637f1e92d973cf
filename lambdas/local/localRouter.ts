import type { AddressInfo } from 'node:net';
import { type AwsEndpoints, s3Client, sqsClient } from '../adapters/awsClients.js';
import { RAW_CONTENT } from '../adapters/resourceDefinitions.js';
import { S3BlobStore } from '../adapters/s3/S3BlobStore.js';
import type { SweepReport } from '../domain/cases/sweepTimers.js';
import { type Clock, systemClock } from '../domain/ports.js';
import { buildEmailIngestServices, handleEmailReceipt } from '../handlers/emailIngest.js';
import { buildRouteInboundServices, handleInboundBatch } from '../handlers/routeInbound.js';
import { buildSweeperServices, handleSweep } from '../handlers/slaSweeper.js';
import { buildStaffApiServices, handleStaffRequest } from '../handlers/staffApi.js';
import { createGateway } from './gateway.js';
import { type LocalResources, provisionResources } from './provisionResources.js';
import { SqsPoller } from './sqsPoller.js';

export interface LocalRouterOptions {
  endpoints: AwsEndpoints;
  port?: number;
  /** Resource name prefix: tests use their own so runs never share state. */
  prefix?: string;
  maxEmailBytes?: number;
  /** Start the background poller and sweeper (local mode); tests drain and sweep explicitly instead. */
  poll?: boolean;
  /** How often local mode sweeps SLA timers (AWS: every minute by schedule). */
  sweepIntervalMs?: number;
  /** The clock every handler uses; tests pass a fake one. */
  clock?: Clock;
}

export interface LocalRouter {
  url: string;
  resources: LocalResources;
  env: NodeJS.ProcessEnv;
  /** Routes everything waiting in the inbound queue now. */
  drain: (timeoutMs?: number) => Promise<void>;
  /** Runs one SLA sweep now, as the schedule would. */
  sweep: () => Promise<SweepReport>;
  stop: () => Promise<void>;
}

/** The environment each Lambda gets in AWS, pointed at the local emulators. */
export function localEnvironment(endpoints: AwsEndpoints, resources: LocalResources): NodeJS.ProcessEnv {
  return {
    ...process.env,
    AWS_REGION: endpoints.region ?? 'us-east-1',
    DYNAMODB_ENDPOINT: endpoints.dynamodb,
    SQS_ENDPOINT: endpoints.sqs,
    S3_ENDPOINT: endpoints.s3,
    SES_ENDPOINT: endpoints.ses,
    TABLE_NAME: resources.tableName,
    INBOUND_QUEUE_URL: resources.inboundQueueUrl,
    DEAD_LETTER_QUEUE_URL: resources.deadLetterQueueUrl,
    RAW_BUCKET: resources.rawBucket,
    RAW_EMAIL_PREFIX: RAW_CONTENT.emailPrefix,
    NOTIFY_FROM: process.env.NOTIFY_FROM ?? 'sla-alerts@pharmacy.example',
  };
}

/** Local mode: the gateway and the poller around the same handler functions AWS runs. */
export async function startLocalRouter(options: LocalRouterOptions): Promise<LocalRouter> {
  const resources = await provisionResources(options.endpoints, options.prefix);
  const env = localEnvironment(options.endpoints, resources);
  const clock = options.clock ?? systemClock;
  const emailServices = buildEmailIngestServices(env);
  const routeServices = { ...buildRouteInboundServices(env), clock };
  const staffServices = { ...buildStaffApiServices(env), clock };
  const sweeperServices = { ...buildSweeperServices(env), clock };
  const sweep = () => handleSweep(sweeperServices);
  const poller = new SqsPoller(sqsClient(options.endpoints), resources.inboundQueueUrl, (event) =>
    handleInboundBatch(event, routeServices),
  );
  const server = createGateway({
    blobStore: new S3BlobStore(s3Client(options.endpoints), resources.rawBucket),
    rawEmailPrefix: RAW_CONTENT.emailPrefix,
    maxEmailBytes: options.maxEmailBytes ?? RAW_CONTENT.maxEmailBytes,
    ingestEmail: (event) => handleEmailReceipt(event, emailServices),
    staffRequest: (event) => handleStaffRequest(event, staffServices),
    clock,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  let sweeper: NodeJS.Timeout | undefined;
  if (options.poll) {
    poller.start();
    sweeper = setInterval(() => {
      sweep().catch((error: Error) => console.error(`[sweeper] ${error.name}: ${error.message}`));
    }, options.sweepIntervalMs ?? 60_000);
  }
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    resources,
    env,
    drain: (timeoutMs) => poller.drain(timeoutMs),
    sweep,
    stop: async () => {
      clearInterval(sweeper);
      await poller.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
