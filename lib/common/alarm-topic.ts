import { Aws, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { SecureKey } from './secure-key';

/** Construct id of the per-stack alarm topic: part of the API, never change it. */
const TOPIC_ID = 'CdkComputePatternsAlarms';

/**
 * The KMS-encrypted, TLS-only SNS topic every alarm of the patterns in a stack
 * notifies, created on first use. Subscribe your on-call tooling to it (or
 * pass your own topic to a pattern).
 */
export function alarmTopic(scope: Construct): sns.ITopic {
  const stack = Stack.of(scope);
  const existing = stack.node.tryFindChild(TOPIC_ID) as sns.ITopic | undefined;
  if (existing) return existing;
  const key = new SecureKey(stack, `${TOPIC_ID}Key`, {
    description: 'Encrypts the alarm notifications of cdk-compute-patterns constructs',
  });
  // CloudWatch alarms publish to the encrypted topic with this key: only alarms of this account and
  // region (the confused-deputy conditions CloudWatch sets and documents for encrypted SNS topics).
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsToUseTheKey',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: {
        StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
        ArnLike: { 'aws:SourceArn': cloudWatchAlarmArns() },
      },
    }),
  );
  const topic = new sns.Topic(stack, TOPIC_ID, {
    displayName: 'cdk-compute-patterns alarms',
    masterKey: key,
    enforceSSL: true,
  });
  // enforceSSL gives the topic an explicit policy, which replaces SNS's default owner policy.
  allowCloudWatchAlarms(topic);
  return topic;
}

/**
 * Creates an alarm on `metric` that notifies `topic` (Control Tower
 * CT.CLOUDWATCH.PR.1 wants an action on every alarm). Missing data is not
 * breaching: an idle pattern is a healthy one.
 */
export function notifyingAlarm(
  scope: Construct,
  id: string,
  metric: cloudwatch.IMetric,
  options: {
    description: string;
    threshold: number;
    evaluationPeriods?: number;
    comparisonOperator?: cloudwatch.ComparisonOperator;
    topic?: sns.ITopic;
  },
): cloudwatch.Alarm {
  const alarm = new cloudwatch.Alarm(scope, id, {
    metric,
    alarmDescription: options.description,
    threshold: options.threshold,
    evaluationPeriods: options.evaluationPeriods ?? 1,
    comparisonOperator: options.comparisonOperator ?? cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  alarm.addAlarmAction(new cwActions.SnsAction(options.topic ?? alarmTopic(scope)));
  return alarm;
}

/** Every CloudWatch alarm of the stack's account and region, as `aws:SourceArn` sees them. */
function cloudWatchAlarmArns(): string {
  return `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*`;
}

/** Topics that already carry the statement (several patterns may share one topic). */
const alarmsAllowed = new WeakSet<object>();

/**
 * Lets CloudWatch alarms of this account and region publish to `topic`. A
 * topic with `enforceSSL` (like the shared alarm topic) has an explicit topic
 * policy, which replaces SNS's default owner policy, so without this statement
 * alarm actions fail with "not authorized to perform SNS:Publish". Idempotent;
 * does nothing for imported topics (their policy is managed elsewhere). Not
 * applied to topics users bring: adding a first statement to a topic without
 * a policy would replace its default owner policy.
 */
export function allowCloudWatchAlarms(topic: sns.ITopic): void {
  if (alarmsAllowed.has(topic)) return;
  const result = topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsToPublish',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
        ArnLike: { 'aws:SourceArn': cloudWatchAlarmArns() },
      },
    }),
  );
  if (result.statementAdded) alarmsAllowed.add(topic);
}
