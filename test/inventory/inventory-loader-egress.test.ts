/**
 * Issue 12, section 4: the import function's security group reaches the S3 and DynamoDB gateway endpoints by
 * their AWS-managed prefix lists (looked up at deploy time) and the interface endpoints by security group, never
 * HTTPS to 0.0.0.0/0 by default.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { InventoryLoader } from '../../lib';
import { AwsManagedPrefixLists } from '../../lib/common/managed-prefix-lists';
import { guardRule } from '../../lib/common/nag';
import { agnosticStack, specificStack } from '../support/cdk-context';
import { findAcknowledgement } from '../support/compliance';
import { probeScopes } from '../support/scope-probe';
import { importedIsolatedVpc } from './imported-vpc';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; DependsOn?: string[] }>;

/** Every egress rule of the template: inline on AWS::EC2::SecurityGroup and separate AWS::EC2::SecurityGroupEgress. */
function egressRules(template: Template): Record<string, unknown>[] {
  const json = template.toJSON().Resources as Resources;
  return Object.values(json).flatMap((r) => {
    if (r.Type === 'AWS::EC2::SecurityGroup')
      return (r.Properties?.SecurityGroupEgress as Record<string, unknown>[]) ?? [];
    if (r.Type === 'AWS::EC2::SecurityGroupEgress') return [r.Properties!];
    return [];
  });
}

function lookups(template: Template): Record<string, Resources[string]> {
  return template.findResources('Custom::AwsManagedPrefixList') as Record<string, Resources[string]>;
}

/** The logical id of the lookup whose call filters by the prefix list of `service` ('s3', 'dynamodb'). */
function lookupOf(template: Template, service: string): string {
  const ids = Object.entries(lookups(template))
    .filter(([, r]) => JSON.stringify(r.Properties!.Create).includes(`.${service}\\"]}]}`))
    .map(([id]) => id);
  expect(ids).toHaveLength(1);
  return ids[0];
}

