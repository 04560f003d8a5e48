import * as path from 'node:path';
import { CustomResource, Duration } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { SecureLogGroup } from '../../common/log-group';
import { acknowledge, inEveryCompliancePack, wildcardResourceFinding } from '../../common/nag';
import { ensureEndpointDependencies, ServiceEndpointRequirements } from '../../common/service-endpoints';
import { VpcFunctionRole } from '../../common/vpc-function-role';

const HANDLER_ASSET = path.join(__dirname, '..', '..', '..', 'assets', 'ecs-ec2-teardown');

/** What the teardown needs from its Ec2WebService. */
export interface ContainerInstanceTeardownProps {
  readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  readonly capacityProvider: ecs.AsgCapacityProvider;
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
  readonly selectedSubnets: ec2.SelectedSubnets;
  readonly vpcEndpointsProvided?: boolean;
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Stack deletion with ECS managed termination protection (docs/ECS-EC2.md, "Teardown"): a custom resource that
 * CloudFormation deletes after the capacity provider and before the Auto Scaling group. Its function (our bundled
 * handler, lib/ecs-ec2/handler) then sets the group to 0 instances and lifts the scale-in protection ECS left on
 * them, so the group's deletion can terminate them.
 */
export class ContainerInstanceTeardown extends Construct {
  public readonly function: lambda.Function;
  public readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: ContainerInstanceTeardownProps) {
    super(scope, id);
    const group = props.autoScalingGroup;
    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `Teardown function of ${scope.node.path}: HTTPS out to EC2 Auto Scaling and the CloudFormation response URL only`,
      allowAllOutbound: false,
    });
    // EC2 Auto Scaling (or its interface endpoint) and the pre-signed S3 response URL: HTTPS only.
    securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to EC2 Auto Scaling and S3');
    const endpointRequirements: ServiceEndpointRequirements = {
      scope,
      vpc: props.vpc,
      subnets: props.selectedSubnets,
      services: [
        { service: ec2.InterfaceVpcEndpointAwsService.AUTOSCALING, name: 'AutoScaling' },
        { service: ec2.InterfaceVpcEndpointAwsService.XRAY, name: 'XRay' },
      ],
      gateways: [ec2.GatewayVpcEndpointAwsService.S3],
      clients: [securityGroup],
      vpcEndpointsProvided: props.vpcEndpointsProvided,
    };
    // The function runs on stack deletion, after the service and the capacity provider are gone: the endpoints it
    // calls (EC2 Auto Scaling, and the S3 gateway for its response to CloudFormation) must still be there, so it
    // depends on them (nothing else does; CloudFormation would otherwise delete them first, and the stack would
    // wait out the custom resource's timeout and end in DELETE_FAILED).
    const endpoints = ensureEndpointDependencies(endpointRequirements);
    const role = new VpcFunctionRole(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Releases the container instances of ${scope.node.path} when its stack is deleted`,
      servicePolicyDescription: `What Lambda needs on * to attach the teardown function of ${scope.node.path} to its VPC, and X-Ray trace writes`,
    });
    const logGroup = new SecureLogGroup(this, 'LogGroup', { retention: props.logRetention });
    this.function = new lambda.Function(this, 'Function', {
      description: `Releases the scale-in protection of the container instances of ${scope.node.path} on stack deletion`,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(HANDLER_ASSET),
      role,
      memorySize: 256,
      timeout: Duration.minutes(2),
      tracing: lambda.Tracing.ACTIVE,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      logGroup,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: [securityGroup],
    });
    this.function.node.addDependency(role.servicePolicy, ...endpoints);
    const groupArn = group.autoScalingGroupArn;
    const policy = new iam.ManagedPolicy(this, 'Policy', {
      description: `Teardown of ${scope.node.path}: release the scale-in protection of its one Auto Scaling group; its log group`,
      roles: [role],
      statements: [
        new iam.PolicyStatement({
          sid: 'ReleaseTheGroup',
          actions: ['autoscaling:UpdateAutoScalingGroup', 'autoscaling:SetInstanceProtection'],
          resources: [groupArn],
        }),
        new iam.PolicyStatement({
          sid: 'DescribeGroups',
          actions: ['autoscaling:DescribeAutoScalingGroups'],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          sid: 'Logs',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [logGroup.logGroupArn],
        }),
      ],
    });
    acknowledge(
      policy,
      {
        id: wildcardResourceFinding(policy, groupArn),
        reason:
          "An Auto Scaling group's ARN holds a UUID that CloudFormation does not return; the ARN names this stack's one group by name (autoScalingGroupName/<the group>), with * for the UUID only. UpdateAutoScalingGroup and SetInstanceProtection are allowed on that group alone.",
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'autoscaling:DescribeAutoScalingGroups supports no resource-level permissions (the Service Authorization Reference lists no resource type for it); it is the only action of this policy on *, and it reads.',
      },
    );
    acknowledge(role.servicePolicy, {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        "This policy holds only what Lambda itself needs on *: the ENI actions of Lambda's AWS managed VPC access policy (ec2:CreateNetworkInterface, ec2:DescribeNetworkInterfaces, ec2:DescribeSubnets, ec2:DeleteNetworkInterface, ec2:AssignPrivateIpAddresses, ec2:UnassignPrivateIpAddresses), denied to the function's own code by a lambda:SourceFunctionArn condition, and xray:PutTraceSegments and xray:PutTelemetryRecords for active tracing. Describe actions and X-Ray have no resource-level permissions; the other ENI actions are granted on * as that AWS managed policy grants them, because the network interfaces Lambda creates have no ARN before they exist.",
    });
    const dlqReason =
      'CloudFormation invokes this custom resource function and waits for its response on the pre-signed URL; a failure is reported to CloudFormation as FAILED, which stops the operation. A dead-letter queue or on-failure destination applies to asynchronous invocations that nobody waits for.';
    acknowledge(
      this.function,
      { id: 'Serverless-LambdaDLQ', reason: dlqReason },
      ...inEveryCompliancePack('LambdaDLQ', dlqReason, ['NIST.800.53.R5', 'HIPAA.Security']),
      ...inEveryCompliancePack(
        'LambdaConcurrency',
        'No concurrency is reserved: Lambda keeps a minimum pool of unreserved concurrency per account, so on new accounts whose concurrency quota is 10 any reservation fails to deploy. CloudFormation invokes the function once per create, update and delete of this one resource.',
        ['NIST.800.53.R5', 'HIPAA.Security'],
      ),
    );

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: this.function.functionArn,
      resourceType: 'Custom::ContainerInstanceTeardown',
      properties: { AutoScalingGroupName: group.autoScalingGroupName },
    });
    // Deletion order: ECS service -> cluster capacity provider associations -> capacity provider -> this
    // resource (its Delete releases the instances) -> Auto Scaling group. The group name reference makes this
    // resource go before the group; the capacity provider must go before this resource.
    const cfnCapacityProvider = props.capacityProvider.node.children.find(
      (c): c is ecs.CfnCapacityProvider => c instanceof ecs.CfnCapacityProvider,
    );
    if (!cfnCapacityProvider) {
      throw new Error(`${scope.node.path}: the capacity provider has no AWS::ECS::CapacityProvider resource to order`);
    }
    cfnCapacityProvider.node.addDependency(this.resource);
    // The function's permissions and log group outlive its Delete.
    this.resource.node.addDependency(policy, logGroup);
  }
}
