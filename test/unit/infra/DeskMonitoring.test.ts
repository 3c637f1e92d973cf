import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { DeskMonitoring } from '../../../lib/constructs/DeskMonitoring.js';
import { InvalidPropsError } from '../../../lib/constructs/InvalidPropsError.js';
import { testStack } from './testStack.js';

function monitored(props: ConstructorParameters<typeof DeskMonitoring>[2]) {
  const stack = testStack();
  const monitoring = new DeskMonitoring(stack, 'Monitoring', props);
  const fn = lambda.Function.fromFunctionName(stack, 'Fn', 'some-function');
  monitoring.watchFunction(fn, 'some-function');
  monitoring.watchDeadLetters(new sqs.Queue(stack, 'Dlq'), 'dead-letters', 'look');
  monitoring.watchSweeper();
  monitoring.watchSlaBreaches(7);
  return { stack, template: Template.fromStack(stack) };
}

describe('DeskMonitoring (finding 2: alarms that reach someone)', () => {
  it('encrypts the alarm topic with its own key, which CloudWatch alarms may use (not the PHI data key)', () => {
    const { template } = monitored({ alarmEmail: 'oncall@desk.test' });

    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Sid: 'CloudWatchAlarmsPublish',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Resource: '*',
          },
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^MonitoringAlarmKey'), 'Arn'] },
    });
  });

  it("lets only this account's alarms publish to the topic", () => {
    const { template } = monitored({ alarmEmail: 'oncall@desk.test' });

    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'CloudWatchAlarmsOfThisAccount',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: {
              StringEquals: { 'aws:SourceAccount': '111111111111' },
              ArnLike: { 'aws:SourceArn': Match.anyValue() },
            },
          }),
        ]),
      },
    });
  });

  it('subscribes the alarm e-mail address to the topic', () => {
    const { template } = monitored({ alarmEmail: 'oncall@desk.test' });

    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@desk.test',
      TopicArn: { Ref: Match.stringLikeRegexp('^MonitoringAlarmTopic') },
    });
  });

  it('sends every alarm and its recovery to the topic', () => {
    const { template } = monitored({ alarmEmail: 'oncall@desk.test' });
    const topic = { Ref: Match.stringLikeRegexp('^MonitoringAlarmTopic') };

    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(5);
    template.resourcePropertiesCountIs(
      'AWS::CloudWatch::Alarm',
      { AlarmActions: [topic], OKActions: [topic] },
      alarms.length,
    );
  });

  it('alarms on every error and every throttle of a watched function', () => {
    const { template } = monitored({ alarmEmail: 'oncall@desk.test' });

    for (const metric of ['Errors', 'Throttles']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: metric,
        Dimensions: [{ Name: 'FunctionName', Value: Match.anyValue() }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
  });

  it('alarms when the sweeper stops completing runs, treating silence as the failure', () => {
    const { template } = monitored({ alarmEmail: 'oncall@desk.test' });

    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'ContactRouter',
      MetricName: 'SweepCompleted',
      Dimensions: [{ Name: 'service', Value: 'sla-sweeper' }],
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      TreatMissingData: 'breaching',
    });
  });

  it('alarms on a spike of SLA breaches across the desk', () => {
    const { template } = monitored({ alarmEmail: 'oncall@desk.test' });

    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'ContactRouter',
      MetricName: 'SlaBreach',
      Dimensions: [{ Name: 'service', Value: 'sla-sweeper' }],
      Statistic: 'Sum',
      Period: 900,
      Threshold: 7,
    });
  });

  it('sends alarms to an existing topic without creating a topic or a key', () => {
    const stack = testStack();
    const topic = sns.Topic.fromTopicArn(stack, 'Pager', 'arn:aws:sns:us-east-1:111111111111:pager');
    new DeskMonitoring(stack, 'Monitoring', { existingAlarmTopic: topic }).watchSweeper();
    const template = Template.fromStack(stack);

    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.resourceCountIs('AWS::KMS::Key', 0);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: ['arn:aws:sns:us-east-1:111111111111:pager'],
    });
  });

  it('refuses both destinations at once, and no destination at all, naming the props', () => {
    const stack = testStack();
    const topic = sns.Topic.fromTopicArn(stack, 'Pager', 'arn:aws:sns:us-east-1:111111111111:pager');

    expect(
      () => new DeskMonitoring(stack, 'Both', { alarmEmail: 'oncall@desk.test', existingAlarmTopic: topic }),
    ).toThrow(/`alarmEmail` and `existingAlarmTopic` are exclusive/);
    expect(() => new DeskMonitoring(stack, 'Neither', {})).toThrow(InvalidPropsError);
    expect(() => new DeskMonitoring(stack, 'Neither2', {})).toThrow(/alarms must reach someone/);
    expect(() => new DeskMonitoring(stack, 'Bad', { alarmEmail: 'oncall' })).toThrow(/alarmEmail/);
  });

  it('builds the desk dashboard: queue depth, at risk, breached, attainment, ingest rate, dead letters', () => {
    const { template } = monitored({ alarmEmail: 'oncall@desk.test' });
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);

    for (const text of [
      'QueueDepth',
      'QueueAtRisk',
      'QueueBreached',
      'QueueOldestAgeSeconds',
      'SlaMet',
      'SlaMissed',
      'CaseCreated',
      'CaseThreaded',
      'InboundQuarantined',
      'ApproximateNumberOfMessagesVisible',
    ]) {
      expect(body, text).toContain(text);
    }
    expect(dashboard?.Properties.DashboardName).toBe('Test-us-east-1-desk');
    // The alarm status widget lists every alarm.
    for (const alarmId of Object.keys(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(body).toContain(`"${alarmId}","Arn"`);
    }
  });
});
