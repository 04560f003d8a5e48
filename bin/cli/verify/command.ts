import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import {
  assertCredentials,
  AwsClients,
  AwsEnvironmentError,
  createAwsClients,
  CredentialsProvider,
  defaultCredentialsProvider,
  resolveRegion,
} from './aws';
import { verifyBatchJobs } from './checks/batch-jobs';
import { verifyBeanstalkApp } from './checks/beanstalk-app';
import { verifyContainerRegistry } from './checks/container-registry';
import { verifyEc2Service } from './checks/ec2-service';
import { verifyEksCluster } from './checks/eks-cluster';
import { verifyFargateService } from './checks/fargate-service';
import { verifyInventoryLoader } from './checks/inventory-loader';
import { verifyServerlessApi } from './checks/serverless-api';
import { verifyWebFleet } from './checks/web-fleet';
import type { VerifyContext, VerifySettings } from './context';
import { ExitCode } from './exit-codes';
import { HttpGet, httpGet } from './http';
import {
  isPatternName,
  OutputsError,
  PATTERNS,
  PatternName,
  readOutputsFile,
  SelectedStack,
  selectStacks,
  StackOutputs,
} from './outputs';
import { Clock, errorMessage, systemClock } from './poll';
import { Progress } from './progress';
import {
  buildReport,
  CheckResult,
  fail,
  formatCheckLine,
  formatSummary,
  StackReport,
  stackReport,
  VerifyReport,
} from './result';

export const VERIFY_USAGE = `Usage: cdk-compute-patterns verify [options]

Verify deployed cdk-compute-patterns stacks really work, from the outputs file written by
  cdk deploy <Stack> --outputs-file cdk-outputs.json
Each stack's pattern is recognised from its output keys (see docs/VERIFY.md):
  WebFleet         LoadBalancerUrl, AutoScalingGroupName
  FargateService   ServiceUrl, ClusterName, ServiceName
  EksCluster       ClusterName, UpdateKubeconfigCommand
  InventoryLoader  BucketName, UploadPrefix, ReportPrefix, TableName, FunctionName
  ServerlessApi    ApiUrl, CollectionName, KeyAttribute, TableName
  BatchJobs        JobQueueArn, JobDefinitionArn, JobLogGroupName
  BeanstalkApp     WebAppUrl, ApplicationName, WebEnvironmentName, WorkerEnvironmentName, WorkerQueueUrl
  Ec2Service       ServiceUrl, ClusterName, ServiceName, AutoScalingGroupName
  ContainerRegistry  RepositoryName, RepositoryUri

Options:
  -o, --outputs-file <path>         outputs file to read (default: cdk-outputs.json)
  -s, --stack <name>                verify only this stack (default: every recognised stack in the file)
  -p, --pattern <name>              force the pattern: ${PATTERNS.join(' | ')}
  -r, --region <region>             AWS region (default: AWS_REGION / AWS_DEFAULT_REGION / profile)
      --json                        print one JSON report on stdout instead of text lines
      --no-write                    skip checks that write (the InventoryLoader smoke import,
                                    the ServerlessApi round trip, the BatchJobs sample job)
      --requests <n>                requests sent to a load balancer to see distinct instances (default: 20)
      --expected-runtime <runtime>  accepted Lambda runtime, repeatable or comma-separated
                                    (default: nodejs22.x,nodejs24.x)
      --expected-architecture <a>   expected Lambda architecture (default: arm64)
      --timeout <seconds>           wait for instances / function / cluster to settle (default: 300)
      --url-timeout <seconds>       keep retrying a URL until it answers 2xx (default: 180)
      --import-timeout <seconds>    wait for the smoke import's report (default: 180)
  -h, --help                        show this help

Exit codes:
  0  every check passed        1  at least one check failed
  2  usage or outputs-file error  3  no AWS credentials

Examples:
  npx cdk deploy WebFleet --outputs-file cdk-outputs.json
  npx cdk-compute-patterns verify --stack WebFleet
  npx cdk-compute-patterns verify --outputs-file out.json --json --no-write > report.json
`;

/** Everything `verify` touches outside itself, injectable for tests. */
export interface VerifyDeps {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly progress: Progress;
  readonly clock: Clock;
  readonly httpGet: HttpGet;
  readonly credentials: CredentialsProvider;
  readonly resolveRegion: (explicit: string | undefined) => Promise<string>;
  readonly createClients: (region: string) => AwsClients;
  readonly runId: () => string;
}

export function defaultVerifyDeps(progress: Progress): VerifyDeps {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    progress,
    clock: systemClock,
    httpGet,
    credentials: defaultCredentialsProvider(),
    resolveRegion,
    createClients: (region) => createAwsClients(region),
    runId: () =>
      `${new Date()
        .toISOString()
        .replace(/[-:.TZ]/g, '')
        .slice(0, 14)}-${randomBytes(3).toString('hex')}`,
  };
}

/** Parsed `verify` options. */
export interface VerifyOptions {
  readonly help: boolean;
  readonly outputsFile: string;
  readonly stack?: string;
  readonly pattern?: PatternName;
  readonly region?: string;
  readonly json: boolean;
  readonly settings: Omit<VerifySettings, 'runId'>;
}

