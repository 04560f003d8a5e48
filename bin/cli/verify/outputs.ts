import { readFile } from 'node:fs/promises';

/**
 * CloudFormation output keys the verifier reads, per pattern.
 *
 * This module is the single source of truth for the contract between the sample stacks (`examples/`) and
 * `cdk-compute-patterns verify`: the examples import these constants for their `CfnOutput` ids, and users' own
 * stacks built from the constructs can emit the same keys to be verified too.
 */
export const WEB_FLEET_OUTPUTS = {
  loadBalancerUrl: 'LoadBalancerUrl',
  autoScalingGroupName: 'AutoScalingGroupName',
} as const;

/** Output keys of a FargateService stack. */
export const FARGATE_SERVICE_OUTPUTS = {
  serviceUrl: 'ServiceUrl',
  clusterName: 'ClusterName',
  serviceName: 'ServiceName',
} as const;

/** Output keys of an EksCluster stack. */
export const EKS_CLUSTER_OUTPUTS = {
  clusterName: 'ClusterName',
  updateKubeconfigCommand: 'UpdateKubeconfigCommand',
} as const;

/** Output keys of an InventoryLoader stack. */
export const INVENTORY_LOADER_OUTPUTS = {
  bucketName: 'BucketName',
  uploadPrefix: 'UploadPrefix',
  reportPrefix: 'ReportPrefix',
  tableName: 'TableName',
  functionName: 'FunctionName',
} as const;

/** Output keys of a ServerlessApi stack. */
export const SERVERLESS_API_OUTPUTS = {
  apiUrl: 'ApiUrl',
  collectionName: 'CollectionName',
  keyAttribute: 'KeyAttribute',
  tableName: 'TableName',
} as const;

/** Output keys of a BatchJobs stack. */
export const BATCH_JOBS_OUTPUTS = {
  jobQueueArn: 'JobQueueArn',
  jobDefinitionArn: 'JobDefinitionArn',
  logGroupName: 'JobLogGroupName',
} as const;

/** Output keys of a BeanstalkApp stack. */
export const BEANSTALK_APP_OUTPUTS = {
  url: 'WebAppUrl',
  applicationName: 'ApplicationName',
  webEnvironmentName: 'WebEnvironmentName',
  workerEnvironmentName: 'WorkerEnvironmentName',
  workerQueueUrl: 'WorkerQueueUrl',
} as const;

/** Output keys of an Ec2Service stack (Ec2WebService): the FargateService keys plus the container instances' group. */
export const EC2_SERVICE_OUTPUTS = {
  ...FARGATE_SERVICE_OUTPUTS,
  autoScalingGroupName: 'AutoScalingGroupName',
} as const;

/** Output keys of a ContainerRegistry stack (SecureRepository). */
export const CONTAINER_REGISTRY_OUTPUTS = {
  repositoryName: 'RepositoryName',
  repositoryUri: 'RepositoryUri',
} as const;

/** The patterns `verify` knows how to check. */
export const PATTERNS = [
  'WebFleet',
  'FargateService',
  'EksCluster',
  'InventoryLoader',
  'ServerlessApi',
  'BatchJobs',
  'BeanstalkApp',
  'Ec2Service',
  'ContainerRegistry',
] as const;
export type PatternName = (typeof PATTERNS)[number];

/** Output keys required to recognise (and verify) each pattern. */
export const PATTERN_OUTPUT_KEYS: Readonly<Record<PatternName, readonly string[]>> = {
  WebFleet: Object.values(WEB_FLEET_OUTPUTS),
  FargateService: Object.values(FARGATE_SERVICE_OUTPUTS),
  EksCluster: Object.values(EKS_CLUSTER_OUTPUTS),
  InventoryLoader: Object.values(INVENTORY_LOADER_OUTPUTS),
  ServerlessApi: Object.values(SERVERLESS_API_OUTPUTS),
  BatchJobs: Object.values(BATCH_JOBS_OUTPUTS),
  BeanstalkApp: Object.values(BEANSTALK_APP_OUTPUTS),
  Ec2Service: Object.values(EC2_SERVICE_OUTPUTS),
  ContainerRegistry: Object.values(CONTAINER_REGISTRY_OUTPUTS),
};

/** Outputs of one stack, as written by `cdk deploy --outputs-file`. */
export type StackOutputs = Readonly<Record<string, string>>;

/** The whole outputs file: stack name → outputs. */
export type OutputsFile = Readonly<Record<string, StackOutputs>>;

/** A user-facing problem with the outputs file or the stack selection (exit code 2, no stack trace). */
export class OutputsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputsError';
  }
}

export function isPatternName(value: string): value is PatternName {
  return (PATTERNS as readonly string[]).includes(value);
}

/**
 * Recognise a pattern from the output keys a stack emits. More specific patterns win: an Ec2Service stack emits
 * every FargateService key plus `AutoScalingGroupName`, so it is an Ec2Service; a stack emitting every
 * FargateService key also emits `ClusterName`, which alone is not enough for EksCluster.
 *
 * @returns the pattern, or `undefined` when the keys match none of the patterns, or several of which none
 *   includes the keys of all the others
 */
