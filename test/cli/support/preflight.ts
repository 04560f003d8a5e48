import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient, NoSuchEntityException } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { NoSuchResourceException, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { createPreflightClients } from '../../../bin/cli/preflight/aws';
import type { PreflightContext } from '../../../bin/cli/preflight/context';
import { planNeeds } from '../../../bin/cli/preflight/plan';
import type { PatternName } from '../../../bin/cli/verify/outputs';
import { FakeClock, fakeClock, RecordingProgress, recordingProgress } from './helpers';

export const ACCOUNT = '111122223333';
export const REGION = 'eu-west-1';

/** Every SDK client preflight uses, stubbed at `send` (aws-sdk-client-mock); reset before each test. */
export const mocks = {
  sts: mockClient(STSClient),
  ssm: mockClient(SSMClient),
  cloudformation: mockClient(CloudFormationClient),
  iam: mockClient(IAMClient),
  serviceQuotas: mockClient(ServiceQuotasClient),
  ec2: mockClient(EC2Client),
  lambda: mockClient(LambdaClient),
  logs: mockClient(CloudWatchLogsClient),
};

export function resetMocks(): void {
  for (const m of Object.values(mocks)) {
    m.reset();
  }
}

/** An AWS service error as the SDK surfaces it: what matters to preflight is its `name`. */
export function awsError(name: string, message = `${name} from the test`): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });
}

export const accessDenied = (action: string): Error =>
  awsError('AccessDenied', `User: arn:aws:iam::${ACCOUNT}:user/dev is not authorized to perform: ${action}`);
export const throttled = (): Error => awsError('Throttling', 'Rate exceeded');
export const noSuchEntity = (role: string): Error =>
  new NoSuchEntityException({ message: `The role with name ${role} cannot be found.`, $metadata: {} });
export const parameterNotFound = (): Error => new ParameterNotFound({ message: '', $metadata: {} });
export const noSuchQuota = (): Error =>
  new NoSuchResourceException({
    message: 'The request failed because the specified resource does not exist.',
    $metadata: {},
  });

export function preflightContext(
  patterns: readonly PatternName[] = ['WebFleet', 'FargateService', 'EksCluster', 'InventoryLoader'],
  overrides: Partial<Omit<PreflightContext, 'clock' | 'progress'>> & {
    spot?: boolean;
    reservedConcurrency?: number;
  } = {},
): PreflightContext & { clock: FakeClock; progress: RecordingProgress } {
  const { spot, reservedConcurrency, ...rest } = overrides;
  return {
    clients: createPreflightClients(REGION),
    clock: fakeClock(),
    progress: recordingProgress(),
    account: ACCOUNT,
    region: REGION,
    qualifier: 'hnb659fds',
    needs: planNeeds(patterns, { spot, reservedConcurrency }),
    ...rest,
  };
}
