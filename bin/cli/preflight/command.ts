import { parseArgs } from 'node:util';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import {
  assertCredentials,
  AwsEnvironmentError,
  CredentialsProvider,
  defaultCredentialsProvider,
  resolveRegion,
} from '../verify/aws';
import { ExitCode } from '../verify/exit-codes';
import { PATTERNS, PatternName } from '../verify/outputs';
import { Clock, errorMessage, systemClock } from '../verify/poll';
import { Progress } from '../verify/progress';
import { createPreflightClients, PreflightClients } from './aws';
import { call } from './call';
import { checkBootstrap, DEFAULT_QUALIFIER } from './checks/bootstrap';
import { checkLambdaConcurrency } from './checks/lambda';
import { checkLogsResourcePolicies } from './checks/logs-resource-policies';
import { checkElasticIpQuota, checkInternetGatewayQuota, checkNatGatewayQuota, checkVpcQuota } from './checks/quotas';
import { checkServiceLinkedRole } from './checks/service-linked-roles';
import type { PreflightContext } from './context';
import { PATTERN_NEEDS, planNeeds } from './plan';
import { buildPreflightReport, check, formatPreflightLine, formatPreflightSummary, PreflightCheck } from './result';

/** Short names accepted by `--pattern`, next to the pattern (= sample stack) names `verify` uses. */
export const PATTERN_ALIASES: Readonly<Record<string, PatternName>> = {
  fleet: 'WebFleet',
  fargate: 'FargateService',
  eks: 'EksCluster',
  inventory: 'InventoryLoader',
  api: 'ServerlessApi',
  batch: 'BatchJobs',
  beanstalk: 'BeanstalkApp',
  ec2: 'Ec2Service',
  ecr: 'ContainerRegistry',
};

const PATTERN_CHOICES = PATTERNS.map(
  (p) => `${p} (${Object.keys(PATTERN_ALIASES).find((alias) => PATTERN_ALIASES[alias] === p)})`,
).join(', ');

export const PREFLIGHT_USAGE = `Usage: cdk-compute-patterns preflight [options]

Check an AWS account and Region before the first deploy of cdk-compute-patterns stacks: CDK bootstrap, the
service-linked roles the patterns need, and the quotas the sample stacks use. One line per check, with the
command that fixes it (see docs/PREFLIGHT.md). Read-only: it creates and changes nothing.

Options:
  -p, --pattern <name>            what you will deploy, repeatable or comma-separated (default: all):
                                  ${PATTERN_CHOICES}
  -r, --region <region>           AWS region (default: AWS_REGION / AWS_DEFAULT_REGION / profile)
      --profile <name>            named profile of the shared AWS config (default: AWS_PROFILE, else default)
  -q, --qualifier <qualifier>     CDK bootstrap qualifier (default: ${DEFAULT_QUALIFIER})
      --spot                      you will use EC2 Spot (HighlyAvailableFleet onDemandPercentageAboveBaseCapacity
                                  below 100, EksCluster spotInstances): a missing EC2 Spot role then fails
      --reserved-concurrency <n>  reserved concurrency of your InventoryLoader function
                                  (default: the sample's, ${PATTERN_NEEDS.InventoryLoader.reservedConcurrency})
      --json                      print one JSON report on stdout instead of text lines
  -h, --help                      show this help

Exit codes:
  0  nothing blocks the deploy (warnings allowed)   1  at least one check failed
  2  usage error, or no AWS region                  3  no usable AWS credentials

Examples:
  npx cdk-compute-patterns preflight --pattern fargate --region eu-west-1
  npx cdk-compute-patterns preflight --profile sandbox --json > preflight.json
`;

/** Everything `preflight` touches outside itself, injectable for tests. */
export interface PreflightDeps {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly progress: Progress;
  readonly clock: Clock;
  readonly credentials: (profile: string | undefined) => CredentialsProvider;
  readonly resolveRegion: (explicit: string | undefined, profile: string | undefined) => Promise<string>;
  readonly createClients: (region: string, profile: string | undefined) => PreflightClients;
}

export function defaultPreflightDeps(progress: Progress): PreflightDeps {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    progress,
    clock: systemClock,
    credentials: (profile) => defaultCredentialsProvider(profile),
    resolveRegion,
    createClients: (region, profile) => createPreflightClients(region, profile),
  };
}

/** Parsed `preflight` options. */
export interface PreflightOptions {
  readonly help: boolean;
  readonly patterns: readonly PatternName[];
  readonly region?: string;
  readonly profile?: string;
  readonly qualifier: string;
  readonly spot: boolean;
  readonly reservedConcurrency?: number;
  readonly json: boolean;
}

/** A command-line mistake (exit code 2). */
export class PreflightUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PreflightUsageError';
  }
}

function parsePattern(value: string): PatternName {
  const found = PATTERNS.find((p) => p.toLowerCase() === value.toLowerCase()) ?? PATTERN_ALIASES[value.toLowerCase()];
  if (!found) {
    throw new PreflightUsageError(`--pattern must be one of ${PATTERN_CHOICES}; received '${value}'`);
  }
  return found;
}

