import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { alarmTopic, alarmTopicFor } from '../../lib/common/alarm-topic';
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

describe('alarmTopicFor', () => {
  test('warns once when the given topic is encrypted with a key it cannot edit (imported), naming what it must allow', () => {
    // GIVEN a topic of this app encrypted with an imported key
    const stack = agnosticStack();
    const key = kms.Key.fromKeyArn(
      stack,
      'Imported',
      'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    );
    const topic = new sns.Topic(stack, 'Ops', { masterKey: key });
    // WHEN a pattern whose Auto Scaling group also notifies it takes it
    const scope = new Construct(stack, 'Pattern');
    expect(alarmTopicFor(scope, topic, { autoScalingNotifications: true })).toBe(topic);
    // THEN one warning names both publishers the key must allow
    const warnings = Annotations.fromStack(stack).findWarning('/Agnostic/Pattern', Match.anyValue());
    expect(warnings).toHaveLength(1);
    expect(warnings[0].entry.data).toMatch(
      /^Could not change the policy of the key of Agnostic\/Ops, which is not managed in this app; allow kms:Decrypt and kms:GenerateDataKey\* to cloudwatch\.amazonaws\.com \(alarm notifications\) and the AWSServiceRoleForAutoScaling service-linked role through SNS \(scaling notifications\) in that key's policy, or those notifications will not be delivered/,
    );
  });

  test('adds the key statement once for a topic several patterns share, and nothing for a topic without a key', () => {
    const stack = agnosticStack();
    const key = new kms.Key(stack, 'OpsKey', { enableKeyRotation: true });
    const topic = new sns.Topic(stack, 'Ops', { masterKey: key });
    alarmTopicFor(new Construct(stack, 'A'), topic);
    alarmTopicFor(new Construct(stack, 'B'), topic);
    const plain = new sns.Topic(stack, 'Plain');
    expect(alarmTopicFor(new Construct(stack, 'C'), plain)).toBe(plain);
    const statements = Template.fromStack(stack).toJSON().Resources[
      stack.getLogicalId(key.node.defaultChild as kms.CfnKey)
    ].Properties.KeyPolicy.Statement as { Sid?: string }[];
    expect(statements.filter((s) => s.Sid === 'AllowCloudWatchAlarmsToUseTheKey')).toHaveLength(1);
  });
});
