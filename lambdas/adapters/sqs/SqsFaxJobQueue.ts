import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { FaxJob, FaxJobQueue } from '../../domain/ingest/acceptFax.js';
import { sqsSafeJson } from './SqsInboundQueue.js';

/** The `fax-ocr` queue between the fax webhook and the OCR step. */
export class SqsFaxJobQueue implements FaxJobQueue {
  readonly #client: SQSClient;
  readonly #queueUrl: string;

  constructor(client: SQSClient, queueUrl: string) {
    this.#client = client;
    this.#queueUrl = queueUrl;
  }

  async enqueue(job: FaxJob): Promise<void> {
    await this.#client.send(
      new SendMessageCommand({
        QueueUrl: this.#queueUrl,
        MessageBody: sqsSafeJson(job),
        MessageAttributes: { provider: { DataType: 'String', StringValue: job.fax.provider } },
      }),
    );
  }
}