/** A command-line mistake (exit code 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

function positiveNumber(flag: string, value: string | undefined, fallback: number, integer = false): number {
  if (value === undefined) {
    return fallback;
  }
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${flag} must be a positive ${integer ? 'integer' : 'number'}; received '${value}'`);
  }
  return n;
}

export function parseVerifyArgs(argv: readonly string[]): VerifyOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: 'boolean', short: 'h' },
        'outputs-file': { type: 'string', short: 'o' },
        stack: { type: 'string', short: 's' },
        pattern: { type: 'string', short: 'p' },
        region: { type: 'string', short: 'r' },
        json: { type: 'boolean' },
        'no-write': { type: 'boolean' },
        requests: { type: 'string' },
        'expected-runtime': { type: 'string', multiple: true },
        'expected-architecture': { type: 'string' },
        timeout: { type: 'string' },
        'url-timeout': { type: 'string' },
        'import-timeout': { type: 'string' },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.pattern !== undefined && !isPatternName(values.pattern)) {
    throw new UsageError(`--pattern must be one of ${PATTERNS.join(', ')}; received '${values.pattern}'`);
  }
  const runtimes = (values['expected-runtime'] ?? ['nodejs22.x,nodejs24.x'])
    .flatMap((r) => r.split(','))
    .map((r) => r.trim())
    .filter(Boolean);
  const requests = positiveNumber('requests', values.requests, 20, true);
  if (requests < 2) {
    throw new UsageError(`--requests must be at least 2 to observe two distinct instances; received ${requests}`);
  }
  return {
    help: values.help === true,
    outputsFile: values['outputs-file'] ?? 'cdk-outputs.json',
    stack: values.stack,
    pattern: values.pattern as PatternName | undefined,
    region: values.region,
    json: values.json === true,
    settings: {
      write: values['no-write'] !== true,
      expectedRuntimes: runtimes,
      expectedArchitecture: values['expected-architecture'] ?? 'arm64',
      requests,
      httpTimeoutMs: 10_000,
      waitTimeoutMs: positiveNumber('timeout', values.timeout, 300) * 1000,
      urlTimeoutMs: positiveNumber('url-timeout', values['url-timeout'], 180) * 1000,
      importTimeoutMs: positiveNumber('import-timeout', values['import-timeout'], 180) * 1000,
    },
  };
}

type PatternVerifier = (ctx: VerifyContext, outputs: StackOutputs) => Promise<CheckResult[]>;

export const VERIFIERS: Readonly<Record<PatternName, PatternVerifier>> = {
  WebFleet: verifyWebFleet,
  FargateService: verifyFargateService,
  EksCluster: verifyEksCluster,
  InventoryLoader: verifyInventoryLoader,
  ServerlessApi: verifyServerlessApi,
  BatchJobs: verifyBatchJobs,
  BeanstalkApp: verifyBeanstalkApp,
  Ec2Service: verifyEc2Service,
  ContainerRegistry: verifyContainerRegistry,
};

/** Patterns whose checks call AWS APIs (FargateService only needs HTTP). */
const NEEDS_AWS: ReadonlySet<PatternName> = new Set<PatternName>([
  'WebFleet',
  'EksCluster',
  'InventoryLoader',
  'ServerlessApi',
  'BatchJobs',
  'BeanstalkApp',
  'Ec2Service',
  'ContainerRegistry',
]);

/**
 * `cdk-compute-patterns verify`. Returns the process exit code; never throws for expected problems (usage,
 * missing file, no credentials), which are printed as one line on stderr.
 */
export async function runVerify(argv: readonly string[], deps: VerifyDeps): Promise<number> {
  let opts: VerifyOptions;
  try {
    opts = parseVerifyArgs(argv);
  } catch (e) {
    deps.stderr(
      `cdk-compute-patterns verify: ${(e as Error).message}\nRun 'cdk-compute-patterns verify --help' for usage.\n`,
    );
    return ExitCode.Usage;
  }
  if (opts.help) {
    deps.stdout(VERIFY_USAGE);
    return ExitCode.Ok;
  }

  let selected: SelectedStack[];
  let skippedStacks: string[];
  let region = 'n/a';
  let clients: AwsClients;
  try {
    const file = await readOutputsFile(opts.outputsFile);
    ({ selected, skipped: skippedStacks } = selectStacks(file, {
      stack: opts.stack,
      pattern: opts.pattern,
      path: opts.outputsFile,
    }));
    if (selected.some((s) => NEEDS_AWS.has(s.pattern))) {
      await assertCredentials(deps.credentials);
      region = await deps.resolveRegion(opts.region);
    }
    clients = deps.createClients(region);
  } catch (e) {
    if (e instanceof OutputsError || e instanceof AwsEnvironmentError) {
      deps.stderr(`cdk-compute-patterns verify: ${e.message}\n`);
      return e instanceof AwsEnvironmentError ? e.exitCode : ExitCode.Usage;
    }
    throw e;
  }

  const ctx: VerifyContext = {
    clients,
    httpGet: deps.httpGet,
    clock: deps.clock,
    progress: deps.progress,
    settings: { ...opts.settings, runId: deps.runId() },
  };
  const reports: StackReport[] = [];
  if (!opts.json) {
    for (const stack of skippedStacks) {
      deps.stdout(`SKIP  ${stack}  (outputs match no known pattern)\n`);
    }
  }
  for (const { stack, pattern, outputs } of selected) {
    if (!opts.json) {
      deps.stdout(`${stack} (${pattern})\n`);
    }
    let checks: CheckResult[];
    try {
      checks = await VERIFIERS[pattern](ctx, outputs);
    } catch (e) {
      checks = [fail('unexpected-error', `verifying ${pattern}`, errorMessage(e))];
    } finally {
      deps.progress.done();
    }
    const report = stackReport(stack, pattern, checks);
    reports.push(report);
    if (!opts.json) {
      for (const check of checks) {
        deps.stdout(`${formatCheckLine(stack, check)}\n`);
      }
    }
  }
  const report: VerifyReport = buildReport(opts.outputsFile, region, reports, skippedStacks);
  deps.stdout(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatSummary(report)}\n`);
  return report.ok ? ExitCode.Ok : ExitCode.ChecksFailed;
}
