import path from 'node:path';
import { Duration, Lazy, RemovalPolicy, type SecretValue, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { DESK_METRICS } from '../../lambdas/adapters/metrics/deskMetricNames.js';
import { LANGUAGE_GROUP_PREFIX, ROLE_GROUPS } from '../../lambdas/api/auth.js';
import { staffRouteKeys } from '../../lambdas/api/routes.js';
import { FAX_PREFIX } from '../../lambdas/domain/ingest/acceptFax.js';
import { TEMPLATE_LANGUAGES } from '../../lambdas/domain/outbound/templates.js';
import { InvalidPropsError } from './InvalidPropsError.js';
import { emailAddressProblems } from './propChecks.js';
import { RouterFunction, type RouterFunctionDefaults } from './RouterFunction.js';

const handlers = path.join(import.meta.dirname, '..', '..', 'lambdas', 'handlers');

/**
 * Every staff route, from the one declaration the function's router and the OpenAPI document use;
 * each one sits behind the Cognito JWT authorizer (the API description included: the API is internal).
 */
const STAFF_ROUTES = staffRouteKeys().map(
  ({ path: routePath, method }) => [routePath, apigw.HttpMethod[method]] as const,
);

export interface StaffConsoleClient {
  /**
   * Where Cognito may send the authorization code after sign-in, besides the URLs registered with
   * `allowConsoleUrl` (the stack registers its CloudFront console): a custom domain, or localhost.
   */
  callbackUrls: string[];
  /** Where Cognito may send the browser after sign-out, besides the registered console URLs. */
  logoutUrls: string[];
  /** Prefix of the Cognito hosted sign-in domain (`<prefix>.auth.<region>.amazoncognito.com`); none without it. */
  domainPrefix?: string;
}

export interface StaffApiProps {
  /** The case table the staff function reads and writes. */
  table: dynamodb.TableV2;
  /** The raw-content bucket: the staff function reads fax page images from it, nothing else. */
  rawBucket?: s3.IBucket;
  /** Also encrypts and retains the API access logs. */
  functionDefaults: RouterFunctionDefaults;
  /** The staff console's OAuth client: code flow with PKCE to these URLs. */
  console: StaffConsoleClient;
  /** The desk's address on replies to members (a verified SES identity); the function sends only as it. */
  deskFrom: string;
  /** The display name on replies (`Member Services`); the function's default when absent. */
  deskName?: string;
  /** Keep the staff user pool on stack deletion (default) or destroy it (sandboxes only). */
  removalPolicy?: RemovalPolicy;
  /**
   * Origins of the web pages that post the international form (`https://www.yourpharmacy.com`): the
   * API answers their CORS preflight for `POST` with `Content-Type` (a JSON body needs one). None by
   * default, and then no browser page on another origin can submit the form.
   */
  formOrigins?: readonly string[];
}

const WEB_ORIGIN = /^https:\/\/[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?(?::\d{1,5})?$/i;

/** Each form origin must be an https origin alone (scheme and host, no path, no wildcard). */
export function formOriginProblems(origins: readonly string[] | undefined): string[] {
  return (origins ?? [])
    .filter((origin) => !WEB_ORIGIN.test(origin))
    .map(
      (origin) =>
        `\`formOrigins\` takes https origins such as https://www.yourpharmacy.com (no path, no wildcard); received ${JSON.stringify(origin)}`,
    );
}

/** The roles staff sign in with, as Cognito groups: the `cognito:groups` claim of their tokens. */
export const STAFF_GROUPS = ROLE_GROUPS;

/**
 * The languages a staff member reads and writes, one Cognito group each (`lang-es`): the languages
 * the desk writes to members in (its templates), as the staff API reads them from `cognito:groups`.
 */
export const LANGUAGE_GROUPS: readonly string[] = TEMPLATE_LANGUAGES.filter((language) =>
  /^[a-z]{2,3}$/.test(language),
).map((language) => `${LANGUAGE_GROUP_PREFIX}${language}`);

// Cognito's rules for a hosted UI domain prefix (it may not contain the reserved words).
const DOMAIN_PREFIX = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const RESERVED_IN_PREFIX = /aws|amazon|cognito/;

/** Problems with the console client settings, each naming what was expected and what was received. */
export function staffConsoleProblems(client: StaffConsoleClient): string[] {
  const problems: string[] = [];
  const urlProblem = (name: string, url: string) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return `\`${name}\` entries must be absolute URLs; received ${JSON.stringify(url)}`;
    }
    const localhost = parsed.hostname === 'localhost' || parsed.hostname === '127.0.0.1';
    if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && localhost)) {
      return `\`${name}\` entries must use https (http only for localhost); received ${JSON.stringify(url)}`;
    }
    if (parsed.hash) return `\`${name}\` entries may not contain a fragment; received ${JSON.stringify(url)}`;
    return undefined;
  };
  for (const [name, urls] of [
    ['consoleCallbackUrls', client.callbackUrls],
    ['consoleLogoutUrls', client.logoutUrls],
  ] as const) {
    for (const url of urls) {
      const problem = urlProblem(name, url);
      if (problem) problems.push(problem);
    }
  }
  const prefix = client.domainPrefix;
  if (prefix !== undefined && (!DOMAIN_PREFIX.test(prefix) || RESERVED_IN_PREFIX.test(prefix))) {
    problems.push(
      `\`authDomainPrefix\` must be 1-63 lowercase letters, digits and inner hyphens, without "aws", "amazon" or "cognito"; received ${JSON.stringify(prefix)}`,
    );
  }
  return problems;
}

