import { RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { staffFromClaims } from '../../../lambdas/api/auth.js';
import { staffRouteKeys } from '../../../lambdas/api/routes.js';
import { InvalidPropsError } from '../../../lib/constructs/InvalidPropsError.js';
import { StaffApi, type StaffConsoleClient } from '../../../lib/constructs/StaffApi.js';
import { roleActions, roleStatements, stackWithStores } from './testStack.js';

const CONSOLE = {
  callbackUrls: ['https://desk.test/'],
  logoutUrls: ['https://desk.test/signed-out'],
  domainPrefix: 'desk-test-staff',
};

function staffApiStack(
  console: StaffConsoleClient = CONSOLE,
  options: {
    reservedConcurrency?: number;
    consoleUrl?: string;
    removalPolicy?: RemovalPolicy;
    formOrigins?: string[];
  } = {},
) {
  const { stack, stores, functionDefaults } = stackWithStores(options.reservedConcurrency);
  const staff = new StaffApi(stack, 'Staff', {
    table: stores.table,
    functionDefaults,
    console,
    deskFrom: 'support@desk.test',
    ...(options.removalPolicy ? { removalPolicy: options.removalPolicy } : {}),
    ...(options.formOrigins ? { formOrigins: options.formOrigins } : {}),
  });
  if (options.consoleUrl) staff.allowConsoleUrl(options.consoleUrl);
  return stack;
}

function staffApi(console: StaffConsoleClient = CONSOLE, reservedConcurrency?: number) {
  return Template.fromStack(
    staffApiStack(console, reservedConcurrency === undefined ? {} : { reservedConcurrency }),
  );
}

describe('StaffApi', () => {
  let template: Template;
  beforeAll(() => {
    template = staffApi();
  });

  it("answers the international form's pages' CORS preflight for POST with a JSON body, and no other origin's", () => {
    const withForm = Template.fromStack(
      staffApiStack(CONSOLE, {
        formOrigins: ['https://www.yourpharmacy.com', 'https://ES.YourPharmacy.com'],
      }),
    );

    withForm.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: {
        AllowOrigins: ['https://www.yourpharmacy.com', 'https://es.yourpharmacy.com'],
        AllowMethods: ['POST'],
        AllowHeaders: ['content-type'],
        MaxAge: 3600,
      },
    });
    // Without form origins, no page on another origin may post at all.
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { CorsConfiguration: Match.absent() });
  });

  it.each([
    '*',
    'https://*.yourpharmacy.com',
    'http://www.yourpharmacy.com',
    'https://www.yourpharmacy.com/form',
  ])('refuses %s as a form origin', (origin) => {
    expect(() => staffApiStack(CONSOLE, { formOrigins: [origin] })).toThrow(/formOrigins/);
  });

  it('creates an invitation-only user pool with required TOTP MFA and a 14-character password policy', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      Policies: {
        PasswordPolicy: {
          MinimumLength: 14,
          RequireLowercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
          RequireUppercase: true,
        },
      },
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
      AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] },
    });
    template.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Retain' });
  });

  it('protects a retained user pool from deletion, and leaves a destroyable (sandbox) pool deletable', () => {
    template.hasResource('AWS::Cognito::UserPool', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ DeletionProtection: 'ACTIVE' }),
    });

    const sandbox = Template.fromStack(staffApiStack(CONSOLE, { removalPolicy: RemovalPolicy.DESTROY }));

    sandbox.hasResource('AWS::Cognito::UserPool', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ DeletionProtection: 'INACTIVE' }),
    });
  });

  it('gives the staff console the code flow with PKCE: no implicit flow, no secret, its own URLs (finding 6)', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      CallbackURLs: ['https://desk.test/'],
      LogoutURLs: ['https://desk.test/signed-out'],
      GenerateSecret: false,
      SupportedIdentityProviders: ['COGNITO'],
      ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
      AccessTokenValidity: 15,
      IdTokenValidity: 15,
      RefreshTokenValidity: 720,
      TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'minutes' },
      EnableTokenRevocation: true,
      PreventUserExistenceErrors: 'ENABLED',
    });
    const [client] = Object.values(template.findResources('AWS::Cognito::UserPoolClient'));
    expect(JSON.stringify(client)).not.toMatch(/implicit|example\.com/);
  });

  it('creates the role groups and a language group per desk language, as the staff API reads cognito:groups', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: 'agent', Precedence: 20 });
    template.hasResourceProperties('AWS::Cognito::UserPoolGroup', {
      GroupName: 'supervisor',
      Precedence: 10,
    });
    const names = Object.values(template.findResources('AWS::Cognito::UserPoolGroup'))
      .map((group) => group.Properties.GroupName)
      .sort();
    // The 16 languages the desk writes to members in.
    const languages = 'en es zh vi ko tl ru ar fr ht pt pl de it ja hi'.split(' ');
    expect(names).toEqual([...languages.map((code) => `lang-${code}`), 'agent', 'supervisor'].sort());
    // Each language group is one the staff API turns into a skill.
    for (const code of languages) {
      expect(staffFromClaims({ sub: 'x', 'cognito:groups': ['agent', `lang-${code}`] })).toMatchObject({
        staff: { languages: expect.arrayContaining([code]) },
      });
    }
  });

  it("adds the console's own URL (a token until deploy) to the client's callback and logout URLs", () => {
    const stack = staffApiStack(
      { callbackUrls: ['http://localhost:3000/'], logoutUrls: ['http://localhost:3000/'] },
      { consoleUrl: 'https://d111111abcdef8.cloudfront.net/' },
    );

    Template.fromStack(stack).hasResourceProperties('AWS::Cognito::UserPoolClient', {
      CallbackURLs: ['http://localhost:3000/', 'https://d111111abcdef8.cloudfront.net/'],
      LogoutURLs: ['http://localhost:3000/', 'https://d111111abcdef8.cloudfront.net/'],
    });
  });

  it('refuses a client with no callback URL at all', () => {
    const stack = staffApiStack({ callbackUrls: [], logoutUrls: [] });

    expect(() => Template.fromStack(stack)).toThrow(/no callback URL/);
  });

  it('creates the hosted sign-in domain from its prefix, and none without one', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'desk-test-staff' });
    staffApi({
      callbackUrls: ['http://localhost:3000/'],
      logoutUrls: ['http://localhost:3000/'],
    }).resourceCountIs('AWS::Cognito::UserPoolDomain', 0);
  });

  it('reports every invalid console setting in one error', () => {
    const build = () =>
      staffApi({
        callbackUrls: ['http://desk.test/', 'https://desk.test/#x'],
        logoutUrls: ['ftp://desk.test/'],
        domainPrefix: 'my-cognito',
      });

    expect(build).toThrow(InvalidPropsError);
    expect(build).toThrow(/https[\s\S]*fragment[\s\S]*consoleLogoutUrls[\s\S]*authDomainPrefix/);
  });

  it('gets exactly the table calls of the staff use cases: no Scan, DeleteItem or BatchWriteItem (finding 4)', () => {
    const dynamo = roleActions(template, 'StaffStaffApiRole').filter((action) =>
      action.startsWith('dynamodb:'),
    );

    expect([...new Set(dynamo)]).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:TransactWriteItems',
      'dynamodb:UpdateItem',
    ]);
  });

  it('reads and writes signed-out sessions (POST /session/sign-out, checked on every request)', () => {
    const sessions = roleStatements(template, 'StaffStaffApiRole').filter(
      (statement) =>
        JSON.stringify(statement.Action) === JSON.stringify(['dynamodb:GetItem', 'dynamodb:PutItem']),
    );
    expect(sessions).toHaveLength(1);
  });

  it("sends replies only as the desk's address, named in its environment", () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Staff HTTP API: queues, claim-next, cases',
      Environment: { Variables: Match.objectLike({ DESK_FROM: 'support@desk.test' }) },
    });
    const ses = roleStatements(template, 'StaffStaffApiRole').filter((statement) =>
      JSON.stringify(statement.Action).includes('ses:'),
    );
    expect(ses).toEqual([
      expect.objectContaining({
        Action: ['ses:SendEmail', 'ses:SendRawEmail'],
        Resource: [
          expect.objectContaining({
            'Fn::Join': ['', expect.arrayContaining([':ses:us-east-1:111111111111:identity/desk.test'])],
          }),
          expect.objectContaining({
            'Fn::Join': [
              '',
              expect.arrayContaining([':ses:us-east-1:111111111111:identity/support@desk.test']),
            ],
          }),
        ],
      }),
    ]);
  });

  it('throttles the default stage and writes its access logs to an encrypted log group', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: {
        DestinationArn: Match.anyValue(),
        Format: Match.serializedJson(Match.objectLike({ staff: '$context.authorizer.claims.username' })),
      },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      KmsKeyId: Match.anyValue(),
      RetentionInDays: 365,
    });
  });

  it('authorizes every route with the user pool client JWT', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Audience: [Match.anyValue()], Issuer: Match.anyValue() },
    });
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
    const routeKeys = routes.map((route) => route.Properties.RouteKey);
    expect(routeKeys.sort()).toEqual(
      staffRouteKeys()
        .map(({ path, method }) => `${method} ${path}`)
        .sort(),
    );
    expect(routeKeys).toEqual(
      expect.arrayContaining([
        'GET /queues',
        'POST /queues/{queue}/claim',
        'GET /cases/{caseId}',
        'POST /cases/{caseId}/reply',
      ]),
    );
    for (const route of routes) {
      expect(route.Properties).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: expect.anything() });
    }
  });

  it('runs the staff function with the case table name and a 10-second timeout', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Staff HTTP API: queues, claim-next, cases',
      Timeout: 10,
      Environment: { Variables: Match.objectLike({ TABLE_NAME: Match.anyValue() }) },
    });
  });

  it('rejects a non-positive reserved concurrency', () => {
    expect(() => staffApi(CONSOLE, 0)).toThrow(InvalidPropsError);
  });
});
