import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CfnOutput, Duration, RemovalPolicy, type SecretValue, Stack, Token, Validations } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { CONSOLE_PREFIX, writeConsoleSite } from '../../console/build.js';
import { contentSecurityPolicy, SECURITY_HEADERS } from '../../console/securityHeaders.js';
import { ORIGIN_TOKEN_HEADER } from '../../lambdas/api/originToken.js';
import { staffRouteKeys } from '../../lambdas/api/routes.js';
import { consoleHostGuardSource } from './consoleHostGuard.js';
import { InvalidPropsError } from './InvalidPropsError.js';
import { vpcNetworkInterfaceStatement } from './RouterFunction.js';

export interface StaffConsoleProps {
  /** The staff HTTP API. CloudFront forwards its paths to it, so the console and the API share one origin. */
  api: apigw.IHttpApi;
  /** Added to every request CloudFront forwards to the API (`x-contact-router-origin`); the staff function requires it. */
  apiOriginToken?: SecretValue;
  /** The console's Cognito app client (authorization code flow with PKCE, no secret). */
  userPoolClient: cognito.IUserPoolClient;
  /**
   * The hosted sign-in domain staff sign in at. Without it the console is deployed and says that
   * sign-in is not configured.
   */
  signInDomain?: cognito.UserPoolDomain;
  /** OAuth scopes the console asks for (default: openid, email, profile). */
  scopes?: string[];
  /** Receives CloudFront's standard logs and the site bucket's server access logs (ACLs enabled, as CloudFront requires). */
  accessLogs: s3.IBucket;
  /**
   * The console's own host names (with `certificate`, an ACM certificate in us-east-1), served with
   * the TLSv1.2_2021 security policy. Default: only the CloudFront domain, whose default certificate
   * CloudFront serves with the TLSv1 policy (a sandbox only; RouterStack requires them otherwise).
   */
  domainNames?: string[];
  certificate?: acm.ICertificate;
  /** A WAF web ACL (CLOUDFRONT scope, created in us-east-1) in front of the console and the API paths. */
  webAclArn?: string;
  /** ISO 3166-1 alpha-2 countries staff may open the console from; default: anywhere. */
  allowedCountries?: string[];
  /** Seconds between two `GET /queues` on the board (default 10). */
  refreshSeconds?: number;
  /** Keep the site bucket on stack deletion (default) or destroy it; it holds no PHI, only the built page. */
  removalPolicy?: RemovalPolicy;
  /** Encrypts the deployment function's log group (the stack's data key). */
  logKey: kms.IKey;
  logRetention?: logs.RetentionDays;
  /** Place the deployment function in this VPC (with S3 and CloudFront reachable) where account policy demands it. */
  vpc?: ec2.IVpc;
}

/** The first path segment of every staff API route: what CloudFront sends to the API instead of S3. */
export function staffApiPathPatterns(): string[] {
  const firstSegments = staffRouteKeys().map((route) => `/${route.path.split('/')[1] ?? ''}`);
  return [...new Set(firstSegments)].map((segment) => `${segment}*`);
}

/** The console's edge settings as names and ARNs: its host names, certificate, web ACL and countries. */
export interface ConsoleEdge {
  domainNames?: readonly string[];
  certificateArn?: string;
  webAclArn?: string;
  allowedCountries?: readonly string[];
}

// CloudFront takes certificates only from ACM in us-east-1, and web ACLs of CLOUDFRONT scope (also us-east-1).
const CLOUDFRONT_CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[0-9a-f-]{1,64}$/;
const CLOUDFRONT_WEB_ACL_ARN = /^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global\/webacl\//;
// A host name the console answers at (no wildcard: it is also a sign-in callback URL).
const HOST_NAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;

/**
 * Problems with the console's edge settings, each naming what was expected and what was received;
 * `name` gives each setting as its caller calls it (`domainNames` here, `consoleDomainNames` for
 * RouterStack and the deploy context).
 */
