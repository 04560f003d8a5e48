import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledge } from '../../common/nag';

/**
 * The permissions Session Manager needs on the instance, and nothing else:
 * the SSM Agent registers the instance (ssm:UpdateInstanceInformation) and
 * opens the control and data channels of each session (ssmmessages). This is
 * the minimal instance policy of the Session Manager user guide ("Create a
 * custom IAM role for Session Manager", without the optional S3 logging and
 * KMS statements, which this pattern does not configure). None of these
 * actions supports a resource narrower than `*`.
 *
 * Unlike AmazonSSMManagedInstanceCore it grants no ssm:GetParameter(s) on
 * every parameter, no ssm:GetDocument/ListAssociations (State Manager, Patch
 * Manager) and no ec2messages (Run Command): attach that managed policy to
 * the instance role yourself if you use those capabilities.
 *
 * The `*` finding is acknowledged on this policy resource alone: a statement
 * the user adds to the role (its default policy) is still checked.
 */
export function sessionManagerPolicy(scope: Construct, id: string, role: iam.IRole): iam.ManagedPolicy {
  const policy = new iam.ManagedPolicy(scope, id, {
    description: 'Session Manager on the fleet instances: agent registration and session channels only',
    roles: [role],
    statements: [
      new iam.PolicyStatement({
        sid: 'SessionManager',
        actions: [
          'ssm:UpdateInstanceInformation',
          'ssmmessages:CreateControlChannel',
          'ssmmessages:CreateDataChannel',
          'ssmmessages:OpenControlChannel',
          'ssmmessages:OpenDataChannel',
        ],
        resources: ['*'],
      }),
    ],
  });
  acknowledge(policy.node.defaultChild as iam.CfnPolicy, {
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Session Manager only: ssm:UpdateInstanceInformation and the four ssmmessages channel actions (the minimal instance policy of the Session Manager user guide), none of which supports a resource narrower than *. No parameter, document, data or other action is granted.',
  });
  return policy;
}
