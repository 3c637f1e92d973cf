import { RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidPropsError } from '../../../lib/constructs/InvalidPropsError.js';
import {
  StaffConsole,
  type StaffConsoleProps,
  staffApiPathPatterns,
} from '../../../lib/constructs/StaffConsole.js';
import { roleStatements, stackWithStores } from './testStack.js';

function consoleStack(overrides: Partial<StaffConsoleProps> = {}) {
  const { stack, stores } = stackWithStores();
  const api = new apigw.HttpApi(stack, 'Api');
  const userPool = new cognito.UserPool(stack, 'Pool', { removalPolicy: RemovalPolicy.DESTROY });
  const userPoolClient = userPool.addClient('Client');
  const signInDomain = userPool.addDomain('SignIn', { cognitoDomain: { domainPrefix: 'desk-staff' } });
  const staffConsole = new StaffConsole(stack, 'Console', {
    api,
    userPoolClient,
    signInDomain,
    accessLogs: stores.accessLogs,
    logKey: stores.dataKey,
    ...overrides,
  });
  return { stack, staffConsole, template: Template.fromStack(stack) };
}

/** An imported ACM certificate for `staff.pharmacy.example` (in a stack of its own: only its ARN is used). */
function customDomainCertificate(): acm.ICertificate {
  return acm.Certificate.fromCertificateArn(
    stackWithStores().stack,
    'Cert',
    'arn:aws:acm:us-east-1:111111111111:certificate/00000000-0000-0000-0000-000000000000',
  );
}

/** A CloudFormation string as text, references shown as `{"Ref":…}`. */
function joined(value: unknown): string {
  if (typeof value === 'string') return value;
  const parts = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  return parts.map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join('');
}

