import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeResourcePoliciesCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeAddressesCommand,
  DescribeAvailabilityZonesCommand,
  DescribeInternetGatewaysCommand,
  DescribeNatGatewaysCommand,
  DescribeVpcsCommand,
} from '@aws-sdk/client-ec2';
import { GetRoleCommand } from '@aws-sdk/client-iam';
import { GetAccountSettingsCommand } from '@aws-sdk/client-lambda';
import { GetAWSDefaultServiceQuotaCommand, GetServiceQuotaCommand } from '@aws-sdk/client-service-quotas';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { CLI_USAGE, runCli } from '../../bin/cli/main';
import { createPreflightClients } from '../../bin/cli/preflight/aws';
import { parsePreflightArgs, PREFLIGHT_USAGE, PreflightDeps, runPreflight } from '../../bin/cli/preflight/command';
import { PATTERN_NEEDS } from '../../bin/cli/preflight/plan';
import type { PreflightReport } from '../../bin/cli/preflight/result';
import { AwsEnvironmentError } from '../../bin/cli/verify/aws';
import { PATTERNS } from '../../bin/cli/verify/outputs';
import { fakeClock, recordingProgress } from './support/helpers';
import {
  ACCOUNT,
  awsError,
  mocks,
  noSuchEntity,
  noSuchQuota,
  parameterNotFound,
  resetMocks,
} from './support/preflight';

const { sts, ssm, cloudformation, iam, serviceQuotas, ec2, lambda, logs } = mocks;

interface Harness {
  deps: PreflightDeps;
  out: () => string;
  err: () => string;
  profiles: Array<string | undefined>;
}

function harness(overrides: Partial<PreflightDeps> = {}): Harness {
  let out = '';
  let err = '';
  const profiles: Array<string | undefined> = [];
  return {
    out: () => out,
    err: () => err,
    profiles,
    deps: {
      stdout: (text) => {
        out += text;
      },
      stderr: (text) => {
        err += text;
      },
      progress: recordingProgress(),
      clock: fakeClock(),
      credentials: (profile) => {
        profiles.push(profile);
        return async () => ({ accessKeyId: 'AKIA', secretAccessKey: 'secret' });
      },
      resolveRegion: async (explicit) => explicit ?? 'eu-west-1',
      createClients: (region, profile) => createPreflightClients(region, profile),
      ...overrides,
    },
  };
}

const noCredentials = () => () =>
  Promise.reject(
    Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
  );

