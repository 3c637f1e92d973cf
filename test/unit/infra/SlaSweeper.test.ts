import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { InvalidPropsError } from '../../../lib/constructs/InvalidPropsError.js';
import { SlaSweeper } from '../../../lib/constructs/SlaSweeper.js';
import { stackWithStores } from './testStack.js';

function sweeper(notifyFrom?: string, reservedConcurrency = 50) {
  const { stack, stores, functionDefaults } = stackWithStores(reservedConcurrency);
  new SlaSweeper(stack, 'Sweeper', {
    table: stores.table,
    functionDefaults,
    ...(notifyFrom === undefined ? {} : { notifyFrom }),
  });
  return Template.fromStack(stack);
}

function identityArn(identity: string) {
  return {
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ses:us-east-1:111111111111:identity/${identity}`]],
  };
}

describe('SlaSweeper', () => {
  it('runs the sweeper every minute without retries, at most two at a time', () => {
    const template = sweeper();

    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 0 } })],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^SLA timers'),
      Timeout: 55,
      ReservedConcurrentExecutions: 2,
      Environment: {
        Variables: Match.objectLike({
          TABLE_NAME: Match.anyValue(),
          NOTIFY_FROM: 'sla-alerts@pharmacy.example',
        }),
      },
    });
  });

  it('may send mail only as the notice address or its domain', () => {
    const template = sweeper('notices@desk.pharmacy.example');

    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Action: 'ses:SendEmail',
            Resource: [identityArn('desk.pharmacy.example'), identityArn('notices@desk.pharmacy.example')],
          },
        ]),
      },
    });
  });

  it('reports an invalid sender and an invalid concurrency in one error', () => {
    const build = () => sweeper('pharmacy.example', -1);

    expect(build).toThrow(InvalidPropsError);
    expect(build).toThrow(/notifyFrom[\s\S]*"pharmacy\.example"[\s\S]*reservedConcurrency[\s\S]*-1/);
  });
});
