/**
 * The "first call" of `npm run bench:coldstart`: a fresh Node process imports a function's
 * synthesized asset and calls its `handler` once with a realistic event, against the real local
 * emulators (DynamoDB Local, fauxqs for SQS and S3, aws-ses-v2-local). Import + first call is what
 * the first request of a new Lambda sandbox waits for (less the network to AWS), so work moved
 * from module load to the first invocation shows up here: a change that only shifts work leaves
 * this column where it was.
 *
 * Each run gets its own event (a new message id, a new form sender address), so every run takes
 * the same path (a new case, an accepted message), never the cheaper duplicate one.
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEventV2, SNSEvent } from 'aws-lambda';
import * as z from 'zod';
import { s3Client } from '../lambdas/adapters/awsClients.js';
import { type RunningEmulators, startEmulators } from '../lambdas/local/emulators.js';
import { type LocalResources, provisionResources } from '../lambdas/local/provisionResources.js';
import { sesReceiptEvent } from '../lambdas/local/sesEvents.js';

const root = path.resolve(import.meta.dirname, '..');
const DESK_FROM = 'support@pharmacy.example';

interface Scenario {
  /** The function's environment beside the emulator endpoints. */
  env: Record<string, string>;
  /** Puts what the event refers to in place and returns the event of run `run`. */
  event(run: number): Promise<unknown>;
  /** Why a result is not the path the scenario means to time, or undefined when it is. */
  problem(result: unknown): string | undefined;
}

/** Milliseconds of wall-clock time, and of the process's CPU time (user + system) for the same span. */
export interface Span {
  wall: number;
  cpu: number;
}

export interface FirstCallTiming {
  import: Span;
  firstCall: Span;
}

export const SpanSchema = z.object({ wall: z.number(), cpu: z.number() });
const ChildReportSchema = z.object({ import: SpanSchema, firstCall: SpanSchema, result: z.unknown() });

function apiEvent(method: string, rawPath: string, body: string, sourceIp: string): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: `${method} ${rawPath}`,
    rawPath,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', host: 'desk.example' },
    requestContext: {
      accountId: '000000000000',
      apiId: 'bench',
      domainName: 'desk.example',
      domainPrefix: 'desk',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp, userAgent: 'coldstart-bench' },
      requestId: randomUUID(),
      routeKey: `${method} ${rawPath}`,
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
    body,
    isBase64Encoded: false,
  };
}

const statusOf = (result: unknown) =>
  typeof result === 'object' && result !== null && 'statusCode' in result ? result.statusCode : undefined;

