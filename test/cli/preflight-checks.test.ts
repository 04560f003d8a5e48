import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeAddressesCommand,
  DescribeAvailabilityZonesCommand,
  DescribeInternetGatewaysCommand,
  DescribeNatGatewaysCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
} from '@aws-sdk/client-ec2';
import { GetRoleCommand } from '@aws-sdk/client-iam';
import { GetAccountSettingsCommand } from '@aws-sdk/client-lambda';
import { GetAWSDefaultServiceQuotaCommand, GetServiceQuotaCommand } from '@aws-sdk/client-service-quotas';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { createPreflightClients } from '../../bin/cli/preflight/aws';
import { checkBootstrap } from '../../bin/cli/preflight/checks/bootstrap';
import { checkLambdaConcurrency } from '../../bin/cli/preflight/checks/lambda';
import {
  checkElasticIpQuota,
  checkInternetGatewayQuota,
  checkNatGatewayQuota,
  checkVpcQuota,
} from '../../bin/cli/preflight/checks/quotas';
import { checkServiceLinkedRole } from '../../bin/cli/preflight/checks/service-linked-roles';
import { SERVICE_LINKED_ROLES } from '../../bin/cli/preflight/plan';
import {
  accessDenied,
  ACCOUNT,
  awsError,
  mocks,
  noSuchEntity,
  noSuchQuota,
  parameterNotFound,
  preflightContext,
  resetMocks,
  throttled,
} from './support/preflight';

const { ssm, cloudformation, iam, serviceQuotas, ec2, lambda } = mocks;
const BOOTSTRAP = `npx cdk bootstrap aws://${ACCOUNT}/eu-west-1`;

beforeEach(resetMocks);

