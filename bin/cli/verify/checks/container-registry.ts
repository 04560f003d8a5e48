import {
  DescribeRepositoriesCommand,
  GetLifecyclePolicyCommand,
  GetRegistryScanningConfigurationCommand,
  LifecyclePolicyNotFoundException,
  RegistryScanningConfiguration,
  Repository,
} from '@aws-sdk/client-ecr';
import type { VerifyContext } from '../context';
import { CONTAINER_REGISTRY_OUTPUTS, StackOutputs } from '../outputs';
import { errorMessage } from '../poll';
import { CheckResult, fail, judge, pass } from '../result';

/** Does an ECR scanning-rule filter (`*` matches any run of characters) match a repository name? */
export function filterMatches(filter: string, repositoryName: string): boolean {
  const pattern = filter
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${pattern}$`).test(repositoryName);
}

/** The registry scanning rules whose filters select this repository, with their frequency. */
function matchingRules(config: RegistryScanningConfiguration | undefined, repositoryName: string): string[] {
  return (config?.rules ?? [])
    .filter((rule) => (rule.repositoryFilters ?? []).some((f) => f.filter && filterMatches(f.filter, repositoryName)))
    .map((rule) => rule.scanFrequency ?? 'unknown frequency');
}

function checkScanning(repo: Repository, config: RegistryScanningConfiguration | undefined): CheckResult {
  const id = 'image-scanning';
  const title = 'pushed images are scanned (scan on push, or enhanced scanning)';
  const name = repo.repositoryName ?? '';
  const rules = matchingRules(config, name);
  if (config?.scanType === 'ENHANCED') {
    // Enhanced scanning replaces basic scanning registry-wide: only its rules decide what is scanned.
    return judge(
      rules.length > 0,
      id,
      title,
      rules.length > 0
        ? `registry scan type ENHANCED, matched by rule(s): ${rules.join(', ')}`
        : `registry scan type ENHANCED, but no scanning rule's filter matches ${name}: its images are not scanned`,
    );
  }
  const onPush = repo.imageScanningConfiguration?.scanOnPush === true;
  const basicRule = rules.includes('SCAN_ON_PUSH');
  return judge(
    onPush || basicRule,
    id,
    title,
    `registry scan type ${config?.scanType ?? 'BASIC'}; repository scanOnPush ${onPush}${
      rules.length ? `; registry rule(s): ${rules.join(', ')}` : ''
    }`,
  );
}

/** One line per lifecycle rule: priority, selection and action, as ECR stores them. */
export function describeLifecycleRules(policyText: string): string[] {
  const policy = JSON.parse(policyText) as {
    rules?: {
      rulePriority?: number;
      selection?: { tagStatus?: string; countType?: string; countNumber?: number; countUnit?: string };
      action?: { type?: string };
    }[];
  };
  return (policy.rules ?? [])
    .slice()
    .sort((a, b) => (a.rulePriority ?? 0) - (b.rulePriority ?? 0))
    .map((r) => {
      const s = r.selection ?? {};
      const count =
        s.countType === 'sinceImagePushed'
          ? `older than ${s.countNumber} ${s.countUnit ?? 'days'}`
          : `beyond the newest ${s.countNumber}`;
      return `#${r.rulePriority}: ${(r.action?.type ?? 'expire').toLowerCase()} ${s.tagStatus ?? 'any'} images ${count}`;
    });
}

async function checkLifecycle(ctx: VerifyContext, repositoryName: string, registryId?: string): Promise<CheckResult> {
  const id = 'lifecycle-policy';
  const title = 'a lifecycle policy expires old images';
  try {
    const { lifecyclePolicyText } = await ctx.clients
      .ecr()
      .send(new GetLifecyclePolicyCommand({ repositoryName, registryId }));
    const rules = lifecyclePolicyText ? describeLifecycleRules(lifecyclePolicyText) : [];
    return judge(
      rules.length > 0,
      id,
      title,
      rules.length > 0 ? `${rules.length} rule(s): ${rules.join('; ')}` : 'the lifecycle policy has no rules',
    );
  } catch (e) {
    if (e instanceof LifecyclePolicyNotFoundException || (e as Error).name === 'LifecyclePolicyNotFoundException') {
      return fail(id, title, `no lifecycle policy on ${repositoryName}: images accumulate (and cost) forever`);
    }
    return fail(id, title, `GetLifecyclePolicy failed: ${errorMessage(e)}`);
  }
}

/**
 * ContainerRegistry (SecureRepository) checks, on the repository as deployed: images are scanned (basic scan on
 * push, or an enhanced scanning rule of the registry that selects the repository), tags are immutable, images are
 * encrypted with a KMS key, and a lifecycle policy expires old images.
 */
export async function verifyContainerRegistry(ctx: VerifyContext, outputs: StackOutputs): Promise<CheckResult[]> {
  const repositoryName = outputs[CONTAINER_REGISTRY_OUTPUTS.repositoryName];
  const ecr = ctx.clients.ecr();
  let repo: Repository | undefined;
  try {
    const { repositories } = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [repositoryName] }));
    repo = repositories?.[0];
  } catch (e) {
    if ((e as Error).name !== 'RepositoryNotFoundException') throw e;
  }
  if (!repo) {
    return [fail('repository', `repository ${repositoryName} exists`, 'DescribeRepositories found no such repository')];
  }
  const results: CheckResult[] = [
    pass('repository', `repository ${repositoryName} exists`, repo.repositoryUri ?? repo.repositoryArn ?? ''),
  ];

  let scanning: RegistryScanningConfiguration | undefined;
  try {
    ({ scanningConfiguration: scanning } = await ecr.send(new GetRegistryScanningConfigurationCommand({})));
    results.push(checkScanning(repo, scanning));
  } catch (e) {
    results.push(
      fail(
        'image-scanning',
        'pushed images are scanned (scan on push, or enhanced scanning)',
        `GetRegistryScanningConfiguration failed: ${errorMessage(e)}`,
      ),
    );
  }

  results.push(
    judge(
      repo.imageTagMutability === 'IMMUTABLE',
      'tag-immutability',
      'image tags are immutable',
      `imageTagMutability ${repo.imageTagMutability ?? 'unknown'}`,
    ),
  );

  const encryption = repo.encryptionConfiguration;
  const kms = encryption?.encryptionType === 'KMS' || encryption?.encryptionType === 'KMS_DSSE';
  results.push(
    judge(
      kms,
      'kms-encryption',
      'images are encrypted with a KMS key',
      `encryptionType ${encryption?.encryptionType ?? 'unknown'}${encryption?.kmsKey ? `, key ${encryption.kmsKey}` : ''}`,
    ),
  );

  results.push(await checkLifecycle(ctx, repositoryName, repo.registryId));
  return results;
}
