import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { lazy } from '../verify/aws';

/** Lazily created SDK clients for one account and region, as `verify`'s `AwsClients` are. */
export interface PreflightClients {
  readonly sts: () => STSClient;
  readonly ssm: () => SSMClient;
  readonly cloudformation: () => CloudFormationClient;
  readonly iam: () => IAMClient;
  readonly serviceQuotas: () => ServiceQuotasClient;
  readonly ec2: () => EC2Client;
  readonly lambda: () => LambdaClient;
  readonly logs: () => CloudWatchLogsClient;
}

export function createPreflightClients(region: string, profile?: string): PreflightClients {
  // One attempt per send: retries happen in the shared retry loop (call.ts), which is tested and shows progress,
  // instead of multiplying with the SDK's own three attempts.
  const config = { region, maxAttempts: 1, ...(profile ? { profile } : {}) };
  return {
    sts: lazy(() => new STSClient(config)),
    ssm: lazy(() => new SSMClient(config)),
    cloudformation: lazy(() => new CloudFormationClient(config)),
    // IAM is global; the region only picks the partition's endpoint.
    iam: lazy(() => new IAMClient(config)),
    serviceQuotas: lazy(() => new ServiceQuotasClient(config)),
    ec2: lazy(() => new EC2Client(config)),
    lambda: lazy(() => new LambdaClient(config)),
    logs: lazy(() => new CloudWatchLogsClient(config)),
  };
}
