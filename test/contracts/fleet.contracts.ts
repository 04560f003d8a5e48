/**
 * Runtime contracts of HighlyAvailableFleet (lib/fleet): an Auto Scaling group
 * of EC2 instances behind an ALB, signalling CloudFormation and managed
 * through Systems Manager.
 */
import {
  arn,
  ContractGroup,
  ref,
  role,
  RuntimeContract,
  service,
  serviceLinkedRole,
  Value,
} from '../support/runtime-contracts';

export interface FleetContractOptions {
  /** The construct id of the fleet (logical-id prefix of what it creates). */
  readonly prefix: string;
  /** Logical-id prefix of a customer-managed root-volume key in the same stack. @default - aws/ebs */
  readonly rootVolumeKey?: string;
  /** The fleet has a warm pool (its readiness service completes the launch lifecycle hook). @default false */
  readonly warmPool?: boolean;
  /** Logical-id prefixes of the user's alarm topic and its key. @default - the stack's shared alarm topic */
  readonly alarmTopic?: { readonly topic: string; readonly key: string };
}

export function fleetContracts(o: FleetContractOptions): ContractGroup {
  const p = o.prefix;
  const instanceRole = role(`${p}InstanceRole`);
  const instance = 'arn:aws:ec2:{region}:{account}:instance/i-0123456789abcdef0';
  const contracts: RuntimeContract[] = [
    {
      caller: service('ec2.amazonaws.com'),
      action: 'sts:AssumeRole',
      resource: arn('AWS::IAM::Role', `${p}InstanceRole`),
      phase: 'deploy',
      why: 'EC2 assumes the instance role for the instance profile of each launched instance.',
      expect: 'allowed',
    },
    {
      caller: instanceRole,
      action: 'cloudformation:SignalResource',
      resource: 'arn:aws:cloudformation:{region}:{account}:stack/{stackName}/00000000-0000-0000-0000-000000000000',
      phase: 'deploy',
      why: 'cfn-signal reports each instance healthy; without it the creation policy times out and the stack rolls back.',
      expect: 'allowed',
    },
    {
      caller: instanceRole,
      action: 'ssm:UpdateInstanceInformation',
      resource: instance,
      phase: 'run',
      why: 'The SSM agent registers the instance (Session Manager, patching).',
      expect: 'allowed',
    },
    {
      caller: instanceRole,
      action: 'ssmmessages:CreateControlChannel',
      resource: '*',
      phase: 'run',
      why: 'Session Manager opens a shell on the instance without SSH.',
      expect: 'allowed',
    },
    {
      caller: serviceLinkedRole('AWSServiceRoleForAutoScaling'),
      action: 'ec2:RunInstances',
      resource: instance,
      phase: 'deploy',
      why: 'Auto Scaling launches the instances with its service-linked role.',
      expect: 'allowed',
    },
    {
      caller: serviceLinkedRole('AWSServiceRoleForAutoScaling'),
      action: 'elasticloadbalancing:RegisterTargets',
      resource: arn('AWS::ElasticLoadBalancingV2::TargetGroup', `${p}TargetGroup`),
      phase: 'run',
      why: 'Auto Scaling registers each new instance with the target group.',
      expect: 'allowed',
    },
    {
      caller: serviceLinkedRole('AWSServiceRoleForAutoScaling'),
      action: 'iam:PassRole',
      resource: arn('AWS::IAM::Role', `${p}InstanceRole`),
      context: { 'iam:PassedToService': 'ec2.amazonaws.com' },
      phase: 'deploy',
      why: 'Launching with the instance profile passes the instance role (the SLR may pass roles to EC2).',
      expect: 'allowed',
    },
    {
      caller: serviceLinkedRole('AWSServiceRoleForAutoScaling'),
      action: 'sns:Publish',
      resource: ref('AWS::SNS::Topic', o.alarmTopic?.topic ?? 'CdkComputePatternsAlarms'),
      phase: 'run',
      why: 'Auto Scaling sends launch and terminate notifications to the alarm topic.',
      expect: 'allowed',
    },
    {
      caller: serviceLinkedRole('AWSServiceRoleForAutoScaling'),
      action: 'kms:GenerateDataKey',
      resource: arn('AWS::KMS::Key', o.alarmTopic?.key ?? 'CdkComputePatternsAlarmsKey'),
      context: { 'kms:ViaService': 'sns.{region}.amazonaws.com' },
      phase: 'run',
      why: 'SNS encrypts those notifications with the alarm key for the service-linked role.',
      expect: 'allowed',
    },
  ];
  if (o.rootVolumeKey) {
    const key = arn('AWS::KMS::Key', o.rootVolumeKey);
    const viaEc2 = { 'kms:ViaService': 'ec2.{region}.amazonaws.com' };
    contracts.push(
      {
        caller: serviceLinkedRole('AWSServiceRoleForAutoScaling'),
        action: 'kms:CreateGrant',
        resource: key,
        context: { ...viaEc2, 'kms:GrantIsForAWSResource': 'true' },
        phase: 'deploy',
        why: 'Launching with encrypted root volumes under a customer key needs a grant for EC2 (documented key-policy statement).',
        expect: 'allowed',
      },
      ...['kms:GenerateDataKeyWithoutPlaintext', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:DescribeKey'].map(
        (action) => ({
          caller: serviceLinkedRole('AWSServiceRoleForAutoScaling'),
          action,
          resource: key,
          context: viaEc2,
          phase: 'deploy' as const,
          why: `EBS creates the encrypted root volume of a launched instance (${action}, documented key-policy statement).`,
          expect: 'allowed' as const,
        }),
      ),
    );
  }
  if (o.warmPool) {
    const groupArn = (name: Value) => [
      'arn:aws:autoscaling:{region}:{account}:autoScalingGroup:11111111-2222-3333-4444-555555555555:autoScalingGroupName/',
      name,
    ];
    contracts.push(
      {
        caller: instanceRole,
        action: 'cloudformation:DescribeStackResource',
        resource: 'arn:aws:cloudformation:{region}:{account}:stack/{stackName}/00000000-0000-0000-0000-000000000000',
        phase: 'run',
        why: "The readiness service reads the Auto Scaling group's name from the stack (the launch template cannot name its group).",
        expect: 'allowed',
      },
      {
        caller: instanceRole,
        action: 'autoscaling:CompleteLifecycleAction',
        resource: groupArn(ref('AWS::AutoScaling::AutoScalingGroup', `${p}AutoScalingGroup`)),
        phase: 'run',
        why: 'The readiness service completes the launch lifecycle hook when the instance enters the warm pool and when it leaves it; otherwise the hook times out and abandons the instance.',
        expect: 'allowed',
      },
      {
        caller: instanceRole,
        action: 'autoscaling:CompleteLifecycleAction',
        resource: groupArn('another-group'),
        phase: 'run',
        why: "An instance cannot complete lifecycle actions of another group (only its own fleet's).",
        expect: 'denied',
      },
    );
  }
  return { pattern: 'HighlyAvailableFleet', contracts };
}
