import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { handle } from 'hono/aws-lambda';
import { describe, expect, it } from 'vitest';
import { createStaffApp } from '../../../lambdas/api/app.js';
import { authenticateFromApiGateway } from '../../../lambdas/api/auth.js';
import { recordInbound } from '../../../lambdas/domain/cases/recordInbound.js';
import { DEFAULT_POLICY } from '../../../lambdas/domain/policy/defaultPolicy.js';
import { handleStaffRequest, type StaffApiServices } from '../../../lambdas/handlers/staffApi.js';
import { InMemoryCaseStore } from '../../helpers/InMemoryCaseStore.js';
import { inboundEmail } from '../../helpers/inboundMessages.js';

/** An HTTP API (payload 2.0) event as API Gateway sends it after its JWT authorizer, array claims flattened. */
function event(
  method: string,
  rawPath: string,
  claims?: Record<string, string>,
  body?: string,
): APIGatewayProxyEventV2WithJWTAuthorizer {
  return {
    version: '2.0',
    routeKey: `${method} ${rawPath}`,
    rawPath,
    rawQueryString: '',
    headers: { host: 'staff.example', ...(body ? { 'content-type': 'application/json' } : {}) },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'staff.example',
      domainPrefix: 'staff',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'test' },
      requestId: 'r1',
      routeKey: `${method} ${rawPath}`,
      stage: '$default',
      time: '27/Nov/2026:16:00:00 +0000',
      timeEpoch: 0,
      authorizer: { principalId: '', integrationLatency: 0, jwt: { claims: claims ?? {}, scopes: [] } },
    },
    ...(body ? { body } : {}),
    isBase64Encoded: false,
  };
}

const clock = { now: () => new Date('2026-11-27T16:00:00.000Z') };
const alice = { sub: 'uuid-alice', username: 'alice', 'cognito:groups': '[agent lang-es]' };

async function services(): Promise<StaffApiServices> {
  const caseStore = new InMemoryCaseStore();
  await recordInbound(inboundEmail(), { caseStore, clock, policy: DEFAULT_POLICY });
  return { caseStore, clock, policy: DEFAULT_POLICY, leaseMs: 15 * 60_000, metrics: { count: () => {} } };
}

describe('staff API Lambda handler', () => {
  it('reads the staff member from the authorizer claims API Gateway passes', async () => {
    const response = await handleStaffRequest(event('GET', '/me', alice), await services());
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? '{}')).toEqual({ id: 'alice', role: 'agent', languages: ['es'] });
  });

  it('refuses an event without authorizer claims', async () => {
    const response = await handleStaffRequest(event('GET', '/queues'), await services());
    expect(response.statusCode).toBe(401);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
  });

  it('answers 400, not 500, for malformed percent-encoding in the path', async () => {
    const response = await handleStaffRequest(event('GET', '/cases/%zz', alice), await services());
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body ?? '{}').type).toBe('urn:contact-router:problem:malformed-path');
  });

  it('answers 400 through the Lambda adapter too (hono/aws-lambda, as API Gateway invokes it)', async () => {
    const lambda = handle(
      createStaffApp({ services: await services(), authenticate: authenticateFromApiGateway }),
    );
    const { body: _body, ...rest } = event('GET', '/cases/%zz', alice);
    const response = await lambda({
      ...rest,
      body: null,
      requestContext: { ...rest.requestContext, authentication: null },
    });
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).detail).toContain('%');
  });

  it('claims for the caller and answers 503 for a reply when no desk address is configured', async () => {
    const configured = await services();
    const claimed = await handleStaffRequest(event('POST', '/queues/fulfillment/claim', alice), configured);
    const { case: kase } = JSON.parse(claimed.body ?? '{}');
    expect(kase).toMatchObject({ assignee: 'alice', state: 'claimed' });
    const reply = await handleStaffRequest(
      event('POST', `/cases/${kase.caseId}/reply`, alice, JSON.stringify({ text: 'hello' })),
      configured,
    );
    expect(reply.statusCode).toBe(503);
  });
});
