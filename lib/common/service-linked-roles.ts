import { Aws } from 'aws-cdk-lib';

/**
 * The ARN of the EC2 Auto Scaling service-linked role in this stack's account. Key policies name it in an
 * `aws:PrincipalArn` condition, not as principal: KMS refuses a key policy naming a role that does not exist yet,
 * and in a new account the role appears only with the first Auto Scaling group.
 */
export function autoScalingServiceLinkedRoleArn(): string {
  return `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
}
