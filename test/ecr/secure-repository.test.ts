import * as path from 'node:path';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { SecureRepository, SecureRepositoryProps } from '../../lib';
import { agnosticStack, specificStack } from '../support/cdk-context';
import { runGuard } from '../support/compliance';
import { probeScope, userWildcardStatement } from '../support/scope-probe';

function build(props: SecureRepositoryProps = {}, stack: Stack = agnosticStack()) {
  const repo = new SecureRepository(stack, 'Repo', props);
  return { stack, repo, template: Template.fromStack(stack) };
}

/** The lifecycle policy of the only repository in `template`, parsed. */
function lifecycle(template: Template): { rules: { selection: { countNumber: number } }[] } {
  const repo = Object.values(template.findResources('AWS::ECR::Repository'))[0];
  return JSON.parse(repo.Properties.LifecyclePolicy.LifecyclePolicyText);
}

function failingGuardRules(stack: Stack): string[] {
  const assembly = (stack.node.root as App).synth({ force: true });
  const file = path.resolve(assembly.directory, stack.templateFile);
  return (runGuard([file]).get(file) ?? []).map((f) => f.rule).sort();
}

describe.each([
  ['environment-agnostic', () => agnosticStack()],
  ['environment-specific', () => specificStack()],
])('SecureRepository defaults (%s stack)', (_kind, makeStack) => {
  test('encrypts with a new rotating customer managed key, scans on push and keeps tags immutable', () => {
    // GIVEN / WHEN a repository with default props
    const { template, repo, stack } = build({}, makeStack());
    // THEN
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResource('AWS::ECR::Repository', {
      Properties: {
        EncryptionConfiguration: {
          EncryptionType: 'KMS',
          KmsKey: { 'Fn::GetAtt': [stack.getLogicalId(repo.encryptionKey.node.defaultChild as kms.CfnKey), 'Arn'] },
        },
        ImageScanningConfiguration: { ScanOnPush: true },
        ImageTagMutability: 'IMMUTABLE',
        RepositoryPolicyText: Match.absent(),
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    // AND no registry-wide setting is touched
    template.resourceCountIs('AWS::ECR::RegistryScanningConfiguration', 0);
    template.resourceCountIs('AWS::ECR::ReplicationConfiguration', 0);
    template.resourceCountIs('AWS::ECR::PullThroughCacheRule', 0);
  });

  test('expires untagged images after 14 days and keeps the last 100 tagged images', () => {
    const { template } = build({}, makeStack());
    expect(lifecycle(template).rules).toEqual([
      {
        rulePriority: 1,
        description: 'Expire untagged images 14 days after push',
        selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 14, countUnit: 'days' },
        action: { type: 'expire' },
      },
      {
        rulePriority: 2,
        description: 'Keep the last 100 tagged images',
        selection: { tagStatus: 'tagged', tagPatternList: ['*'], countType: 'imageCountMoreThan', countNumber: 100 },
        action: { type: 'expire' },
      },
    ]);
  });

  test('passes the Control Tower ECR rules (CT.ECR.PR.1-3) and every other rule without an exemption', () => {
    const { stack } = build({}, makeStack());
    expect(failingGuardRules(stack)).toEqual([]);
  });

  test('has no warning', () => {
    const { stack } = build({}, makeStack());
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });
});

describe('SecureRepository options', () => {
  test('uses a key the user brings instead of creating one', () => {
    // GIVEN a key of the user's
    const stack = agnosticStack();
    const key = new kms.Key(stack, 'MyKey', { enableKeyRotation: true });
    // WHEN
    const { template, repo } = build({ encryptionKey: key }, stack);
    // THEN
    expect(repo.encryptionKey).toBe(key);
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::ECR::Repository', {
      EncryptionConfiguration: {
        EncryptionType: 'KMS',
        KmsKey: { 'Fn::GetAtt': [Match.stringLikeRegexp('^MyKey'), 'Arn'] },
      },
    });
  });

  test('takes the untagged expiry and the number of tagged images kept', () => {
    const { template } = build({ untaggedImageExpiry: Duration.days(3), maxTaggedImages: 20 });
    const [untagged, tagged] = lifecycle(template).rules;
    expect(untagged.selection.countNumber).toBe(3);
    expect(tagged.selection.countNumber).toBe(20);
  });

  test('grants each pull account the three pull actions only', () => {
    const { template } = build({ pullAccounts: ['111122223333', '444455556666'] });
    template.hasResourceProperties('AWS::ECR::Repository', {
      RepositoryPolicyText: {
        Statement: ['111122223333', '444455556666'].map((account) => ({
          Sid: `PullFrom${account}`,
          Effect: 'Allow',
          Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${account}:root`]] } },
          Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
        })),
      },
    });
  });

  test('enhanced scanning adds one registry rule per repository of the stack, scanning continuously', () => {
    // GIVEN two repositories with enhanced scanning in one stack
    const stack = agnosticStack();
    new SecureRepository(stack, 'A', { enhancedScanning: true });
    new SecureRepository(stack, 'B', { enhancedScanning: true });
    const template = Template.fromStack(stack);
    // THEN one registry configuration filters both, and basic scan on push stays on (CT.ECR.PR.1)
    template.resourceCountIs('AWS::ECR::RegistryScanningConfiguration', 1);
    template.hasResourceProperties('AWS::ECR::RegistryScanningConfiguration', {
      ScanType: 'ENHANCED',
      Rules: [
        {
          ScanFrequency: 'CONTINUOUS_SCAN',
          RepositoryFilters: [
            { Filter: { Ref: Match.stringLikeRegexp('^ARepository') }, FilterType: 'WILDCARD' },
            { Filter: { Ref: Match.stringLikeRegexp('^BRepository') }, FilterType: 'WILDCARD' },
          ],
        },
      ],
    });
    template.allResourcesProperties('AWS::ECR::Repository', { ImageScanningConfiguration: { ScanOnPush: true } });
  });

  test('replicates to the given Regions of the same account, for this repository only', () => {
    const { template } = build({ replicationRegions: ['eu-central-1', 'us-east-1'] }, specificStack());
    template.hasResourceProperties('AWS::ECR::ReplicationConfiguration', {
      ReplicationConfiguration: {
        Rules: [
          {
            Destinations: [
              { Region: 'eu-central-1', RegistryId: '123456789012' },
              { Region: 'us-east-1', RegistryId: '123456789012' },
            ],
            RepositoryFilters: [
              { Filter: { Ref: Match.stringLikeRegexp('^RepoRepository') }, FilterType: 'PREFIX_MATCH' },
            ],
          },
        ],
      },
    });
  });

  test('a pull-through cache of ECR Public creates its repositories with the key, immutable tags and lifecycle rules', () => {
    // GIVEN / WHEN
    const { template, repo, stack } = build({ pullThroughCachePrefix: 'ecr-public' });
    const keyId = stack.getLogicalId(repo.encryptionKey.node.defaultChild as kms.CfnKey);
    const roleId = stack.getLogicalId(repo.pullThroughCacheRole!.node.defaultChild as iam.CfnRole);
    // THEN the rule caches public.ecr.aws under the prefix, after its creation template exists
    template.hasResource('AWS::ECR::PullThroughCacheRule', {
      Properties: {
        EcrRepositoryPrefix: 'ecr-public',
        UpstreamRegistry: 'ecr-public',
        UpstreamRegistryUrl: 'public.ecr.aws',
      },
      DependsOn: [stack.getLogicalId(repo.pullThroughCacheTemplate!)],
    });
    const templateProps = Object.values(template.findResources('AWS::ECR::RepositoryCreationTemplate'))[0].Properties;
    expect(templateProps).toMatchObject({
      Prefix: 'ecr-public',
      AppliedFor: ['PULL_THROUGH_CACHE'],
      CustomRoleArn: { 'Fn::GetAtt': [roleId, 'Arn'] },
      EncryptionConfiguration: { EncryptionType: 'KMS', KmsKey: { 'Fn::GetAtt': [keyId, 'Arn'] } },
      ImageTagMutability: 'IMMUTABLE',
    });
    expect(JSON.parse(templateProps.LifecyclePolicy)).toEqual(lifecycle(template));
    // AND the role ECR assumes may create repositories under the prefix only, and use only this key
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Roles: [{ Ref: roleId }],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: ['ecr:CreateRepository', 'ecr:ReplicateImage', 'ecr:TagResource'],
            Resource: {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':ecr:',
                  { Ref: 'AWS::Region' },
                  ':',
                  { Ref: 'AWS::AccountId' },
                  ':repository/ecr-public/*',
                ],
              ],
            },
          },
          {
            Effect: 'Allow',
            Action: ['kms:CreateGrant', 'kms:DescribeKey', 'kms:RetireGrant'],
            Resource: { 'Fn::GetAtt': [keyId, 'Arn'] },
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'ecr.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          },
        ],
      },
    });
  });

  test('the pull-through cache acknowledgement hides no wildcard the user adds to the cache role', () => {
    // GIVEN a repository with a pull-through cache
    const stack = agnosticStack();
    const repo = new SecureRepository(stack, 'Repo', { pullThroughCachePrefix: 'ecr-public' });
    // WHEN the user grants the cache role something on every resource, THEN that finding stays open
    probeScope({
      stack,
      add: () => userWildcardStatement(repo.pullThroughCacheRole!, 'ecr:DescribeImages'),
      expect: 'AwsSolutions-IAM5[Resource::*]',
      on: repo.pullThroughCacheRole!,
    });
  });

  test('DESTROY empties the repository on delete and destroys its key', () => {
    const { template } = build({ removalPolicy: RemovalPolicy.DESTROY });
    template.hasResource('AWS::ECR::Repository', { Properties: { EmptyOnDelete: true }, DeletionPolicy: 'Delete' });
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
  });

  test('mutable tags synthesize with a warning that explains the risk', () => {
    const { stack, template } = build({ imageTagMutability: ecr.TagMutability.MUTABLE });
    template.hasResourceProperties('AWS::ECR::Repository', { ImageTagMutability: 'MUTABLE' });
    Annotations.fromStack(stack).hasWarning(
      '/Agnostic/Repo',
      Match.stringLikeRegexp('imageTagMutability is MUTABLE: a tag can be pushed again onto a different image'),
    );
  });

  test('imageForTag and imageForDigest name this repository', () => {
    const stack = agnosticStack();
    const repo = new SecureRepository(stack, 'Repo');
    const digest = `sha256:${'a'.repeat(64)}`;
    const task = new ecs.FargateTaskDefinition(stack, 'Task');
    task.addContainer('Tagged', { image: repo.imageForTag('v1') });
    task.addContainer('Pinned', { image: repo.imageForDigest(digest) });
    const containers = Object.values(Template.fromStack(stack).findResources('AWS::ECS::TaskDefinition'))[0].Properties
      .ContainerDefinitions;
    expect(JSON.stringify(containers[0].Image)).toMatch(/RepoRepository.*:v1"/);
    expect(JSON.stringify(containers[1].Image)).toContain(`@${digest}`);
  });
});

describe('SecureRepository validation', () => {
  test.each([
    [
      'fails when untaggedImageExpiry is not whole days',
      { untaggedImageExpiry: Duration.hours(36) },
      'Agnostic/Repo: untaggedImageExpiry must be a whole number of days, 1 or more (ECR lifecycle rules count in days); received 1 day 12 hours',
    ],
    [
      'fails when maxTaggedImages is 0',
      { maxTaggedImages: 0 },
      'Agnostic/Repo: maxTaggedImages must be an integer between 1 and 10000; received 0',
    ],
    [
      'fails when a pull account is not a 12-digit id',
      { pullAccounts: ['1234'] },
      "Agnostic/Repo: pullAccounts must hold 12-digit AWS account ids such as '111122223333'; received '1234'",
    ],
    [
      'fails when a replication Region is not a Region name',
      { replicationRegions: ['Frankfurt'] },
      "Agnostic/Repo: replicationRegions must hold AWS Region names such as 'eu-central-1'; received 'Frankfurt'",
    ],
    [
      'fails when a replication Region repeats',
      { replicationRegions: ['eu-central-1', 'eu-central-1'] },
      'Agnostic/Repo: replicationRegions must not repeat a Region; received eu-central-1, eu-central-1',
    ],
    [
      'fails when the pull-through cache prefix is not a valid prefix',
      { pullThroughCachePrefix: 'ECR Public' },
      "Agnostic/Repo: pullThroughCachePrefix must be 2 to 30 lowercase letters, digits, '.', '_', '-' or '/' (not 'ecr', not starting with 'aws'), such as 'ecr-public'; received 'ECR Public'",
    ],
  ])('%s', (_name, props, message) => {
    expect(() => build(props as SecureRepositoryProps)).toThrow(message);
  });

  test("fails when replication targets the repository's own Region (environment-specific stack)", () => {
    expect(() => build({ replicationRegions: ['eu-west-1'] }, specificStack())).toThrow(
      "Specific/Repo: replicationRegions must not include the repository's own Region eu-west-1; list the other Regions to copy images to",
    );
  });

  test('fails when a digest is not a sha256 digest', () => {
    const repo = new SecureRepository(agnosticStack(), 'Repo');
    expect(() => repo.imageForDigest('latest')).toThrow(
      "Agnostic/Repo: digest must be 'sha256:' followed by 64 lowercase hex digits, as docker inspect and ECR show it; received 'latest'",
    );
  });
});
