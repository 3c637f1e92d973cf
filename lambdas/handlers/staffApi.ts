import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';
import { documentClient, endpointsFromEnvironment } from '../adapters/awsClients.js';
import { DynamoCaseStore } from '../adapters/dynamo/DynamoCaseStore.js';
import { PowertoolsSlaMetrics } from '../adapters/metrics/PowertoolsSlaMetrics.js';
import { actOnCase, type CaseActionServices } from '../domain/cases/caseActions.js';
import { viewCase } from '../domain/cases/caseViews.js';
import { claimNextCase, listQueues } from '../domain/cases/claimQueue.js';
import type { StaffMember } from '../domain/cases/staffMember.js';
import { systemClock } from '../domain/ports.js';
import { loadConfig, policyFromEnvironment } from './config.js';

const ConfigSchema = z.object({
  TABLE_NAME: z.string().min(1),
  CLAIM_LEASE_MINUTES: z.coerce.number().positive().default(15),
});

const logger = new Logger({ serviceName: 'staff-api' });
const metrics = new Metrics({ namespace: 'ContactRouter', serviceName: 'staff-api' });

export type StaffApiServices = CaseActionServices;

export function buildStaffApiServices(env: NodeJS.ProcessEnv = process.env): StaffApiServices {
  const config = loadConfig(ConfigSchema, env, 'staff-api');
  return {
    caseStore: new DynamoCaseStore(documentClient(endpointsFromEnvironment(env)), {
      tableName: config.TABLE_NAME,
    }),
    clock: systemClock,
    policy: policyFromEnvironment(env),
    leaseMs: config.CLAIM_LEASE_MINUTES * 60_000,
    metrics: new PowertoolsSlaMetrics(metrics),
  };
}

const ACTION_STATUS = {
  not_found: 404,
  unknown_queue: 404,
  forbidden: 403,
  invalid_state: 409,
  conflict: 409,
} as const;
const ACTIONS = new Set(['pend', 'resolve']);

function json(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

const ClaimsSchema = z.object({
  sub: z.string().min(1),
  username: z.string().optional(),
  'cognito:username': z.string().optional(),
  'cognito:groups': z.string().optional(),
});

/** The staff member behind the verified JWT (API Gateway's authorizer, or local mode's). */
function staffOf(event: APIGatewayProxyEventV2WithJWTAuthorizer): StaffMember | undefined {
  const claims = ClaimsSchema.safeParse(event.requestContext.authorizer?.jwt?.claims);
  if (!claims.success) return undefined;
  return {
    id: claims.data.username ?? claims.data['cognito:username'] ?? claims.data.sub,
    role: claims.data['cognito:groups']?.includes('supervisor') ? 'supervisor' : 'agent',
    languages: [],
  };
}

/** The staff HTTP API: thin mapping from routes to use cases. */
export async function handleStaffRequest(
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
  services: StaffApiServices,
): Promise<APIGatewayProxyStructuredResultV2> {
  const staff = staffOf(event);
  const staffId = staff?.id;
  if (!staff) return json(401, { error: 'unauthorized', message: 'a staff bearer token is required' });
  const method = event.requestContext.http.method;
  const segments = event.rawPath.split('/').filter(Boolean).map(decodeURIComponent);

  if (method === 'GET' && segments.length === 1 && segments[0] === 'queues') {
    return json(200, { queues: await listQueues(services) });
  }
  if (method === 'POST' && segments.length === 3 && segments[0] === 'queues' && segments[2] === 'claim') {
    const outcome = await claimNextCase(segments[1] ?? '', staff, services);
    logger.info('claim', {
      staffId,
      queue: segments[1],
      outcome: outcome.outcome,
      ...('case' in outcome ? { caseId: outcome.case.caseId } : {}),
    });
    if (outcome.outcome === 'unknown_queue')
      return json(404, { error: 'unknown_queue', message: `no queue named "${outcome.queue}"` });
    if (outcome.outcome === 'empty') return json(200, { case: null });
    return json(200, { case: outcome.case });
  }
  if (method === 'GET' && segments.length === 2 && segments[0] === 'cases') {
    const view = await viewCase(segments[1] ?? '', services);
    if (!view) return json(404, { error: 'case_not_found', message: `no case ${segments[1]}` });
    return json(200, view);
  }
  const action = segments[2] ?? '';
  if (method === 'POST' && segments.length === 3 && segments[0] === 'cases' && ACTIONS.has(action)) {
    const request = action === 'pend' ? { action: 'pend' as const } : { action: 'resolve' as const };
    const outcome = await actOnCase(request, segments[1] ?? '', staff, services);
    logger.info('case action', { staffId, action, caseId: segments[1], outcome: outcome.outcome });
    if (outcome.outcome === 'done') return json(200, { case: outcome.case });
    return json(ACTION_STATUS[outcome.outcome], {
      error: outcome.outcome,
      message:
        outcome.outcome === 'forbidden' || outcome.outcome === 'invalid_state'
          ? outcome.reason
          : outcome.outcome === 'conflict'
            ? 'the case changed meanwhile; read it again and retry'
            : `no case ${segments[1]}`,
    });
  }
  return json(404, { error: 'route_not_found', message: `${method} ${event.rawPath} is not a staff route` });
}

let services: StaffApiServices | undefined;

export async function handler(
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
): Promise<APIGatewayProxyStructuredResultV2> {
  services ??= buildStaffApiServices();
  try {
    return await handleStaffRequest(event, services);
  } finally {
    metrics.publishStoredMetrics();
  }
}
