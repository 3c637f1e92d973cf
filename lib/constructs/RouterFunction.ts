import { mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { type Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  TRIAGE_MODEL_SIDECARS,
  writeTriageModelSidecars,
} from '../../lambdas/adapters/models/modelSidecar.js';
import {
  type FunctionAccess,
  grantFunctionAccess,
  sdkClientsFor,
  sqsProducerKeyStatement,
} from './functionAccess.js';
import { InvalidPropsError } from './InvalidPropsError.js';
import { reservedConcurrencyProblems } from './propChecks.js';

/**
 * The network-interface actions Lambda needs to attach a function to a VPC: what
 * AWSLambdaVPCAccessExecutionRole grants, without its logs:* on `*`. EC2 gives them no
 * resource-level permissions that Lambda's calls could be scoped to.
 */
export function vpcNetworkInterfaceStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: [
      'ec2:CreateNetworkInterface',
      'ec2:DescribeNetworkInterfaces',
      'ec2:DescribeSubnets',
      'ec2:DeleteNetworkInterface',
      'ec2:AssignPrivateIpAddresses',
      'ec2:UnassignPrivateIpAddresses',
    ],
    resources: ['*'],
  });
}

/** The least maximum concurrency an SQS event source mapping takes (Lambda's ScalingConfig). */
export const SQS_MIN_MAX_CONCURRENCY = 2;

/**
 * The maximum concurrency of an SQS event source on a function with this reservation: the wanted
 * one, lowered to the reservation. Lambda's guide ("Configuring scaling behavior for SQS event
 * source mappings") says not to set it above the function's reserved concurrency, or Lambda may
 * throttle the messages; a throttled receive still counts toward the queue's maxReceiveCount, so
 * good messages would reach the dead-letter queue.
 */
export function sqsMaxConcurrency(wanted: number, reservedConcurrency: number | undefined): number {
  return reservedConcurrency === undefined ? wanted : Math.min(wanted, reservedConcurrency);
}

/** Problems with the reservation of a function an SQS event source invokes. */
export function sqsReservationProblems(name: string, reservedConcurrency: number | undefined): string[] {
  return reservedConcurrency === undefined || reservedConcurrency >= SQS_MIN_MAX_CONCURRENCY
    ? []
    : [
        `\`${name}\` must be at least ${SQS_MIN_MAX_CONCURRENCY} for a function an SQS queue invokes: an SQS event source's maximum concurrency is at least ${SQS_MIN_MAX_CONCURRENCY} and must not exceed the function's reservation (Lambda would throttle, and throttled receives count toward the queue's maxReceiveCount); received ${reservedConcurrency}`,
      ];
}

/**
 * Problems with an SQS maximum concurrency given explicitly for a function with this reservation:
 * above the reservation it would not be lowered silently but refused, since someone chose it.
 */
export function sqsMaxConcurrencyProblems(
  name: string,
  given: number | undefined,
  reservedConcurrency: number | undefined,
): string[] {
  return given === undefined || reservedConcurrency === undefined || given <= reservedConcurrency
    ? []
    : [
        `\`${name}\` (${given}) must not exceed \`reservedConcurrency\` (${reservedConcurrency}): Lambda would throttle the queue's messages above the function's reservation, and throttled receives count toward the queue's maxReceiveCount`,
      ];
}

/** What the stack's monitoring does with every function: alarms on its errors and throttles. */
export interface FunctionWatcher {
  watchFunction(fn: lambda.IFunction, label: string): void;
}

/**
 * The esbuild conditions every function is bundled with. `model-sidecars` takes the triage models from
 * binary files beside the bundle instead of their JSON (the "imports" of package.json,
 * lambdas/adapters/models/modelSidecar.ts). esbuild drops its default `module` condition once any condition
 * is given, so it is named again: without it some dependencies bundle their larger CommonJS builds.
 */
export const BUNDLE_CONDITIONS = ['model-sidecars', 'module'] as const;

