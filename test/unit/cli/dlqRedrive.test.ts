import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { redrive } from '../../../bin/commands/dlq.js';

/** An SQS that hands out one dead letter, takes it at the destination, then refuses to delete it. */
function sqsThatKeepsTheLetter() {
  const calls: string[] = [];
  let handedOut = false;
  const client = {
    send: async (command: unknown) => {
      calls.push((command as object).constructor.name);
      if (command instanceof ReceiveMessageCommand) {
        if (handedOut) return { Messages: [] };
        handedOut = true;
        return { Messages: [{ MessageId: 'm1', ReceiptHandle: 'expired', Body: '{"x":1}' }] };
      }
      if (command instanceof SendMessageBatchCommand) return { Successful: [{ Id: '0' }], Failed: [] };
      if (command instanceof DeleteMessageBatchCommand) {
        return { Successful: [], Failed: [{ Id: '0', Code: 'ReceiptHandleIsInvalid', SenderFault: true }] };
      }
      if (command instanceof ChangeMessageVisibilityBatchCommand) return { Successful: [], Failed: [] };
      throw new Error(`unexpected ${calls.at(-1)}`);
    },
  };
  return { client: client as unknown as SQSClient, calls };
}

describe('dlq redrive', () => {
  it('counts a moved message that SQS would not delete from the DLQ instead of reporting it gone', async () => {
    const { client, calls } = sqsThatKeepsTheLetter();
    const report = await redrive(client, { from: 'https://dlq', to: 'https://inbound', max: 10 });
    expect(report).toEqual({ moved: 1, refused: 0, skipped: 0, notRemoved: 1 });
    expect(calls).toContain('DeleteMessageBatchCommand');
  });
});