describe.each([
  ['environment-agnostic', () => agnosticStack()],
  ['environment-specific', () => specificStack()],
])('InventoryLoader egress (%s stack)', (_kind, makeStack) => {
  describe('with defaults (its own VPC, isolated subnets)', () => {
    const stack = makeStack();
    const loader = new InventoryLoader(stack, 'Loader', { largeFiles: {} });
    const template = Template.fromStack(stack);
    const sg = stack.resolve(loader.securityGroup.securityGroupId);

    test('has no egress rule to 0.0.0.0/0 or ::/0', () => {
      const rules = egressRules(template);
      expect(rules.length).toBeGreaterThan(0);
      expect(rules.filter((r) => r.CidrIp === '0.0.0.0/0' || r.CidrIpv6 === '::/0')).toEqual([]);
    });

    test('reaches S3 and DynamoDB by the prefix-list ids the deploy-time lookup returns, HTTPS only', () => {
      for (const service of ['s3', 'dynamodb']) {
        template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
          GroupId: sg,
          IpProtocol: 'tcp',
          FromPort: 443,
          ToPort: 443,
          DestinationPrefixListId: { 'Fn::GetAtt': [lookupOf(template, service), 'PrefixLists.0.PrefixListId'] },
        });
      }
      // and nothing else of the function's group goes anywhere but a prefix list or an endpoint's security group
      const own = egressRules(template).filter((r) => JSON.stringify(r.GroupId) === JSON.stringify(sg));
      expect(
        own.map((r) => (r.DestinationPrefixListId ? 'prefix list' : r.DestinationSecurityGroupId ? 'sg' : r)).sort(),
      ).toEqual(['prefix list', 'prefix list', 'sg', 'sg', 'sg']);
    });

    test('reaches the X-Ray, Step Functions and Lambda interface endpoints by their security groups', () => {
      const endpointGroups = Object.entries(template.findResources('AWS::EC2::VPCEndpoint'))
        .filter(([, e]) => e.Properties.VpcEndpointType === 'Interface')
        .map(([, e]) => e.Properties.SecurityGroupIds[0]);
      expect(endpointGroups).toHaveLength(3);
      for (const group of endpointGroups) {
        template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
          GroupId: sg,
          FromPort: 443,
          ToPort: 443,
          DestinationSecurityGroupId: group,
        });
      }
    });

    test('the router and the worker of largeFiles use the same security group', () => {
      for (const fn of [loader.function, loader.largeFileRouter!, loader.largeFileWorker!]) {
        expect(stack.resolve((fn.node.defaultChild as lambda.CfnFunction).vpcConfig)).toEqual(
          expect.objectContaining({ securityGroupIds: [sg] }),
        );
      }
    });

    test('looks the lists up by name with the SDK in Lambda (nothing downloaded at deploy time)', () => {
      for (const service of ['s3', 'dynamodb']) {
        const props = lookups(template)[lookupOf(template, service)].Properties!;
        expect(props.InstallLatestAwsSdk).toBe(false);
        expect(props.Create).toEqual(props.Update);
        const call = JSON.stringify(props.Create);
        expect(call).toContain('\\"service\\":\\"EC2\\",\\"action\\":\\"DescribeManagedPrefixLists\\"');
        expect(call).toContain('\\"Name\\":\\"prefix-list-name\\"');
        expect(call).toContain('\\"outputPaths\\":[\\"PrefixLists.0.PrefixListId\\"]');
        // the list's name is the endpoint service's: com.amazonaws.<the stack's Region>.<service>
        expect(call).toContain(`\\"Values\\":[\\"com.amazonaws.",{"Ref":"AWS::Region"},".${service}\\"]`);
      }
    });

    test("the lookup's policy allows exactly ec2:DescribeManagedPrefixLists, and its role writes only its own logs", () => {
      const lookup = stack.node.findChild('CdkComputePatternsPrefixLists') as AwsManagedPrefixLists;
      const policies = template.findResources('AWS::IAM::ManagedPolicy', {
        Properties: { Roles: [stack.resolve(lookup.role.roleName)] },
      });
      const statements = Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement);
      expect(statements).toHaveLength(2);
      expect(statements).toEqual(
        expect.arrayContaining([
          {
            Sid: 'DescribeManagedPrefixLists',
            Effect: 'Allow',
            Action: 'ec2:DescribeManagedPrefixLists',
            Resource: '*',
          },
          {
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: stack.resolve(lookup.logGroup.logGroupArn),
          },
        ]),
      );
      template.resourcePropertiesCountIs('AWS::IAM::Role', { Description: Match.stringLikeRegexp('prefix lists') }, 1);
      // no inline policy and no AWS managed policy on it
      template.resourcePropertiesCountIs(
        'AWS::IAM::Policy',
        { Roles: Match.arrayWith([stack.resolve(lookup.role.roleName)]) },
        0,
      );
      template.hasResourceProperties('AWS::IAM::Role', {
        Description: Match.stringLikeRegexp('prefix lists'),
        ManagedPolicyArns: Match.absent(),
      });
    });

    test('the lookups run after their policy exists, in a function with its own encrypted log group', () => {
      const lookup = stack.node.findChild('CdkComputePatternsPrefixLists') as AwsManagedPrefixLists;
      for (const r of Object.values(lookups(template))) {
        expect(r.DependsOn!.some((d) => d.startsWith('CdkComputePatternsPrefixListsRoleLookupPolicy'))).toBe(true);
      }
      template.hasResourceProperties('AWS::Lambda::Function', {
        Role: stack.resolve(lookup.role.roleArn),
        LoggingConfig: { LogGroup: stack.resolve(lookup.logGroup.logGroupName) },
        VpcConfig: Match.absent(),
      });
      template.hasResourceProperties('AWS::Logs::LogGroup', {
        KmsKeyId: Match.anyValue(),
        RetentionInDays: 365,
      });
    });
  });

  test('two loaders in one stack share one lookup per prefix list', () => {
    const stack = makeStack();
    new InventoryLoader(stack, 'One');
    new InventoryLoader(stack, 'Two');
    const template = Template.fromStack(stack);
    expect(Object.keys(lookups(template))).toHaveLength(2);
    template.resourcePropertiesCountIs(
      'AWS::EC2::SecurityGroupEgress',
      { DestinationPrefixListId: Match.anyValue() },
      4,
    );
  });

  test('in subnets with a NAT gateway, reaches AWS APIs through it: HTTPS to 0.0.0.0/0, and no lookup', () => {
    const stack = makeStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const loader = new InventoryLoader(stack, 'Loader', { vpc });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^Inventory import function'),
      SecurityGroupEgress: [
        {
          CidrIp: '0.0.0.0/0',
          IpProtocol: 'tcp',
          FromPort: 443,
          ToPort: 443,
          Description: 'HTTPS to AWS APIs through the NAT gateway of the selected subnets',
        },
      ],
    });
    expect(Object.keys(lookups(template))).toHaveLength(0);
    expect(loader.securityGroup.allowAllOutbound).toBe(false);
  });

  test('with vpcEndpointsProvided in isolated subnets, reaches your interface endpoints by the VPC CIDR and S3/DynamoDB by prefix list', () => {
    const stack = makeStack();
    const vpc = importedIsolatedVpc(stack, '10.20.0.0/16');
    new InventoryLoader(stack, 'Loader', { vpc, vpcEndpointsProvided: true });
    const template = Template.fromStack(stack);
    const rules = egressRules(template);
    expect(rules.filter((r) => r.CidrIp === '0.0.0.0/0')).toEqual([]);
    expect(rules.filter((r) => r.CidrIp === '10.20.0.0/16')).toEqual([
      expect.objectContaining({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
    ]);
    expect(rules.filter((r) => r.DestinationPrefixListId)).toHaveLength(2);
  });

  test('fails when vpcEndpointsProvided is set for isolated subnets of a VPC imported without its CIDR block', () => {
    const stack = makeStack();
    const vpc = importedIsolatedVpc(stack);
    expect(() => new InventoryLoader(stack, 'Loader', { vpc, vpcEndpointsProvided: true })).toThrow(
      `${stack.stackName}/Loader: with vpcEndpointsProvided in subnets without egress, the compute reaches your interface endpoints by HTTPS to the VPC's CIDR block, but the VPC ${stack.stackName}/Imported was imported without one. Pass vpcCidrBlock to ec2.Vpc.fromVpcAttributes (or use ec2.Vpc.fromLookup)`,
    );
  });
});