function scenarios(resources: LocalResources, emulators: RunningEmulators): Record<string, Scenario> {
  const rawMail = readFileSync(path.join(root, 'test', 'fixtures', 'email', 'refill.eml'), 'utf8');
  const s3 = s3Client(emulators.endpoints);
  const noBatchFailures = (result: unknown) =>
    typeof result === 'object' &&
    result !== null &&
    'batchItemFailures' in result &&
    Array.isArray(result.batchItemFailures) &&
    result.batchItemFailures.length === 0
      ? undefined
      : `a record failed: ${JSON.stringify(result)}`;
  return {
    emailIngest: {
      env: { RAW_BUCKET: resources.rawBucket, INBOUND_QUEUE_URL: resources.inboundQueueUrl },
      async event(run) {
        const messageId = `coldstart-${run}-${randomUUID()}`;
        const raw = rawMail.replace('<refill-1@mail.example.com>', `<${messageId}@mail.example.com>`);
        await s3.send(
          new PutObjectCommand({ Bucket: resources.rawBucket, Key: `email/${messageId}`, Body: raw }),
        );
        return sesReceiptEvent(messageId, new Date(), [DESK_FROM]);
      },
      problem: (result) => (result === undefined ? undefined : `unexpected result ${JSON.stringify(result)}`),
    },
    routeInbound: {
      env: {
        TABLE_NAME: resources.tableName,
        DEAD_LETTER_QUEUE_URL: resources.deadLetterQueueUrl,
        DESK_FROM,
      },
      async event(run) {
        const messageId = `<coldstart-${run}-${randomUUID()}@mail.example.com>`;
        const message = {
          channel: 'email',
          externalId: messageId,
          receivedAt: new Date().toISOString(),
          sender: { address: 'maria@example.com', name: 'Maria Lopez' },
          subject: 'Refill for my lisinopril',
          bodyText:
            'Hello, please send a refill of my lisinopril prescription; the pharmacy said the claim was denied. My member ID is on file. Thank you.',
          attachments: [],
          threading: { messageId, references: [] },
          hints: {},
          automated: false,
        };
        return {
          Records: [
            {
              messageId: randomUUID(),
              receiptHandle: 'receipt',
              body: JSON.stringify(message),
              attributes: {
                ApproximateReceiveCount: '1',
                SentTimestamp: String(Date.now()),
                SenderId: 'bench',
                ApproximateFirstReceiveTimestamp: String(Date.now()),
              },
              messageAttributes: {},
              md5OfBody: '',
              eventSource: 'aws:sqs',
              eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:inbound',
              awsRegion: 'us-east-1',
            },
          ],
        };
      },
      problem: noBatchFailures,
    },
    slaSweeper: {
      env: { TABLE_NAME: resources.tableName, NOTIFY_FROM: DESK_FROM },
      event: async () => ({}),
      problem: (result) =>
        typeof result === 'object' && result !== null ? undefined : `no sweep report: ${String(result)}`,
    },
    staffApi: {
      env: { TABLE_NAME: resources.tableName, DESK_FROM },
      async event() {
        const event = apiEvent('GET', '/queues', '', '127.0.0.1');
        const claims = { sub: 'bench-agent', username: 'bench-agent', 'cognito:groups': '[agent lang-en]' };
        return {
          ...event,
          body: undefined,
          requestContext: {
            ...event.requestContext,
            authorizer: { principalId: 'bench-agent', integrationLatency: 0, jwt: { claims, scopes: [] } },
          },
        };
      },
      problem: (result) =>
        statusOf(result) === 200 ? undefined : `GET /queues answered ${statusOf(result)}`,
    },
    chatConnect: {
      env: { RAW_BUCKET: resources.rawBucket, INBOUND_QUEUE_URL: resources.inboundQueueUrl },
      async event(run) {
        const item = {
          AbsoluteTime: new Date().toISOString(),
          Content: 'Hi, I need to know when my refill ships.',
          ContentType: 'text/plain',
          Id: `coldstart-${run}-${randomUUID()}`,
          Type: 'MESSAGE',
          ParticipantRole: 'CUSTOMER',
          DisplayName: 'Maria',
          InitialContactId: `contact-${run}-${randomUUID()}`,
          ContactId: `contact-${run}`,
        };
        const event: SNSEvent = {
          Records: [
            {
              EventSource: 'aws:sns',
              EventVersion: '1.0',
              EventSubscriptionArn: 'arn:aws:sns:us-east-1:000000000000:chat:bench',
              Sns: {
                Type: 'Notification',
                MessageId: randomUUID(),
                TopicArn: 'arn:aws:sns:us-east-1:000000000000:chat',
                Subject: '',
                Message: JSON.stringify(item),
                Timestamp: new Date().toISOString(),
                SignatureVersion: '1',
                Signature: '',
                SigningCertUrl: '',
                UnsubscribeUrl: '',
                MessageAttributes: {},
              },
            },
          ],
        };
        return event;
      },
      problem: (result) => (result === undefined ? undefined : `unexpected result ${JSON.stringify(result)}`),
    },
    form: {
      env: {
        RAW_BUCKET: resources.rawBucket,
        INBOUND_QUEUE_URL: resources.inboundQueueUrl,
        RATE_LIMIT_TABLE_NAME: resources.rateLimitTableName,
        // No Secrets Manager here: the limiter key comes from the environment (in AWS, one GetSecretValue more).
        FORM_LIMITER_KEY: randomBytes(32).toString('hex'),
      },
      async event(run) {
        const form = {
          name: 'Lucía Fernández',
          email: `lucia-${run}-${randomUUID().slice(0, 8)}@example.mx`,
          memberId: 'MX-448120',
          country: 'mx',
          preferredLanguage: 'ES',
          topic: 'international',
          message:
            'Vivo en Guadalajara y necesito mis medicamentos para la presión. ¿Pueden enviarlos a México?',
        };
        // One address a run: the form's per-address rate limit must not answer a later run.
        return apiEvent('POST', '/inbound/form', JSON.stringify(form), `198.51.100.${(run % 250) + 1}`);
      },
      problem: (result) => (statusOf(result) === 202 ? undefined : `the form answered ${statusOf(result)}`),
    },
  };
}

/** The functions whose first call is timed; the others (webhooks signed by a provider, Textract, CloudFormation) say why not. */
export const FIRST_CALL_NOT_MEASURED: Record<string, string> = {
  fax: 'provider-signed webhook and a media download',
  faxOcr: 'Amazon Textract has no local stand-in',
  chat: 'HMAC-signed widget events',
  activateReceiptRuleSet: 'CloudFormation custom resource, deploy time only',
};

