import { Stack } from 'aws-cdk-lib';
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
  // CloudWatch alarms publish to the encrypted topic with this key.
  key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
  return new sns.Topic(stack, TOPIC_ID, {
    displayName: 'cdk-compute-patterns alarms',
    masterKey: key,
    enforceSSL: true,
  });
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