/**
 * The staff HTTP API: a Cognito user pool (MFA required, no self sign-up, the role groups `agent`
 * and `supervisor` and a `lang-<code>` group per language) whose JWTs authorize every route, the
 * staff console's client (authorization code flow with PKCE, no implicit flow, no secret), one
 * staff function behind the routes, and a throttled stage with KMS-encrypted access logs.
 */
export class StaffApi extends Construct {
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;
  readonly domain?: cognito.UserPoolDomain;
  readonly function: lambda.IFunction;
  readonly api: apigw.HttpApi;
  /**
   * The token the console's distribution adds to each request it forwards here (an origin custom
   * header, lambdas/api/originToken.ts); the staff function refuses requests without it.
   */
  readonly originToken: SecretValue;
  readonly #consoleUrls: string[] = [];

  constructor(scope: Construct, id: string, props: StaffApiProps) {
    super(scope, id);
    InvalidPropsError.throwIfAny(`StaffApi ${this.node.path}`, [
      ...staffConsoleProblems(props.console),
      ...emailAddressProblems('deskFrom', props.deskFrom),
      ...formOriginProblems(props.formOrigins),
    ]);
    const { table, functionDefaults } = props;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

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
      removalPolicy,
      // A retained pool is also protected from deletion by any API call, not only by the stack.
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
    });
    for (const [group, description, precedence] of [
      [STAFF_GROUPS.supervisor, 'Supervisors: every queue and claim, reassign, release, merge', 10],
      [STAFF_GROUPS.agent, 'Agents: claim and work cases from their queues', 20],
    ] as const) {
      this.userPool.addGroup(`${group}Group`, { groupName: group, description, precedence });
    }
    // Skills, not roles: no precedence (it only picks an IAM role, and these groups carry none).
    for (const group of LANGUAGE_GROUPS) {
      this.userPool.addGroup(`${group}Group`, {
        groupName: group,
        description: `Reads and writes ${group.slice(LANGUAGE_GROUP_PREFIX.length)}: claims cases in that language first`,
      });
    }
    // A browser app is a public client: no secret; the authorization code flow with PKCE (S256),
    // never the implicit flow (tokens in the URL fragment).
    this.client = this.userPool.addClient('StaffConsole', {
      generateSecret: false,
      // Sign-in happens only on the hosted pages (the OAuth code flow): no InitiateAuth flow of its own.
      // An empty list is not "none" (CloudFormation then allows SRP and custom auth), so SRP is named
      // off and CDK writes only ALLOW_REFRESH_TOKEN_AUTH: the public client id cannot be used to try
      // passwords against the user pool API, outside the hosted pages.
      authFlows: { userSrp: false },
      oAuth: {
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
        // Resolved at synth, after the console has registered its own URL (`allowConsoleUrl`).
        callbackUrls: Lazy.list({ produce: () => [...props.console.callbackUrls, ...this.#consoleUrls] }),
        logoutUrls: Lazy.list({ produce: () => [...props.console.logoutUrls, ...this.#consoleUrls] }),
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      // API Gateway's JWT authorizer checks a token's signature and expiry, never revocation: an
      // access token taken before sign-out (a shared workstation, a copied header) stays good until
      // it expires. Fifteen minutes bounds that; the console renews two minutes before expiry with
      // the refresh token, which sign-out revokes (`enableTokenRevocation`).
      accessTokenValidity: Duration.minutes(15),
      idTokenValidity: Duration.minutes(15),
      // About one shift: a lost laptop's session ends by the next day.
      refreshTokenValidity: Duration.hours(12),
      enableTokenRevocation: true,
      preventUserExistenceErrors: true,
    });
    if (props.console.domainPrefix) {
      this.domain = this.userPool.addDomain('HostedSignIn', {
        cognitoDomain: { domainPrefix: props.console.domainPrefix },
      });
    }

    // HTTP APIs take no web ACL, and their execute-api address stays reachable: the console's
    // distribution (web ACL, country list) proves a request came through it with this token, which
    // CloudFormation resolves into both places at deploy time (never into the template).
    const originTokenSecret = new secretsmanager.Secret(this, 'ConsoleOriginToken', {
      description: 'Token the staff console distribution adds to the requests it forwards to the staff API',
      encryptionKey: functionDefaults.dataKey,
      generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(originTokenSecret).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-SMG4',
        reason:
          "A generated token between two resources of this stack (the console distribution's origin header and the staff function's environment), not a credential: a JWT is still required. CloudFormation resolves it into both at deploy time, and resolves a reference again only when its resource changes, so a rotation (or put-secret-value) would desynchronize them; it is replaced by replacing the secret resource (a new construct id), which changes both references in one deploy.",
      },
      {
        id: 'HIPAA.Security::HIPAA.Security-SecretsManagerRotationEnabled',
        reason:
          'A generated token shared by the console distribution and the staff function, resolved into both at deploy time (a rotation would desynchronize them); every request still needs a Cognito JWT. Replaced by replacing the secret resource (a new construct id), which changes both references in one deploy; never by put-secret-value, which CloudFormation would not carry into either.',
      },
    );
    this.originToken = originTokenSecret.secretValue;

    const staffApi = new RouterFunction(this, 'StaffApi', {
      ...functionDefaults,
      label: DESK_METRICS.services.staffApi,
      entry: path.join(handlers, 'staffApi.ts'),
      description: 'Staff HTTP API: queues, claim-next, cases',
      timeout: Duration.seconds(10),
      environment: {
        TABLE_NAME: table.tableName,
        DESK_FROM: props.deskFrom,
        ORIGIN_TOKEN: this.originToken.unsafeUnwrap(),
        ...(props.rawBucket ? { RAW_BUCKET: props.rawBucket.bucketName } : {}),
        ...(props.deskName === undefined ? {} : { DESK_NAME: props.deskName }),
      },
      access: {
        caseStore: {
          table,
          methods: [
            // The board, claim-next, the case lists and the case view.
            'listQueues',
            'claimNext',
            'listCases',
            'getCase',
            'getCaseRecord',
            // Every case action (a merge writes two cases at once) and replies.
            'applyRevision',
            'applyRevisions',
            // A reply is sent right after it commits (deliverNow); the sweeper retries what fails.
            'claimOutboxEntry',
            'markOutboxEntrySent',
            'registerThreadKeys',
          ],
        },
        // Sign-out that holds for tokens already issued (POST /session/sign-out, checked on every request).
        signedOutSessionsIn: table,
        sendsMailAs: [props.deskFrom],
        // Fax page images for the case view, and nothing else of the raw-content bucket.
        ...(props.rawBucket
          ? {
              objects: [
                { bucket: props.rawBucket, prefix: `${FAX_PREFIX}*/pages/`, actions: ['s3:GetObject'] },
              ],
            }
          : {}),
      },
    }).function;
    Validations.of(staffApi).acknowledge({
      id: 'HIPAA.Security::HIPAA.Security-LambdaDLQ',
      reason:
        'API Gateway invokes this function synchronously; the caller gets the error, there is no event to dead-letter.',
    });
    this.function = staffApi;

    const accessLogGroup = new logs.LogGroup(this, 'StaffApiAccessLogs', {
      retention: functionDefaults.logRetention,
      encryptionKey: functionDefaults.dataKey,
    });
    this.api = new apigw.HttpApi(this, 'StaffHttpApi', {
      description: 'contact-router staff API',
      createDefaultStage: false,
      // Only the form's pages, only POST with a JSON body: API Gateway answers their preflight
      // itself (HTTP API developer guide, "Configuring CORS"). No Authorization header is allowed,
      // so a page on those origins cannot call a staff route with a token.
      ...(props.formOrigins?.length
        ? {
            corsPreflight: {
              // Browsers send the scheme and host in lower case; a configured capital would never match.
              allowOrigins: props.formOrigins.map((origin) => origin.toLowerCase()),
              allowMethods: [apigw.CorsHttpMethod.POST],
              allowHeaders: ['content-type'],
              maxAge: Duration.hours(1),
            },
          }
        : {}),
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
    this.node.addValidation({
      validate: () =>
        props.console.callbackUrls.length + this.#consoleUrls.length > 0
          ? []
          : [
              'the staff console client has no callback URL: pass `consoleCallbackUrls` or register the deployed console with `allowConsoleUrl`',
            ],
    });
  }

  /**
   * Lets the console at `url` (`https://<host>/`, a token until deploy) receive sign-in codes and
   * sign-out redirects, beside the URLs of the props: the first deploy works without knowing the
   * CloudFront domain in advance.
   */
  allowConsoleUrl(url: string): void {
    this.#consoleUrls.push(url);
  }
}