/** The emulators and resources for the first-call runs, started once for the whole bench. */
export class FirstCallBench {
  private constructor(
    private readonly emulators: RunningEmulators,
    private readonly byLabel: Record<string, Scenario>,
    private readonly workdir: string,
  ) {}

  static async start(workdir: string): Promise<FirstCallBench> {
    const emulators = await startEmulators();
    try {
      const resources = await provisionResources(emulators.endpoints, `coldstart-${process.pid}`);
      return new FirstCallBench(emulators, scenarios(resources, emulators), workdir);
    } catch (error) {
      await emulators.stop();
      throw error;
    }
  }

  measures(label: string): boolean {
    return label in this.byLabel;
  }

  /** Import and first call of `assetFile` in a fresh process, on run `run`'s event. */
  async time(label: string, assetFile: string, run: number): Promise<FirstCallTiming> {
    const scenario = this.byLabel[label];
    if (!scenario) throw new Error(`no first-call scenario for ${label}`);
    const eventFile = path.join(this.workdir, `${label}.event.json`);
    writeFileSync(eventFile, JSON.stringify(await scenario.event(run)));
    const { endpoints } = this.emulators;
    const script = [
      `const cpu = () => { const { user, system } = process.cpuUsage(); return (user + system) / 1000; };`,
      `const t0 = performance.now(), c0 = cpu();`,
      `const { handler } = await import(${JSON.stringify(pathToFileURL(assetFile).href)});`,
      `const t1 = performance.now(), c1 = cpu();`,
      `const { readFileSync } = await import('node:fs');`,
      // Read outside the timed spans: reading the event is not the function's work.
      `const event = JSON.parse(readFileSync(${JSON.stringify(eventFile)}, 'utf8'));`,
      `const t2 = performance.now(), c2 = cpu();`,
      `const result = await handler(event, { awsRequestId: 'bench', functionName: ${JSON.stringify(label)}, getRemainingTimeInMillis: () => 30000 });`,
      `const t3 = performance.now(), c3 = cpu();`,
      `const report = { import: { wall: t1 - t0, cpu: c1 - c0 }, firstCall: { wall: t1 - t0 + t3 - t2, cpu: c1 - c0 + c3 - c2 }, result: result ?? null };`,
      // Exit at once: the SDK's keep-alive sockets would hold the process open.
      `process.stdout.write('\\n__FIRST_CALL__' + JSON.stringify(report) + '\\n', () => process.exit(0));`,
    ].join('\n');
    let output: string;
    try {
      // Asynchronously: fauxqs serves S3 and SQS from this process's event loop.
      ({ stdout: output } = await promisify(execFile)(
        process.execPath,
        ['--input-type=module', '-e', script],
        {
          cwd: this.workdir,
          env: {
            PATH: process.env.PATH ?? '',
            AWS_REGION: endpoints.region,
            AWS_ACCESS_KEY_ID: 'local',
            AWS_SECRET_ACCESS_KEY: 'local',
            DYNAMODB_ENDPOINT: endpoints.dynamodb,
            SQS_ENDPOINT: endpoints.sqs,
            S3_ENDPOINT: endpoints.s3,
            SES_ENDPOINT: endpoints.ses,
            POWERTOOLS_LOG_LEVEL: 'INFO',
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
            ...scenario.env,
          },
          encoding: 'utf8',
          maxBuffer: 16 * 1024 * 1024,
          timeout: 120_000,
        },
      ));
    } catch (error) {
      const tail = (stream: string) =>
        typeof error === 'object' && error !== null && stream in error
          ? String(Reflect.get(error, stream)).slice(-1_500)
          : '';
      throw new Error(`${label}: the first call failed:\n${tail('stdout')}\n${tail('stderr')}`, {
        cause: error,
      });
    }
    const line = output.split('\n').find((candidate) => candidate.startsWith('__FIRST_CALL__'));
    if (!line) throw new Error(`${label}: the first call printed no timing:\n${output.slice(-2_000)}`);
    const measured = ChildReportSchema.parse(JSON.parse(line.slice('__FIRST_CALL__'.length)));
    const problem = scenario.problem(measured.result ?? undefined);
    if (problem) throw new Error(`${label}: the first call did not take the timed path: ${problem}`);
    return { import: measured.import, firstCall: measured.firstCall };
  }

  async stop(): Promise<void> {
    await this.emulators.stop();
  }
}
