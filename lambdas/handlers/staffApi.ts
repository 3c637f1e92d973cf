import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { handle } from 'hono/aws-lambda';
import { endpointsFromEnvironment } from '../adapters/aws/awsEndpoints.js';
import { documentClient } from '../adapters/aws/dynamoDocumentClient.js';
import { DynamoCaseStore } from '../adapters/dynamo/DynamoCaseStore.js';
import { DynamoSignedOutSessions } from '../adapters/dynamo/DynamoSignedOutSessions.js';
import { PowertoolsSlaMetrics } from '../adapters/metrics/PowertoolsSlaMetrics.js';
import { SesMailer, sesOutboxClient } from '../adapters/ses/SesMailer.js';
import { createStaffApp, type StaffApiLog, type StaffApiServices } from '../api/app.js';
import { authenticateFromApiGateway } from '../api/auth.js';
import { RememberingSignedOutSessions } from '../api/signedOutSessions.js';
import { systemClock } from '../domain/ports.js';
import * as z from '../domain/zodMini.js';
import { deskSettingsFromEnvironment, policyFromEnvironment } from './config.js';
import { loadConfig } from './loadConfig.js';

const ConfigSchema = z.object({
  TABLE_NAME: z.string().check(z.minLength(1)),
  CLAIM_LEASE_MINUTES: z._default(z.coerce.number().check(z.positive()), 15),
  /** The raw-content bucket, for fax page images in the case view; without it they answer 404. */
  RAW_BUCKET: z.optional(z.string().check(z.minLength(1))),
});

const logger = new Logger({ serviceName: 'staff-api' });
const metrics = new Metrics({ namespace: 'ContactRouter', serviceName: 'staff-api' });

export type { StaffApiServices } from '../api/app.js';

/**
 * The staff API's services. Replies need the desk's address (`DESK_FROM`): without it they answer
 * 503 and everything else works. SES sends from this function right after a reply commits; the
 * sweeper retries what it could not send.
 */
export function buildStaffApiServices(env: NodeJS.ProcessEnv = process.env): StaffApiServices {
  const config = loadConfig(ConfigSchema, env, 'staff-api');
  const endpoints = endpointsFromEnvironment(env);
  const policy = policyFromEnvironment(env);
  const desk = deskSettingsFromEnvironment(env, policy, 'staff-api');
  if (!desk) logger.warn('DESK_FROM is not set: replies to members answer 503 until it is');
  const client = documentClient(endpoints);
  return {
    caseStore: new DynamoCaseStore(client, { tableName: config.TABLE_NAME }),
    signedOutSessions: new RememberingSignedOutSessions(
      new DynamoSignedOutSessions(client, config.TABLE_NAME),
    ),
    clock: systemClock,
    policy,
    leaseMs: config.CLAIM_LEASE_MINUTES * 60_000,
    metrics: new PowertoolsSlaMetrics(metrics),
    ...(desk ? { desk, mailer: new SesMailer(sesOutboxClient(endpoints), desk.from) } : {}),
    ...(config.RAW_BUCKET ? { faxPages: lazyPageReader(endpoints, config.RAW_BUCKET) } : {}),
  };
}

/**
 * Fax page images from the raw-content bucket. The S3 client is loaded on the first page asked
 * for, not at cold start: most staff requests never show a fax.
 */
function lazyPageReader(endpoints: ReturnType<typeof endpointsFromEnvironment>, bucket: string) {
  let store: Promise<{ get(key: string): Promise<Uint8Array | undefined> }> | undefined;
  return {
    get: async (key: string) => {
      store ??= Promise.all([
        import('../adapters/s3/S3BlobStore.js'),
        import('../adapters/aws/s3Client.js'),
      ]).then(([{ S3BlobStore }, { s3Client }]) => new S3BlobStore(s3Client(endpoints), bucket));
      return (await store).get(key);
    },
  };
}

export const staffApiLog: StaffApiLog = (level, message, detail) => logger[level](message, detail);

const appsByServices = new WeakMap<StaffApiServices, ReturnType<typeof createStaffApp>>();

/** The staff app for these services; `originToken` only in AWS (the Lambda entry), never for local mode. */
function staffAppFor(services: StaffApiServices, originToken?: string) {
  let app = appsByServices.get(services);
  if (!app) {
    app = createStaffApp({
      services,
      authenticate: authenticateFromApiGateway,
      log: staffApiLog,
      ...(originToken ? { originToken } : {}),
    });
    appsByServices.set(services, app);
  }
  return app;
}

/**
 * One API Gateway (payload 2.0) event through the staff app, the authorizer's claims with it in
 * the bindings the AWS adapter gives (`c.env.event`): what local mode's event-based gateway calls.
 */
export async function handleStaffRequest(
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
  services: StaffApiServices,
): Promise<APIGatewayProxyStructuredResultV2> {
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  let request: Request;
  try {
    request = new Request(`https://${event.requestContext.domainName}${event.rawPath}${query}`, {
      method: event.requestContext.http.method,
      headers: Object.entries(event.headers).flatMap(([name, value]) =>
        value === undefined ? [] : [[name, value] as [string, string]],
      ),
      ...(event.body && !['GET', 'HEAD'].includes(event.requestContext.http.method)
        ? { body: event.isBase64Encoded ? Buffer.from(event.body, 'base64') : event.body }
        : {}),
    });
  } catch {
    return {
      statusCode: 400,
      headers: { 'content-type': 'application/problem+json' },
      body: JSON.stringify({
        type: 'urn:contact-router:problem:malformed-path',
        title: 'The request path is not valid',
        status: 400,
        detail: 'the request URL could not be parsed',
      }),
    };
  }
  const response = await staffAppFor(services).fetch(request, { event });
  const binary = (response.headers.get('content-type') ?? '').startsWith('image/');
  return {
    statusCode: response.status,
    headers: Object.fromEntries(response.headers),
    ...(binary
      ? { body: Buffer.from(await response.arrayBuffer()).toString('base64'), isBase64Encoded: true }
      : { body: await response.text() }),
  };
}

let lambdaHandler: ReturnType<typeof handle> | undefined;

/** The Lambda entry: API Gateway (HTTP API, payload 2.0) has verified the Cognito JWT already. */
export const handler: ReturnType<typeof handle> = async (event, context) => {
  lambdaHandler ??= handle(staffAppFor(buildStaffApiServices(), process.env.ORIGIN_TOKEN));
  try {
    return await lambdaHandler(event, context);
  } finally {
    metrics.publishStoredMetrics();
  }
};
