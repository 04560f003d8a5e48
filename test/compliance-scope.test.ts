/**
 * Scope probes (issue 12, section 1) for every pattern: next to each acknowledgement a pattern makes, the
 * user adds the same kind of finding (a resource of the same type in the same construct, a statement on
 * the same role, a listener on the same load balancer) and the finding must stay visible. The AwsSolutions
 * and Serverless acknowledgements are also probed in each pattern's own tests; these cover the NIST 800-53
 * R5 / HIPAA Security / PCI DSS 3.2.1 acknowledgements and the cfn-guard ones.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { EksCluster, FargateWebService, HighlyAvailableFleet, InventoryLoader } from '../lib';
import { guardRule, managedPolicyFinding } from '../lib/common/nag';
import { agnosticStack, specificStack } from './support/cdk-context';
import { findAcknowledgement } from './support/compliance';
import { KINDS, PATTERNS, stackName, VARIANTS } from './support/compliance-matrix';
import { matrixStacks } from './support/compliance-report';
import { probeScopes, ScopeExpectation, userWildcardStatement } from './support/scope-probe';

const NIST = 'NIST.800.53.R5';
const HIPAA = 'HIPAA.Security';
const PCI = 'PCI.DSS.321';

/** The resource (default child) of an L2, for expectations and acknowledgement lookups. */
const res = (c: IConstruct): IConstruct => c.node.defaultChild!;

function pattern(name: string, stack: Stack): IConstruct {
  PATTERNS.find((p) => p.name === name)!.full(stack);
  return stack.node
    .findAll()
    .find((c) => c.node.scope === stack && ['Fleet', 'Web', 'Eks', 'InventoryLoader'].includes(c.node.id))!;
}

/** A VPC of the user's inside `scope`: its default security group is open, like any VPC's. */
function userVpc(scope: IConstruct): ScopeExpectation[] {
  const vpc = new ec2.Vpc(scope as never, 'UserVpc', {
    natGateways: 0,
    maxAzs: 1,
    restrictDefaultSecurityGroup: false,
  });
  return [NIST, HIPAA, PCI].map((p) => ({ expect: `${p}-VPCDefaultSecurityGroupClosed`, on: res(vpc) }));
}

/** A bucket of the user's in the stack, next to the shared access-log bucket: no replication. */
function userBucket(scope: IConstruct): ScopeExpectation[] {
  const bucket = new s3.Bucket(scope as never, 'UserBucket', { enforceSSL: true });
  return [NIST, HIPAA, PCI].map((p) => ({ expect: `${p}-S3BucketReplicationEnabled`, on: res(bucket) }));
}

/** A plain HTTP listener of the user's on the pattern's load balancer. */
function userHttpListener(lb: elbv2.ApplicationLoadBalancer): ScopeExpectation[] {
  const listener = lb.addListener('UserHttp', { port: 8080, open: false });
  listener.addAction('Fixed', { action: elbv2.ListenerAction.fixedResponse(200) });
  return [NIST, HIPAA, PCI].flatMap((p) => [
    { expect: `${p}-ALBHttpToHttpsRedirection`, on: res(listener) },
    { expect: `${p}-ELBv2ACMCertificateRequired`, on: res(listener) },
  ]);
}

