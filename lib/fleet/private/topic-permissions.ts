import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';

/** Keys and topics that already carry the statements (several fleets may share one topic). */
const done = new WeakSet<object>();

/**
 * Lets EC2 Auto Scaling publish scaling notifications to `topic` when the
 * topic is encrypted with a KMS key this app manages: the key policy allows
 * the AWSServiceRoleForAutoScaling service-linked role (whose own policy
 * already allows sns:Publish) to use the key through SNS.
 *
 * The role is named in a condition, not as principal: KMS rejects a key
 * policy naming a role that does not exist yet, and in a new account that role
 * appears only with the first Auto Scaling group. Returns false when the key
 * policy cannot be changed here (imported key), so the caller can warn.
 */
export function allowAutoScalingNotifications(topic: sns.ITopic): boolean {
  const key = topic.masterKey;
  if (!key) return true;
  if (done.has(key)) return true;
  const result = key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowAutoScalingNotifications',
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: {
        ArnEquals: {
          'aws:PrincipalArn': `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
        },
        StringEquals: { 'kms:ViaService': `sns.${Aws.REGION}.amazonaws.com` },
      },
    }),
  );
  if (result.statementAdded) done.add(key);
  return result.statementAdded;
}

/**
 * Lets CloudWatch alarms of this account and region publish to `topic`. A
 * topic with `enforceSSL` has an explicit topic policy, which replaces SNS's
 * default owner policy, so without this statement alarm actions fail with
 * "not authorized to perform SNS:Publish". Does nothing for imported topics
 * (their policy is managed elsewhere).
 *
 * TODO(lead): this belongs in lib/common/alarm-topic.ts for every pattern;
 * once it is there, delete this function and its call.
 */
export function allowCloudWatchAlarms(topic: sns.ITopic): void {
  if (done.has(topic)) return;
  const result = topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsToPublish',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*` },
      },
    }),
  );
  if (result.statementAdded) done.add(topic);
}