export function consoleEdgeProblems(
  edge: ConsoleEdge,
  name: (setting: keyof ConsoleEdge) => string = (setting) => setting,
): string[] {
  const problems: string[] = [];
  const domainNames = edge.domainNames ?? [];
  if (domainNames.length > 0 !== (edge.certificateArn !== undefined)) {
    problems.push(
      `\`${name('domainNames')}\` and \`${name('certificateArn')}\` go together (CloudFront serves a custom name only with its certificate); received ${domainNames.length} domain name(s) and ${edge.certificateArn === undefined ? 'no' : 'a'} certificate`,
    );
  }
  for (const domainName of domainNames) {
    if (!Token.isUnresolved(domainName) && !HOST_NAME.test(domainName)) {
      problems.push(
        `\`${name('domainNames')}\` entries are lowercase host names such as "staff.desk.yourpharmacy.com" (no scheme, path or wildcard); received ${JSON.stringify(domainName)}`,
      );
    }
  }
  const certificateArn = edge.certificateArn;
  if (
    certificateArn !== undefined &&
    !Token.isUnresolved(certificateArn) &&
    !CLOUDFRONT_CERTIFICATE_ARN.test(certificateArn)
  ) {
    problems.push(
      `\`${name('certificateArn')}\` must be an ACM certificate in us-east-1, the only region CloudFront takes certificates from (arn:aws:acm:us-east-1:<account>:certificate/<id>); received ${JSON.stringify(certificateArn)}`,
    );
  }
  for (const country of edge.allowedCountries ?? []) {
    if (!/^[A-Z]{2}$/.test(country)) {
      problems.push(
        `\`${name('allowedCountries')}\` entries are ISO 3166-1 alpha-2 codes such as "US"; received ${JSON.stringify(country)}`,
      );
    }
  }
  if (edge.allowedCountries?.length === 0)
    problems.push(`\`${name('allowedCountries')}\` must list at least one country when given; received []`);
  if (
    edge.webAclArn !== undefined &&
    !Token.isUnresolved(edge.webAclArn) &&
    !CLOUDFRONT_WEB_ACL_ARN.test(edge.webAclArn)
  ) {
    problems.push(
      `\`${name('webAclArn')}\` must be a WAFv2 web ACL of CLOUDFRONT scope (arn:aws:wafv2:us-east-1:<account>:global/webacl/…); received ${JSON.stringify(edge.webAclArn)}`,
    );
  }
  return problems;
}

/** Every problem with the props, each naming what was expected and what was received. */
export function staffConsoleProblems(props: StaffConsoleProps): string[] {
  const problems = consoleEdgeProblems(
    {
      ...(props.domainNames ? { domainNames: props.domainNames } : {}),
      ...(props.certificate ? { certificateArn: props.certificate.certificateArn } : {}),
      ...(props.webAclArn === undefined ? {} : { webAclArn: props.webAclArn }),
      ...(props.allowedCountries ? { allowedCountries: props.allowedCountries } : {}),
    },
    (setting) => (setting === 'certificateArn' ? 'certificate' : setting),
  );
  const refresh = props.refreshSeconds;
  if (refresh !== undefined && !(Number.isInteger(refresh) && refresh >= 2 && refresh <= 300)) {
    problems.push(`\`refreshSeconds\` must be an integer from 2 to 300; received ${refresh}`);
  }
  return problems;
}

/**
 * The CDK asset bucket as cdk-nag names it in a finding: the partition and account appear as
 * written when the stack knows them and as `<AWS::…>` references when it does not.
 */
function cdkAssetBucketFindings(stack: Stack): string[] {
  const partitions = ['aws', '<AWS::Partition>'];
  const accounts = ['<AWS::AccountId>', ...(Token.isUnresolved(stack.account) ? [] : [stack.account])];
  return partitions.flatMap((partition) =>
    accounts.map(
      (account) => `Resource::arn:${partition}:s3:::cdk-hnb659fds-assets-${account}-${stack.region}/*`,
    ),
  );
}

/**
 * The built console as a folder of S3 keys, at a path named by its content, so repeated synths
 * reuse one folder and the asset hash changes only when the console does.
 */
function builtConsoleDirectory(): string {
  const staging = path.join(tmpdir(), 'contact-router-console', `build-${process.pid}-${Date.now()}`);
  writeConsoleSite(staging);
  const hash = createHash('sha256');
  const walk = (directory: string) => {
    for (const entry of readdirSync(directory, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) walk(full);
      else hash.update(path.relative(staging, full)).update(readFileSync(full));
    }
  };
  walk(staging);
  const final = path.join(tmpdir(), 'contact-router-console', hash.digest('hex').slice(0, 16));
  if (!existsSync(final)) {
    mkdirSync(path.dirname(final), { recursive: true });
    renameSync(staging, final);
  }
  return final;
}

