/**
 * Runtime contracts of SecureRepository (lib/ecr): a KMS-encrypted private
 * repository, optionally pulled from other accounts and fronting a
 * pull-through cache of ECR Public.
 */
import { arn, awsAccount, ContractGroup, role, RuntimeContract, service } from '../support/runtime-contracts';

export interface RepositoryContractOptions {
  /** The construct id of the SecureRepository (logical-id prefix of what it creates). */
  readonly prefix: string;
  /** An account the repository is shared with (`pullAccounts`). @default - none */
  readonly pullAccount?: string;
  /** The `pullThroughCachePrefix`. @default - no cache */
  readonly cachePrefix?: string;
}

/** An account nobody shared the repository with. */
const STRANGER = '999988887777';

export function repositoryContracts(o: RepositoryContractOptions): ContractGroup {
  const p = o.prefix;
  const repository = arn('AWS::ECR::Repository', `${p}Repository`);
  const key = arn('AWS::KMS::Key', `${p}Key`);
  const contracts: RuntimeContract[] = [
    {
      caller: awsAccount(STRANGER, 'an account the repository is not shared with'),
      action: 'ecr:BatchGetImage',
      resource: repository,
      phase: 'run',
      why: 'A private repository: an account that was not granted pulls cannot read an image.',
      expect: 'denied',
    },
  ];
  if (o.pullAccount) {
    const shared = awsAccount(o.pullAccount, 'a pull account (pullAccounts)');
    contracts.push(
      ...['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'].map((action) => ({
        caller: shared,
        action,
        resource: repository,
        phase: 'run' as const,
        why: `A pull from ${o.pullAccount} (docker pull, or an ECS task there) makes ${action}.`,
        expect: 'allowed' as const,
      })),
      {
        caller: shared,
        action: 'ecr:PutImage',
        resource: repository,
        phase: 'run',
        why: 'A pull account may pull, never push or overwrite an image.',
        expect: 'denied',
      },
    );
  }
  if (o.cachePrefix) {
    const cacheRole = arn('AWS::IAM::Role', `${p}PullThroughCacheRole`);
    contracts.push(
      {
        caller: service('ecr.amazonaws.com'),
        action: 'sts:AssumeRole',
        resource: cacheRole,
        context: { 'aws:SourceAccount': '{account}' },
        phase: 'run',
        why: 'ECR assumes the creation template role to create a cache repository on the first pull of an image.',
        expect: 'allowed',
      },
      {
        caller: service('ecr.amazonaws.com'),
        action: 'sts:AssumeRole',
        resource: cacheRole,
        context: { 'aws:SourceAccount': '{otherAccount}' },
        phase: 'run',
        why: "Confused deputy: ECR acting for another account's registry must not assume the role.",
        expect: 'denied',
      },
      {
        caller: role(`${p}PullThroughCacheRole`),
        action: 'ecr:CreateRepository',
        resource: `arn:aws:ecr:{region}:{account}:repository/${o.cachePrefix}/nginx/nginx-unprivileged`,
        phase: 'run',
        why: 'The first pull of public.ecr.aws/nginx/nginx-unprivileged through the cache creates its repository.',
        expect: 'allowed',
      },
      {
        caller: role(`${p}PullThroughCacheRole`),
        action: 'ecr:CreateRepository',
        resource: 'arn:aws:ecr:{region}:{account}:repository/payments/api',
        phase: 'run',
        why: 'The role creates repositories under the cache prefix only.',
        expect: 'denied',
      },
      {
        caller: role(`${p}PullThroughCacheRole`),
        action: 'kms:CreateGrant',
        resource: key,
        context: { 'kms:GrantIsForAWSResource': 'true', 'kms:ViaService': 'ecr.{region}.amazonaws.com' },
        phase: 'run',
        why: 'ECR grants itself the use of the key for each cache repository it creates with the template.',
        expect: 'allowed',
      },
      {
        caller: role(`${p}PullThroughCacheRole`),
        action: 'kms:CreateGrant',
        resource: key,
        context: { 'kms:GrantIsForAWSResource': 'false' },
        phase: 'run',
        why: 'A grant that is not for an AWS resource is denied by the key policy (CT.KMS.PR.3), even to this role.',
        expect: 'denied',
      },
    );
  }
  return { pattern: 'SecureRepository', contracts };
}
