import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { type APIGatewayProxyResult, handle } from 'hono/aws-lambda';
import { z } from 'zod';
import { documentClient, endpointsFromEnvironment } from '../adapters/awsClients.js';
import { DynamoCaseStore } from '../adapters/dynamo/DynamoCaseStore.js';
import { PowertoolsSlaMetrics } from '../adapters/metrics/PowertoolsSlaMetrics.js';
import { SesMailer, sesOutboxClient } from '../adapters/ses/SesMailer.js';
import { createStaffApp, type StaffApiLog, type StaffApiServices } from '../api/app.js';
import { authenticateFromApiGateway } from '../api/auth.js';
import { systemClock } from '../domain/ports.js';
import { deskSettingsFromEnvironment, loadConfig, policyFromEnvironment } from './config.js';

const ConfigSchema = z.object({
  TABLE_NAME: z.string().min(1),
  CLAIM_LEASE_MINUTES: z.coerce.number().positive().default(15),
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
  return {
    caseStore: new DynamoCaseStore(documentClient(endpoints), { tableName: config.TABLE_NAME }),
    clock: systemClock,
    policy,
    leaseMs: config.CLAIM_LEASE_MINUTES * 60_000,
    metrics: new PowertoolsSlaMetrics(metrics),
    ...(desk ? { desk, mailer: new SesMailer(sesOutboxClient(endpoints), desk.from) } : {}),
  };
}

export const staffApiLog: StaffApiLog = (level, message, detail) => logger[level](message, detail);

type LambdaHandler = ReturnType<typeof handle>;
const handlersByServices = new WeakMap<StaffApiServices, LambdaHandler>();

/**
 * One API Gateway (payload 2.0) event through the staff app, with the claims the JWT authorizer put
 * in it: what the Lambda runs, and what local mode's gateway calls with dev-token claims.
 */
export async function handleStaffRequest(
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
  services: StaffApiServices,
): Promise<APIGatewayProxyResult> {
  let lambdaHandler = handlersByServices.get(services);
  if (!lambdaHandler) {
    lambdaHandler = handle(
      createStaffApp({ services, authenticate: authenticateFromApiGateway, log: staffApiLog }),
    );
    handlersByServices.set(services, lambdaHandler);
  }
  return lambdaHandler(event);
}

let services: StaffApiServices | undefined;

/** The Lambda entry: API Gateway (HTTP API, payload 2.0) has verified the Cognito JWT already. */
export async function handler(
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
): Promise<APIGatewayProxyResult> {
  services ??= buildStaffApiServices();
  try {
    return await handleStaffRequest(event, services);
  } finally {
    metrics.publishStoredMetrics();
  }
}
