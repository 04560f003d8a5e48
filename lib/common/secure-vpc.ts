import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { SecureLogGroup } from './log-group';
import { validateIntegerInRange } from './validation';

/**
 * Properties for a SecureVpc.
 */
export interface SecureVpcProps {
  /**
   * The IPv4 address range of the VPC.
   * @default 10.0.0.0/16
   */
  readonly cidr?: string;

  /**
   * How many Availability Zones to use. In an environment-agnostic stack CDK
   * can only see two zones, so at most two are used there.
   * @default 3
   */
  readonly maxAzs?: number;

  /**
   * How many NAT gateways to create. One keeps the cost of a sample low; set it
   * to `maxAzs` so outbound traffic survives the loss of an Availability Zone.
   * With 0 the VPC has no public subnets and no internet gateway: its private
   * subnets are isolated and reach AWS services through the S3 and DynamoDB
   * gateway endpoints (and any interface endpoints you add).
   * @default 1
   */
  readonly natGateways?: number;

  /**
   * How long VPC flow logs are kept in CloudWatch Logs.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly flowLogRetention?: logs.RetentionDays;

  /**
   * Whether to strip all rules from the VPC's default security group with
   * CDK's custom resource. Off by default: no pattern attaches anything to the
   * default security group, and the custom resource is a Lambda function with
   * EC2 write permissions running outside any VPC (Control Tower CT.LAMBDA.PR.3).
   * Enforce it account-wide instead (Security Hub EC2.2 with auto-remediation),
   * or turn this on.
   * @default false
   */
  readonly restrictDefaultSecurityGroup?: boolean;
}

/**
 * The VPC every pattern builds on unless given one: public and private subnets
 * in two or more Availability Zones, no public IPs assigned on launch, all
 * traffic recorded in VPC flow logs, and free S3 / DynamoDB gateway endpoints
 * so that traffic to those services never leaves the AWS network.
 */
export class SecureVpc extends ec2.Vpc {
  /** The log group that receives the VPC flow logs. */
  public readonly flowLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: SecureVpcProps = {}) {
    const maxAzs = props.maxAzs ?? 3;
    const natGateways = props.natGateways ?? 1;
    validateIntegerInRange('maxAzs', maxAzs, 2, 16);
    validateIntegerInRange('natGateways', natGateways, 0, maxAzs);

    super(scope, id, {
      ipAddresses: ec2.IpAddresses.cidr(props.cidr ?? '10.0.0.0/16'),
      maxAzs,
      natGateways,
      restrictDefaultSecurityGroup: props.restrictDefaultSecurityGroup ?? false,
      subnetConfiguration:
        natGateways > 0
          ? [
              { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
              { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
            ]
          : [{ name: 'Private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 20 }],
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
        DynamoDB: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
      },
    });

    this.flowLogGroup = new SecureLogGroup(this, 'FlowLogGroup', { retention: props.flowLogRetention });
    this.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });
  }
}
