import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseChannelSecrets } from '../../../lambdas/adapters/secrets/channelSecrets.js';
import { faxProviders } from '../../../lambdas/handlers/fax.js';
import { telnyxKeys } from '../../helpers/channelFakes.js';

/**
 * Review item 1: `services ??= buildFaxServices()` kept a rejected promise, so one failed Secrets
 * Manager call at cold start answered every later request with the same error; and one malformed
 * provider key disabled every provider.
 */
describe('channel webhook cold start', () => {
  let server: Server;
  let failNextRequest = true;
  const keys = telnyxKeys();
  const widgetSecret = 'w'.repeat(40);

  beforeAll(async () => {
    // A Secrets Manager stand-in: fails when told to (a non-retryable 400), answers otherwise.
    server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        response.setHeader('content-type', 'application/x-amz-json-1.1');
        if (failNextRequest) {
          failNextRequest = false;
          response.statusCode = 400;
          response.end(JSON.stringify({ __type: 'InternalServiceError', message: 'transient' }));
          return;
        }
        response.end(
          JSON.stringify({
            ARN: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:channels',
            Name: 'channels',
            SecretString: JSON.stringify({
              telnyxPublicKey: keys.publicKeyBase64,
              chatWidgetSecrets: [widgetSecret],
            }),
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
      INBOUND_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/111122223333/inbound',
    });
  });

  beforeEach(() => {
    failNextRequest = true;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const unsignedRequest = (path: string, pathParameters: Record<string, string>) =>
    ({
      version: '2.0',
      routeKey: `POST ${path}`,
      rawPath: path,
      rawQueryString: '',
      headers: { 'content-type': 'application/json' },
      pathParameters,
      body: '{}',
      isBase64Encoded: false,
      requestContext: {
        domainName: 'desk.example',
        http: { method: 'POST', path, sourceIp: '198.51.100.1' },
      },
    }) as unknown as APIGatewayProxyEventV2;

  it('reads the fax secret again after a failed cold start instead of failing every later request', async () => {
    const { handler } = await import('../../../lambdas/handlers/fax.js');
    const webhook = unsignedRequest('/inbound/fax/telnyx', { provider: 'telnyx' });
    await expect(handler(webhook)).rejects.toThrow();

    // Secrets Manager answers now: an unsigned webhook is a 401, not the cold start's error again.
    const second = await handler(webhook).catch((error: Error) => error);
    expect(second).toMatchObject({ statusCode: 401 });
  });

  it('reads the chat secret again after a failed cold start instead of failing every later request', async () => {
    const { handler } = await import('../../../lambdas/handlers/chat.js');
    const event = unsignedRequest('/inbound/chat', {});
    await expect(handler(event)).rejects.toThrow();

    const second = await handler(event).catch((error: Error) => error);
    expect(second).toMatchObject({ statusCode: 401 });
  });
});

describe('channel secrets, one field at a time', () => {
  it('keeps the well-formed secrets when another field is malformed, and names only the malformed one', () => {
    const loaded = parseChannelSecrets({
      telnyxPublicKey: 'a-key',
      phaxioCallbackToken: 'token',
      phaxioCallbackUrl: 'not a url',
      sinchBasicAuth: 'user:password',
    });

    expect(loaded.secrets).toEqual({
      telnyxPublicKey: 'a-key',
      phaxioCallbackToken: 'token',
      sinchBasicAuth: 'user:password',
    });
    expect(loaded.invalidFields).toEqual(['phaxioCallbackUrl']);
  });

  it('builds the other fax providers when one provider key is malformed', () => {
    const providers = faxProviders({
      telnyxPublicKey: 'dG9vIHNob3J0', // base64 of 9 bytes, not a 32-byte Ed25519 key
      sinchBasicAuth: 'user:password',
      phaxioCallbackToken: 'token',
      phaxioCallbackUrl: 'https://desk.example/inbound/fax/phaxio',
    });

    expect(Object.keys(providers).sort()).toEqual(['phaxio', 'sinch']);
  });
});
