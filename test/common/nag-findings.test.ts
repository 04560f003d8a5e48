import { Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { NIST80053R5Checks } from 'cdk-nag';
import { AccessLogBucket, SecureVpc } from '../../lib';
import { acknowledge } from '../../lib/common/nag';
import { agnosticStack, specificStack, testApp } from '../support/cdk-context';
import { checkCompliance, NagFinding, runNag } from '../support/compliance';
import { checkNag } from '../support/nag-check';
import { probeScope, userWildcardStatement } from '../support/scope-probe';

const COMPLIANCE_PACKS = ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'];

function open(findings: NagFinding[]): string[] {
  return findings.filter((f) => !f.acknowledged).map((f) => `${f.id} ${f.path}`);
}

describe.each([
  ['environment-agnostic', agnosticStack],
  ['environment-specific', specificStack],
])('SecureVpc under the five packs (%s)', (_kind, makeStack) => {
  test('the flow log role has a customer managed policy, no inline one, and trusts only this account', () => {
    // GIVEN a SecureVpc
    const stack = makeStack();
    const vpc = new SecureVpc(stack, 'Vpc');
    // WHEN it is synthesized and checked
    const template = Template.fromStack(stack);
    const findings = runNag(stack);
    // THEN no inline policy at all, the managed policy writes to the flow log group only
    template.resourceCountIs('AWS::IAM::Policy', 0);
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: [
          {
            Action: ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'],
            Effect: 'Allow',
            Resource: stack.resolve(vpc.flowLogGroup.logGroupArn),
          },
        ],
      },
      Roles: [stack.resolve(vpc.flowLogRole.roleName)],
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'vpc-flow-logs.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': stack.resolve(stack.account) } },
          }),
        ],
      },
    });
    template.hasResourceProperties('AWS::EC2::FlowLog', {
      DeliverLogsPermissionArn: stack.resolve(vpc.flowLogRole.roleArn),
    });
    // AND the flow log waits for its permissions
    const flowLog = Object.values(template.findResources('AWS::EC2::FlowLog'))[0];
    expect(flowLog.DependsOn).toEqual(
      expect.arrayContaining([stack.getLogicalId(vpc.flowLogPolicy.node.defaultChild as never)]),
    );
    expect(open(findings).filter((f) => f.includes('IAMNoInlinePolicy'))).toEqual([]);
  });

  test('acknowledges the route to the internet gateway on each public route resource, and nothing else', () => {
    // GIVEN a SecureVpc with public subnets
    const stack = makeStack();
    const vpc = new SecureVpc(stack, 'Vpc');
    // WHEN the compliance packs run
    const findings = runNag(stack).filter((f) => f.id.endsWith('-VPCNoUnrestrictedRouteToIGW'));
    // THEN each pack's finding on each public default route is acknowledged there
    const routes = vpc.publicSubnets.map((s) => s.node.findChild('DefaultRoute').node.path);
    expect(findings.map((f) => `${f.pack} ${f.path}`).sort()).toEqual(
      COMPLIANCE_PACKS.flatMap((p) => routes.map((r) => `${p} ${r}`)).sort(),
    );
    for (const f of findings) expect(f.acknowledged?.path).toBe(f.path);
  });

  test("a user's own route to the internet gateway, next to the acknowledged one, is still reported", () => {
    // GIVEN a SecureVpc, whose public default routes are acknowledged
    const stack = makeStack();
    const vpc = new SecureVpc(stack, 'Vpc');
    const subnet = vpc.publicSubnets[0] as ec2.Subnet;
    // WHEN the user adds an IPv6 default route to the internet gateway in the same subnet, THEN it is reported
    const findings = probeScope({
      stack,
      add: () =>
        subnet.addRoute('UserIpv6Internet', {
          routerId: vpc.internetGatewayId!,
          routerType: ec2.RouterType.GATEWAY,
          destinationIpv6CidrBlock: '::/0',
        }),
      expect: 'NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW',
      on: subnet,
    });
    expect(open(findings)).toContain(`NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW ${subnet.node.path}/UserIpv6Internet`);
  });

  test("a user's wildcard statement on the flow log role is still reported", () => {
    const stack = makeStack();
    const vpc = new SecureVpc(stack, 'Vpc');
    probeScope({
      stack,
      add: () => userWildcardStatement(vpc.flowLogRole, 's3:GetObject'),
      expect: 'AwsSolutions-IAM5[Resource::*]',
      on: vpc.flowLogRole,
    });
  });
});