/** The settings every function of the stack shares. */
export interface RouterFunctionDefaults {
  /** Encrypts each function's log group; the functions use it only through the services that hold data. */
  dataKey: kms.IKey;
  logRetention: logs.RetentionDays;
  /**
   * Reserved concurrency per function. Unset by default: Lambda refuses any reservation that leaves
   * fewer than 100 executions of the account's quota unreserved (PutFunctionConcurrency; the guide's
   * "Unreserved account concurrency ... minus 100"), and a new account's quota can be as low as 10.
   */
  reservedConcurrency?: number;
  /** Place the functions in this VPC (it needs endpoints or NAT for DynamoDB, S3, SQS, SES, KMS, X-Ray). */
  vpc?: ec2.IVpc;
  /**
   * Resolve stack traces through the bundled source maps at run time (`--enable-source-maps`). Off by
   * default: it parses the map on every cold start; the maps stay in the asset for offline decoding.
   */
  sourceMaps?: boolean;
  /** Alarms for each function (errors, throttles). */
  monitoring?: FunctionWatcher;
  /**
   * The SES configuration set every function that sends mail sends through (TLS required to the
   * member's mail server): passed as `SES_CONFIGURATION_SET`, and its ARN joins the send grant.
   */
  mailConfigurationSet?: string;
  /**
   * The SES configuration set for mail to staff (it suppresses no address), for the functions that
   * send it (`sendsStaffMail`): passed as `SES_STAFF_CONFIGURATION_SET`, its ARN in the send grant.
   */
  staffMailConfigurationSet?: string;
}

export interface RouterFunctionProps extends RouterFunctionDefaults {
  /** This function sends mail to staff (supervisor notices), through `staffMailConfigurationSet`. */
  sendsStaffMail?: boolean;
  /** Path of the handler file (exports `handler`). */
  entry: string;
  description: string;
  environment: Record<string, string>;
  timeout: Duration;
  memorySize?: number;
  /** What the code calls: the function's grants are derived from this and nothing else. */
  access: FunctionAccess;
  /** Where asynchronous invocations go after Lambda's retries (HIPAA LambdaDLQ). */
  deadLetterQueue?: sqs.IQueue;
  /** A short name for alarms and the dashboard (`email-ingest`). */
  label: string;
  /** What the function calls outside AWS, if anything (a fax provider's media URL): named in its VPC acknowledgement. */
  callsOutsideAws?: string;
  /** The code triages: its asset carries the triage models' sidecars, which its bundle reads at init. */
  triageModels?: boolean;
}

