import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { InvalidPropsError } from '../../../lib/constructs/InvalidPropsError.js';
import { SlaSweeper } from '../../../lib/constructs/SlaSweeper.js';
import { roleActions, stackWithStores } from './testStack.js';

function sweeper(notifyFrom = 'sla-alerts@desk.test', reservedConcurrency?: number) {
  const { stack, stores, functionDefaults, monitoring } = stackWithStores(reservedConcurrency);
  new SlaSweeper(stack, 'Sweeper', {
    table: stores.table,
    functionDefaults,
    monitoring,
    notifyFrom,
    deskFrom: 'support@members.desk.test',
    deskName: 'Member Services',
  });
  return Template.fromStack(stack);
}

function identityArn(identity: string) {
  return {
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ses:us-east-1:111111111111:identity/${identity}`]],
  };
}

describe('SlaSweeper', () => {
  it('runs the sweeper every minute without retries and no reservation by default', () => {
    const template = sweeper();

    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 0 } })],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^SLA timers'),
      Timeout: 55,
      ReservedConcurrentExecutions: Match.absent(),
      Environment: {
        Variables: Match.objectLike({
          TABLE_NAME: Match.anyValue(),
          NOTIFY_FROM: 'sla-alerts@desk.test',
          DESK_FROM: 'support@members.desk.test',
          DESK_NAME: 'Member Services',
        }),
      },
    });
  });

  it("switches off Lambda's own async retries too, and drops a scheduled event older than a minute", () => {
    // EventBridge's retryAttempts covers only the target; Lambda retries an async invocation twice
    // by default unless the function's event invoke config says otherwise.
    const template = sweeper();
    const [fn] = Object.entries(template.findResources('AWS::Lambda::Function')).filter(([, resource]) =>
      String(resource.Properties.Description).startsWith('SLA timers'),
    );

    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: fn?.[0] },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 60,
    });
  });

  it('reserves two executions once reservations are switched on', () => {
    sweeper(undefined, 50).hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^SLA timers'),
      ReservedConcurrentExecutions: 2,
    });
  });

  it("may send mail only from the notice address or the desk's address, on their identities or their domains'", () => {
    const template = sweeper('notices@desk.test');

    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            // SES v2 SendEmail with raw content is authorized as ses:SendRawEmail.
            Action: ['ses:SendEmail', 'ses:SendRawEmail'],
            Resource: [
              identityArn('desk.test'),
              identityArn('members.desk.test'),
              identityArn('notices@desk.test'),
              identityArn('support@members.desk.test'),
            ],
            Condition: {
              StringEquals: { 'ses:FromAddress': ['notices@desk.test', 'support@members.desk.test'] },
            },
          },
        ]),
      },
    });
  });

  it('gets exactly the table calls of sweeping, the outbox and the queue gauges (finding 4)', () => {
    const dynamo = roleActions(sweeper(), 'SweeperSlaSweeperRole').filter((action) =>
      action.startsWith('dynamodb:'),
    );

    expect(dynamo).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:TransactWriteItems',
      'dynamodb:UpdateItem',
    ]);
  });

  it('queries only the timer and outbox indexes, each by its own ARN', () => {
    const template = sweeper();
    const [policy] = Object.values(
      template.findResources('AWS::IAM::Policy', {
        Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^SweeperSlaSweeperRole') }] },
      }),
    );
    const resources = JSON.stringify(policy?.Properties.PolicyDocument);

    expect(resources).toContain('/index/timerView');
    expect(resources).toContain('/index/outboxView');
    expect(resources).not.toContain('/index/*');
    expect(resources).not.toContain('/index/queueView');
    expect(resources).not.toContain('/index/assigneeView');
  });

  it('alarms when it stops running and when breaches spike (finding 2)', () => {
    const template = sweeper();

    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'Test-sla-sweeper-not-running' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'Test-sla-breach-spike',
      Threshold: 10,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'Test-sla-sweeper-errors' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'Test-sla-sweeper-throttles' });
  });

  it('reports an invalid sender', () => {
    const build = () => sweeper('desk.test');

    expect(build).toThrow(InvalidPropsError);
    expect(build).toThrow(/notifyFrom[\s\S]*"desk\.test"/);
  });
});
