import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { CLI_USAGE, runCli } from '../../bin/cli/main';
import { AwsEnvironmentError, createAwsClients } from '../../bin/cli/verify/aws';
import { parseVerifyArgs, runVerify, VERIFY_USAGE, VerifyDeps } from '../../bin/cli/verify/command';
import { httpGet } from '../../bin/cli/verify/http';
import { PATTERNS } from '../../bin/cli/verify/outputs';
import type { VerifyReport } from '../../bin/cli/verify/result';
import { CONTAINER_REGISTRY, EC2_SERVICE, EKS, FARGATE, INVENTORY } from './support/fixtures';
import { fakeClock, LocalServer, recordingProgress, startServer } from './support/helpers';

const eks = mockClient(EKSClient);
const lambda = mockClient(LambdaClient);

interface Harness {
  deps: VerifyDeps;
  out: () => string;
  err: () => string;
  credentials: jest.Mock;
}

function harness(overrides: Partial<VerifyDeps> = {}): Harness {
  let out = '';
  let err = '';
  const credentials = jest.fn(async () => ({ accessKeyId: 'AKIA', secretAccessKey: 'secret' }));
  return {
    out: () => out,
    err: () => err,
    credentials,
    deps: {
      stdout: (text) => {
        out += text;
      },
      stderr: (text) => {
        err += text;
      },
      progress: recordingProgress(),
      clock: fakeClock(),
      httpGet,
      credentials,
      resolveRegion: async (explicit) => explicit ?? 'eu-west-1',
      createClients: (region) => createAwsClients(region),
      runId: () => 'run-1',
      ...overrides,
    },
  };
}

const noCredentials = () =>
  Promise.reject(
    Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
  );

let dir: string;
let server: LocalServer | undefined;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'verify-command-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  eks.reset();
  lambda.reset();
});
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function outputsFile(content: object, name = 'cdk-outputs.json'): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(content));
  return path;
}