describe('cdk-bootstrap', () => {
  test('passes on the version the pinned CDK CLI installs, read from the SSM parameter cdk deploy reads', async () => {
    // GIVEN
    ssm.on(GetParameterCommand, { Name: '/cdk-bootstrap/hnb659fds/version' }).resolves({ Parameter: { Value: '33' } });
    // WHEN
    const result = await checkBootstrap(preflightContext());
    // THEN
    expect(result).toEqual({
      id: 'cdk-bootstrap',
      status: 'pass',
      title: 'CDK bootstrap (qualifier hnb659fds)',
      evidence: 'version 33 (SSM parameter /cdk-bootstrap/hnb659fds/version); needs 6+',
    });
    expect(cloudformation.calls()).toHaveLength(0);
  });

  test('warns on a version that deploys but is older than the CLI template', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: '21' } });
    const result = await checkBootstrap(preflightContext());
    expect(result).toMatchObject({ status: 'warn', fix: BOOTSTRAP });
    expect(result.evidence).toBe(
      'version 21 (SSM parameter /cdk-bootstrap/hnb659fds/version) deploys these stacks (they need 6+), but is older than version 33 that CDK CLI 2.1148 installs; re-bootstrapping brings its fixes',
    );
  });

  test('fails on a version below what aws-cdk-lib stacks require', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: '5' } });
    const result = await checkBootstrap(preflightContext());
    expect(result).toMatchObject({ status: 'fail', fix: BOOTSTRAP });
    expect(result.evidence).toMatch(/^version 5 .*need at least 6, so cdk deploy refuses them$/);
  });

  test('fails when the account was never bootstrapped (no parameter, no CDKToolkit stack)', async () => {
    // GIVEN
    ssm.on(GetParameterCommand).rejects(parameterNotFound());
    cloudformation
      .on(DescribeStacksCommand, { StackName: 'CDKToolkit' })
      .rejects(awsError('ValidationError', 'Stack with id CDKToolkit does not exist'));
    // WHEN
    const result = await checkBootstrap(preflightContext());
    // THEN
    expect(result).toEqual({
      id: 'cdk-bootstrap',
      status: 'fail',
      title: 'CDK bootstrap (qualifier hnb659fds)',
      evidence:
        'SSM parameter /cdk-bootstrap/hnb659fds/version not found; no CDKToolkit stack either: this account and region were never bootstrapped; cdk deploy needs it',
      fix: BOOTSTRAP,
    });
  });

  test('fails and names the cause when a CDKToolkit stack exists under another qualifier', async () => {
    ssm.on(GetParameterCommand).rejects(parameterNotFound());
    cloudformation.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: 'CDKToolkit', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date() }],
    });
    const result = await checkBootstrap(preflightContext(undefined, { qualifier: 'team1', profile: 'sandbox' }));
    expect(result.status).toBe('fail');
    expect(result.evidence).toContain(
      'a CDKToolkit stack exists (CREATE_COMPLETE), so it was bootstrapped with another qualifier or is broken',
    );
    expect(result.fix).toBe(`npx cdk bootstrap aws://${ACCOUNT}/eu-west-1 --qualifier team1 --profile sandbox`);
  });

  test('reads the CDKToolkit output when the SSM parameter is not readable (AccessDenied, not retried)', async () => {
    // GIVEN
    ssm.on(GetParameterCommand).rejects(accessDenied('ssm:GetParameter'));
    cloudformation.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'CDKToolkit',
          StackStatus: 'UPDATE_COMPLETE',
          CreationTime: new Date(),
          Outputs: [{ OutputKey: 'BootstrapVersion', OutputValue: '33' }],
        },
      ],
    });
    const ctx = preflightContext();
    // WHEN
    const result = await checkBootstrap(ctx);
    // THEN
    expect(result.status).toBe('pass');
    expect(result.evidence).toMatch(/^version 33 \(CDKToolkit output BootstrapVersion; .* unreadable: .*AccessDenied/);
    expect(ssm.calls()).toHaveLength(1);
    expect(ctx.clock.sleeps).toEqual([]);
  });

  test('fails on a CDKToolkit stack that rolled back', async () => {
    ssm.on(GetParameterCommand).rejects(accessDenied('ssm:GetParameter'));
    cloudformation
      .on(DescribeStacksCommand)
      .resolves({ Stacks: [{ StackName: 'CDKToolkit', StackStatus: 'ROLLBACK_COMPLETE', CreationTime: new Date() }] });
    await expect(checkBootstrap(preflightContext())).resolves.toMatchObject({
      status: 'fail',
      evidence: 'CDKToolkit stack is ROLLBACK_COMPLETE',
    });
  });

  test('warns, never guesses, when neither SSM nor CloudFormation can be read', async () => {
    ssm.on(GetParameterCommand).rejects(accessDenied('ssm:GetParameter'));
    cloudformation.on(DescribeStacksCommand).rejects(accessDenied('cloudformation:DescribeStacks'));
    const result = await checkBootstrap(preflightContext());
    expect(result.status).toBe('warn');
    expect(result.evidence).toMatch(/^could not check: ssm:GetParameter .*AccessDenied.*cloudformation:DescribeStacks/);
    expect(result.fix).toBe(
      'allow ssm:GetParameter on /cdk-bootstrap/hnb659fds/version (or cloudformation:DescribeStacks on CDKToolkit) and re-run',
    );
  });

  test('retries throttling with backoff, then uses the answer', async () => {
    // GIVEN SSM throttles twice
    ssm
      .on(GetParameterCommand)
      .rejectsOnce(throttled())
      .rejectsOnce(throttled())
      .resolves({ Parameter: { Value: '33' } });
    const ctx = preflightContext();
    // WHEN
    const result = await checkBootstrap(ctx);
    // THEN
    expect(result.status).toBe('pass');
    expect(ssm.calls()).toHaveLength(3);
    expect(ctx.clock.sleeps).toEqual([1000, 2000]);
  });
});

