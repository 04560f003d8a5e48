import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { alarmTopic } from '../../lib/common/alarm-topic';
import { agnosticStack, specificStack } from '../support/cdk-context';

const ALARMS_OF_THIS_ACCOUNT_AND_REGION = {
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':cloudwatch:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      ':alarm:*',
    ],
  ],
};

describe.each([
  ['environment-agnostic', () => agnosticStack()],
  ['environment-specific', () => specificStack()],
])('alarmTopic in an %s stack', (_kind, makeStack) => {
  test('lets CloudWatch use the key only for alarms of this account and region (confused-deputy conditions)', () => {
    // GIVEN a stack WHEN a pattern asks for the shared alarm topic
    const stack = makeStack();
    const topic = alarmTopic(stack) as sns.Topic;
    const template = Template.fromStack(stack);
    // THEN every key-policy statement for the CloudWatch service principal carries aws:SourceAccount and aws:SourceArn
    const keyId = stack.getLogicalId(topic.masterKey!.node.defaultChild as never);
    const statements = template.toJSON().Resources[keyId].Properties.KeyPolicy.Statement as Record<string, unknown>[];
    const forCloudWatch = statements.filter((s) => JSON.stringify(s.Principal).includes('cloudwatch.amazonaws.com'));
    expect(forCloudWatch).toEqual([
      {
        Sid: 'AllowCloudWatchAlarmsToUseTheKey',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: '*',
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: { 'aws:SourceArn': ALARMS_OF_THIS_ACCOUNT_AND_REGION },
        },
      },
    ]);
  });

  test('lets CloudWatch alarms of this account and region publish to the topic', () => {
    const stack = makeStack();
    alarmTopic(stack);
    const policy = Object.values(Template.fromStack(stack).findResources('AWS::SNS::TopicPolicy'))[0];
    expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({
        Sid: 'AllowCloudWatchAlarmsToPublish',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: { 'aws:SourceArn': ALARMS_OF_THIS_ACCOUNT_AND_REGION },
        },
      }),
    );
  });
});
