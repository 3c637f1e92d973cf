import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** Parks a message that can never succeed in the DLQ with the reason, instead of retrying it. */
export class SqsDeadLetters {
  readonly #client: SQSClient;
  readonly #queueUrl: string;

  constructor(client: SQSClient, queueUrl: string) {
    this.#client = client;
    this.#queueUrl = queueUrl;
  }

  async park(body: string, reason: string, sourceMessageId: string): Promise<void> {
    await this.#client.send(
      new SendMessageCommand({
        QueueUrl: this.#queueUrl,
        MessageBody: body,
        MessageAttributes: {
          failureReason: { DataType: 'String', StringValue: reason.slice(0, 1_000) },
          sourceMessageId: { DataType: 'String', StringValue: sourceMessageId },
        },
      }),
    );
  }
}
