import { Aws, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { SecureLogGroup } from './log-group';
import { acknowledge, inEveryCompliancePack } from './nag';
import { childPath, validateIntegerInRange, withPath } from './validation';

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

  /**
   * The role VPC Flow Logs assumes (only for this account) to write to `flowLogGroup`.
   * Its permissions are a customer managed policy, `flowLogPolicy`, not an inline one.
   */
  public readonly flowLogRole: iam.Role;

  /** The customer managed policy that lets `flowLogRole` write to `flowLogGroup` only. */
  public readonly flowLogPolicy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: SecureVpcProps = {}) {
    const maxAzs = props.maxAzs ?? 3;
    const natGateways = props.natGateways ?? 1;
    // Validated before super() (ec2.Vpc needs the values), so by the path this VPC will have.
    withPath(childPath(scope, id), () => {
      validateIntegerInRange('maxAzs', maxAzs, 2, 16);
      validateIntegerInRange('natGateways', natGateways, 0, maxAzs);
    });

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
    // A role of our own with a customer managed policy (NIST/HIPAA/PCI IAMNoInlinePolicy); the
    // flow log gets it immutable, or aws-cdk-lib would add the same statement again inline.
    this.flowLogRole = new iam.Role(this, 'FlowLogRole', {
      description: 'Lets VPC Flow Logs of this account write to the flow log group',
      // The confused-deputy conditions the VPC Flow Logs guide gives for the delivery role's trust policy.
      assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
          ArnLike: {
            'aws:SourceArn': `arn:${Aws.PARTITION}:ec2:${Stack.of(this).region}:${Stack.of(this).account}:vpc-flow-log/*`,
          },
        },
      }),
    });
    this.flowLogPolicy = new iam.ManagedPolicy(this, 'FlowLogPolicy', {
      description: 'Lets VPC Flow Logs write to the flow log group of this VPC only',
      roles: [this.flowLogRole],
      statements: [
        new iam.PolicyStatement({
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
          resources: [this.flowLogGroup.logGroupArn],
        }),
      ],
    });
    const flowLog = this.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup, this.flowLogRole.withoutPolicyUpdates()),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });
    flowLog.node.addDependency(this.flowLogPolicy);

    if (!(props.restrictDefaultSecurityGroup ?? false)) {
      // Inherent to the choice documented on restrictDefaultSecurityGroup; on the VPC resource only, the one
      // finding per VPC (nothing a user adds can raise this rule on it again).
      acknowledge(
        this.node.defaultChild!,
        ...inEveryCompliancePack(
          'VPCDefaultSecurityGroupClosed',
          "The VPC's default security group keeps the rules EC2 gives every new VPC (inbound from members of the same group, all outbound), but nothing this library creates is placed in it: every load balancer, instance, task, function and interface endpoint gets a security group of its own. Removing the rules takes CDK's restrictDefaultSecurityGroup custom resource, a Lambda function with EC2 write permissions running outside any VPC (Control Tower CT.LAMBDA.PR.3). Set restrictDefaultSecurityGroup: true to add it, or enforce Security Hub control EC2.2 account-wide.",
        ),
      );
    }

    // The one route that makes a subnet public is inherent: the internet-facing load balancers
    // and the NAT gateways live there. Acknowledged on each route resource, nothing wider.
    for (const subnet of this.publicSubnets) {
      const route = subnet.node.tryFindChild('DefaultRoute');
      if (!route) continue;
      acknowledge(
        route,
        ...inEveryCompliancePack(
          'VPCNoUnrestrictedRouteToIGW',
          'This is the 0.0.0.0/0 route to the internet gateway of a public subnet: it is what makes the subnet public, for the internet-facing load balancers and the NAT gateways that live there. Compute runs in the private subnets, whose default route goes to a NAT gateway.',
        ),
      );
    }
  }
}
