import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { autoScalingServiceLinkedRoleArn } from '../../common/service-linked-roles';

/** Keys that already carry the statements (several fleets may share one key). */
const done = new WeakSet<object>();

/**
 * Lets EC2 Auto Scaling launch instances whose EBS volumes are encrypted with
 * `key`: the AWSServiceRoleForAutoScaling service-linked role launches the
 * instances, so it must use the key and create grants for EC2 on it, which the
 * EC2 Auto Scaling documentation ("Required AWS KMS key policy for use with
 * encrypted volumes") lists as two key-policy statements. Without them every
 * launch fails with Client.InternalError and the group never reaches its
 * minimum.
 *
 * The role is named in an `aws:PrincipalArn` condition, not as principal: KMS
 * rejects a key policy naming a role that does not exist yet, and in a new
 * account that role appears only with the first Auto Scaling group. Returns
 * false when the key policy cannot be changed here (imported key), so the
 * caller can warn.
 */
export function allowAutoScalingVolumeEncryption(key: kms.IKey): boolean {
  if (done.has(key)) return true;
  const slr = { ArnEquals: { 'aws:PrincipalArn': autoScalingServiceLinkedRoleArn() } };
  const use = key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowAutoScalingServiceLinkedRoleUseOfTheKey',
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
      resources: ['*'],
      conditions: slr,
    }),
  );
  if (!use.statementAdded) return false;
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowAutoScalingServiceLinkedRoleAttachmentOfPersistentResources',
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: { ...slr, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
    }),
  );
  done.add(key);
  return true;
}
