import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { telnyxKeys } from '../../helpers/channelFakes.js';

/**
 * `services ??= buildFaxServices()` in lambdas/handlers/fax.ts (and chat.ts) keeps a rejected
 * promise: one failed Secrets Manager call at cold start answers every later request in that
 * execution environment with the same error, however long it lives.
 */
describe('review: fax webhook cold start', () => {
  let server: Server;
  let requests = 0;
  const keys = telnyxKeys();

  beforeAll(async () => {
    // A Secrets Manager stand-in: the first GetSecretValue fails (a non-retryable 400), later ones answer.
    server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        requests++;
        response.setHeader('content-type', 'application/x-amz-json-1.1');
        if (requests === 1) {
          response.statusCode = 400;
          response.end(JSON.stringify({ __type: 'InternalServiceError', message: 'transient' }));
          return;
        }
        response.end(
          JSON.stringify({
            ARN: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:channels',
            Name: 'channels',
            SecretString: JSON.stringify({ telnyxPublicKey: keys.publicKeyBase64 }),
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${port}`,
      CHANNEL_SECRETS_ARN: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:channels',
      RAW_BUCKET: 'raw',
      FAX_JOB_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/111122223333/fax-jobs',
    });
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const unsignedWebhook = {
    version: '2.0',
    routeKey: 'POST /inbound/fax/{provider}',
    rawPath: '/inbound/fax/telnyx',
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    pathParameters: { provider: 'telnyx' },
    body: '{}',
    isBase64Encoded: false,
    requestContext: {
      domainName: 'desk.example',
      http: { method: 'POST', path: '/inbound/fax/telnyx', sourceIp: '198.51.100.1' },
    },
  } as unknown as APIGatewayProxyEventV2;

  it('reads the secret again after a failed cold start instead of failing every later request', async () => {
    const { handler } = await import('../../../lambdas/handlers/fax.js');
    await expect(handler(unsignedWebhook)).rejects.toThrow();

    // Secrets Manager answers now: an unsigned webhook is a 401, not the cold start's error again.
    const second = await handler(unsignedWebhook).catch((error: Error) => error);
    expect(second).toMatchObject({ statusCode: 401 });
  });
});
