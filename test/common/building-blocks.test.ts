import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { SecureBucket, SecureKey, SecureLogGroup, SecureVpc } from '../../lib';
import { acknowledge } from '../../lib/common/nag';
import { validateMultiAz } from '../../lib/common/subnets';
import {
  validateCidrs,
  validateExclusive,
  validateIntegerInRange,
  validateOrder,
  validateWithin,
} from '../../lib/common/validation';
import { agnosticStack, specificStack } from '../support/cdk-context';

describe('SecureVpc', () => {
  test('spans two AZs in an environment-agnostic stack with flow logs, endpoints and no public IPs on launch', () => {
    const stack = agnosticStack();
    new SecureVpc(stack, 'Vpc');
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::Subnet', 4);
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.hasResourceProperties('AWS::EC2::Subnet', { MapPublicIpOnLaunch: false });
    template.allResourcesProperties('AWS::EC2::Subnet', { MapPublicIpOnLaunch: false });
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs' });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      RetentionInDays: 365,
      KmsKeyId: Match.anyValue(),
    });
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
    // no restrict-default-SG custom resource Lambda outside the VPC
    template.resourceCountIs('AWS::Lambda::Function', 0);
  });

  test('uses three AZs and a NAT gateway per AZ when asked, in an environment-specific stack', () => {
    const stack = specificStack();
    new SecureVpc(stack, 'Vpc', { natGateways: 3 });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::Subnet', 6);
    template.resourceCountIs('AWS::EC2::NatGateway', 3);
  });

  test('without NAT gateways has only isolated subnets and no internet gateway', () => {
    const stack = agnosticStack();
    const vpc = new SecureVpc(stack, 'Vpc', { natGateways: 0 });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    expect(vpc.isolatedSubnets).toHaveLength(2);
  });

  test('fails when natGateways exceeds the Availability Zones', () => {
    expect(() => new SecureVpc(agnosticStack(), 'Vpc', { maxAzs: 2, natGateways: 3 })).toThrow(
      new Error('Agnostic/Vpc: natGateways must be an integer between 0 and 2; received 3'),
    );
  });

  test('fails when maxAzs is below two', () => {
    expect(() => new SecureVpc(agnosticStack(), 'Vpc', { maxAzs: 1 })).toThrow(
      new Error('Agnostic/Vpc: maxAzs must be an integer between 2 and 16; received 1'),
    );
  });
});

describe('validateMultiAz', () => {
  test('fails when the selected subnets are in one Availability Zone', () => {
    const stack = specificStack();
    const vpc = new SecureVpc(stack, 'Vpc');
    const az = vpc.availabilityZones[0];
    expect(() =>
      validateMultiAz(stack, vpc, { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, availabilityZones: [az] }, 'X'),
    ).toThrow(
      `Specific: X must span at least two Availability Zones to be highly available; the selected subnets (1) are in 1 (${az}). Pass a VPC (or vpcSubnets) with subnets in two or more Availability Zones`,
    );
  });
});

describe('SecureKey', () => {
  test('rotates and denies grants that are not for AWS services (CT.KMS.PR.3)', () => {
    const stack = agnosticStack();
    new SecureKey(stack, 'Key');
    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Sid: 'DenyGrantsExceptForAwsServices',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 'kms:CreateGrant',
            Resource: '*',
            Condition: {
              BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
            },
          },
        ]),
      },
    });
  });
});

describe('SecureLogGroup', () => {
  test('shares one log key per stack whose policy admits CloudWatch Logs of this account only', () => {
    const stack = agnosticStack();
    new SecureLogGroup(stack, 'A');
    new SecureLogGroup(stack, 'B');
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
            Condition: { ArnLike: Match.anyValue() },
          }),
        ]),
      },
    });
  });
});

describe('SecureBucket', () => {
  test('uses SSE-KMS, versioning, server access logs and native EventBridge notifications', () => {
    const stack = agnosticStack();
    new SecureBucket(stack, 'Data');
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }) }),
        ],
      },
      LoggingConfiguration: { DestinationBucketName: { Ref: Match.stringLikeRegexp('CdkComputePatternsAccessLogs') } },
      NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
      VersioningConfiguration: { Status: 'Enabled' },
    });
    template.resourceCountIs('Custom::S3BucketNotifications', 0);
  });
});

describe('acknowledge', () => {
  test('fails when the reason is too short to convince an auditor', () => {
    expect(() => acknowledge(agnosticStack(), { id: 'AwsSolutions-S1', reason: 'noisy' })).toThrow(
      "acknowledge: the reason for AwsSolutions-S1 is too short ('noisy'); write at least 20 characters a security reviewer can accept",
    );
  });

  test('fails when the id is not a finding id', () => {
    expect(() => acknowledge(agnosticStack(), { id: 'S1 please', reason: 'x'.repeat(30) })).toThrow(
      "acknowledge: 'S1 please' is not a cdk-nag finding id; expected e.g. 'AwsSolutions-EC23', 'AwsSolutions-IAM5[Resource::*]', 'NIST.800.53.R5-S3BucketLoggingEnabled', 'CloudFormation-Validate::W9009' or 'cdk-validator-cfnguard::s3_bucket_logging_enabled_check'",
    );
  });
});

describe('validation helpers', () => {
  test('say what was given and what was expected', () => {
    expect(() => validateIntegerInRange('x', 0.5, 1, 3)).toThrow('x must be an integer between 1 and 3; received 0.5');
    expect(() => validateOrder('min', 5, 'max', 4)).toThrow('min (5) must not be greater than max (4)');
    expect(() => validateWithin('desired', 9, 'min', 2, 'max', 4)).toThrow(
      'desired (9) must lie between min (2) and max (4)',
    );
    expect(() => validateCidrs('cidrs', ['10.0.0.0/33'])).toThrow(
      "cidrs must contain IPv4 CIDR blocks such as '203.0.113.0/24'; received '10.0.0.0/33'",
    );
    expect(() => validateExclusive('vpc', 1, 'cluster', 2, 'the cluster has a VPC')).toThrow(
      'give either vpc or cluster, not both: the cluster has a VPC',
    );
    expect(() => validateIntegerInRange('x', 2, 1, 3)).not.toThrow();
    expect(() => validateCidrs('cidrs', ['203.0.113.0/24', '0.0.0.0/0'])).not.toThrow();
  });
});
