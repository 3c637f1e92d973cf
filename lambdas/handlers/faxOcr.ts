import { Logger } from '@aws-lambda-powertools/logger';
import { TextractClient } from '@aws-sdk/client-textract';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { endpointsFromEnvironment } from '../adapters/aws/awsEndpoints.js';
import { s3Client } from '../adapters/aws/s3Client.js';
import { sqsClient } from '../adapters/aws/sqsClient.js';
import { FaxPageImageStore } from '../adapters/fax/FaxPageImageStore.js';
import { TextractOcrEngine } from '../adapters/ocr/TextractOcrEngine.js';
import { S3BlobStore } from '../adapters/s3/S3BlobStore.js';
import { SqsInboundQueue } from '../adapters/sqs/SqsInboundQueue.js';
import { errorForLog } from '../domain/errorForLog.js';
import { FaxJobSchema } from '../domain/ingest/acceptFax.js';
import { type ReadFaxServices, readFax } from '../domain/ingest/readFax.js';
import * as z from '../domain/zodMini.js';
import { loadConfig } from './loadConfig.js';

const ConfigSchema = z.object({
  RAW_BUCKET: z.string().check(z.minLength(1)),
  INBOUND_QUEUE_URL: z.url(),
});

const logger = new Logger({ serviceName: 'fax-ocr' });

/** In AWS the OCR step reads with Amazon Textract; local mode passes its offline Tesseract engine instead. */
export function buildFaxOcrServices(env: NodeJS.ProcessEnv = process.env): ReadFaxServices {
  const config = loadConfig(ConfigSchema, env, 'fax-ocr');
  const endpoints = endpointsFromEnvironment(env);
  return {
    ocr: new TextractOcrEngine(new TextractClient(endpoints.region ? { region: endpoints.region } : {}), {
      bucket: config.RAW_BUCKET,
    }),
    inboundQueue: new SqsInboundQueue(sqsClient(endpoints), config.INBOUND_QUEUE_URL),
    pageImages: new FaxPageImageStore(new S3BlobStore(s3Client(endpoints), config.RAW_BUCKET)),
  };
}

/**
 * The OCR step: one fax job per record. A record that is not a fax job can never succeed and is
 * reported as a failure so SQS moves it to the DLQ after its retries; an OCR outage is retried.
 */
export async function handleFaxOcrBatch(
  event: SQSEvent,
  services: ReadFaxServices,
): Promise<SQSBatchResponse> {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    try {
      const job = FaxJobSchema.parse(JSON.parse(record.body));
      const outcome = await readFax(job, services);
      logger.info('fax read', {
        sqsMessageId: record.messageId,
        externalId: outcome.externalId,
        pages: outcome.pages,
        ocrFailed: outcome.ocrFailure !== undefined,
      });
    } catch (error) {
      logger.error('fax job failed; SQS will retry it', {
        sqsMessageId: record.messageId,
        error: errorForLog(error),
      });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}

let services: ReadFaxServices | undefined;

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  services ??= buildFaxOcrServices();
  return handleFaxOcrBatch(event, services);
}