describe('StaffConsole', () => {
  let template: Template;
  beforeAll(() => {
    template = consoleStack().template;
  });

  it('keeps the built page in a private, TLS-only bucket that logs its access', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: { LogFilePrefix: 'staff-console-site/', DestinationBucketName: Match.anyValue() },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Action: 's3:GetObject',
          }),
        ]),
      },
    });
  });

  it('serves the page from S3 through origin access control, over HTTPS, logged', () => {
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        HttpVersion: 'http2and3',
        Logging: Match.objectLike({ Prefix: 'staff-console-cdn/' }),
        DefaultCacheBehavior: Match.objectLike({
          ViewerProtocolPolicy: 'redirect-to-https',
          AllowedMethods: ['GET', 'HEAD'],
          Compress: true,
        }),
      }),
    });
  });

  it('keeps the console files a day at the edge (the files tell browsers no-cache; each deploy invalidates)', () => {
    const policies = template.findResources('AWS::CloudFront::CachePolicy');
    const [id, policy] = Object.entries(policies)[0] ?? [];
    expect(Object.keys(policies)).toHaveLength(1);
    expect(policy?.Properties.CachePolicyConfig).toMatchObject({ MinTTL: 86_400, DefaultTTL: 86_400 });
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultCacheBehavior: Match.objectLike({ CachePolicyId: { Ref: id } }),
      }),
    });
  });

  it('names its account-global policies after the stack and region, so a second region can deploy beside it', () => {
    const names = [
      ...Object.values(template.findResources('AWS::CloudFront::ResponseHeadersPolicy')).map(
        (policy) => policy.Properties.ResponseHeadersPolicyConfig.Name,
      ),
      ...Object.values(template.findResources('AWS::CloudFront::CachePolicy')).map(
        (policy) => policy.Properties.CachePolicyConfig.Name,
      ),
      ...Object.values(template.findResources('AWS::CloudFront::OriginAccessControl')).map(
        (control) => control.Properties.OriginAccessControlConfig.Name,
      ),
    ];

    expect(names).toHaveLength(3);
    for (const name of names) expect(name).toMatch(/-us-east-1-console-/);
  });

  it('forwards every staff API path to the HTTP API uncached, with the bearer token, so page and API share one origin', () => {
    const patterns = staffApiPathPatterns();
    expect(patterns).toEqual(
      expect.arrayContaining(['/queues*', '/cases*', '/me*', '/templates*', '/openapi.json*']),
    );
    const distribution = Object.values(template.findResources('AWS::CloudFront::Distribution'))[0];
    const config = distribution?.Properties.DistributionConfig;
    const behaviors: {
      PathPattern: string;
      CachePolicyId: string;
      OriginRequestPolicyId: string;
      AllowedMethods: string[];
      ViewerProtocolPolicy: string;
      TargetOriginId: string;
    }[] = config.CacheBehaviors;
    expect(behaviors.map((behavior) => behavior.PathPattern).sort()).toEqual([...patterns].sort());
    for (const behavior of behaviors) {
      // AWS managed policies: CachingDisabled, AllViewerExceptHostHeader.
      expect(behavior.CachePolicyId).toBe('4135ea2d-6df8-44a3-9df3-4b5a84be39ad');
      expect(behavior.OriginRequestPolicyId).toBe('b689b0a8-53d0-40ab-baf2-68738e2966ac');
      expect(behavior.AllowedMethods).toContain('POST');
      expect(behavior.ViewerProtocolPolicy).toBe('https-only');
    }
    const apiOrigin = config.Origins.find(
      (origin: { Id: string }) => origin.Id === behaviors[0]?.TargetOriginId,
    );
    expect(apiOrigin.CustomOriginConfig).toMatchObject({
      OriginProtocolPolicy: 'https-only',
      OriginSSLProtocols: ['TLSv1.2'],
    });
    expect(JSON.stringify(apiOrigin.DomainName)).toContain('execute-api');
  });

  it('sends a strict Content-Security-Policy that allows only its own origin and the Cognito sign-in domain, with HSTS', () => {
    const policies = Object.values(template.findResources('AWS::CloudFront::ResponseHeadersPolicy'));
    expect(policies).toHaveLength(1);
    const config = policies[0]?.Properties.ResponseHeadersPolicyConfig;
    const csp = joined(config.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("require-trusted-types-for 'script'");
    // connect-src: this origin and the hosted sign-in domain (its prefix is a reference until deploy).
    expect(csp).toMatch(
      /connect-src 'self' https:\/\/\{"Ref":"PoolSignIn\w+"\}\.auth\.us-east-1\.amazoncognito\.com; /,
    );
    expect(config.SecurityHeadersConfig).toMatchObject({
      StrictTransportSecurity: {
        AccessControlMaxAgeSec: 63_072_000,
        IncludeSubdomains: true,
        Override: true,
      },
      ContentTypeOptions: { Override: true },
      FrameOptions: { FrameOption: 'DENY', Override: true },
      ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true },
    });
  });

  it('deploys the page with the Cognito client and sign-in domain as its settings, and invalidates the distribution', () => {
    template.hasResourceProperties('Custom::CDKBucketDeployment', {
      Prune: true,
      DistributionPaths: ['/*'],
      SystemMetadata: { 'cache-control': 'no-cache' },
      SourceMarkers: Match.arrayWith([Match.objectLike({ '<<marker:0xbaba:0>>': Match.anyValue() })]),
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      KmsKeyId: Match.anyValue(),
      RetentionInDays: 365,
    });
    template.hasOutput('*', { Description: Match.stringLikeRegexp('staff console') });
  });

  it("gives CDK's deployment function a role of its own: no managed policy, logs only to its own encrypted group", () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(functions).toHaveLength(1);
    const [deployment] = functions;
    const roleId: string = deployment?.Properties.Role['Fn::GetAtt'][0];
    const logGroupId: string = deployment?.Properties.LoggingConfig.LogGroup.Ref;

    expect(template.findResources('AWS::IAM::Role')[roleId]?.Properties.ManagedPolicyArns).toBeUndefined();
    expect(JSON.stringify(template.toJSON())).not.toContain('AWSLambdaBasicExecutionRole');
    expect(
      roleStatements(template, roleId).filter((statement) =>
        JSON.stringify(statement.Action).includes('logs:'),
      ),
    ).toEqual([
      expect.objectContaining({
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] },
      }),
    ]);
    expect(template.findResources('AWS::Logs::LogGroup')[logGroupId]?.Properties.KmsKeyId).toBeDefined();
  });

  it('signs staff in at its custom names only when it has them (its CloudFront name keeps the TLSv1 floor)', () => {
    const certificate = customDomainCertificate();
    const custom = consoleStack({
      domainNames: ['staff.pharmacy.example', 'desk.pharmacy.example'],
      certificate,
    });

    expect(custom.staffConsole.urls).toEqual([
      'https://staff.pharmacy.example/',
      'https://desk.pharmacy.example/',
    ]);
  });

  it('signs staff in at its CloudFront name without custom names (a sandbox)', () => {
    const { stack, staffConsole } = consoleStack();

    expect(staffConsole.urls).toHaveLength(1);
    expect(stack.resolve(staffConsole.urls[0])).toEqual({
      'Fn::Join': [
        '',
        ['https://', { 'Fn::GetAtt': [expect.stringMatching(/^ConsoleDistribution/), 'DomainName'] }, '/'],
      ],
    });
  });

  it('uses the custom name with TLS 1.2 when given a certificate', () => {
    const certificate = customDomainCertificate();
    const custom = consoleStack({
      domainNames: ['staff.pharmacy.example'],
      certificate,
      allowedCountries: ['US'],
    });
    custom.template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: ['staff.pharmacy.example'],
        ViewerCertificate: Match.objectLike({ MinimumProtocolVersion: 'TLSv1.2_2021' }),
        Restrictions: { GeoRestriction: { RestrictionType: 'whitelist', Locations: ['US'] } },
      }),
    });
    expect(custom.staffConsole.url).toBe('https://staff.pharmacy.example/');
  });

  it('answers on its custom names only: every behaviour sends any other host (its CloudFront name) to the desk name', () => {
    const custom = consoleStack({
      domainNames: ['staff.pharmacy.example', 'desk.pharmacy.example'],
      certificate: customDomainCertificate(),
    });
    const functions = custom.template.findResources('AWS::CloudFront::Function');
    const [[guardId, guard] = []] = Object.entries(functions);
    expect(Object.keys(functions)).toHaveLength(1);
    const config = custom.template.findResources('AWS::CloudFront::Distribution');
    const distribution = Object.values(config)[0]?.Properties.DistributionConfig;
    const behaviours = [distribution.DefaultCacheBehavior, ...distribution.CacheBehaviors];
    expect(behaviours.length).toBeGreaterThan(1);
    for (const behaviour of behaviours) {
      expect(behaviour.FunctionAssociations).toEqual([
        { EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [guardId, 'FunctionARN'] } },
      ]);
    }
    // The code CloudFront runs, run here on the events it would get.
    const source: string = guard?.Properties.FunctionCode;
    const handler = new Function(`${source}; return handler;`)() as (
      event: unknown,
    ) => Record<string, unknown>;
    const request = (host: string) => ({
      uri: '/cases/ABC',
      headers: { host: { value: host } },
      querystring: {},
    });
    expect(handler({ request: request('desk.pharmacy.example') })).toEqual(request('desk.pharmacy.example'));
    expect(handler({ request: request('d111111abcdef8.cloudfront.net') })).toMatchObject({
      statusCode: 308,
      headers: { location: { value: 'https://staff.pharmacy.example/cases/ABC' } },
    });
    // A sandbox (no custom names) has nothing to guard.
    expect(Object.keys(consoleStack().template.findResources('AWS::CloudFront::Function'))).toHaveLength(0);
  });

  it('reports every invalid prop in one error', () => {
    const invalid = () =>
      consoleStack({
        domainNames: ['staff.pharmacy.example'],
        refreshSeconds: 0,
        allowedCountries: ['usa'],
        webAclArn: 'arn:aws:wafv2:eu-west-1:111111111111:regional/webacl/x/1',
      });
    expect(invalid).toThrow(InvalidPropsError);
    expect(invalid).toThrow(
      /domainNames.*certificate[\s\S]*"usa"[\s\S]*CLOUDFRONT scope[\s\S]*refreshSeconds/,
    );
  });

  it('refuses a certificate CloudFront cannot use (outside us-east-1)', () => {
    const certificate = acm.Certificate.fromCertificateArn(
      stackWithStores().stack,
      'OregonCert',
      'arn:aws:acm:us-west-2:111111111111:certificate/00000000-0000-0000-0000-000000000000',
    );

    expect(() => consoleStack({ domainNames: ['staff.pharmacy.example'], certificate })).toThrow(
      /`certificate` must be an ACM certificate in us-east-1/,
    );
  });
});
