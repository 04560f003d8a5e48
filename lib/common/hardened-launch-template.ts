import { Size } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { acknowledge, inEveryCompliancePack } from './nag';

/** What varies between the EC2 patterns' launch templates; the hardening itself does not. */
export interface HardenedLaunchTemplateOptions {
  /** @default - the service that launches the instances chooses (AWS Batch: its ECS AMI) */
  readonly machineImage?: ec2.IMachineImage;
  /** @default - the group's overrides or the service choose */
  readonly instanceType?: ec2.InstanceType;
  /** @default - none */
  readonly userData?: ec2.UserData;
  /** The instance role (Session Manager, ECS agent...). @default - the service attaches its own instance profile */
  readonly role?: iam.IRole;
  /** @default - the service's security groups (AWS Batch: the compute environment's) */
  readonly securityGroup?: ec2.ISecurityGroup;
  /** @default - no key pair: Session Manager, never SSH keys */
  readonly keyPair?: ec2.IKeyPair;
  /** Root device name of the AMI. @default '/dev/xvda' */
  readonly rootVolumeDeviceName?: string;
  /** Root volume size. */
  readonly rootVolumeSize: Size;
  /**
   * Key of the encrypted root volume. Auto Scaling's service-linked role must be allowed to use it.
   * @default - the account's EBS key (aws/ebs)
   */
  readonly rootVolumeEncryptionKey?: kms.IKey;
  /**
   * The launch template states the primary network interface (no public IP address, `securityGroup`). Off for
   * AWS Batch, which builds the interface itself from the compute environment's subnets and security groups
   * (it ignores launch-template network interface subnets); its private subnets give no public IP.
   * @default true
   */
  readonly networkInterface?: boolean;
}

/**
 * The one hardened launch template of the EC2 patterns (HighlyAvailableFleet, Ec2WebService, BatchJobQueue's EC2
 * compute): IMDSv2 required with a hop limit of 1 (only the host, never a container behind a bridge, gets a
 * token), the metadata endpoint stated, an encrypted gp3 root volume deleted with the instance, detailed
 * monitoring, no public IP address and no key pair unless asked.
 */
export function hardenedLaunchTemplate(
  scope: Construct,
  id: string,
  options: HardenedLaunchTemplateOptions,
): ec2.LaunchTemplate {
  return new ec2.LaunchTemplate(scope, id, {
    machineImage: options.machineImage,
    instanceType: options.instanceType,
    userData: options.userData,
    role: options.role,
    securityGroup: options.securityGroup,
    keyPair: options.keyPair,
    requireImdsv2: true,
    httpTokens: ec2.LaunchTemplateHttpTokens.REQUIRED,
    httpEndpoint: true,
    httpPutResponseHopLimit: 1,
    associatePublicIpAddress: options.networkInterface === false ? undefined : false,
    detailedMonitoring: true,
    blockDevices: [
      {
        deviceName: options.rootVolumeDeviceName ?? '/dev/xvda',
        volume: ec2.BlockDeviceVolume.ebs(options.rootVolumeSize.toGibibytes(), {
          encrypted: true,
          kmsKey: options.rootVolumeEncryptionKey,
          volumeType: ec2.EbsDeviceVolumeType.GP3,
          deleteOnTermination: true,
        }),
      },
    ],
  });
}

/**
 * Acknowledges, on an Auto Scaling group that launches through a MixedInstancesPolicy from a
 * {@link hardenedLaunchTemplate}, the two findings whose rules read only a top-level launch template or launch
 * configuration: AwsSolutions-EC26 (root volume encryption) and EC2IMDSv2Enabled (NIST 800-53 R5, HIPAA Security).
 * On the group resource alone: a volume or instance the user adds next to it is still checked.
 */
export function acknowledgeMixedInstancesLaunchTemplate(group: autoscaling.AutoScalingGroup): void {
  const cfnGroup = group.node.defaultChild as autoscaling.CfnAutoScalingGroup;
  acknowledge(cfnGroup, {
    id: 'AwsSolutions-EC26',
    reason:
      'cdk-nag EC26 reads only a top-level LaunchTemplate and throws on a MixedInstancesPolicy; the launch template that policy uses sets Encrypted: true on the root volume (checked by Control Tower CT.EC2.PR.14 and the unit tests).',
  });
  acknowledge(
    cfnGroup,
    ...inEveryCompliancePack(
      'EC2IMDSv2Enabled',
      'The rule reads only a top-level LaunchTemplate or LaunchConfiguration of the group and reports a MixedInstancesPolicy as non-compliant; the launch template that policy uses sets MetadataOptions HttpTokens: required (IMDSv2 only) with a hop limit of 1 for every instance it launches, which the unit tests and Control Tower launch template rules check.',
      ['NIST.800.53.R5', 'HIPAA.Security'],
    ),
  );
}