describe.each([
  ['environment-agnostic', agnosticStack],
  ['environment-specific', specificStack],
])('scope probes (%s stack)', (_kind, makeStack) => {
  test('HighlyAvailableFleet: every acknowledgement leaves the user’s findings visible', () => {
    const stack = makeStack();
    const fleet = pattern('Fleet', stack) as HighlyAvailableFleet;
    let userAsg: autoscaling.AutoScalingGroup | undefined;
    probeScopes(stack, () => {
      // next to EC2IMDSv2Enabled / EC26 on the fleet's group: a group of the user's whose template allows IMDSv1
      const asg = new autoscaling.AutoScalingGroup(fleet, 'UserAsg', {
        vpc: fleet.vpc,
        launchTemplate: new ec2.LaunchTemplate(fleet, 'UserLaunchTemplate', {
          instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO),
          machineImage: ec2.MachineImage.latestAmazonLinux2023({ cpuType: ec2.AmazonLinuxCpuType.ARM_64 }),
          httpTokens: ec2.LaunchTemplateHttpTokens.OPTIONAL,
        }),
      });
      // next to the role's customer managed policy: an inline policy and a wildcard of the user's
      const inline = new iam.Policy(fleet, 'UserInlinePolicy', {
        roles: [fleet.instanceRole],
        statements: [new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: ['*'] })],
      });
      userWildcardStatement(fleet.instanceRole, 's3:GetObject');
      // (cdk-nag does not report EC2IMDSv2Enabled on this group either way, so it is checked by lookup below)
      userAsg = asg;
      return [
        ...[NIST, HIPAA, PCI].map((p) => ({ expect: `${p}-IAMNoInlinePolicy`, on: res(inline) })),
        { expect: 'AwsSolutions-IAM5[Resource::*]', on: fleet.instanceRole },
        ...userHttpListener(fleet.loadBalancer),
        ...userVpc(fleet),
        ...userBucket(stack),
      ];
    });
    // the IMDSv2 acknowledgement sits on the fleet's group resource alone, not on the user's group next to it
    for (const pack of [NIST, HIPAA]) {
      expect(findAcknowledgement(res(fleet.autoScalingGroup), `${pack}-EC2IMDSv2Enabled`)).toBeDefined();
      expect(findAcknowledgement(res(userAsg!), `${pack}-EC2IMDSv2Enabled`)).toBeUndefined();
    }
  });

  test('FargateWebService: every acknowledgement leaves the user’s findings visible', () => {
    const stack = makeStack();
    const web = pattern('Fargate', stack) as FargateWebService;
    probeScopes(stack, () => {
      const inline = new iam.Policy(web, 'UserInlinePolicy', {
        roles: [web.taskDefinition.executionRole!],
        statements: [new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: ['*'] })],
      });
      userWildcardStatement(web.taskDefinition.taskRole, 's3:GetObject');
      return [
        ...[NIST, HIPAA, PCI].map((p) => ({ expect: `${p}-IAMNoInlinePolicy`, on: res(inline) })),
        { expect: 'AwsSolutions-IAM5[Resource::*]', on: web.taskDefinition.taskRole },
        ...userHttpListener(web.loadBalancer),
        ...userVpc(web),
        ...userBucket(stack),
      ];
    });
  });

  test('InventoryLoader: every acknowledgement leaves the user’s findings visible', () => {
    const stack = makeStack();
    const loader = pattern('Inventory', stack) as InventoryLoader;
    probeScopes(stack, () => {
      // next to DynamoDBInBackupPlan on the loader's tables: a table of the user's in the loader
      const table = new dynamodb.Table(loader, 'UserTable', {
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      });
      userWildcardStatement(loader.function, 'dynamodb:Scan');
      return [
        { expect: `${NIST}-DynamoDBInBackupPlan`, on: res(table) },
        { expect: `${HIPAA}-DynamoDBInBackupPlan`, on: res(table) },
        { expect: 'AwsSolutions-IAM5[Resource::*]', on: loader.function.role! },
        ...userVpc(loader),
        ...userBucket(loader),
      ];
    });
  });

  test('EksCluster: every acknowledgement leaves the user’s findings visible', () => {
    const stack = makeStack();
    const eks = pattern('Eks', stack) as EksCluster;
    let userTemplate: ec2.LaunchTemplate | undefined;
    probeScopes(stack, () => {
      // next to EC29 and IAM4 AmazonSSMManagedInstanceCore on the access instance: the user's own instance
      eks.addAccessInstance();
      const role = new iam.Role(eks, 'UserRole', {
        assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
        managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
      });
      const instance = new ec2.Instance(eks, 'UserInstance', {
        vpc: eks.vpc,
        instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO),
        machineImage: ec2.MachineImage.latestAmazonLinux2023({ cpuType: ec2.AmazonLinuxCpuType.ARM_64 }),
        role,
      });
      // next to EC2InstancesInVPC on the access instance (its subnet is on its network interface): the user's
      // instance with a network interface of its own too
      const nicInstance = new ec2.Instance(eks, 'UserNicInstance', {
        vpc: eks.vpc,
        instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO),
        machineImage: ec2.MachineImage.latestAmazonLinux2023({ cpuType: ec2.AmazonLinuxCpuType.ARM_64 }),
        associatePublicIpAddress: false,
      });
      // next to the IAM4 acknowledgements on the cluster, node and vpc-cni roles: another AWS managed policy
      for (const r of [eks.cluster.role, eks.nodeRole!, eks.vpcCniRole!]) {
        r.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonS3ReadOnlyAccess'));
      }
      // next to the cfn-guard hop-limit acknowledgement on the node launch template: a template of the user's
      userTemplate = new ec2.LaunchTemplate(eks, 'UserLaunchTemplate', { httpPutResponseHopLimit: 3 });
      return [
        { expect: 'AwsSolutions-EC29', on: instance },
        ...[NIST, HIPAA, PCI].map((p) => ({ expect: `${p}-EC2InstancesInVPC`, on: res(nicInstance) })),
        { expect: managedPolicyFinding('AmazonSSMManagedInstanceCore'), on: role },
        ...[eks.cluster.role, eks.nodeRole!, eks.vpcCniRole!].map((r) => ({
          expect: managedPolicyFinding('AmazonS3ReadOnlyAccess'),
          on: r,
        })),
        ...userVpc(eks),
      ];
    });
    // the cfn-guard acknowledgements sit on the launch template and the cluster resources alone
    const hop = guardRule('ec2_launch_template_token_hop_limit_check');
    expect(findAcknowledgement(res(eks.nodeLaunchTemplate!), hop)).toBeDefined();
    expect(findAcknowledgement(res(userTemplate!), hop)).toBeUndefined();
    const endpoint = guardRule('eks_endpoint_no_public_access_check');
    expect(findAcknowledgement(eks.cluster.node.findChild('Resource'), endpoint)).toBeDefined();
    expect(findAcknowledgement(eks.vpc.node.defaultChild!, endpoint)).toBeUndefined();
  });
});