/**
 * The staff console in AWS: the built page in a private S3 bucket behind CloudFront (origin access
 * control), the staff API's paths forwarded by the same distribution to the HTTP API (no caching,
 * the bearer token passed on), so page and API share one origin and need no CORS; strict security
 * headers on every response; and the console's settings (Cognito client, sign-in domain) written
 * beside the page at deploy time.
 *
 * Why CloudFront and S3 rather than the HTTP API: the API stage is throttled for staff work (its
 * rate would be spent on fonts and bundles at the start of a shift), API Gateway sets no security
 * headers for static files, and the CJK fonts alone are hundreds of files best cached at the edge.
 */
export class StaffConsole extends Construct {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  /** `https://<host>/`: where staff open the console (the first custom name, else the CloudFront name). */
  readonly url: string;
  /**
   * The URLs staff sign in at, the client's callback and logout URLs: its custom names, or without
   * them (a sandbox) its CloudFront name.
   */
  readonly urls: string[];

  constructor(scope: Construct, id: string, props: StaffConsoleProps) {
    super(scope, id);
    InvalidPropsError.throwIfAny(`StaffConsole ${this.node.path}`, staffConsoleProblems(props));
    const stack = Stack.of(this);

    this.bucket = new s3.Bucket(this, 'Site', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30) }],
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'staff-console-site/',
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    Validations.of(this.bucket).acknowledge(
      {
        id: 'HIPAA.Security::HIPAA.Security-S3DefaultEncryptionKMS',
        reason:
          'The bucket holds the built console (HTML, script, stylesheets, fonts) and its public settings, never PHI; SSE-S3 lets CloudFront read it through origin access control without a key grant.',
      },
      {
        id: 'HIPAA.Security::HIPAA.Security-S3BucketReplicationEnabled',
        reason:
          'Every object is rebuilt from the repository on each deployment; a replica would add nothing.',
      },
    );

    const signInAuthority = props.signInDomain?.baseUrl();
    // CloudFront policy names are global to the account: the region keeps a second region's stack
    // (staging, disaster recovery) from colliding with this one.
    // An environment-agnostic stack (tests) has no region to name: CDK's own names stand there.
    const globalName = (what: string, maxLength: number): string | undefined => {
      const { stackName, region } = Stack.of(this);
      if (Token.isUnresolved(region) || Token.isUnresolved(stackName)) return undefined;
      return `${stackName}-${region}-${what}`.slice(0, maxLength);
    };
    const named = <Key extends string>(key: Key, what: string, maxLength: number) => {
      const name = globalName(what, maxLength);
      return (name === undefined ? {} : { [key]: name }) as Partial<Record<Key, string>>;
    };
    const headers = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      ...named('responseHeadersPolicyName', 'console-security-headers', 128),
      comment: 'contact-router staff console: CSP, HSTS and the other security headers',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: contentSecurityPolicy({
            connectSources: signInAuthority ? [signInAuthority] : [],
          }),
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
      customHeadersBehavior: {
        customHeaders: (
          ['cross-origin-opener-policy', 'cross-origin-resource-policy', 'permissions-policy'] as const
        ).map((header) => ({ header, value: SECURITY_HEADERS[header], override: true })),
      },
    });

    // On its own names, the console answers on those names only (see consoleHostGuard.ts).
    const hostGuard =
      props.domainNames && props.domainNames.length > 0
        ? [
            {
              eventType: cloudfront.FunctionEventType.VIEWER_REQUEST,
              function: new cloudfront.Function(this, 'HostGuard', {
                comment: 'Sends requests on any other host (the *.cloudfront.net name) to the desk name',
                runtime: cloudfront.FunctionRuntime.JS_2_0,
                code: cloudfront.FunctionCode.fromInline(consoleHostGuardSource(props.domainNames)),
              }),
            },
          ]
        : undefined;

    const apiOrigin = new origins.HttpOrigin(
      `${props.api.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`,
      {
        protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
        originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
        // CloudFront sets it on every forwarded request, replacing any a viewer sent.
        ...(props.apiOriginToken
          ? { customHeaders: { [ORIGIN_TOKEN_HEADER]: props.apiOriginToken.unsafeUnwrap() } }
          : {}),
      },
    );
    const apiBehavior: cloudfront.BehaviorOptions = {
      origin: apiOrigin,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
      // Never cached; with caching disabled CloudFront may pass the Authorization header on.
      cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
      originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      responseHeadersPolicy: headers,
      compress: true,
      ...(hostGuard ? { functionAssociations: hostGuard } : {}),
    };

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'contact-router staff console and staff API',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket, {
          originAccessControl: new cloudfront.S3OriginAccessControl(this, 'ConsoleOriginAccess', {
            ...named('originAccessControlName', 'console-oac', 64),
          }),
        }),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        // The files carry `Cache-Control: no-cache` for browsers (they revalidate each load), which
        // CloudFront would also obey, going back to S3 every time; its own minimum keeps them at the
        // edge for a day instead, and each deployment invalidates them (below).
        cachePolicy: new cloudfront.CachePolicy(this, 'ConsoleFiles', {
          ...named('cachePolicyName', 'console-files', 128),
          comment: 'contact-router staff console files: a day at the edge, invalidated on each deploy',
          minTtl: Duration.days(1),
          defaultTtl: Duration.days(1),
          maxTtl: Duration.days(365),
          enableAcceptEncodingGzip: true,
          enableAcceptEncodingBrotli: true,
        }),
        responseHeadersPolicy: headers,
        compress: true,
        ...(hostGuard ? { functionAssociations: hostGuard } : {}),
      },
      additionalBehaviors: Object.fromEntries(
        staffApiPathPatterns().map((pattern) => [pattern, apiBehavior]),
      ),
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      enableLogging: true,
      logBucket: props.accessLogs,
      logFilePrefix: 'staff-console-cdn/',
      ...(props.domainNames && props.certificate
        ? {
            domainNames: props.domainNames,
            certificate: props.certificate,
            minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
      ...(props.webAclArn ? { webAclId: props.webAclArn } : {}),
      ...(props.allowedCountries
        ? { geoRestriction: cloudfront.GeoRestriction.allowlist(...props.allowedCountries) }
        : {}),
    });
    const acknowledgements = [
      ...(props.domainNames
        ? []
        : [
            {
              id: 'AwsSolutions::AwsSolutions-CFR4',
              reason:
                'Only a sandbox deploys the console without its own name: RouterStack refuses any other deployment without `consoleDomainNames` and `consoleCertificateArn` (deploy context keys of the same names). A sandbox serves the console on its *.cloudfront.net name with the CloudFront default certificate, for which CloudFront sets the TLSv1 security policy whatever is asked, so a sandbox must hold no PHI (placeholder addresses, test data only).',
            },
          ]),
      ...(props.webAclArn
        ? []
        : [
            {
              id: 'AwsSolutions::AwsSolutions-CFR2',
              reason:
                'No web ACL was given: a CLOUDFRONT-scope web ACL lives in us-east-1 outside this stack, and a desk that has one passes it with the deploy context key `consoleWebAclArn` (`webAclArn`). Without it every API path still needs a Cognito JWT, checked at API Gateway, whose stage is throttled (50 rps); the rest is the static page.',
            },
          ]),
      ...(props.allowedCountries
        ? []
        : [
            {
              id: 'AwsSolutions::AwsSolutions-CFR1',
              reason:
                'No country list was given: staff of a mail-order desk may work from several countries, sign-in requires MFA and every API path a Cognito JWT. A desk that works from known countries passes them with the deploy context key `consoleAllowedCountries` (`allowedCountries`).',
            },
          ]),
    ];
    if (acknowledgements.length > 0) Validations.of(this.distribution).acknowledge(...acknowledgements);

    const deploymentLogs = new logs.LogGroup(this, 'DeploymentLogs', {
      encryptionKey: props.logKey,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    // CDK's deployment function would otherwise make its own role with AWSLambdaBasicExecutionRole
    // (logs:* on `*`). This one writes only to its own encrypted log group; CDK adds the copy and
    // invalidation grants it needs to it.
    const deploymentRole = new iam.Role(this, 'DeploymentRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description:
        'contact-router staff console deployment: copy the built page, invalidate the distribution',
    });
    deploymentRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [deploymentLogs.logGroupArn],
      }),
    );
    if (props.vpc) deploymentRole.addToPrincipalPolicy(vpcNetworkInterfaceStatement());
    new s3deploy.BucketDeployment(this, 'Deploy', {
      sources: [
        s3deploy.Source.asset(builtConsoleDirectory()),
        s3deploy.Source.jsonData(`${CONSOLE_PREFIX.slice(1)}config.json`, {
          signIn: {
            kind: 'cognito',
            ...(signInAuthority ? { authority: signInAuthority } : {}),
            clientId: props.userPoolClient.userPoolClientId,
            scopes: props.scopes ?? ['openid', 'email', 'profile'],
          },
          refreshSeconds: props.refreshSeconds ?? 10,
        }),
      ],
      destinationBucket: this.bucket,
      // Browsers revalidate every file (ETag, 304); CloudFront keeps them at the edge until the invalidation below.
      cacheControl: [s3deploy.CacheControl.noCache()],
      distribution: this.distribution,
      distributionPaths: ['/*'],
      memoryLimit: 512,
      prune: true,
      logGroup: deploymentLogs,
      role: deploymentRole,
      ...(props.vpc ? { vpc: props.vpc } : {}),
    });
    // CDK's bucket-deployment function (one per stack and memory size, at the stack's root) runs only
    // while CloudFormation deploys: it copies the built console and invalidates the distribution.
    const deploymentFunction = stack.node
      .findAll()
      .find(
        (node): node is lambda.Function => node instanceof lambda.Function && node.role === deploymentRole,
      );
    if (!deploymentFunction) {
      throw new Error(
        `StaffConsole ${this.node.path}: CDK's bucket-deployment function did not take the given role`,
      );
    }
    Validations.of(deploymentRole).acknowledge(
      ...[
        'Action::s3:Abort*',
        'Action::s3:DeleteObject*',
        'Action::s3:GetBucket*',
        'Action::s3:GetObject*',
        'Action::s3:List*',
        ...cdkAssetBucketFindings(stack),
        `Resource::<${stack.getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket)}.Arn>/*`,
        'Resource::*',
      ].map((finding) => ({
        id: `AwsSolutions::AwsSolutions-IAM5[${finding}]`,
        reason: `CDK grants its deployment function read on the CDK asset bucket and read, write and delete on this site bucket (object wildcards are how S3 grants every key; the bucket holds only the built page), and cloudfront:CreateInvalidation/GetInvalidation, which CDK scopes to "*" (an invalidation empties edge caches and reads or changes no data)${props.vpc ? '; the EC2 network-interface actions of a function in a VPC have no resource-level permissions' : ''}.`,
      })),
      {
        id: 'HIPAA.Security::HIPAA.Security-IAMNoInlinePolicy',
        reason:
          "The deployment role's inline policy is its own: its log group, and the copy and invalidation grants CDK derives for this one deployment; a managed policy would be shared and broader.",
      },
    );
    Validations.of(deploymentFunction).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-L1',
        reason:
          'CDK pins the runtime of its bucket-deployment function with each aws-cdk-lib release; it is upgraded with the library.',
      },
      {
        id: 'HIPAA.Security::HIPAA.Security-LambdaDLQ',
        reason:
          'CloudFormation invokes the function as a custom resource and reads its answer; a failed deployment fails the stack update, there is no event to dead-letter.',
      },
      {
        id: 'HIPAA.Security::HIPAA.Security-LambdaConcurrency',
        reason:
          'The function runs once per stack deployment, never on a request path; a concurrency limit would only make deployments fail.',
      },
      ...(props.vpc
        ? []
        : [
            {
              id: 'HIPAA.Security::HIPAA.Security-LambdaInsideVPC',
              reason:
                'The function copies the built console (no PHI) between S3 buckets and calls CloudFront over TLS with IAM auth; pass `vpc` to RouterStack to place it in a VPC where account policy demands it.',
            },
          ]),
    );
    // With its own names the console signs staff in only there: its *.cloudfront.net name keeps the
    // TLSv1 floor of CloudFront's default certificate, so it is no callback URL.
    const customUrls = (props.domainNames ?? []).map((name) => `https://${name}/`);
    const cloudFrontUrl = `https://${this.distribution.distributionDomainName}/`;
    this.urls = customUrls.length > 0 ? customUrls : [cloudFrontUrl];
    this.url = customUrls[0] ?? cloudFrontUrl;
    new CfnOutput(this, 'Url', {
      value: this.url,
      description:
        'The staff console (the stack registers it as the Cognito app client callback and logout URL)',
    });
  }
}