describe('the lookup’s acknowledgements', () => {
  test('sit on its own policy and the provider function alone: what the user adds next to them is reported', () => {
    const stack = specificStack('Probe');
    new InventoryLoader(stack, 'Loader');
    const lookup = stack.node.findChild('CdkComputePatternsPrefixLists') as AwsManagedPrefixLists;
    let userFn: lambda.Function | undefined;
    probeScopes(stack, () => {
      // next to IAM5[Resource::*] on the lookup policy: a wildcard the user grants the lookup's role
      lookup.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['ec2:DescribeInstances'], resources: ['*'] }),
      );
      // next to the function-level acknowledgements of the provider function: a function of the user's, outside a VPC
      userFn = new lambda.Function(lookup, 'UserFunction', {
        runtime: lambda.Runtime.NODEJS_24_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline('exports.handler = async () => {};'),
      });
      return [
        { expect: 'AwsSolutions-IAM5[Resource::*]', on: lookup.role.policy! },
        { expect: 'Serverless-LambdaDLQ', on: userFn },
        { expect: 'Serverless-LambdaTracing', on: userFn },
        ...['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'].map((p) => ({
          expect: `${p}-LambdaInsideVPC`,
          on: userFn!,
        })),
        ...['NIST.800.53.R5', 'HIPAA.Security'].flatMap((p) => [
          { expect: `${p}-LambdaDLQ`, on: userFn! },
          { expect: `${p}-LambdaConcurrency`, on: userFn! },
        ]),
      ];
    });
    // the Control Tower CT.LAMBDA.PR.3 acknowledgement is on the provider function's resource, not the user's
    const vpcRule = guardRule('lambda_inside_vpc_check');
    const provider = stack.node.findChild('AWS679f53fac002430cb0da5b7982bd2287');
    expect(findAcknowledgement(provider.node.defaultChild!, vpcRule)).toBeDefined();
    expect(findAcknowledgement(userFn!.node.defaultChild!, vpcRule)).toBeUndefined();
  });
});