/** Patterns of the matrix whose scope probes live next to their own tests (each file runs probes of its own). */
const PROBED_ELSEWHERE: Record<string, string> = {
  Batch: 'test/batch/batch-nag.test.ts',
  Beanstalk: 'test/beanstalk/beanstalk-nag.test.ts',
  Ec2Service: 'test/ecs-ec2/ec2-web-service-nag.test.ts',
  Registry: 'test/ecr/secure-repository.test.ts',
  ServerlessApi: 'test/serverless-api/serverless-api-nag.test.ts',
};

/** Patterns that acknowledge nothing, so there is nothing to probe (their matrix stacks show no acknowledgement). */
const NOTHING_ACKNOWLEDGED = ['Lightsail'];

test('every pattern of the compliance matrix has scope probes, here or in its own test file', () => {
  const probedHere = ['Eks', 'Fargate', 'Fleet', 'Inventory'];
  expect(PATTERNS.map((p) => p.name).sort()).toEqual(
    [...probedHere, ...Object.keys(PROBED_ELSEWHERE), ...NOTHING_ACKNOWLEDGED].sort(),
  );
  for (const file of Object.values(PROBED_ELSEWHERE)) {
    const text = fs.readFileSync(path.join(__dirname, '..', file), 'utf8');
    // a probe adds a user finding next to an acknowledged one and expects it reported
    expect(/probeScope\(|user adds/.test(text)).toBe(true);
  }
  // a pattern said to acknowledge nothing shows no acknowledgement in its matrix stacks (the compliance matrix,
  // synthesized once per run: test/support/compliance-report.ts)
  const stacks = matrixStacks();
  for (const name of NOTHING_ACKNOWLEDGED) {
    const ours = VARIANTS.flatMap((v) => KINDS.map((k) => stacks.find((s) => s.stack === stackName(name, v, k))!));
    expect(ours.map((s) => s.stack).sort()).toHaveLength(VARIANTS.length * KINDS.length);
    expect(ours.flatMap((s) => s.acknowledgements.map((a) => `${a.id} @ ${a.path}`))).toEqual([]);
  }
  // a new pattern of the matrix adds its probe above, or names its file here
});
