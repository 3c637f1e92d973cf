import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClient } from '../../lambdas/adapters/awsClients.js';
import { DynamoSignedOutSessions } from '../../lambdas/adapters/dynamo/DynamoSignedOutSessions.js';
import { mintDevToken } from '../../lambdas/local/devTokens.js';
import { startTestRouter } from '../helpers/localRouter.js';
import { rawRequest, sendRaw } from '../helpers/rawHttp.js';

describe('sign-out that holds for tokens already issued, on the emulators', () => {
  let router: Awaited<ReturnType<typeof startTestRouter>>;
  beforeAll(async () => {
    router = await startTestRouter();
  });
  afterAll(async () => {
    await router?.stop();
  });

  const call = (token: string, path: string, method = 'GET') =>
    fetch(`${router.url}${path}`, { method, headers: { authorization: `Bearer ${token}` } });

  it('refuses a token of a signed-out session at once, and only that session’s tokens', async () => {
    const signedOut = await mintDevToken('dana', process.env, { role: 'supervisor' });
    const otherSession = await mintDevToken('dana', process.env, { role: 'supervisor' });
    expect((await call(signedOut, '/me')).status).toBe(200);

    const answer = await call(signedOut, '/session/sign-out', 'POST');
    expect(answer.status).toBe(204);

    // The same token (a copy kept by anyone) is refused on every route from now on, with a reason.
    for (const path of ['/me', '/queues', '/cases?assignee=me']) {
      const refused = await call(signedOut, path);
      expect(refused.status, path).toBe(401);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect(((await refused.json()) as { detail: string }).detail).toMatch(/signed out/);
    }
    expect((await call(signedOut, '/queues/fulfillment/claim', 'POST')).status).toBe(401);
    expect((await call(signedOut, '/session/sign-out', 'POST')).status).toBe(401);
    // Another sign-in of the same person is untouched.
    expect((await call(otherSession, '/me')).status).toBe(200);
  });

  it('keeps the sign-out in the table, where another container (a fresh store) sees it', async () => {
    const token = await mintDevToken('eli', process.env, { role: 'agent' });
    expect((await call(token, '/session/sign-out', 'POST')).status).toBe(204);
    const jti = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'))
      .jti as string;

    const anotherContainer = new DynamoSignedOutSessions(
      documentClient(router.endpoints),
      router.resources.tableName,
    );
    expect(await anotherContainer.isSignedOut(jti)).toBe(true);
    expect(await anotherContainer.isSignedOut(`${jti}-never-signed-out`)).toBe(false);
  });

  it('answers hostile sign-outs with a 4xx and signs nobody out', async () => {
    const token = await mintDevToken('fay', process.env, { role: 'agent' });
    const forged = `${token.slice(0, -4)}AAAA`;
    const port = Number(new URL(router.url).port);
    // Written by hand, each on a connection of its own (the hostile-input helper).
    const raw = async (requestLine: string, body = '') =>
      (
        await sendRaw(
          port,
          rawRequest(
            requestLine,
            [
              'Host: 127.0.0.1',
              `Authorization: Bearer ${token}`,
              'Content-Type: application/json',
              `Content-Length: ${Buffer.byteLength(body)}`,
            ],
            body,
          ),
        )
      ).status;
    const answers = {
      noToken: await fetch(`${router.url}/session/sign-out`, { method: 'POST' }).then(async (answer) => {
        await answer.arrayBuffer();
        return answer.status;
      }),
      forged: await call(forged, '/session/sign-out', 'POST').then(async (answer) => {
        await answer.arrayBuffer();
        return answer.status;
      }),
      wrongMethod: await raw('GET /session/sign-out HTTP/1.1'),
      hugeBody: await raw('POST /session/sign-out HTTP/1.1', 'x'.repeat(300 * 1024)),
      malformedPath: await raw('POST /session/sign-out%zz HTTP/1.1'),
    };

    expect(answers).toMatchObject({ noToken: 401, forged: 401, hugeBody: 413, malformedPath: 400 });
    expect(answers.wrongMethod).toBeGreaterThanOrEqual(400);
    expect(answers.wrongMethod).toBeLessThan(500);
    // None of them ended the session.
    expect((await call(token, '/me')).status).toBe(200);
  });

  it('describes the route in the OpenAPI document', async () => {
    const document = (await (await fetch(`${router.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(Object.keys(document.paths['/session/sign-out']?.post?.responses ?? {})).toContain('204');
  });
});