function healthyEks(): void {
  eks.on(DescribeClusterCommand).resolves({
    cluster: {
      status: 'ACTIVE',
      version: '1.34',
      platformVersion: 'eks.5',
      logging: {
        clusterLogging: [{ enabled: true, types: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'] }],
      },
      resourcesVpcConfig: { endpointPublicAccess: false, endpointPrivateAccess: true },
    },
  });
}

describe('parseVerifyArgs', () => {
  test('defaults', () => {
    expect(parseVerifyArgs([])).toEqual({
      help: false,
      outputsFile: 'cdk-outputs.json',
      stack: undefined,
      pattern: undefined,
      region: undefined,
      json: false,
      settings: {
        write: true,
        expectedRuntimes: ['nodejs22.x', 'nodejs24.x'],
        expectedArchitecture: 'arm64',
        requests: 20,
        httpTimeoutMs: 10_000,
        waitTimeoutMs: 300_000,
        urlTimeoutMs: 180_000,
        importTimeoutMs: 180_000,
      },
    });
  });

  test('every option', () => {
    const opts = parseVerifyArgs([
      '-o',
      'out.json',
      '--stack',
      'Inv',
      '--pattern',
      'InventoryLoader',
      '--region',
      'eu-central-1',
      '--json',
      '--no-write',
      '--requests',
      '8',
      '--expected-runtime',
      'nodejs24.x',
      '--expected-runtime',
      'nodejs22.x,nodejs20.x',
      '--expected-architecture',
      'x86_64',
      '--timeout',
      '60',
      '--url-timeout',
      '30',
      '--import-timeout',
      '90',
    ]);
    expect(opts).toMatchObject({
      outputsFile: 'out.json',
      stack: 'Inv',
      pattern: 'InventoryLoader',
      region: 'eu-central-1',
      json: true,
      settings: {
        write: false,
        requests: 8,
        expectedRuntimes: ['nodejs24.x', 'nodejs22.x', 'nodejs20.x'],
        expectedArchitecture: 'x86_64',
        waitTimeoutMs: 60_000,
        urlTimeoutMs: 30_000,
        importTimeoutMs: 90_000,
      },
    });
  });

  test.each([
    [['--pattern', 'Nope'], `--pattern must be one of ${PATTERNS.join(', ')}; received 'Nope'`],
    [['--requests', '1'], '--requests must be at least 2 to observe two distinct instances; received 1'],
    [['--requests', '2.5'], "--requests must be a positive integer; received '2.5'"],
    [['--timeout', 'soon'], "--timeout must be a positive number; received 'soon'"],
    [['--url-timeout=-1'], "--url-timeout must be a positive number; received '-1'"],
    [['--import-timeout', '0'], "--import-timeout must be a positive number; received '0'"],
  ])('fails on %j', (args, message) => {
    expect(() => parseVerifyArgs(args)).toThrow(message);
  });

  test('fails on unknown options and positionals', () => {
    expect(() => parseVerifyArgs(['--bogus'])).toThrow(/Unknown option '--bogus'/);
    expect(() => parseVerifyArgs(['WebFleet'])).toThrow(/Unexpected argument 'WebFleet'/);
  });
});

describe('runVerify', () => {
  test('--help documents usage, options and exit codes', async () => {
    const h = harness();
    await expect(runVerify(['--help'], h.deps)).resolves.toBe(0);
    expect(h.out()).toBe(VERIFY_USAGE);
    for (const flag of ['--outputs-file', '--stack', '--pattern', '--region', '--json', '--no-write', '--requests']) {
      expect(VERIFY_USAGE).toContain(flag);
    }
    expect(VERIFY_USAGE).toContain('3  no AWS credentials');
    expect(h.credentials).not.toHaveBeenCalled();
  });

  test('exits 2 with a usage hint on a bad option', async () => {
    const h = harness();
    await expect(runVerify(['--pattern', 'Nope'], h.deps)).resolves.toBe(2);
    expect(h.err()).toBe(
      `cdk-compute-patterns verify: --pattern must be one of ${PATTERNS.join(', ')}; received 'Nope'\n` +
        "Run 'cdk-compute-patterns verify --help' for usage.\n",
    );
  });

  test('exits 2 with one line when the outputs file is missing', async () => {
    const h = harness();
    const missing = join(dir, 'missing.json');
    await expect(runVerify(['--outputs-file', missing], h.deps)).resolves.toBe(2);
    expect(h.err()).toBe(
      `cdk-compute-patterns verify: outputs file ${missing} not found; deploy with 'cdk deploy <Stack> --outputs-file ${missing}' or pass --outputs-file\n`,
    );
    expect(h.out()).toBe('');
  });

  test('refuses with exit 3 and one line when no AWS credentials resolve, before any AWS call', async () => {
    // GIVEN
    const file = await outputsFile({ Eks: EKS });
    const h = harness({ credentials: noCredentials });
    // WHEN
    const code = await runVerify(['--outputs-file', file], h.deps);
    // THEN
    expect(code).toBe(3);
    expect(h.err()).toBe(
      'cdk-compute-patterns verify: no AWS credentials found (Could not load credentials from any providers); configure credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, aws sso login, or an instance/task role) and retry\n',
    );
    expect(eks.calls()).toHaveLength(0);
    expect(h.out()).toBe('');
  });

  test.each([
    ['Ec2Service', EC2_SERVICE],
    ['ContainerRegistry', CONTAINER_REGISTRY],
  ])('refuses a %s stack with exit 3 when no AWS credentials resolve, before creating a client', async (_, outputs) => {
    // GIVEN a stack whose checks call ECS or ECR, and no credentials
    const file = await outputsFile({ Stack: outputs });
    const createClients = jest.fn((region: string) => createAwsClients(region));
    const h = harness({ credentials: noCredentials, createClients });
    // WHEN
    const code = await runVerify(['--outputs-file', file], h.deps);
    // THEN
    expect(code).toBe(3);
    expect(h.err()).toMatch(/^cdk-compute-patterns verify: no AWS credentials found \(/);
    expect(createClients).not.toHaveBeenCalled();
    expect(h.out()).toBe('');
  });

  test('exits 2 when no region is configured', async () => {
    const file = await outputsFile({ Eks: EKS });
    const h = harness({
      resolveRegion: () =>
        Promise.reject(new AwsEnvironmentError('no AWS region configured; pass --region or set AWS_REGION', 2)),
    });
    await expect(runVerify(['--outputs-file', file], h.deps)).resolves.toBe(2);
    expect(h.err()).toBe('cdk-compute-patterns verify: no AWS region configured; pass --region or set AWS_REGION\n');
  });

  test('verifies a FargateService without AWS credentials (HTTP only)', async () => {
    // GIVEN
    server = await startServer(() => ({ status: 200, body: 'ok' }));
    const file = await outputsFile({ Web: { ...FARGATE, ServiceUrl: server.url } });
    const h = harness({ credentials: noCredentials });
    // WHEN
    const code = await runVerify(['--outputs-file', file], h.deps);
    // THEN
    expect(code).toBe(0);
    expect(h.out().split('\n')).toEqual([
      'Web (FargateService)',
      'INFO  Web  service  ECS service under test: s in cluster c',
      `PASS  Web  service-url-2xx  GET ${server.url} answers 2xx: HTTP 200 after 1 attempt(s) in 0ms`,
      'VERIFIED: 1 passed, 0 failed, 0 skipped, 1 info across 1 stack(s)',
      '',
    ]);
  });

  test('prints pass/fail lines, skips unrecognised stacks and exits 1 when a check fails', async () => {
    // GIVEN a healthy EKS cluster and a Fargate service answering 503
    server = await startServer(() => ({ status: 503, body: 'no' }));
    healthyEks();
    const file = await outputsFile({ Eks: EKS, Web: { ...FARGATE, ServiceUrl: server.url }, Other: { X: 'y' } });
    const h = harness();
    // WHEN
    const code = await runVerify(['--outputs-file', file, '--url-timeout', '3'], h.deps);
    // THEN
    expect(code).toBe(1);
    const lines = h.out().trimEnd().split('\n');
    expect(lines[0]).toBe('SKIP  Other  (outputs match no known pattern)');
    expect(lines).toContain(
      'PASS  Eks  cluster-active  EKS cluster eks is ACTIVE: status ACTIVE, Kubernetes 1.34, platform eks.5 (after 0ms)',
    );
    expect(lines).toContain(
      `FAIL  Web  service-url-2xx  GET ${server.url} answers 2xx: timed out after 2.0s (2 attempt(s)) waiting for GET ${server.url}: HTTP 503`,
    );
    expect(lines.at(-1)).toBe('FAILED: 2 passed, 1 failed, 0 skipped, 3 info across 2 stack(s)');
    expect(h.credentials).toHaveBeenCalledTimes(1);
  });

  test('--json prints one JSON report with the documented shape', async () => {
    // GIVEN
    healthyEks();
    const file = await outputsFile({ Eks: EKS, Other: { X: 'y' } });
    const h = harness();
    // WHEN
    const code = await runVerify(['--outputs-file', file, '--json', '--region', 'ap-south-1'], h.deps);
    // THEN
    expect(code).toBe(0);
    const report = JSON.parse(h.out()) as VerifyReport;
    expect(report).toEqual({
      ok: true,
      outputsFile: file,
      region: 'ap-south-1',
      stacks: [
        {
          stack: 'Eks',
          pattern: 'EksCluster',
          ok: true,
          checks: [
            expect.objectContaining({ id: 'cluster-active', status: 'pass' }),
            expect.objectContaining({ id: 'control-plane-logging', status: 'pass' }),
            expect.objectContaining({ id: 'endpoint-access', status: 'info' }),
            expect.objectContaining({ id: 'kubeconfig', status: 'info' }),
          ],
        },
      ],
      skippedStacks: ['Other'],
      summary: { passed: 2, failed: 0, skipped: 0, info: 2 },
    });
    for (const check of report.stacks[0].checks) {
      expect(Object.keys(check).sort()).toEqual(['evidence', 'id', 'status', 'title']);
    }
  });

  test('--json reports failures with ok false and exit 1', async () => {
    eks.on(DescribeClusterCommand).resolves({ cluster: { status: 'FAILED' } });
    const file = await outputsFile({ Eks: EKS });
    const h = harness();
    await expect(runVerify(['--outputs-file', file, '--json'], h.deps)).resolves.toBe(1);
    const report = JSON.parse(h.out()) as VerifyReport;
    expect(report.ok).toBe(false);
    expect(report.stacks[0]).toMatchObject({
      ok: false,
      checks: [
        { id: 'cluster-active', status: 'fail' },
        { id: 'control-plane-logging', status: 'fail' },
        { id: 'endpoint-access', status: 'info' },
        { id: 'kubeconfig', status: 'info' },
      ],
    });
    expect(report.summary.failed).toBe(2);
  });

  test('--stack and --pattern select and force the pattern', async () => {
    server = await startServer(() => ({ status: 204, body: '' }));
    // A stack emitting FargateService and EksCluster keys is ambiguous until --pattern says which it is.
    const file = await outputsFile({ Both: { ...EKS, ...FARGATE, ServiceUrl: server.url }, Eks: EKS });
    const h = harness();
    const code = await runVerify(['--outputs-file', file, '--stack', 'Both', '--pattern', 'FargateService'], h.deps);
    expect(code).toBe(0);
    expect(h.out()).toContain('Both (FargateService)');
    expect(h.out()).not.toContain('Eks (');
    expect(eks.calls()).toHaveLength(0);
  });

  test('an unexpected error in a pattern becomes a failed check, not a crash', async () => {
    // GIVEN a healthy function but an S3 client that cannot even be created
    lambda.on(GetFunctionConfigurationCommand).resolves({
      State: 'Active',
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      DeadLetterConfig: { TargetArn: 'arn:aws:sqs:us-east-1:111111111111:dlq' },
    });
    const file = await outputsFile({ Inv: INVENTORY });
    const h = harness({
      createClients: (region) => ({
        ...createAwsClients(region),
        s3: () => {
          throw new Error('S3 client construction failed');
        },
      }),
    });
    // WHEN
    const code = await runVerify(['--outputs-file', file], h.deps);
    // THEN
    expect(code).toBe(1);
    expect(h.out()).toContain(
      'FAIL  Inv  unexpected-error  verifying InventoryLoader: S3 client construction failed\n',
    );
  });
});

describe('runCli', () => {
  function capture() {
    let out = '';
    let err = '';
    return {
      deps: {
        stdout: (t: string) => {
          out += t;
        },
        stderr: (t: string) => {
          err += t;
        },
      },
      out: () => out,
      err: () => err,
    };
  }

  test('--help prints the command list', async () => {
    const c = capture();
    await expect(runCli(['--help'], c.deps)).resolves.toBe(0);
    expect(c.out()).toBe(CLI_USAGE);
  });

  test('no command prints usage and exits 2', async () => {
    const c = capture();
    await expect(runCli([], c.deps)).resolves.toBe(2);
    expect(c.out()).toBe(CLI_USAGE);
  });

  test('an unknown command exits 2', async () => {
    const c = capture();
    await expect(runCli(['deploy'], c.deps)).resolves.toBe(2);
    expect(c.err()).toBe(`cdk-compute-patterns: unknown command 'deploy'\n${CLI_USAGE}`);
  });

  test('dispatches verify', async () => {
    const c = capture();
    await expect(runCli(['verify', '--help'], c.deps)).resolves.toBe(0);
    expect(c.out()).toBe(VERIFY_USAGE);
  });
});
