import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { staffRouteKeys } from '../../../lambdas/api/routes.js';
import { InvalidPropsError } from '../../../lib/constructs/InvalidPropsError.js';
import { StaffApi } from '../../../lib/constructs/StaffApi.js';
import { stackWithStores } from './testStack.js';

function staffApi(reservedConcurrency = 50) {
  const { stack, stores, functionDefaults } = stackWithStores(reservedConcurrency);
  new StaffApi(stack, 'Staff', { table: stores.table, functionDefaults });
  return Template.fromStack(stack);
}

describe('StaffApi', () => {
  let template: Template;
  beforeAll(() => {
    template = staffApi();
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
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      AccessTokenValidity: 60,
      TokenValidityUnits: Match.objectLike({ AccessToken: 'minutes' }),
      PreventUserExistenceErrors: 'ENABLED',
    });
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
    expect(() => staffApi(0)).toThrow(InvalidPropsError);
  });
});