/** An established account: bootstrapped, every role present, room in every quota. */
function readyAccount(): void {
  sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:user/dev` });
  ssm.on(GetParameterCommand).resolves({ Parameter: { Value: '33' } });
  iam.on(GetRoleCommand).callsFake((input: { RoleName: string }) => ({
    Role: { RoleName: input.RoleName, CreateDate: new Date('2024-01-02T00:00:00Z') },
  }));
  ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
  ec2.on(DescribeInternetGatewaysCommand).resolves({ InternetGateways: [] });
  ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] });
  ec2.on(DescribeAvailabilityZonesCommand).resolves({
    AvailabilityZones: [{ ZoneName: 'eu-west-1a' }, { ZoneName: 'eu-west-1b' }],
  });
  ec2.on(DescribeNatGatewaysCommand).resolves({ NatGateways: [] });
  serviceQuotas.on(GetServiceQuotaCommand).rejects(noSuchQuota());
  // Eight sample VPCs, six with an internet gateway and a NAT gateway (and its Elastic IP): more than the
  // default quotas of 5, so a ready account has raised all four.
  for (const code of ['L-F678F1CE', 'L-A4707A72', 'L-FE5A380F', 'L-0263D0A3']) {
    serviceQuotas.on(GetServiceQuotaCommand, { QuotaCode: code }).resolves({ Quota: { Value: 10 } });
  }
  serviceQuotas.on(GetAWSDefaultServiceQuotaCommand).resolves({ Quota: { Value: 5 } });
  lambda
    .on(GetAccountSettingsCommand)
    .resolves({ AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 1000 } });
  // Two account-level CloudWatch Logs resource policies, neither for WAF: room for WAF to create its own.
  logs.on(DescribeResourcePoliciesCommand).resolves({
    resourcePolicies: [
      { policyName: 'route53-query-logging', policyDocument: '{"Statement":[]}' },
      { policyName: 'es-slow-logs', policyDocument: '{"Statement":[]}' },
    ],
  });
}

beforeEach(resetMocks);

describe('parsePreflightArgs', () => {
  test('defaults: every pattern, the default qualifier, no Spot, the samples’ reservation', () => {
    expect(parsePreflightArgs([])).toEqual({
      help: false,
      patterns: [...PATTERNS],
      region: undefined,
      profile: undefined,
      qualifier: 'hnb659fds',
      spot: false,
      reservedConcurrency: undefined,
      json: false,
    });
  });

  test('every option; patterns by name or short alias, comma-separated or repeated, in documented order', () => {
    expect(
      parsePreflightArgs([
        '--pattern',
        'inventory,fleet',
        '-p',
        'EksCluster',
        '--region',
        'eu-north-1',
        '--profile',
        'sandbox',
        '--qualifier',
        'team1',
        '--spot',
        '--reserved-concurrency',
        '0',
        '--json',
      ]),
    ).toEqual({
      help: false,
      patterns: ['WebFleet', 'EksCluster', 'InventoryLoader'],
      region: 'eu-north-1',
      profile: 'sandbox',
      qualifier: 'team1',
      spot: true,
      reservedConcurrency: 0,
      json: true,
    });
  });

  test.each([
    [
      ['--pattern', 'lambda'],
      "--pattern must be one of WebFleet (fleet), FargateService (fargate), EksCluster (eks), InventoryLoader (inventory), ServerlessApi (api), BatchJobs (batch), BeanstalkApp (beanstalk), Ec2Service (ec2), ContainerRegistry (ecr); received 'lambda'",
    ],
    [
      ['--qualifier', 'has-dash'],
      "--qualifier must be 1 to 10 letters or digits, as cdk bootstrap requires; received 'has-dash'",
    ],
    [
      ['--reserved-concurrency=-1'],
      "--reserved-concurrency must be a whole number of executions, 0 for none; received '-1'",
    ],
    [
      ['--reserved-concurrency', '2.5'],
      "--reserved-concurrency must be a whole number of executions, 0 for none; received '2.5'",
    ],
  ])('fails on %j', (args, message) => {
    expect(() => parsePreflightArgs(args)).toThrow(message);
  });

  test('fails on unknown options and positionals', () => {
    expect(() => parsePreflightArgs(['--patterns', 'fleet'])).toThrow(/Unknown option '--patterns'/);
    expect(() => parsePreflightArgs(['WebFleet'])).toThrow(/Unexpected argument 'WebFleet'/);
  });
});

describe('runPreflight', () => {
  test('--help documents options and exit codes, and calls nothing', async () => {
    const h = harness();
    await expect(runPreflight(['--help'], h.deps)).resolves.toBe(0);
    expect(h.out()).toBe(PREFLIGHT_USAGE);
    for (const flag of [
      '--pattern',
      '--region',
      '--profile',
      '--qualifier',
      '--spot',
      '--reserved-concurrency',
      '--json',
    ]) {
      expect(PREFLIGHT_USAGE).toContain(flag);
    }
    expect(PREFLIGHT_USAGE).toContain('3  no usable AWS credentials');
    expect(h.profiles).toEqual([]);
  });

  test('exits 2 with a usage hint on a bad option', async () => {
    const h = harness();
    await expect(runPreflight(['--pattern', 'nope'], h.deps)).resolves.toBe(2);
    expect(h.err()).toBe(
      "cdk-compute-patterns preflight: --pattern must be one of WebFleet (fleet), FargateService (fargate), EksCluster (eks), InventoryLoader (inventory), ServerlessApi (api), BatchJobs (batch), BeanstalkApp (beanstalk), Ec2Service (ec2), ContainerRegistry (ecr); received 'nope'\n" +
        "Run 'cdk-compute-patterns preflight --help' for usage.\n",
    );
  });

  test('refuses with exit 3 and one line when no AWS credentials resolve, before any AWS call', async () => {
    // GIVEN
    const h = harness({ credentials: noCredentials });
    // WHEN
    const code = await runPreflight([], h.deps);
    // THEN
    expect(code).toBe(3);
    expect(h.err()).toBe(
      'cdk-compute-patterns preflight: no AWS credentials found (Could not load credentials from any providers); configure credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, aws sso login, or an instance/task role) and retry\n',
    );
    expect(h.out()).toBe('');
    for (const m of Object.values(mocks)) {
      expect(m.calls()).toHaveLength(0);
    }
  });

  test('refuses with exit 3 when STS rejects the credentials (expired token), without running checks', async () => {
    sts
      .on(GetCallerIdentityCommand)
      .rejects(awsError('ExpiredToken', 'The security token included in the request is expired'));
    const h = harness();
    await expect(runPreflight([], h.deps)).resolves.toBe(3);
    expect(h.err()).toBe(
      'cdk-compute-patterns preflight: cannot identify the account, so the credentials are not usable (sts:GetCallerIdentity: ExpiredToken: The security token included in the request is expired (not retried)); refresh them (aws sso login, new keys), check that STS is reachable, and retry\n',
    );
    expect(ssm.calls()).toHaveLength(0);
    expect(iam.calls()).toHaveLength(0);
  });

  test('exits 2 when no region is configured', async () => {
    const h = harness({
      resolveRegion: () =>
        Promise.reject(new AwsEnvironmentError('no AWS region configured; pass --region or set AWS_REGION', 2)),
    });
    await expect(runPreflight([], h.deps)).resolves.toBe(2);
    expect(h.err()).toBe('cdk-compute-patterns preflight: no AWS region configured; pass --region or set AWS_REGION\n');
  });

  test('a ready account: one PASS line per check, READY, exit 0', async () => {
    // GIVEN
    readyAccount();
    const h = harness();
    // WHEN
    const code = await runPreflight(['--region', 'eu-west-1', '--reserved-concurrency', '0'], h.deps);
    // THEN
    expect(code).toBe(0);
    expect(h.out().split('\n')).toEqual([
      `Preflight of account ${ACCOUNT} in eu-west-1 for ${PATTERNS.join(', ')} (bootstrap qualifier hnb659fds)`,
      'PASS  cdk-bootstrap  CDK bootstrap (qualifier hnb659fds): version 33 (SSM parameter /cdk-bootstrap/hnb659fds/version); needs 6+',
      'PASS  slr-elasticloadbalancing  service-linked role AWSServiceRoleForElasticLoadBalancing: exists since 2024-01-02; used by Application Load Balancers (WebFleet, FargateService, Ec2Service)',
      'PASS  slr-autoscaling  service-linked role AWSServiceRoleForAutoScaling: exists since 2024-01-02; used by EC2 Auto Scaling groups (WebFleet, Ec2Service container instances, EKS managed node groups)',
      'PASS  slr-ecs  service-linked role AWSServiceRoleForECS: exists since 2024-01-02; used by ECS clusters and services (FargateService, Ec2Service)',
      'PASS  slr-ecs-application-autoscaling  service-linked role AWSServiceRoleForApplicationAutoScaling_ECSService: exists since 2024-01-02; used by ECS service task-count scaling (FargateService, Ec2Service)',
      'PASS  slr-eks  service-linked role AWSServiceRoleForAmazonEKS: exists since 2024-01-02; used by EKS clusters (EksCluster)',
      'PASS  slr-eks-nodegroup  service-linked role AWSServiceRoleForAmazonEKSNodegroup: exists since 2024-01-02; used by EKS managed node groups (EksCluster)',
      'PASS  slr-eks-fargate  service-linked role AWSServiceRoleForAmazonEKSForFargate: exists since 2024-01-02; used by EKS Fargate profiles (EksCluster)',
      'PASS  slr-batch  service-linked role AWSServiceRoleForBatch: exists since 2024-01-02; used by AWS Batch compute environments (BatchJobs)',
      'PASS  slr-elasticbeanstalk-managed-updates  service-linked role AWSServiceRoleForElasticBeanstalkManagedUpdates: exists since 2024-01-02; used by Elastic Beanstalk managed platform updates (BeanstalkApp)',
      'PASS  slr-ec2-spot  service-linked role AWSServiceRoleForEC2Spot: exists since 2024-01-02; used by Spot Instances (WebFleet and Ec2Service with onDemandPercentageAboveBaseCapacity < 100, EksCluster with spotInstances)',
      'PASS  quota-vpcs  VPCs per Region (vpc L-F678F1CE): 0 in use + 8 planned = 8 of 10 (applied)',
      'PASS  quota-internet-gateways  Internet gateways per Region (vpc L-A4707A72): 0 in use + 6 planned = 6 of 10 (applied)',
      'PASS  quota-nat-gateways  NAT gateways per Availability Zone (vpc L-FE5A380F): in use per zone: eu-west-1a 0, eu-west-1b 0; 6 planned; quota 10 per zone (applied)',
      'PASS  quota-elastic-ips  EC2-VPC Elastic IPs (ec2 L-0263D0A3): 0 in use + 6 planned = 6 of 10 (applied)',
      'PASS  lambda-concurrency  Lambda concurrent executions (lambda L-B99A9384): limit 1000, unreserved 1000, planned reservation 0',
      'PASS  logs-resource-policies  CloudWatch Logs account resource policies (WAF log delivery, Batch events): 2 of 10 account-level resource policies in eu-west-1; the planned stacks create 2 (BatchJobs-events-to-logs, AWSWAF-LOGS); WAF creates AWSWAF-LOGS at deploy for the 4 planned web ACL log group(s) (the deploying role needs logs:PutResourcePolicy and logs:DescribeResourcePolicies, which the CDK bootstrap execution role has)',
      `READY: 17 passed, 0 warning(s), 0 failed, 0 info for account ${ACCOUNT} in eu-west-1`,
      '',
    ]);
    expect(h.err()).toBe('');
  });

  test('a fresh account: FAIL lines with the exact fix, NOT READY, exit 1', async () => {
    // GIVEN never bootstrapped, no service-linked roles, a new account's Lambda limit
    readyAccount();
    ssm.on(GetParameterCommand).rejects(parameterNotFound());
    cloudformation
      .on(DescribeStacksCommand)
      .rejects(awsError('ValidationError', 'Stack with id CDKToolkit does not exist'));
    iam.on(GetRoleCommand).callsFake((input: { RoleName: string }) => {
      throw noSuchEntity(input.RoleName);
    });
    lambda
      .on(GetAccountSettingsCommand)
      .resolves({ AccountLimit: { ConcurrentExecutions: 10, UnreservedConcurrentExecutions: 10 } });
    const h = harness();
    // WHEN
    const code = await runPreflight(
      ['--pattern', 'fargate,inventory', '--profile', 'new', '--reserved-concurrency', '5'],
      h.deps,
    );
    // THEN
    expect(code).toBe(1);
    expect(h.profiles).toEqual(['new']);
    const lines = h.out().trimEnd().split('\n');
    expect(lines.map((l) => l.split('  ').slice(0, 2).join(' '))).toEqual([
      `Preflight of account ${ACCOUNT} in eu-west-1 for FargateService, InventoryLoader (bootstrap qualifier hnb659fds)`,
      'FAIL cdk-bootstrap',
      'FAIL slr-ecs',
      'WARN slr-elasticloadbalancing',
      'WARN slr-ecs-application-autoscaling',
      'PASS quota-vpcs',
      'PASS quota-internet-gateways',
      'PASS quota-nat-gateways',
      'PASS quota-elastic-ips',
      'FAIL lambda-concurrency',
      'PASS logs-resource-policies',
      `NOT READY: 5 passed, 2 warning(s), 3 failed, 0 info for account ${ACCOUNT} in eu-west-1`,
    ]);
    expect(lines[1]).toMatch(/ Fix: npx cdk bootstrap aws:\/\/111122223333\/eu-west-1 --profile new$/);
    expect(lines[2]).toMatch(
      / Fix: aws iam create-service-linked-role --aws-service-name ecs.amazonaws.com --profile new$/,
    );
    // No EKS or fleet roles were asked about: only the planned patterns' checks run.
    expect(iam.commandCalls(GetRoleCommand).map((c) => c.args[0].input.RoleName)).toEqual([
      'AWSServiceRoleForECS',
      'AWSServiceRoleForElasticLoadBalancing',
      'AWSServiceRoleForApplicationAutoScaling_ECSService',
    ]);
  });

  test('--pattern inventory runs only bootstrap, the VPC quota and Lambda concurrency', async () => {
    readyAccount();
    const h = harness();
    await expect(runPreflight(['-p', 'InventoryLoader', '--json'], h.deps)).resolves.toBe(0);
    const report = JSON.parse(h.out()) as PreflightReport;
    expect(report.checks.map((c) => c.id)).toEqual(['cdk-bootstrap', 'quota-vpcs', 'lambda-concurrency']);
    expect(iam.calls()).toHaveLength(0);
    expect(ec2.commandCalls(DescribeNatGatewaysCommand)).toHaveLength(0);
  });

  test('--json prints one report with the documented shape; a fix only where a check did not pass', async () => {
    // GIVEN an account with every role but the EC2 Spot one, and --spot
    readyAccount();
    iam.on(GetRoleCommand, { RoleName: 'AWSServiceRoleForEC2Spot' }).rejects(noSuchEntity('AWSServiceRoleForEC2Spot'));
    const h = harness();
    // WHEN
    const code = await runPreflight(['--pattern', 'fleet', '--spot', '--json', '--region', 'ap-south-1'], h.deps);
    // THEN
    expect(code).toBe(1);
    const report = JSON.parse(h.out()) as PreflightReport;
    expect(report).toEqual({
      ok: false,
      account: ACCOUNT,
      region: 'ap-south-1',
      patterns: ['WebFleet'],
      checks: [
        expect.objectContaining({ id: 'cdk-bootstrap', status: 'pass' }),
        expect.objectContaining({ id: 'slr-elasticloadbalancing', status: 'pass' }),
        expect.objectContaining({ id: 'slr-autoscaling', status: 'pass' }),
        expect.objectContaining({
          id: 'slr-ec2-spot',
          status: 'fail',
          fix: 'aws iam create-service-linked-role --aws-service-name spot.amazonaws.com',
        }),
        expect.objectContaining({ id: 'quota-vpcs', status: 'pass' }),
        expect.objectContaining({ id: 'quota-internet-gateways', status: 'pass' }),
        expect.objectContaining({ id: 'quota-nat-gateways', status: 'pass' }),
        expect.objectContaining({ id: 'quota-elastic-ips', status: 'pass' }),
        expect.objectContaining({ id: 'logs-resource-policies', status: 'pass' }),
      ],
      summary: { passed: 8, warnings: 0, failed: 1, info: 0 },
    });
    for (const c of report.checks) {
      expect(Object.keys(c).sort()).toEqual(
        c.status === 'pass' ? ['evidence', 'id', 'status', 'title'] : ['evidence', 'fix', 'id', 'status', 'title'],
      );
    }
  });

  test('a check that cannot reach its service warns and the run goes on', async () => {
    // GIVEN a Lambda client that cannot even be created
    readyAccount();
    const h = harness({
      createClients: (region) => ({
        ...createPreflightClients(region),
        lambda: () => {
          throw new Error('Lambda client construction failed');
        },
      }),
    });
    // WHEN
    const code = await runPreflight(['-p', 'inventory'], h.deps);
    // THEN
    expect(code).toBe(0);
    expect(h.out()).toContain(
      `WARN  lambda-concurrency  Lambda concurrent executions (lambda L-B99A9384): could not check: gave up after 4 attempt(s) waiting for lambda:GetAccountSettings: Lambda client construction failed; the samples reserve ${PATTERN_NEEDS.InventoryLoader.reservedConcurrency}`,
    );
  });
});

describe('runCli', () => {
  test('lists preflight and dispatches it', async () => {
    let out = '';
    const stdout = (t: string) => {
      out += t;
    };
    expect(CLI_USAGE).toContain(
      "preflight  check an account and Region before the first deploy (run 'preflight --help')",
    );
    await expect(runCli(['preflight', '--help'], { stdout, stderr: () => undefined })).resolves.toBe(0);
    expect(out).toBe(PREFLIGHT_USAGE);
  });
});