describe('service-linked roles', () => {
  const created = new Date('2024-05-01T10:00:00Z');

  test('passes when the role exists', async () => {
    iam.on(GetRoleCommand, { RoleName: 'AWSServiceRoleForECS' }).resolves({
      Role: {
        RoleName: 'AWSServiceRoleForECS',
        Path: '/aws-service-role/ecs.amazonaws.com/',
        RoleId: 'AROA',
        Arn: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS`,
        CreateDate: created,
      },
    });
    await expect(checkServiceLinkedRole(preflightContext(), SERVICE_LINKED_ROLES.ecs)).resolves.toEqual({
      id: 'slr-ecs',
      status: 'pass',
      title: 'service-linked role AWSServiceRoleForECS',
      evidence: 'exists since 2024-05-01; used by ECS clusters and services (FargateService, Ec2Service)',
    });
  });

  test('fails when the ECS role is missing: the first cluster races its creation', async () => {
    iam.on(GetRoleCommand).rejects(noSuchEntity('AWSServiceRoleForECS'));
    const result = await checkServiceLinkedRole(preflightContext(), SERVICE_LINKED_ROLES.ecs);
    expect(result).toMatchObject({
      status: 'fail',
      fix: 'aws iam create-service-linked-role --aws-service-name ecs.amazonaws.com',
    });
    expect(result.evidence).toMatch(/^missing; ECS creates it on the first CreateCluster, then assumes it before IAM/);
  });

  test.each([
    ['elasticloadbalancing', 'elasticloadbalancing.amazonaws.com'],
    ['autoscaling', 'autoscaling.amazonaws.com'],
    ['ecsApplicationAutoscaling', 'ecs.application-autoscaling.amazonaws.com'],
    ['eks', 'eks.amazonaws.com'],
    ['eksNodegroup', 'eks-nodegroup.amazonaws.com'],
    ['eksFargate', 'eks-fargate.amazonaws.com'],
  ] as const)('warns when %s is missing: the service creates it on first use', async (key, service) => {
    const role = SERVICE_LINKED_ROLES[key];
    iam.on(GetRoleCommand).rejects(noSuchEntity(role.roleName));
    const result = await checkServiceLinkedRole(preflightContext(undefined, { profile: 'dev' }), role);
    expect(result.status).toBe('warn');
    expect(result.evidence).toBe(
      `missing; ${role.note} on the first deploy, if the deploying role may call iam:CreateServiceLinkedRole (the default CDK bootstrap execution role may); create it now to rule that out`,
    );
    expect(result.fix).toBe(`aws iam create-service-linked-role --aws-service-name ${service} --profile dev`);
  });

  test('a missing EC2 Spot role is info without --spot, and fails with it', async () => {
    iam.on(GetRoleCommand).rejects(noSuchEntity('AWSServiceRoleForEC2Spot'));
    const role = SERVICE_LINKED_ROLES.ec2Spot;
    const without = await checkServiceLinkedRole(preflightContext(['WebFleet']), role);
    const withSpot = await checkServiceLinkedRole(preflightContext(['WebFleet'], { spot: true }), role);
    expect(without.status).toBe('info');
    expect(without.evidence).toMatch(/^missing; not needed unless you use Spot .* Pass --spot if you will$/);
    expect(withSpot).toMatchObject({
      status: 'fail',
      fix: 'aws iam create-service-linked-role --aws-service-name spot.amazonaws.com',
    });
    expect(withSpot.evidence).toMatch(/the EC2 documentation says it must exist first$/);
  });

  test('warns "could not check" on AccessDenied, without retrying', async () => {
    iam.on(GetRoleCommand).rejects(accessDenied('iam:GetRole'));
    const ctx = preflightContext();
    const result = await checkServiceLinkedRole(ctx, SERVICE_LINKED_ROLES.ecs);
    expect(result.status).toBe('warn');
    expect(result.evidence).toMatch(
      /^could not check: iam:GetRole AWSServiceRoleForECS: AccessDenied: .* \(not retried\)$/,
    );
    expect(result.fix).toBe(
      'allow iam:GetRole, or run: aws iam create-service-linked-role --aws-service-name ecs.amazonaws.com',
    );
    expect(iam.calls()).toHaveLength(1);
  });

  test('warns after persistent throttling, having retried 4 times', async () => {
    iam.on(GetRoleCommand).rejects(throttled());
    const ctx = preflightContext();
    const result = await checkServiceLinkedRole(ctx, SERVICE_LINKED_ROLES.eks);
    expect(result.status).toBe('warn');
    expect(result.evidence).toBe(
      'could not check: gave up after 4 attempt(s) waiting for iam:GetRole AWSServiceRoleForAmazonEKS: Throttling: Rate exceeded',
    );
    expect(iam.calls()).toHaveLength(4);
    expect(ctx.clock.sleeps).toEqual([1000, 2000, 4000]);
  });
});

describe('regional quotas', () => {
  const quota = (value: number) => ({ Quota: { Value: value } });

  test('VPCs: usage (all pages) + planned within the applied quota passes', async () => {
    // GIVEN 2 VPCs over two pages, an applied quota of 10
    ec2
      .on(DescribeVpcsCommand)
      .resolvesOnce({ Vpcs: [{ VpcId: 'vpc-1' }], NextToken: 't' })
      .resolves({ Vpcs: [{ VpcId: 'vpc-2' }] });
    serviceQuotas.on(GetServiceQuotaCommand, { ServiceCode: 'vpc', QuotaCode: 'L-F678F1CE' }).resolves(quota(10));
    // WHEN
    const result = await checkVpcQuota(preflightContext());
    // THEN 2 + 4 sample VPCs
    expect(result).toEqual({
      id: 'quota-vpcs',
      status: 'pass',
      title: 'VPCs per Region (vpc L-F678F1CE)',
      evidence: '2 in use + 4 planned = 6 of 10 (applied)',
    });
  });

  test('VPCs: the default VPC plus four samples exceed the default quota of 5', async () => {
    // GIVEN a new account: the default VPC, no applied quota value
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: 'vpc-default', IsDefault: true }, { VpcId: 'vpc-2' }] });
    serviceQuotas.on(GetServiceQuotaCommand).rejects(noSuchQuota());
    serviceQuotas
      .on(GetAWSDefaultServiceQuotaCommand, { ServiceCode: 'vpc', QuotaCode: 'L-F678F1CE' })
      .resolves(quota(5));
    // WHEN
    const result = await checkVpcQuota(preflightContext());
    // THEN
    expect(result).toEqual({
      id: 'quota-vpcs',
      status: 'fail',
      title: 'VPCs per Region (vpc L-F678F1CE)',
      evidence:
        '2 in use + 4 planned = 6 of 5 (default); the deploy would fail creating VPCs. Delete unused ones, or raise the quota',
      fix: 'aws service-quotas request-service-quota-increase --service-code vpc --quota-code L-F678F1CE --desired-value 6 --region eu-west-1',
    });
  });

  test('internet gateways: counts only what the planned patterns add', async () => {
    ec2.on(DescribeInternetGatewaysCommand).resolves({ InternetGateways: [{}, {}, {}, {}] });
    serviceQuotas.on(GetServiceQuotaCommand).resolves(quota(5));
    // InventoryLoader adds none, so WebFleet alone fits: 4 + 1 = 5
    await expect(checkInternetGatewayQuota(preflightContext(['WebFleet', 'InventoryLoader']))).resolves.toMatchObject({
      status: 'pass',
      evidence: '4 in use + 1 planned = 5 of 5 (applied)',
    });
    await expect(checkInternetGatewayQuota(preflightContext(['WebFleet', 'EksCluster']))).resolves.toMatchObject({
      status: 'fail',
    });
  });

  test('Elastic IPs: one per NAT gateway', async () => {
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [{}, {}, {}] });
    serviceQuotas.on(GetServiceQuotaCommand, { ServiceCode: 'ec2', QuotaCode: 'L-0263D0A3' }).resolves(quota(5));
    const result = await checkElasticIpQuota(preflightContext(['WebFleet', 'FargateService', 'EksCluster']));
    expect(result).toMatchObject({
      status: 'fail',
      evidence: expect.stringMatching(/^3 in use \+ 3 planned = 6 of 5 \(applied\)/),
      fix: 'aws service-quotas request-service-quota-increase --service-code ec2 --quota-code L-0263D0A3 --desired-value 6 --region eu-west-1',
    });
  });

  test('warns with what it knows when the quota cannot be read', async () => {
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{}] });
    serviceQuotas.on(GetServiceQuotaCommand).rejects(awsError('AccessDeniedException', 'not authorized'));
    const result = await checkVpcQuota(preflightContext(['WebFleet'], { profile: 'p' }));
    expect(result).toEqual({
      id: 'quota-vpcs',
      status: 'warn',
      title: 'VPCs per Region (vpc L-F678F1CE)',
      evidence:
        '1 VPCs in use; could not check: servicequotas:GetServiceQuota L-F678F1CE: AccessDeniedException: not authorized (not retried); the samples add 1',
      fix: 'allow ec2:Describe* and servicequotas:GetServiceQuota, or compare by hand: aws service-quotas get-service-quota --service-code vpc --quota-code L-F678F1CE --region eu-west-1 --profile p',
    });
  });

  test('warns when EC2 denies the usage call (UnauthorizedOperation is not retried)', async () => {
    ec2.on(DescribeVpcsCommand).rejects(awsError('UnauthorizedOperation', 'You are not authorized'));
    serviceQuotas.on(GetServiceQuotaCommand).resolves(quota(5));
    const ctx = preflightContext(['WebFleet']);
    const result = await checkVpcQuota(ctx);
    expect(result.status).toBe('warn');
    expect(result.evidence).toBe(
      'quota 5; could not check: ec2:DescribeVpcs: UnauthorizedOperation: You are not authorized (not retried); the samples add 1',
    );
    expect(ec2.calls()).toHaveLength(1);
  });
});

describe('NAT gateways per Availability Zone', () => {
  function zones(perZone: Record<string, number>): void {
    ec2.on(DescribeAvailabilityZonesCommand).resolves({
      AvailabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'].map((ZoneName) => ({ ZoneName })),
    });
    const nats = Object.entries(perZone).flatMap(([zone, n]) =>
      Array.from({ length: n }, (_, i) => ({ NatGatewayId: `nat-${zone}-${i}`, SubnetId: `subnet-${zone}` })),
    );
    // Two pages, to prove pagination is followed.
    const half = Math.ceil(nats.length / 2);
    ec2
      .on(DescribeNatGatewaysCommand)
      .resolvesOnce({ NatGateways: nats.slice(0, half), NextToken: nats.length > half ? 'next' : undefined })
      .resolves({ NatGateways: nats.slice(half) });
    ec2.on(DescribeSubnetsCommand).resolves({
      Subnets: Object.keys(perZone).map((zone) => ({ SubnetId: `subnet-${zone}`, AvailabilityZone: zone })),
    });
    serviceQuotas
      .on(GetServiceQuotaCommand, { ServiceCode: 'vpc', QuotaCode: 'L-FE5A380F' })
      .resolves({ Quota: { Value: 5 } });
  }

  test('passes when every zone has room for all planned NAT gateways', async () => {
    zones({ 'eu-west-1a': 2 });
    const result = await checkNatGatewayQuota(preflightContext());
    expect(result).toEqual({
      id: 'quota-nat-gateways',
      status: 'pass',
      title: 'NAT gateways per Availability Zone (vpc L-FE5A380F)',
      evidence: 'in use per zone: eu-west-1a 2, eu-west-1b 0, eu-west-1c 0; 3 planned; quota 5 per zone (applied)',
    });
    expect(ec2.commandCalls(DescribeNatGatewaysCommand)[0].args[0].input).toEqual({
      Filter: [{ Name: 'state', Values: ['pending', 'available'] }],
      NextToken: undefined,
    });
  });

  test('warns naming the zones that are full when only some zones have room', async () => {
    zones({ 'eu-west-1a': 3, 'eu-west-1b': 1 });
    const result = await checkNatGatewayQuota(preflightContext());
    expect(result.status).toBe('warn');
    expect(result.evidence).toBe(
      'in use per zone: eu-west-1a 3, eu-west-1b 1, eu-west-1c 0; 3 planned; quota 5 per zone (applied); eu-west-1a cannot take 3 more, and a sample VPC may put its NAT gateway there',
    );
    expect(result.fix).toBe(
      'aws service-quotas request-service-quota-increase --service-code vpc --quota-code L-FE5A380F --desired-value 6 --region eu-west-1',
    );
  });

  test('fails when no zone has room', async () => {
    zones({ 'eu-west-1a': 5, 'eu-west-1b': 4, 'eu-west-1c': 4 });
    const result = await checkNatGatewayQuota(preflightContext(['WebFleet', 'FargateService']));
    expect(result.status).toBe('fail');
    expect(result.evidence).toMatch(/; no zone has room for 2 more$/);
  });
});

describe('lambda-concurrency', () => {
  const settings = (limit: number, unreserved: number) => ({
    AccountLimit: { ConcurrentExecutions: limit, UnreservedConcurrentExecutions: unreserved },
  });

  test('passes with room for the reservation above the unreserved minimum of 100', async () => {
    lambda.on(GetAccountSettingsCommand).resolves(settings(1000, 1000));
    await expect(checkLambdaConcurrency(preflightContext(['InventoryLoader']))).resolves.toEqual({
      id: 'lambda-concurrency',
      status: 'pass',
      title: 'Lambda concurrent executions (lambda L-B99A9384)',
      evidence: `limit 1000, unreserved 1000, planned reservation ${preflightContext(['InventoryLoader']).needs.reservedConcurrency}`,
    });
  });

  test('fails on a new account (limit 10) when the function reserves concurrency', async () => {
    // GIVEN a new account's limit of 10: Lambda keeps all 10 unreserved
    lambda.on(GetAccountSettingsCommand).resolves(settings(10, 10));
    // WHEN
    const result = await checkLambdaConcurrency(preflightContext(['InventoryLoader'], { reservedConcurrency: 5 }));
    // THEN
    expect(result).toEqual({
      id: 'lambda-concurrency',
      status: 'fail',
      title: 'Lambda concurrent executions (lambda L-B99A9384)',
      evidence:
        "limit 10, unreserved 10, planned reservation 5: reserving 5 would leave 5 unreserved, below Lambda's minimum of 10, so the function cannot be created. Leave reservedConcurrency unset, or raise the limit",
      fix: 'aws service-quotas request-service-quota-increase --service-code lambda --quota-code L-B99A9384 --desired-value 1000 --region eu-west-1',
    });
  });

  test('fails when other reservations leave too little room', async () => {
    lambda.on(GetAccountSettingsCommand).resolves(settings(1000, 102));
    const result = await checkLambdaConcurrency(preflightContext(['InventoryLoader'], { reservedConcurrency: 5 }));
    expect(result.status).toBe('fail');
    expect(result.evidence).toMatch(/reserving 5 would leave 97 unreserved, below Lambda's minimum of 100/);
  });

  test('warns on a low limit even without a reservation', async () => {
    lambda.on(GetAccountSettingsCommand).resolves(settings(10, 10));
    const result = await checkLambdaConcurrency(preflightContext(['InventoryLoader'], { reservedConcurrency: 0 }));
    expect(result.status).toBe('warn');
    expect(result.evidence).toBe(
      'limit 10, unreserved 10, planned reservation 0: the limit is far below the 1000 default (new accounts start low), so imports share 10 executions with every function in the Region and throttle under load',
    );
  });

  test('warns on TooManyRequests after retrying', async () => {
    lambda.on(GetAccountSettingsCommand).rejects(awsError('TooManyRequestsException', 'Rate exceeded'));
    const ctx = preflightContext(['InventoryLoader']);
    const result = await checkLambdaConcurrency(ctx);
    expect(result.status).toBe('warn');
    expect(result.fix).toBe(
      'allow lambda:GetAccountSettings, or check by hand: aws lambda get-account-settings --region eu-west-1',
    );
    expect(lambda.calls()).toHaveLength(4);
  });
});

describe('createPreflightClients', () => {
  test('every client targets the Region and makes one attempt per send (retries are the shared, tested loop)', async () => {
    const clients = createPreflightClients('eu-north-1');
    for (const make of Object.values(clients)) {
      const client = make();
      await expect(client.config.region()).resolves.toBe('eu-north-1');
      await expect(client.config.maxAttempts()).resolves.toBe(1);
      expect(make()).toBe(client);
    }
  });
});
