import { Duration, Validations } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FAX_OCR_QUEUE } from '../../lambdas/adapters/resourceDefinitions.js';
import type { DeskMonitoring } from './DeskMonitoring.js';

export interface FaxJobQueueProps {
  /** Encrypts both queues (a fax job names the member's document and the sender's number). */
  dataKey: kms.IKey;
  /** Alarms on a dead-lettered fax and on a backlog (the regulatory clock of a faxed appeal runs from receipt). */
  monitoring: DeskMonitoring;
  /** Seconds the oldest fax job may wait before the backlog alarm (default 900). */
  backlogSeconds?: number;
}

/**
 * The queue between fax intake (the provider webhooks and fax-to-email) and the OCR step, with its
 * dead-letter queue. Its own construct because two producers in two constructs (email ingest in
 * the mail pipeline, fax ingest in the channels) and one consumer (the OCR step) share it.
 */
export class FaxJobQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetters: sqs.Queue;

  constructor(scope: Construct, id: string, props: FaxJobQueueProps) {
    super(scope, id);
    const encrypted = {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.dataKey,
      enforceSSL: true,
    };
    this.deadLetters = new sqs.Queue(this, 'DeadLetters', {
      ...encrypted,
      retentionPeriod: Duration.days(FAX_OCR_QUEUE.deadLetterRetentionDays),
    });
    Validations.of(this.deadLetters).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue of the fax OCR queue.',
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      ...encrypted,
      visibilityTimeout: Duration.seconds(FAX_OCR_QUEUE.visibilityTimeoutSeconds),
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: FAX_OCR_QUEUE.maxReceiveCount },
    });
    props.monitoring.watchDeadLetters(
      this.deadLetters,
      'fax-ocr-dead-letters',
      `A received fax could not be read and queued for routing after ${FAX_OCR_QUEUE.maxReceiveCount} tries: its document is under fax/ in the raw bucket and its regulatory clock is running; a person must look, then redrive.`,
    );
    props.monitoring.watchBacklog(this.queue, 'fax-ocr-backlog', props.backlogSeconds ?? 900);
  }
}
