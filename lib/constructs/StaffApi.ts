import path from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { staffRouteKeys } from '../../lambdas/api/routes.js';
import { acknowledgeTableIndexGrant } from './acknowledgeTableIndexGrant.js';
import { InvalidPropsError } from './InvalidPropsError.js';
import { reservedConcurrencyProblems } from './propChecks.js';
import { RouterFunction, type RouterFunctionDefaults } from './RouterFunction.js';

const handlers = path.join(import.meta.dirname, '..', '..', 'lambdas', 'handlers');

/**
 * Every staff route, from the one declaration the function's router and the OpenAPI document use;
 * each one sits behind the Cognito JWT authorizer (the API description included: the API is internal).
 */
const STAFF_ROUTES = staffRouteKeys().map(
  ({ path: routePath, method }) => [routePath, apigw.HttpMethod[method]] as const,
);

export interface StaffApiProps {
  /** The case table the staff function reads and writes. */
  table: dynamodb.TableV2;
  /** Also encrypts and retains the API access logs. */
  functionDefaults: RouterFunctionDefaults;
  /** Keep the staff user pool on stack deletion (default) or destroy it (sandboxes only). */
  removalPolicy?: RemovalPolicy;
}

/**
 * The staff HTTP API: a Cognito user pool (MFA required, no self sign-up) whose JWTs authorize every
 * route, one staff function behind them, and a throttled stage with KMS-encrypted access logs.
 */
export class StaffApi extends Construct {
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;
  readonly function: lambda.IFunction;
  readonly api: apigw.HttpApi;

  constructor(scope: Construct, id: string, props: StaffApiProps) {
    super(scope, id);
    InvalidPropsError.throwIfAny(
      `StaffApi ${this.node.path}`,
      reservedConcurrencyProblems(
        'functionDefaults.reservedConcurrency',
        props.functionDefaults.reservedConcurrency,
      ),
    );
    const { table, functionDefaults } = props;

    this.userPool = new cognito.UserPool(this, 'Staff', {
      selfSignUpEnabled: false,
      signInAliases: { email: true, username: true },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 14,
        requireDigits: true,
        requireLowercase: true,
        requireUppercase: true,
        requireSymbols: true,
      },
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.client = this.userPool.addClient('StaffConsole', {
      authFlows: { userSrp: true },
      accessTokenValidity: Duration.hours(1),
      preventUserExistenceErrors: true,
    });

    const staffApi = new RouterFunction(this, 'StaffApi', {
      ...functionDefaults,
      entry: path.join(handlers, 'staffApi.ts'),
      description: 'Staff HTTP API: queues, claim-next, cases',
      timeout: Duration.seconds(10),
      environment: { TABLE_NAME: table.tableName },
    }).function;
    table.grantReadWriteData(staffApi);
    Validations.of(staffApi).acknowledge({
      id: 'HIPAA.Security::HIPAA.Security-LambdaDLQ',
      reason:
        'API Gateway invokes this function synchronously; the caller gets the error, there is no event to dead-letter.',
    });
    acknowledgeTableIndexGrant(staffApi, table);
    this.function = staffApi;

    const accessLogGroup = new logs.LogGroup(this, 'StaffApiAccessLogs', {
      retention: functionDefaults.logRetention,
      encryptionKey: functionDefaults.logKey,
    });
    this.api = new apigw.HttpApi(this, 'StaffHttpApi', {
      description: 'contact-router staff API',
      createDefaultStage: false,
    });
    new apigw.HttpStage(this, 'StaffApiStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogGroup),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            routeKey: '$context.routeKey',
            status: '$context.status',
            latencyMs: '$context.responseLatency',
            staff: '$context.authorizer.claims.username',
          }),
        ),
      },
      throttle: { rateLimit: 50, burstLimit: 100 },
    });
    const authorizer = new HttpUserPoolAuthorizer('StaffJwt', this.userPool, {
      userPoolClients: [this.client],
    });
    const integration = new HttpLambdaIntegration('StaffApiIntegration', staffApi);
    for (const [routePath, method] of STAFF_ROUTES) {
      this.api.addRoutes({ path: routePath, methods: [method], integration, authorizer });
    }
  }
}
