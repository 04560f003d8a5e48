import { createAwsClients } from '../../bin/cli/verify/aws';
import { filterMatches, verifyContainerRegistry } from '../../bin/cli/verify/checks/container-registry';
import { AwsJsonError, AwsJsonServer, loopbackClient, startAwsJsonServer } from './support/aws-json-server';
import { CONTAINER_REGISTRY } from './support/fixtures';
import { testContext } from './support/helpers';

const NAME = CONTAINER_REGISTRY.RepositoryName;
const KEY = 'arn:aws:kms:us-east-1:123456789012:key/1111-2222';

/** The lifecycle policy SecureRepository renders by default (docs/ECR.md). */
const POLICY = JSON.stringify({
  rules: [
    {
      rulePriority: 2,
      selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 100 },
      action: { type: 'expire' },
    },
    {
      rulePriority: 1,
      selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 14, countUnit: 'days' },
      action: { type: 'expire' },
    },
  ],
});

interface Registry {
  repository?: Record<string, unknown>;
  scanning?: Record<string, unknown>;
  lifecyclePolicyText?: string;
}

const secureRepository = (extra: Record<string, unknown> = {}) => ({
  repositoryName: NAME,
  registryId: '123456789012',
  repositoryUri: CONTAINER_REGISTRY.RepositoryUri,
  imageTagMutability: 'IMMUTABLE',
  imageScanningConfiguration: { scanOnPush: true },
  encryptionConfiguration: { encryptionType: 'KMS', kmsKey: KEY },
  ...extra,
});

let ecr: AwsJsonServer | undefined;
afterEach(async () => {
  await ecr?.close();
  ecr = undefined;
});

async function run(registry: Registry) {
  ecr = await startAwsJsonServer('AmazonEC2ContainerRegistry_V20150921', (operation, input) => {
    switch (operation) {
      case 'DescribeRepositories':
        expect(input.repositoryNames).toEqual([NAME]);
        if (!registry.repository) throw new AwsJsonError('RepositoryNotFoundException', `no repository ${NAME}`);
        return { repositories: [registry.repository] };
      case 'GetRegistryScanningConfiguration':
        return {
          registryId: '123456789012',
          scanningConfiguration: registry.scanning ?? { scanType: 'BASIC', rules: [] },
        };
      case 'GetLifecyclePolicy':
        expect(input).toEqual({ repositoryName: NAME, registryId: '123456789012' });
        if (registry.lifecyclePolicyText === undefined) {
          throw new AwsJsonError('LifecyclePolicyNotFoundException', 'Lifecycle policy does not exist');
        }
        return { repositoryName: NAME, lifecyclePolicyText: registry.lifecyclePolicyText };
      default:
        throw new AwsJsonError('InvalidParameterException', `unexpected ${operation}`);
    }
  });
  const ctx = testContext({ clients: createAwsClients('us-east-1', { ecr: loopbackClient(ecr.endpoint) }) });
  return verifyContainerRegistry(ctx, CONTAINER_REGISTRY);
}

