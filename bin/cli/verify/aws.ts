import { BatchClient } from '@aws-sdk/client-batch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { EKSClient } from '@aws-sdk/client-eks';
import { ElasticBeanstalkClient } from '@aws-sdk/client-elastic-beanstalk';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { ExitCode } from './exit-codes';
import { createSignedFetch, SignedFetch, SigningCredentials } from './signed-http';

/** AWS access is not usable (no credentials, or no region). Printed as one line, never with a stack trace. */
export class AwsEnvironmentError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'AwsEnvironmentError';
  }
}

/** Something that resolves AWS credentials: the SDK's default provider chain, or a stub in tests. */
export type CredentialsProvider = () => Promise<unknown>;

/**
 * The SDK's default credential chain (env, SSO, shared config/credentials, process, web identity, ECS, IMDS), for
 * the named profile when one is given (`--profile`), else for AWS_PROFILE or the default profile.
 */
export function defaultCredentialsProvider(profile?: string): CredentialsProvider {
  // Any client exposes the default chain as config.credentials; region is irrelevant for resolving credentials.
  const client = new EC2Client({ region: 'us-east-1', ...(profile ? { profile } : {}) });
  return () => client.config.credentials();
}

const NO_CREDENTIALS_HINT =
  'configure credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, aws sso login, or an instance/task role) and retry';

/**
 * Fail fast, with one clear line, when no AWS credentials are resolvable. The chain can reach for the EC2
 * instance metadata service, which hangs on some offline networks, so resolution is bounded by `timeoutMs`.
 */
export async function assertCredentials(provider: CredentialsProvider, timeoutMs = 5000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new AwsEnvironmentError(
            `no AWS credentials resolved within ${timeoutMs}ms; ${NO_CREDENTIALS_HINT}`,
            ExitCode.NoCredentials,
          ),
        ),
      timeoutMs,
    );
    timer.unref();
  });
  try {
    await Promise.race([
      provider().catch((e: unknown) => {
        const reason = e instanceof Error ? e.message.split('\n')[0] : String(e);
        throw new AwsEnvironmentError(
          `no AWS credentials found (${reason}); ${NO_CREDENTIALS_HINT}`,
          ExitCode.NoCredentials,
        );
      }),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Resolve the region: `--region`, else the SDK's chain (AWS_REGION, else the region of `profile` or AWS_PROFILE in
 * the shared config file).
 */
export async function resolveRegion(explicit: string | undefined, profile?: string): Promise<string> {
  if (explicit) {
    return explicit;
  }
  try {
    const region = await new EC2Client(profile ? { profile } : {}).config.region();
    if (region) {
      return region;
    }
  } catch {
    // fall through to the clean message below
  }
  throw new AwsEnvironmentError('no AWS region configured; pass --region or set AWS_REGION', ExitCode.Usage);
}

/** Lazily created, shared SDK clients for one region. */
export interface AwsClients {
  readonly ec2: () => EC2Client;
  readonly lambda: () => LambdaClient;
  readonly s3: () => S3Client;
  readonly dynamodb: () => DynamoDBClient;
  readonly eks: () => EKSClient;
  /** SigV4-signed HTTP for IAM-authorized APIs (ServerlessApi); absent in contexts that never call one. */
  readonly signedFetch?: () => SignedFetch;
  readonly batch: () => BatchClient;
  readonly elasticBeanstalk: () => ElasticBeanstalkClient;
  readonly ecs: () => ECSClient;
  readonly ecr: () => ECRClient;
}

/** Extra client configuration (endpoints for local emulators in tests). */
export interface ClientOverrides {
  readonly s3?: ConstructorParameters<typeof S3Client>[0];
  readonly dynamodb?: ConstructorParameters<typeof DynamoDBClient>[0];
  readonly elasticBeanstalk?: ConstructorParameters<typeof ElasticBeanstalkClient>[0];
  readonly ecs?: ConstructorParameters<typeof ECSClient>[0];
  readonly ecr?: ConstructorParameters<typeof ECRClient>[0];
}

/** A value made on first use, then shared. */
export function lazy<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

export function createAwsClients(region: string, overrides: ClientOverrides = {}): AwsClients {
  return {
    ec2: lazy(() => new EC2Client({ region })),
    lambda: lazy(() => new LambdaClient({ region })),
    s3: lazy(() => new S3Client({ region, ...overrides.s3 })),
    dynamodb: lazy(() => new DynamoDBClient({ region, ...overrides.dynamodb })),
    eks: lazy(() => new EKSClient({ region })),
    signedFetch: lazy(() => {
      const credentials = new EC2Client({ region }).config.credentials;
      return createSignedFetch(region, () => credentials() as Promise<SigningCredentials>);
    }),
    batch: lazy(() => new BatchClient({ region })),
    elasticBeanstalk: lazy(() => new ElasticBeanstalkClient({ region, ...overrides.elasticBeanstalk })),
    ecs: lazy(() => new ECSClient({ region, ...overrides.ecs })),
    ecr: lazy(() => new ECRClient({ region, ...overrides.ecr })),
  };
}