/** One shell word: the bundling hooks run through `bash -c`. */
function shellWord(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** The repository: the bundling input (so `inputDir` is it, in Docker too) and where the sidecars are staged. */
const REPOSITORY_ROOT = path.resolve(import.meta.dirname, '../..');
/** Where synthesis writes the triage models' sidecars, inside the bundling input. */
const SIDECAR_STAGING = path.join('.cache', 'model-sidecars');

/**
 * Writes the triage models' sidecars from their JSON into the staging directory, in this process
 * (synthesis), so the bundling hook only copies files: it needs no tsx or esbuild of the host's
 * platform, and works in a Docker bundling container. Each file is written beside and renamed into
 * place, so parallel syntheses (tests) never see half a file; the content is deterministic.
 */
function stageTriageModelSidecars(): void {
  const staging = path.join(REPOSITORY_ROOT, SIDECAR_STAGING);
  mkdirSync(staging, { recursive: true });
  const temporary = mkdtempSync(path.join(staging, 'writing-'));
  try {
    writeTriageModelSidecars(temporary);
    for (const { file } of TRIAGE_MODEL_SIDECARS)
      renameSync(path.join(temporary, file), path.join(staging, file));
  } finally {
    rmSync(temporary, { recursive: true, force: true });
  }
}

/** Copies the staged sidecars into the asset, after esbuild. */
const triageModelHooks: nodejs.ICommandHooks = {
  beforeBundling: () => [],
  beforeInstall: () => [],
  afterBundling: (inputDir, outputDir) => [
    [
      'cp',
      ...TRIAGE_MODEL_SIDECARS.map(({ file }) => path.posix.join(inputDir, SIDECAR_STAGING, file)),
      outputDir,
    ]
      .map(shellWord)
      .join(' '),
  ],
};

/**
 * A handler bundled by local esbuild (no Docker) as one minified ESM file with its AWS SDK clients
 * inside, on the newest Node.js runtime, with its own role (no managed policy: exactly what its
 * `access` declares, plus its own log group), a KMS-encrypted log group, JSON logs and X-Ray.
 */
export class RouterFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** The handler file, for bundle checks. */
  readonly entry: string;
  /** The SDK packages the code may import, derived from `access`. */
  readonly sdkClients: readonly string[];
  /** Whether the asset carries the triage models' sidecars. */
  readonly triageModels: boolean;
  /** The function's reserved concurrency, if any. */
  readonly reservedConcurrency?: number;

  constructor(scope: Construct, id: string, props: RouterFunctionProps) {
    super(scope, id);
    InvalidPropsError.throwIfAny(
      `RouterFunction ${this.node.path}`,
      props.reservedConcurrency === undefined
        ? []
        : reservedConcurrencyProblems('reservedConcurrency', props.reservedConcurrency),
    );
    this.entry = props.entry;
    if (props.reservedConcurrency !== undefined) this.reservedConcurrency = props.reservedConcurrency;
    this.sdkClients = sdkClientsFor(props.access);
    this.triageModels = props.triageModels ?? false;
    if (this.triageModels) stageTriageModelSidecars();
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      encryptionKey: props.dataKey,
    });
    // Not AWSLambdaBasicExecutionRole (logs:CreateLogGroup/CreateLogStream/PutLogEvents on `*`): the
    // log group exists already, so the function needs only to write streams into its own.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `contact-router ${props.label}: exactly what its code calls`,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    if (props.deadLetterQueue) {
      // Lambda sends failed asynchronous events with the function's role; the queue is KMS-encrypted.
      this.role.addToPrincipalPolicy(sqsProducerKeyStatement(props.dataKey, Stack.of(this).region));
    }
    if (props.vpc) this.role.addToPrincipalPolicy(vpcNetworkInterfaceStatement());
    const sendsMail = (props.access.sendsMailAs?.length ?? 0) > 0;
    const mailConfigurationSet = sendsMail ? props.mailConfigurationSet : undefined;
    const staffMailConfigurationSet =
      sendsMail && props.sendsStaffMail ? props.staffMailConfigurationSet : undefined;
    const { acknowledgements } = grantFunctionAccess(
      this.role,
      {
        ...props.access,
        ...(mailConfigurationSet ? { sendsMailThrough: mailConfigurationSet } : {}),
        ...(staffMailConfigurationSet ? { sendsStaffMailThrough: staffMailConfigurationSet } : {}),
      },
      props.dataKey,
    );

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      // The bundling input is the repository itself, whichever directory synthesis runs from.
      projectRoot: REPOSITORY_ROOT,
      depsLockFilePath: path.join(REPOSITORY_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout,
      role: this.role,
      ...(props.reservedConcurrency === undefined
        ? {}
        : { reservedConcurrentExecutions: props.reservedConcurrency }),
      environment: {
        ...props.environment,
        ...(mailConfigurationSet ? { SES_CONFIGURATION_SET: mailConfigurationSet } : {}),
        ...(staffMailConfigurationSet ? { SES_STAFF_CONFIGURATION_SET: staffMailConfigurationSet } : {}),
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...(props.sourceMaps ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
      },
      loggingFormat: lambda.LoggingFormat.JSON,
      logGroup: this.logGroup,
      tracing: lambda.Tracing.ACTIVE,
      ...(props.vpc ? { vpc: props.vpc } : {}),
      ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: 'node24',
        minify: true,
        // Maps without the sources: a tenth of the size, still enough to decode a stack trace.
        sourceMap: true,
        sourcesContent: false,
        mainFields: ['module', 'main'],
        // The SDK clients are bundled, not taken from the runtime: the deployed code runs the SDK
        // version the tests ran, and one minified file loads in about half the time of the
        // runtime's many-file SDK (`npm run bench:coldstart`).
        externalModules: [],
        // Some dependencies are CommonJS and call require(); give the ESM bundle one.
        banner:
          "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
        esbuildArgs: { '--conditions': BUNDLE_CONDITIONS.join(',') },
        ...(this.triageModels ? { commandHooks: triageModelHooks } : {}),
      },
    });
    props.monitoring?.watchFunction(this.function, props.label);
    this.acknowledgeFindings(props, acknowledgements);
  }

  /**
   * Polls `queue` with an SQS event source mapping that reports partial batch failures and runs at
   * most `maxConcurrency` invocations at once, never more than the function's reservation
   * ({@link sqsMaxConcurrency}). The queue's receive grant comes from the access declaration
   * (`receivesFrom`), not from CDK's SqsEventSource.
   */
  pollQueue(
    id: string,
    queue: sqs.IQueue,
    options: { batchSize: number; maxConcurrency: number },
  ): lambda.EventSourceMapping {
    InvalidPropsError.throwIfAny(
      `RouterFunction ${this.node.path}`,
      sqsReservationProblems('reservedConcurrency', this.reservedConcurrency),
    );
    return this.function.addEventSourceMapping(id, {
      eventSourceArn: queue.queueArn,
      batchSize: options.batchSize,
      reportBatchItemFailures: true,
      maxConcurrency: sqsMaxConcurrency(options.maxConcurrency, this.reservedConcurrency),
    });
  }

  private acknowledgeFindings(
    props: RouterFunctionProps,
    accessAcknowledgements: { id: string; reason: string }[],
  ): void {
    const wildcardReasons = [
      'X-Ray PutTraceSegments/PutTelemetryRecords have no resource-level permissions (tracing: ACTIVE)',
      ...(props.vpc
        ? ['the EC2 network-interface actions Lambda needs to attach to the VPC have none either']
        : []),
      ...(props.access.managesReceiptRuleSets
        ? ['SES DescribeActiveReceiptRuleSet/SetActiveReceiptRuleSet have none either']
        : []),
      ...(props.access.detectsDocumentText
        ? [
            'Textract StartDocumentTextDetection/GetDocumentTextDetection have none either (the document itself is read under the S3 grant of its prefix)',
          ]
        : []),
    ];
    // On the construct: the findings are on the role's policy and the function, both its children.
    Validations.of(this).acknowledge(
      ...accessAcknowledgements,
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason: `${wildcardReasons.join('; ')}.`,
      },
      {
        id: 'HIPAA.Security::HIPAA.Security-IAMNoInlinePolicy',
        reason:
          "The inline policy is this function's own least-privilege grant, derived from the calls its code makes; a managed policy would be shared and broader.",
      },
      ...(props.vpc
        ? []
        : [
            {
              id: 'HIPAA.Security::HIPAA.Security-LambdaInsideVPC',
              reason: props.callsOutsideAws
                ? `The function calls AWS APIs over TLS with IAM auth and ${props.callsOutsideAws}, and holds no network listener; pass \`vpc\` to RouterStack (with endpoints, and a NAT route for that call) where the account policy demands it.`
                : 'The function reaches only AWS APIs (DynamoDB, SQS, S3, SES, Secrets Manager, Textract, KMS, X-Ray) over TLS with IAM auth and holds no network listener; pass `vpc` to RouterStack to place it in a VPC with endpoints where the account policy demands it.',
            },
          ]),
      ...(props.reservedConcurrency === undefined
        ? [
            {
              id: 'HIPAA.Security::HIPAA.Security-LambdaConcurrency',
              reason:
                "No reservation by default, so the stack deploys in a new account: Lambda refuses any reservation that leaves fewer than 100 executions of the account concurrency quota unreserved, and a new account's quota can be as low as 10, so any reservation fails there. Set `reservedConcurrency` once the quota covers the stack's reservations plus 100 (the README gives the sum).",
            },
          ]
        : []),
    );
  }
}