describe('probeScope', () => {
  test('fails when an acknowledgement hides the finding the user added', () => {
    // GIVEN an acknowledgement as wide as the whole VPC (what section 1 of issue 12 forbids)
    const stack = agnosticStack();
    const vpc = new SecureVpc(stack, 'Vpc');
    acknowledge(vpc, { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'a construct-wide acknowledgement (too wide)' });
    // WHEN the user adds a wildcard statement, THEN the probe names the acknowledgement that hides it
    expect(() =>
      probeScope({
        stack,
        add: () => userWildcardStatement(vpc.flowLogRole, 's3:GetObject'),
        expect: 'AwsSolutions-IAM5[Resource::*]',
        on: vpc.flowLogRole,
      }),
    ).toThrow(
      'probeScope: the user\'s AwsSolutions-IAM5[Resource::*] on Agnostic/Vpc/FlowLogRole/DefaultPolicy/Resource is hidden by the acknowledgement made on Agnostic/Vpc ("a construct-wide acknowledgement (too wide)"); acknowledge the pattern\'s own finding on its own resource only',
    );
  });

  test('fails when the user addition raises no such finding', () => {
    const stack = agnosticStack();
    const vpc = new SecureVpc(stack, 'Vpc');
    expect(() =>
      probeScope({ stack, add: () => undefined, expect: 'AwsSolutions-IAM5[Resource::*]', on: vpc.flowLogRole }),
    ).toThrow(
      'probeScope: the user addition raised no AwsSolutions-IAM5[Resource::*] on Agnostic/Vpc/FlowLogRole; the probe does not test what it claims',
    );
  });
});

describe('AccessLogBucket under the five packs', () => {
  test.each([
    ['environment-agnostic', agnosticStack],
    ['environment-specific', specificStack],
  ])('acknowledges only its inherent findings, on the bucket resource itself (%s)', (_kind, makeStack) => {
    // GIVEN the shared access-log bucket
    const stack: Stack = makeStack();
    const bucket = AccessLogBucket.of(stack);
    // WHEN the five packs run
    const findings = runNag(stack);
    // THEN logging and SSE-S3 findings are acknowledged on the CfnBucket, not on the L2 (its policy stays checked)
    const acked = findings.filter((f) => f.acknowledged).map((f) => `${f.id} @ ${f.acknowledged!.path}`);
    const at = (bucket.node.defaultChild as never as { node: { path: string } }).node.path;
    expect(acked.sort()).toEqual(
      [
        'AwsSolutions-S1',
        ...COMPLIANCE_PACKS.flatMap((p) => [
          `${p}-S3BucketLoggingEnabled`,
          `${p}-S3DefaultEncryptionKMS`,
          `${p}-S3BucketReplicationEnabled`,
        ]),
      ]
        .map((id) => `${id} @ ${at}`)
        .sort(),
    );
    const meta = bucket.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY);
    expect(meta).toEqual([]);
  });
});

describe('acknowledge', () => {
  test('takes the ids of the NIST, HIPAA and PCI packs', () => {
    const stack = agnosticStack();
    expect(() =>
      acknowledge(stack, { id: 'NIST.800.53.R5-S3BucketLoggingEnabled', reason: 'a reason long enough to be read' }),
    ).not.toThrow();
  });

  test('fails when the id is not a finding id', () => {
    expect(() =>
      acknowledge(agnosticStack(), { id: 'NIST 800-53', reason: 'a reason long enough to be read' }),
    ).toThrow(
      "acknowledge: 'NIST 800-53' is not a cdk-nag finding id; expected e.g. 'AwsSolutions-EC23', 'AwsSolutions-IAM5[Resource::*]', 'NIST.800.53.R5-S3BucketLoggingEnabled', 'CloudFormation-Validate::W9009' or 'cdk-validator-cfnguard::s3_bucket_logging_enabled_check'",
    );
  });
});

describe('checkNag', () => {
  test('reports the same open findings and acknowledgements as checkCompliance, per stack, without cfn-guard', () => {
    // GIVEN an app of two stacks under the NIST 800-53 pack: the SecureVpc's acknowledged public routes in both,
    // and in one the user's own route to the internet gateway, an open finding
    const build = (outdir: string) => {
      const app = testApp({ outdir });
      for (const name of ['Clean', 'Probe']) {
        const vpc = new SecureVpc(new Stack(app, name), 'Vpc');
        if (name === 'Probe') {
          (vpc.publicSubnets[0] as ec2.Subnet).addRoute('UserIpv6Internet', {
            routerId: vpc.internetGatewayId!,
            routerType: ec2.RouterType.GATEWAY,
            destinationIpv6CidrBlock: '::/0',
          });
        }
      }
      Validations.of(app).addPlugins(new NIST80053R5Checks(app));
      return app;
    };
    // WHEN both check it
    const full = checkCompliance(build, []);
    const nag = checkNag(build);
    // THEN they agree stack by stack, and the check is not vacuous: one open finding, acknowledgements in both
    expect(nag.stacks).toEqual(
      full.stacks.map((s) => ({ stack: s.stack, nagViolations: s.nagViolations, acknowledged: s.acknowledged })),
    );
    expect(nag.stacks.map((s) => [s.stack, s.nagViolations.length, s.acknowledged.length > 0])).toEqual([
      ['Clean', 0, true],
      ['Probe', 1, true],
    ]);
  });
});
