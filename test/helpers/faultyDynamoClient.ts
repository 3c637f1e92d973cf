import {
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  type ServiceInputTypes,
  type ServiceOutputTypes,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { FinalizeRequestMiddleware } from '@smithy/types';
import { type AwsEndpoints, clientConfig } from '../../lambdas/adapters/aws/awsEndpoints.js';

/** What DynamoDB answers instead of doing the work. */
export type DynamoFault = 'throttle' | 'transactionConflict' | 'transactionThrottle';

/** Decides, per request on the wire (SDK retries included), whether it fails and how. */
export type FaultPlan = (request: {
  command: string;
  attempt: number;
  sequence: number;
}) => DynamoFault | undefined;

export interface FaultLog {
  /** Requests that reached DynamoDB Local, by command name. */
  sent: Record<string, number>;
  /** Requests failed before they were sent, by fault. */
  injected: Record<DynamoFault, number>;
}

/** How many items a serialized TransactWriteItems request holds (one cancellation reason each). */
function transactItemCount(body: unknown): number {
  if (typeof body !== 'string') return 1;
  try {
    const parsed: unknown = JSON.parse(body);
    const items =
      parsed && typeof parsed === 'object' && 'TransactItems' in parsed ? parsed.TransactItems : undefined;
    return Array.isArray(items) ? items.length : 1;
  } catch {
    return 1;
  }
}

/**
 * A real document client on DynamoDB Local with a fault-injecting middleware placed *inside* the
 * SDK's retry middleware: a failed request is one DynamoDB would have answered with the same
 * exception, so the SDK's own retry policy (throttling: backoff, up to its attempts) and the case
 * store's (cancelled transactions) both run as they would in AWS. Everything not failed is sent.
 */
export function faultyDocumentClient(
  endpoints: AwsEndpoints,
  plan: FaultPlan,
): { client: DynamoDBDocumentClient; log: FaultLog } {
  const log: FaultLog = {
    sent: {},
    injected: { throttle: 0, transactionConflict: 0, transactionThrottle: 0 },
  };
  const base = new DynamoDBClient(clientConfig(endpoints.dynamodb, endpoints.region));
  let sequence = 0;
  const injectFaults: FinalizeRequestMiddleware<ServiceInputTypes, ServiceOutputTypes> =
    (next, context) => async (args) => {
      const command = String(context.commandName).replace(/Command$/, '');
      const request = args.request as { body?: unknown; headers?: Record<string, string> };
      const attempt = Number(/attempt=(\d+)/.exec(request.headers?.['amz-sdk-request'] ?? '')?.[1] ?? 1);
      const fault = plan({ command, attempt, sequence: sequence++ });
      const $metadata = { httpStatusCode: 400, attempts: attempt };
      if (fault === 'throttle') {
        log.injected.throttle++;
        throw new ProvisionedThroughputExceededException({
          message: 'The level of configured provisioned throughput for the table was exceeded (injected)',
          $metadata,
        });
      }
      if (
        (fault === 'transactionConflict' || fault === 'transactionThrottle') &&
        command === 'TransactWriteItems'
      ) {
        log.injected[fault]++;
        const items = transactItemCount(request.body);
        const code = fault === 'transactionConflict' ? 'TransactionConflict' : 'ThrottlingError';
        throw new TransactionCanceledException({
          message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${code}] (injected)`,
          $metadata,
          CancellationReasons: Array.from({ length: items }, (_, index) =>
            index === items - 1
              ? { Code: code, Message: 'Transaction is ongoing for the item' }
              : { Code: 'None' },
          ),
        });
      }
      log.sent[command] = (log.sent[command] ?? 0) + 1;
      return next(args);
    };
  base.middlewareStack.addRelativeTo(injectFaults, {
    relation: 'after',
    toMiddleware: 'retryMiddleware',
    name: 'injectDynamoFaults',
  });
  const client = DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
  return { client, log };
}