describe('verifyContainerRegistry (against a loopback ECR JSON endpoint)', () => {
  test('passes for a SecureRepository as deployed: scan on push, immutable tags, KMS, lifecycle rules', async () => {
    // GIVEN the repository SecureRepository creates by default
    const results = await run({ repository: secureRepository(), lifecyclePolicyText: POLICY });
    // THEN
    expect(results).toEqual([
      {
        id: 'repository',
        status: 'pass',
        title: `repository ${NAME} exists`,
        evidence: CONTAINER_REGISTRY.RepositoryUri,
      },
      {
        id: 'image-scanning',
        status: 'pass',
        title: 'pushed images are scanned (scan on push, or enhanced scanning)',
        evidence: 'registry scan type BASIC; repository scanOnPush true',
      },
      {
        id: 'tag-immutability',
        status: 'pass',
        title: 'image tags are immutable',
        evidence: 'imageTagMutability IMMUTABLE',
      },
      {
        id: 'kms-encryption',
        status: 'pass',
        title: 'images are encrypted with a KMS key',
        evidence: `encryptionType KMS, key ${KEY}`,
      },
      {
        id: 'lifecycle-policy',
        status: 'pass',
        title: 'a lifecycle policy expires old images',
        evidence:
          '2 rule(s): #1: expire untagged images older than 14 days; #2: expire any images beyond the newest 100',
      },
    ]);
    expect(ecr!.calls.map((c) => c.operation)).toEqual([
      'DescribeRepositories',
      'GetRegistryScanningConfiguration',
      'GetLifecyclePolicy',
    ]);
  });

  test('fails when tags are mutable, images are AES256-encrypted and there is no lifecycle policy', async () => {
    const results = await run({
      repository: secureRepository({
        imageTagMutability: 'MUTABLE',
        encryptionConfiguration: { encryptionType: 'AES256' },
      }),
    });
    expect(results.filter((r) => r.status === 'fail')).toEqual([
      {
        id: 'tag-immutability',
        status: 'fail',
        title: 'image tags are immutable',
        evidence: 'imageTagMutability MUTABLE',
      },
      {
        id: 'kms-encryption',
        status: 'fail',
        title: 'images are encrypted with a KMS key',
        evidence: 'encryptionType AES256',
      },
      {
        id: 'lifecycle-policy',
        status: 'fail',
        title: 'a lifecycle policy expires old images',
        evidence: `no lifecycle policy on ${NAME}: images accumulate (and cost) forever`,
      },
    ]);
  });

  test('fails when basic scanning does not scan on push', async () => {
    const results = await run({
      repository: secureRepository({ imageScanningConfiguration: { scanOnPush: false } }),
      lifecyclePolicyText: POLICY,
    });
    expect(results[1]).toMatchObject({
      id: 'image-scanning',
      status: 'fail',
      evidence: 'registry scan type BASIC; repository scanOnPush false',
    });
  });

  test('enhanced scanning passes only when a registry rule selects the repository', async () => {
    // GIVEN enhanced scanning whose rule selects the repository by a wildcard filter
    const matched = await run({
      repository: secureRepository({ imageScanningConfiguration: { scanOnPush: false } }),
      scanning: {
        scanType: 'ENHANCED',
        rules: [
          {
            scanFrequency: 'CONTINUOUS_SCAN',
            repositoryFilters: [{ filter: 'containerregistry-*', filterType: 'WILDCARD' }],
          },
        ],
      },
      lifecyclePolicyText: POLICY,
    });
    expect(matched[1]).toMatchObject({
      status: 'pass',
      evidence: 'registry scan type ENHANCED, matched by rule(s): CONTINUOUS_SCAN',
    });
    await ecr!.close();
    // WHEN no rule matches, scan on push at the repository does not help: enhanced scanning replaces it
    const unmatched = await run({
      repository: secureRepository(),
      scanning: {
        scanType: 'ENHANCED',
        rules: [{ scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: [{ filter: 'other-*', filterType: 'WILDCARD' }] }],
      },
      lifecyclePolicyText: POLICY,
    });
    expect(unmatched[1]).toMatchObject({
      status: 'fail',
      evidence: `registry scan type ENHANCED, but no scanning rule's filter matches ${NAME}: its images are not scanned`,
    });
  });

  test('fails at once when the repository does not exist', async () => {
    await expect(run({})).resolves.toEqual([
      {
        id: 'repository',
        status: 'fail',
        title: `repository ${NAME} exists`,
        evidence: 'DescribeRepositories found no such repository',
      },
    ]);
    expect(ecr!.calls).toHaveLength(1);
  });
});

describe('filterMatches', () => {
  test.each([
    ['*', 'anything', true],
    ['prod-*', 'prod-web', true],
    ['prod-*', 'dev-web', false],
    ['a.b', 'axb', false],
    ['exact', 'exact', true],
  ])('%s on %s is %s', (filter, name, expected) => {
    expect(filterMatches(filter, name)).toBe(expected);
  });
});
