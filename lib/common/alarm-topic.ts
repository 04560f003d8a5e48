import { Annotations, Aws, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { SecureKey } from './secure-key';
import { autoScalingServiceLinkedRoleArn } from './service-linked-roles';

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
  allowCloudWatchAlarmsToUseKey(key);
  const topic = new sns.Topic(stack, TOPIC_ID, {
    displayName: 'cdk-compute-patterns alarms',
    masterKey: key,
    enforceSSL: true,
  });
  // enforceSSL gives the topic an explicit policy, which replaces SNS's default owner policy.
  allowCloudWatchAlarms(topic);
  return topic;
}

/** What else than the pattern's alarms notifies the alarm topic. */
export interface AlarmTopicUse {
  /** The pattern's Auto Scaling group sends its scaling notifications (launch, terminate, errors) to the topic. */
  readonly autoScalingNotifications?: boolean;
}

/**
 * The topic a pattern's alarms notify: the one the user gave (`alarmTopic` prop), or the stack's shared alarm topic,
 * with the key statements the services that publish to it need. SNS encrypts with the topic's key on behalf of the
 * publisher, so a key managed in this app gets a statement for CloudWatch alarms of this account and Region (the
 * shared topic's key has it from the start) and, with `autoScalingNotifications`, one for the EC2 Auto Scaling
 * service-linked role through SNS; without them every notification fails with a KMS AccessDenied, seen only in the
 * alarm's history or the group's activity. A key that cannot be edited here (imported) gets one warning naming what
 * it must allow, `cdk-compute-patterns:alarmTopicKey`. The topic policy is left alone (see allowCloudWatchAlarms).
 */
export function alarmTopicFor(scope: Construct, given: sns.ITopic | undefined, use: AlarmTopicUse = {}): sns.ITopic {
  const topic = given ?? alarmTopic(scope);
  const key = topic.masterKey;
  if (!key) return topic;
  const missing: string[] = [];
  if (!allowCloudWatchAlarmsToUseKey(key)) missing.push('cloudwatch.amazonaws.com (alarm notifications)');
  if (use.autoScalingNotifications && !allowAutoScalingNotifications(key)) {
    missing.push('the AWSServiceRoleForAutoScaling service-linked role through SNS (scaling notifications)');
  }
  if (missing.length > 0) {
    Annotations.of(scope).addWarningV2(
      'cdk-compute-patterns:alarmTopicKey',
      `Could not change the policy of the key of ${topic.node.path}, which is not managed in this app; allow kms:Decrypt and kms:GenerateDataKey* to ${missing.join(' and ')} in that key's policy, or those notifications will not be delivered`,
    );
  }
  return topic;
}

/** Keys that already carry a statement, by its Sid (several patterns may share one topic). */
const keysAllowed = new Map<string, WeakSet<object>>();

/** Adds `statement` to `key`'s policy once per key; false when the key's policy cannot be edited here. */
function addKeyStatementOnce(key: kms.IKey, statement: iam.PolicyStatement): boolean {
  const done = keysAllowed.get(statement.sid!) ?? new WeakSet<object>();
  keysAllowed.set(statement.sid!, done);
  if (done.has(key)) return true;
  const result = key.addToResourcePolicy(statement);
  if (result.statementAdded) done.add(key);
  return result.statementAdded;
}

/**
 * Lets EC2 Auto Scaling publish scaling notifications to a topic encrypted with `key`: the AWSServiceRoleForAutoScaling
 * service-linked role (whose own policy already allows sns:Publish) may use the key through SNS. The role is named in
 * a condition (see autoScalingServiceLinkedRoleArn).
 */
function allowAutoScalingNotifications(key: kms.IKey): boolean {
  return addKeyStatementOnce(
    key,
    new iam.PolicyStatement({
      sid: 'AllowAutoScalingNotifications',
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: {
        ArnEquals: { 'aws:PrincipalArn': autoScalingServiceLinkedRoleArn() },
        StringEquals: { 'kms:ViaService': `sns.${Aws.REGION}.amazonaws.com` },
      },
    }),
  );
}

/**
 * Lets CloudWatch alarms of this account and Region use `key` (the key of a topic they notify): only alarms of this
 * account and Region, by the confused-deputy conditions CloudWatch sets and documents for encrypted SNS topics.
 * Idempotent; false when the key's policy cannot be edited here (an imported key).
 */
function allowCloudWatchAlarmsToUseKey(key: kms.IKey): boolean {
  return addKeyStatementOnce(
    key,
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
