import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { autoScalingServiceLinkedRoleArn } from './volume-key-permissions';

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
          'aws:PrincipalArn': autoScalingServiceLinkedRoleArn(),
        },
        StringEquals: { 'kms:ViaService': `sns.${Aws.REGION}.amazonaws.com` },
      },
    }),
  );
  if (result.statementAdded) done.add(key);
  return result.statementAdded;
}
