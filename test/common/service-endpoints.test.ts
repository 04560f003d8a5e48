import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { SecureVpc } from '../../lib';
import { ensureServiceEndpoints, RequiredServiceEndpoint } from '../../lib/common/service-endpoints';
import { agnosticStack, specificStack, testApp } from '../support/cdk-context';

const ECR: RequiredServiceEndpoint[] = [
  { service: ec2.InterfaceVpcEndpointAwsService.ECR, name: 'EcrApi' },
  { service: ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER, name: 'EcrDocker' },
];

function compute(
  stack: Stack,
  id: string,
  vpc: ec2.IVpc,
  subnets: ec2.SubnetSelection,
  vpcEndpointsProvided?: boolean,
) {
  const scope = new Construct(stack, id);
  const sg = new ec2.SecurityGroup(scope, 'Sg', { vpc, allowAllOutbound: false });
  return ensureServiceEndpoints({
    scope,
    vpc,
    subnets: vpc.selectSubnets(subnets),
    services: ECR,
    clients: [sg],
    gateways: [ec2.GatewayVpcEndpointAwsService.S3],
    vpcEndpointsProvided,
  });
}

describe('ensureServiceEndpoints', () => {
  test('adds nothing when the subnets have egress', () => {
    const stack = agnosticStack();
    const vpc = new SecureVpc(stack, 'Vpc');
    expect(compute(stack, 'App', vpc, { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS })).toEqual([]);
    Template.fromStack(stack).resourceCountIs('AWS::EC2::VPCEndpoint', 2); // the two gateway endpoints
  });

  test('adds each interface endpoint once per VPC, reachable on 443 from every client only', () => {
    // GIVEN two patterns in one isolated VPC
    const stack = specificStack();
    const vpc = new SecureVpc(stack, 'Vpc', { natGateways: 0 });
    compute(stack, 'First', vpc, { subnetType: ec2.SubnetType.PRIVATE_ISOLATED });
    compute(stack, 'Second', vpc, { subnetType: ec2.SubnetType.PRIVATE_ISOLATED });
    // THEN two interface endpoints (not four: private DNS would conflict), both private-DNS
    const template = Template.fromStack(stack);
    template.resourcePropertiesCountIs('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Interface' }, 2);
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Interface',
      PrivateDnsEnabled: true,
      ServiceName: 'com.amazonaws.eu-west-1.ecr.api',
    });
    // AND each endpoint security group admits 443 from both clients, and nothing from 0.0.0.0/0
    const ingress = template.findResources('AWS::EC2::SecurityGroupIngress', {
      Properties: { FromPort: 443, ToPort: 443, SourceSecurityGroupId: Match.anyValue() },
    });
    expect(Object.keys(ingress)).toHaveLength(4);
    expect(JSON.stringify(template.toJSON())).not.toContain('0.0.0.0/0');
  });

  test('reuses an endpoint the user already added under another id', () => {
    const stack = specificStack();
    const vpc = new SecureVpc(stack, 'Vpc', { natGateways: 0 });
    vpc.addInterfaceEndpoint('MyEcr', { service: ec2.InterfaceVpcEndpointAwsService.ECR });
    compute(stack, 'App', vpc, { subnetType: ec2.SubnetType.PRIVATE_ISOLATED });
    Template.fromStack(stack).resourcePropertiesCountIs(
      'AWS::EC2::VPCEndpoint',
      { ServiceName: 'com.amazonaws.eu-west-1.ecr.api' },
      1,
    );
  });

  test('adds a missing gateway endpoint to a plain VPC in the same stack, once', () => {
    const stack = specificStack();
    const vpc = new ec2.Vpc(stack, 'Plain', {
      natGateways: 0,
      subnetConfiguration: [{ name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    });
    compute(stack, 'First', vpc, { subnetType: ec2.SubnetType.PRIVATE_ISOLATED });
    compute(stack, 'Second', vpc, { subnetType: ec2.SubnetType.PRIVATE_ISOLATED });
    const template = Template.fromStack(stack);
    template.resourcePropertiesCountIs('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway' }, 1);
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      ServiceName: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith(['.s3'])]) }),
    });
  });

  test('adds no gateway endpoint the user created outside the VPC construct (S3 would get two routes)', () => {
    // GIVEN an S3 gateway endpoint of the VPC defined at the stack's level, not with vpc.addGatewayEndpoint
    const stack = agnosticStack();
    const vpc = new ec2.Vpc(stack, 'Plain', {
      natGateways: 0,
      subnetConfiguration: [{ name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    });
    new ec2.GatewayVpcEndpoint(stack, 'MyS3', { vpc, service: ec2.GatewayVpcEndpointAwsService.S3 });
    // WHEN
    compute(stack, 'App', vpc, { subnetType: ec2.SubnetType.PRIVATE_ISOLATED });
    // THEN only the user's endpoint: a second one would add conflicting routes to the S3 prefix list
    const gateways = Template.fromStack(stack).findResources('AWS::EC2::VPCEndpoint', {
      Properties: { VpcEndpointType: 'Gateway' },
    });
    expect(Object.keys(gateways)).toEqual([expect.stringMatching(/^MyS3/)]);
  });

  test('fails when isolated subnets belong to a VPC in another stack', () => {
    const app = testApp();
    const vpc = new SecureVpc(new Stack(app, 'Network'), 'Vpc', { natGateways: 0 });
    const stack = new Stack(app, 'Workload');
    expect(() => compute(stack, 'App', vpc, { subnetType: ec2.SubnetType.PRIVATE_ISOLATED })).toThrow(
      'Workload/App: the selected subnets have no route to the internet (PRIVATE_ISOLATED), so the compute needs VPC interface endpoints for ecr.api, ecr.dkr; they can only be added here to a VPC defined in the same stack. Select subnets with egress (NAT), create the endpoints yourself and set vpcEndpointsProvided: true, or define the VPC in this stack',
    );
  });

  test('trusts vpcEndpointsProvided for a VPC it cannot change', () => {
    const app = testApp();
    const vpc = new SecureVpc(new Stack(app, 'Network'), 'Vpc', { natGateways: 0 });
    const stack = new Stack(app, 'Workload');
    expect(compute(stack, 'App', vpc, { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }, true)).toEqual([]);
  });
});
