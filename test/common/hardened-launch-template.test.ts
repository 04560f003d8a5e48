import { Size } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import { hardenedLaunchTemplate } from '../../lib/common/hardened-launch-template';
import { agnosticStack, specificStack } from '../support/cdk-context';

/** The hardening every EC2 pattern's launch template carries (HighlyAvailableFleet, Ec2WebService, BatchJobQueue). */
const HARDENING = {
  MetadataOptions: { HttpEndpoint: 'enabled', HttpTokens: 'required', HttpPutResponseHopLimit: 1 },
  Monitoring: { Enabled: true },
};

describe('hardenedLaunchTemplate', () => {
  test.each([
    ['environment-agnostic', agnosticStack],
    ['environment-specific', specificStack],
  ])('IMDSv2 with hop limit 1, encrypted gp3 root volume, no public IP, detailed monitoring (%s)', (_, make) => {
    // GIVEN
    const stack = make();
    const vpc = new ec2.Vpc(stack, 'Vpc');
    const securityGroup = new ec2.SecurityGroup(stack, 'Sg', { vpc });
    const key = new kms.Key(stack, 'Key');
    // WHEN
    hardenedLaunchTemplate(stack, 'LaunchTemplate', {
      securityGroup,
      rootVolumeSize: Size.gibibytes(20),
      rootVolumeEncryptionKey: key,
    });
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        ...HARDENING,
        BlockDeviceMappings: [
          {
            DeviceName: '/dev/xvda',
            Ebs: {
              Encrypted: true,
              KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
              VolumeSize: 20,
              VolumeType: 'gp3',
              DeleteOnTermination: true,
            },
          },
        ],
        NetworkInterfaces: [
          {
            DeviceIndex: 0,
            AssociatePublicIpAddress: false,
            Groups: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^Sg'), 'GroupId'] }],
          },
        ],
        KeyName: Match.absent(),
      }),
    });
  });

  test('leaves the network interface to a service that builds it (AWS Batch), keeping the rest of the hardening', () => {
    const stack = agnosticStack();
    hardenedLaunchTemplate(stack, 'LaunchTemplate', { rootVolumeSize: Size.gibibytes(30), networkInterface: false });
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        ...HARDENING,
        BlockDeviceMappings: [
          {
            DeviceName: '/dev/xvda',
            Ebs: { Encrypted: true, VolumeSize: 30, VolumeType: 'gp3', DeleteOnTermination: true },
          },
        ],
        NetworkInterfaces: Match.absent(),
        SecurityGroupIds: Match.absent(),
        IamInstanceProfile: Match.absent(),
      }),
    });
  });
});
