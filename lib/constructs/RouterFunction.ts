import { type Duration, Validations } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { InvalidPropsError } from './InvalidPropsError.js';
import { reservedConcurrencyProblems } from './propChecks.js';

export interface RouterFunctionProps {
  /** Path of the handler file (exports `handler`). */
  entry: string;
  description: string;
  environment: Record<string, string>;
  timeout: Duration;
  /** HIPAA LambdaConcurrency: a ceiling so one runaway trigger cannot starve the others. */
  reservedConcurrency: number;
  logKey: kms.IKey;
  logRetention: logs.RetentionDays;
  vpc?: ec2.IVpc;
  memorySize?: number;
  /** Where asynchronous invocations go after Lambda's retries (HIPAA LambdaDLQ). */
  deadLetterQueue?: sqs.IQueue;
}

/** The settings every function of the stack shares. */
export type RouterFunctionDefaults = Pick<
  RouterFunctionProps,
  'reservedConcurrency' | 'logKey' | 'logRetention' | 'vpc'
>;

/**
 * A handler bundled by local esbuild (no Docker) as ESM, on the newest Node.js runtime, with its
 * own KMS-encrypted log group and structured JSON logs.
 */
export class RouterFunction extends Construct {
  readonly function: nodejs.NodejsFunction;

  constructor(scope: Construct, id: string, props: RouterFunctionProps) {
    super(scope, id);
    InvalidPropsError.throwIfAny(
      `RouterFunction ${this.node.path}`,
      reservedConcurrencyProblems('reservedConcurrency', props.reservedConcurrency),
    );
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      encryptionKey: props.logKey,
    });
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout,
      reservedConcurrentExecutions: props.reservedConcurrency,
      environment: {
        ...props.environment,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
      },
      loggingFormat: lambda.LoggingFormat.JSON,
      logGroup,
      tracing: lambda.Tracing.ACTIVE,
      ...(props.vpc ? { vpc: props.vpc } : {}),
      ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: 'node24',
        minify: true,
        sourceMap: true,
        mainFields: ['module', 'main'],
        // Some dependencies are CommonJS and call require(); give the ESM bundle one.
        banner:
          "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
    });
    Validations.of(this.function).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          "The AWS-managed basic execution role only grants writing to this function's own CloudWatch log group.",
      },
      ...(props.vpc
        ? []
        : [
            {
              id: 'HIPAA.Security::HIPAA.Security-LambdaInsideVPC',
              reason:
                'The functions reach only AWS APIs (DynamoDB, SQS, S3, SES, KMS) over TLS with IAM auth and hold no network listeners; pass `vpc` to RouterStack to place them in a VPC with endpoints where the account policy demands it.',
            },
          ]),
      {
        id: 'HIPAA.Security::HIPAA.Security-IAMNoInlinePolicy',
        reason:
          'The inline policy is the one CDK generates from least-privilege grants for this function alone; a managed policy would be shared and broader.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions (tracing: ACTIVE).',
      },
      ...['kms:GenerateDataKey*', 'kms:ReEncrypt*'].map((action) => ({
        id: `AwsSolutions::AwsSolutions-IAM5[Action::${action}]`,
        reason: `${action} comes from CDK's KMS grant on the stack's single data key (the resource is that key's ARN, not *).`,
      })),
    );
  }
}
