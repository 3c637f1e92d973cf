import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { recordInbound } from '../../../lambdas/domain/cases/recordInbound.js';
import { DEFAULT_POLICY } from '../../../lambdas/domain/policy/defaultPolicy.js';
import { handleStaffRequest } from '../../../lambdas/handlers/staffApi.js';
import { InMemoryCaseStore } from '../../helpers/InMemoryCaseStore.js';
import { inboundEmail } from '../../helpers/inboundMessages.js';

function request(
  method: string,
  path: string,
  claims?: Record<string, string>,
): APIGatewayProxyEventV2WithJWTAuthorizer {
  return {
    rawPath: path,
    requestContext: { http: { method }, ...(claims ? { authorizer: { jwt: { claims, scopes: [] } } } : {}) },
  } as unknown as APIGatewayProxyEventV2WithJWTAuthorizer; // only the fields the handler reads
}

const clock = { now: () => new Date('2026-11-27T16:00:00.000Z') };
const alice = { sub: 'uuid-alice', username: 'alice' };

async function servicesWithOneCase() {
  const caseStore = new InMemoryCaseStore();
  await recordInbound(inboundEmail(), { caseStore, clock, policy: DEFAULT_POLICY });
  const counted: string[] = [];
  return {
    caseStore,
    clock,
    policy: DEFAULT_POLICY,
    leaseMs: 15 * 60_000,
    metrics: { count: (name: string) => void counted.push(name) },
    counted,
  };
}

describe('staff API handler', () => {
  it('refuses a request without verified claims', async () => {
    const response = await handleStaffRequest(request('GET', '/queues'), await servicesWithOneCase());
    expect(response.statusCode).toBe(401);
  });

  it('lists every declared queue with its depth', async () => {
    const response = await handleStaffRequest(request('GET', '/queues', alice), await servicesWithOneCase());
    const body = JSON.parse(response.body ?? '{}') as { queues: { queue: string; depth: number }[] };
    expect(body.queues.map((queue) => queue.queue)).toEqual(
      expect.arrayContaining(Object.keys(DEFAULT_POLICY.queues)),
    );
    expect(body.queues.find((queue) => queue.queue === 'fulfillment')?.depth).toBe(1);
  });

  it('claims for the staff member named by the token, then reports the queue empty', async () => {
    const services = await servicesWithOneCase();
    const first = await handleStaffRequest(request('POST', '/queues/fulfillment/claim', alice), services);
    expect(JSON.parse(first.body ?? '{}').case).toMatchObject({ assignee: 'alice', state: 'claimed' });
    const second = await handleStaffRequest(request('POST', '/queues/fulfillment/claim', alice), services);
    expect(JSON.parse(second.body ?? '{}')).toEqual({ case: null });
  });

  it('pends a claimed case, pausing its business clocks but not leaving the holder', async () => {
    const services = await servicesWithOneCase();
    const claimed = JSON.parse(
      (await handleStaffRequest(request('POST', '/queues/fulfillment/claim', alice), services)).body ?? '{}',
    ).case;
    const response = await handleStaffRequest(
      request('POST', `/cases/${claimed.caseId}/pend`, alice),
      services,
    );
    expect(response.statusCode).toBe(200);
    const pended = services.caseStore.cases.get(claimed.caseId);
    expect(pended?.state).toBe('pending');
    expect(
      pended?.clocks.clocks.filter((clock) => clock.type === 'business').map((clock) => clock.state),
    ).toEqual(expect.arrayContaining(['paused']));
    expect(pended?.nextTimerAt).toBeUndefined();
  });

  it('lets only the holder resolve a case, and counts its clocks as met', async () => {
    const services = await servicesWithOneCase();
    const claimed = JSON.parse(
      (await handleStaffRequest(request('POST', '/queues/fulfillment/claim', alice), services)).body ?? '{}',
    ).case;
    const bob = { sub: 'uuid-bob', username: 'bob' };
    const refused = await handleStaffRequest(
      request('POST', `/cases/${claimed.caseId}/resolve`, bob),
      services,
    );
    expect(refused.statusCode).toBe(403);
    const resolved = await handleStaffRequest(
      request('POST', `/cases/${claimed.caseId}/resolve`, alice),
      services,
    );
    expect(resolved.statusCode).toBe(200);
    expect(services.caseStore.cases.get(claimed.caseId)?.state).toBe('resolved');
    expect(services.counted).toContain('SlaMet');
    const again = await handleStaffRequest(
      request('POST', `/cases/${claimed.caseId}/resolve`, alice),
      services,
    );
    expect(again.statusCode).toBe(409);
  });

  it('answers 404 with a reason for an unknown queue, case or route', async () => {
    const services = await servicesWithOneCase();
    for (const [method, path, error] of [
      ['POST', '/queues/nope/claim', 'unknown_queue'],
      ['GET', '/cases/NOPE', 'case_not_found'],
      ['DELETE', '/queues', 'route_not_found'],
    ] as const) {
      const response = await handleStaffRequest(request(method, path, alice), services);
      expect(response.statusCode).toBe(404);
      expect(JSON.parse(response.body ?? '{}').error).toBe(error);
    }
  });
});