export function parsePreflightArgs(argv: readonly string[]): PreflightOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: 'boolean', short: 'h' },
        pattern: { type: 'string', short: 'p', multiple: true },
        region: { type: 'string', short: 'r' },
        profile: { type: 'string' },
        qualifier: { type: 'string', short: 'q' },
        spot: { type: 'boolean' },
        'reserved-concurrency': { type: 'string' },
        json: { type: 'boolean' },
      },
    }));
  } catch (e) {
    throw new PreflightUsageError((e as Error).message);
  }
  const named = (values.pattern ?? [])
    .flatMap((p) => p.split(','))
    .map((p) => p.trim())
    .filter(Boolean)
    .map(parsePattern);
  // Keep the documented order, whatever order they were given in.
  const patterns = named.length ? PATTERNS.filter((p) => named.includes(p)) : [...PATTERNS];
  const qualifier = values.qualifier ?? DEFAULT_QUALIFIER;
  if (!/^[A-Za-z0-9]{1,10}$/.test(qualifier)) {
    throw new PreflightUsageError(
      `--qualifier must be 1 to 10 letters or digits, as cdk bootstrap requires; received '${qualifier}'`,
    );
  }
  let reservedConcurrency: number | undefined;
  const reserved = values['reserved-concurrency'];
  if (reserved !== undefined) {
    reservedConcurrency = Number(reserved);
    if (!/^\d+$/.test(reserved) || !Number.isSafeInteger(reservedConcurrency)) {
      throw new PreflightUsageError(
        `--reserved-concurrency must be a whole number of executions, 0 for none; received '${reserved}'`,
      );
    }
  }
  return {
    help: values.help === true,
    patterns,
    region: values.region,
    profile: values.profile,
    qualifier,
    spot: values.spot === true,
    reservedConcurrency,
    json: values.json === true,
  };
}

/** The checks for the planned patterns, in output order; quota checks only where the patterns add something. */
export function plannedChecks(ctx: PreflightContext): Array<{ id: string; run: () => Promise<PreflightCheck> }> {
  const { needs } = ctx;
  return [
    { id: 'cdk-bootstrap', run: () => checkBootstrap(ctx) },
    ...needs.serviceLinkedRoles.map((role) => ({
      id: `slr-${role.key}`,
      run: () => checkServiceLinkedRole(ctx, role),
    })),
    ...(needs.vpcs > 0 ? [{ id: 'quota-vpcs', run: () => checkVpcQuota(ctx) }] : []),
    ...(needs.internetGateways > 0
      ? [{ id: 'quota-internet-gateways', run: () => checkInternetGatewayQuota(ctx) }]
      : []),
    ...(needs.natGateways > 0 ? [{ id: 'quota-nat-gateways', run: () => checkNatGatewayQuota(ctx) }] : []),
    ...(needs.elasticIps > 0 ? [{ id: 'quota-elastic-ips', run: () => checkElasticIpQuota(ctx) }] : []),
    ...(needs.lambda ? [{ id: 'lambda-concurrency', run: () => checkLambdaConcurrency(ctx) }] : []),
    ...(needs.wafLogGroups > 0 || needs.logResourcePolicies.length > 0
      ? [{ id: 'logs-resource-policies', run: () => checkLogsResourcePolicies(ctx) }]
      : []),
  ];
}

/**
 * `cdk-compute-patterns preflight`. Returns the process exit code; never throws for expected problems (usage,
 * no credentials, no region), which are printed as one line on stderr.
 */
export async function runPreflight(argv: readonly string[], deps: PreflightDeps): Promise<number> {
  let opts: PreflightOptions;
  try {
    opts = parsePreflightArgs(argv);
  } catch (e) {
    deps.stderr(
      `cdk-compute-patterns preflight: ${(e as Error).message}\nRun 'cdk-compute-patterns preflight --help' for usage.\n`,
    );
    return ExitCode.Usage;
  }
  if (opts.help) {
    deps.stdout(PREFLIGHT_USAGE);
    return ExitCode.Ok;
  }

  let region: string;
  let clients: PreflightClients;
  try {
    await assertCredentials(deps.credentials(opts.profile));
    region = await deps.resolveRegion(opts.region, opts.profile);
    clients = deps.createClients(region, opts.profile);
  } catch (e) {
    if (e instanceof AwsEnvironmentError) {
      deps.stderr(`cdk-compute-patterns preflight: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }

  // GetCallerIdentity needs no permission: when it fails, the credentials themselves are unusable.
  const identity = await call(deps, 'sts:GetCallerIdentity', async () => {
    const out = await clients.sts().send(new GetCallerIdentityCommand({}));
    return out.Account;
  });
  if (!identity.ok || !identity.value) {
    deps.stderr(
      `cdk-compute-patterns preflight: cannot identify the account, so the credentials are not usable (${identity.ok ? 'no account in the answer' : identity.reason}); refresh them (aws sso login, new keys), check that STS is reachable, and retry\n`,
    );
    return ExitCode.NoCredentials;
  }

  const ctx: PreflightContext = {
    clients,
    clock: deps.clock,
    progress: deps.progress,
    account: identity.value,
    region,
    profile: opts.profile,
    qualifier: opts.qualifier,
    needs: planNeeds(opts.patterns, { spot: opts.spot, reservedConcurrency: opts.reservedConcurrency }),
  };
  if (!opts.json) {
    deps.stdout(
      `Preflight of account ${ctx.account} in ${region} for ${opts.patterns.join(', ')} (bootstrap qualifier ${opts.qualifier})\n`,
    );
  }
  const checks: PreflightCheck[] = [];
  for (const planned of plannedChecks(ctx)) {
    deps.progress.update(`checking ${planned.id}`);
    let result: PreflightCheck;
    try {
      result = await planned.run();
    } catch (e) {
      result = check('fail', planned.id, 'unexpected error', errorMessage(e));
    } finally {
      deps.progress.done();
    }
    checks.push(result);
    if (!opts.json) {
      deps.stdout(`${formatPreflightLine(result)}\n`);
    }
  }
  const report = buildPreflightReport(ctx.account, region, opts.patterns, checks);
  deps.stdout(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatPreflightSummary(report)}\n`);
  return report.ok ? ExitCode.Ok : ExitCode.ChecksFailed;
}