export function detectPattern(outputs: StackOutputs): PatternName | undefined {
  const keys = new Set(Object.keys(outputs));
  const matches = PATTERNS.filter((p) => PATTERN_OUTPUT_KEYS[p].every((k) => keys.has(k)));
  if (matches.length <= 1) {
    return matches[0];
  }
  // The one match whose keys include every other match's keys is the most specific. FargateService (ClusterName +
  // ServiceName + ServiceUrl) and EksCluster (ClusterName + UpdateKubeconfigCommand) share ClusterName only: a
  // stack emitting both full sets is ambiguous and needs --pattern.
  const specific = matches.filter((p) =>
    matches.every((other) => PATTERN_OUTPUT_KEYS[other].every((k) => PATTERN_OUTPUT_KEYS[p].includes(k))),
  );
  return specific.length === 1 ? specific[0] : undefined;
}

/** Output keys a pattern needs that a stack does not emit. */
export function missingOutputKeys(pattern: PatternName, outputs: StackOutputs): string[] {
  return PATTERN_OUTPUT_KEYS[pattern].filter((k) => typeof outputs[k] !== 'string' || outputs[k] === '');
}

/** Parse the JSON text of an outputs file, validating its shape. */
export function parseOutputsFile(text: string, path: string): OutputsFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new OutputsError(
      `${path} is not valid JSON (${(e as Error).message}); expected the file written by 'cdk deploy --outputs-file ${path}'`,
    );
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new OutputsError(
      `${path} must contain a JSON object of stack name → outputs; received ${Array.isArray(data) ? 'an array' : typeof data}`,
    );
  }
  const result: Record<string, Record<string, string>> = {};
  for (const [stack, outputs] of Object.entries(data as Record<string, unknown>)) {
    if (typeof outputs !== 'object' || outputs === null || Array.isArray(outputs)) {
      throw new OutputsError(`${path}: outputs of stack '${stack}' must be an object of output key → value`);
    }
    result[stack] = {};
    for (const [key, value] of Object.entries(outputs as Record<string, unknown>)) {
      result[stack][key] = typeof value === 'string' ? value : JSON.stringify(value);
    }
  }
  return result;
}

/** Read and parse an outputs file. */
export async function readOutputsFile(path: string): Promise<OutputsFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new OutputsError(
        `outputs file ${path} not found; deploy with 'cdk deploy <Stack> --outputs-file ${path}' or pass --outputs-file`,
      );
    }
    throw new OutputsError(`cannot read outputs file ${path}: ${(e as Error).message}`);
  }
  return parseOutputsFile(text, path);
}

/** A stack selected for verification and the pattern it will be checked as. */
export interface SelectedStack {
  readonly stack: string;
  readonly pattern: PatternName;
  readonly outputs: StackOutputs;
}

/**
 * Choose the stacks to verify and the pattern for each.
 *
 * - `stack` given: only that stack (error if absent).
 * - `pattern` given: forced for the selected stacks; missing keys are an error.
 * - Otherwise every stack whose outputs match a pattern; stacks matching none are reported in `skipped`.
 */
export function selectStacks(
  file: OutputsFile,
  opts: { stack?: string; pattern?: PatternName; path: string },
): { selected: SelectedStack[]; skipped: string[] } {
  const names = opts.stack === undefined ? Object.keys(file) : [opts.stack];
  if (opts.stack !== undefined && !(opts.stack in file)) {
    const known = Object.keys(file);
    throw new OutputsError(
      `stack '${opts.stack}' not found in ${opts.path}; stacks in the file: ${known.length ? known.join(', ') : '(none)'}`,
    );
  }
  const selected: SelectedStack[] = [];
  const skipped: string[] = [];
  for (const stack of names) {
    const outputs = file[stack];
    const pattern = opts.pattern ?? detectPattern(outputs);
    if (pattern === undefined) {
      if (opts.stack !== undefined) {
        throw new OutputsError(
          `cannot tell which pattern stack '${stack}' is from its outputs (${Object.keys(outputs).join(', ') || 'none'}); ` +
            `emit the outputs listed in docs/VERIFY.md or pass --pattern ${PATTERNS.join('|')}`,
        );
      }
      skipped.push(stack);
      continue;
    }
    const missing = missingOutputKeys(pattern, outputs);
    if (missing.length > 0) {
      throw new OutputsError(
        `stack '${stack}' is missing output(s) ${missing.join(', ')} needed to verify a ${pattern}`,
      );
    }
    selected.push({ stack, pattern, outputs });
  }
  if (selected.length === 0) {
    throw new OutputsError(
      `no stack in ${opts.path} emits the outputs of a known pattern (${PATTERNS.join(', ')}); pass --stack and --pattern, or see docs/VERIFY.md`,
    );
  }
  return { selected, skipped };
}
