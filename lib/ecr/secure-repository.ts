import { Annotations, Aws, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { acknowledge } from '../common/nag';
import { SecureKey } from '../common/secure-key';
import { validateIntegerInRange } from '../common/validation';

/** What ECR needs to pull an image: what a cross-account pull grant allows, nothing more. */
const PULL_ACTIONS = ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];

/** Construct ids of the registry-wide settings, one per stack (part of the API). */
const REGISTRY_SCANNING_ID = 'CdkComputePatternsRegistryScanning';
const REGISTRY_REPLICATION_ID = 'CdkComputePatternsRegistryReplication';

/** A 12-digit AWS account id. */
const ACCOUNT_ID = /^\d{12}$/;
/** An AWS Region name such as eu-west-1 or us-gov-west-1. */
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
/** A pull-through cache repository prefix (ECR: 2-30 chars, lowercase letters, digits, `.`, `_`, `-`, `/`). */
const CACHE_PREFIX = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/;

/**
 * Properties for a SecureRepository.
 */
export interface SecureRepositoryProps {
  /**
   * The repository name.
   * @default - a name CloudFormation generates
   */
  readonly repositoryName?: string;

  /**
   * The KMS key that encrypts the images (bring your own key).
   * @default - a new SecureKey (customer managed, rotation on)
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * Whether a tag, once pushed, can be moved to another image. Immutable tags (AWS Control Tower
   * CT.ECR.PR.2) mean the image a tag named at deploy time is the image that runs on every later
   * task start and scale-out. `MUTABLE` synthesizes with a warning.
   * @default ecr.TagMutability.IMMUTABLE
   */
  readonly imageTagMutability?: ecr.TagMutability;

  /**
   * Scan images with Amazon Inspector (enhanced scanning: OS and language packages, rescanned
   * continuously as new CVEs appear) instead of ECR's basic scan on push. Enhanced scanning is a
   * registry-wide setting: this adds a rule for this repository to the registry scanning
   * configuration of the stack (shared by every SecureRepository in it). Only one stack per account
   * and Region can own that configuration, and repositories matched by no rule are not scanned at
   * all in enhanced mode; see docs/ECR.md.
   * @default false - basic scan on push
   */
  readonly enhancedScanning?: boolean;

  /**
   * Untagged images (layers left behind by re-pushes and failed builds) expire this long after
   * they were pushed. Whole days, 1 or more.
   * @default Duration.days(14)
   */
  readonly untaggedImageExpiry?: Duration;

  /**
   * How many tagged images are kept; older ones expire. Keep enough for a rollback.
   * @default 100
   */
  readonly maxTaggedImages?: number;

  /**
   * AWS accounts (12-digit ids) whose principals may pull images. The repository policy allows
   * them the three pull actions only; each account still has to grant its own principals
   * `ecr:BatchGetImage` and friends (and `ecr:GetAuthorizationToken`) in IAM.
   * @default - no cross-account pulls
   */
  readonly pullAccounts?: string[];

  /**
   * AWS Regions (of this account) that images are replicated to. Replication is a registry-wide
   * setting: this adds a rule for this repository to the replication configuration of the stack
   * (shared by every SecureRepository in it); only one stack per account and Region can own it.
   * ECR's only repository filter is a name prefix, so the rule also replicates every repository whose
   * name starts with this one's (`shop/web` also matches `shop/web-admin`).
   * @default - no replication
   */
  readonly replicationRegions?: string[];

  /**
   * A repository prefix for an ECR pull-through cache of ECR Public (`public.ecr.aws`): images
   * pulled as `<account>.dkr.ecr.<region>.amazonaws.com/<prefix>/<public path>` are fetched from
   * ECR Public once and then served from this account's private registry. The cached repositories
   * are created by ECR from a repository creation template that this construct also creates for the
   * prefix, with this repository's encryption key, immutable tags and lifecycle rules.
   * @default - no pull-through cache
   */
  readonly pullThroughCachePrefix?: string;

  /**
   * What happens to the repository (and, with DESTROY, its images) when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A private Amazon ECR repository with secure defaults: images encrypted with a customer managed
 * KMS key, scan on push (or Amazon Inspector enhanced scanning), immutable tags, and lifecycle rules
 * that expire untagged images and keep the last tagged ones (Control Tower CT.ECR.PR.1-3). Options:
 * cross-account pull grants, replication to other Regions, and a pull-through cache of ECR Public.
 */
export class SecureRepository extends Construct {
  /** The repository. */
  public readonly repository: ecr.Repository;
  /** The key the images are encrypted with. */
  public readonly encryptionKey: kms.IKey;
  /** The pull-through cache rule, with `pullThroughCachePrefix`. */
  public readonly pullThroughCacheRule?: ecr.CfnPullThroughCacheRule;
  /** The creation template of the pull-through cache's repositories, with `pullThroughCachePrefix`. */
  public readonly pullThroughCacheTemplate?: ecr.CfnRepositoryCreationTemplate;
  /** The role ECR assumes to create the cache's repositories with the key, with `pullThroughCachePrefix`. */
  public readonly pullThroughCacheRole?: iam.Role;

  constructor(scope: Construct, id: string, props: SecureRepositoryProps = {}) {
    super(scope, id);
    const mutability = props.imageTagMutability ?? ecr.TagMutability.IMMUTABLE;
    const untaggedExpiry = props.untaggedImageExpiry ?? Duration.days(14);
    const maxTagged = props.maxTaggedImages ?? 100;
    validateProps(this, props, untaggedExpiry, maxTagged);
    if (mutability === ecr.TagMutability.MUTABLE) {
      Annotations.of(this).addWarningV2(
        'cdk-compute-patterns:mutableTags',
        'imageTagMutability is MUTABLE: a tag can be pushed again onto a different image, so the image a service deployed is not the one a later task start or scale-out pulls, and a stolen push credential can replace a running release. Keep IMMUTABLE (Control Tower CT.ECR.PR.2) and deploy by digest or a unique tag per build',
      );
    }

    this.encryptionKey =
      props.encryptionKey ??
      new SecureKey(this, 'Key', {
        description: `Encrypts the images of the ECR repository ${this.node.path}`,
        removalPolicy: props.removalPolicy,
      });
    const lifecycleRules = lifecycleRulesOf(untaggedExpiry, maxTagged);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.repository = new ecr.Repository(this, 'Repository', {
      repositoryName: props.repositoryName,
      encryption: ecr.RepositoryEncryption.KMS,
      encryptionKey: this.encryptionKey,
      imageScanOnPush: true,
      imageTagMutability: mutability,
      lifecycleRules,
      removalPolicy,
      emptyOnDelete: removalPolicy === RemovalPolicy.DESTROY ? true : undefined,
    });

    for (const account of props.pullAccounts ?? []) {
      this.repository.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: `PullFrom${account}`,
          principals: [new iam.AccountPrincipal(account)],
          actions: PULL_ACTIONS,
        }),
      );
    }
    if (props.enhancedScanning) this.addEnhancedScanning();
    if (props.replicationRegions?.length) this.addReplication(props.replicationRegions);
    if (props.pullThroughCachePrefix !== undefined) {
      const cache = this.addPullThroughCache(props.pullThroughCachePrefix, mutability, lifecycleRules);
      this.pullThroughCacheRule = cache.rule;
      this.pullThroughCacheTemplate = cache.template;
      this.pullThroughCacheRole = cache.role;
    }
  }

  /** The repository's URI (`<account>.dkr.ecr.<region>.amazonaws.com/<name>`). */
  public get repositoryUri(): string {
    return this.repository.repositoryUri;
  }

  /**
   * The image of this repository with `tag`, for FargateWebService or Ec2WebService. The tags are
   * immutable by default, so a tag names one image for good.
   */
  public imageForTag(tag: string): ecs.ContainerImage {
    return ecs.ContainerImage.fromEcrRepository(this.repository, tag);
  }

  /** The image of this repository with `digest` (`sha256:...`): the exact image, whatever its tags. */
  public imageForDigest(digest: string): ecs.ContainerImage {
    if (!Token.isUnresolved(digest) && !/^sha256:[0-9a-f]{64}$/.test(digest)) {
      throw new Error(
        `${this.node.path}: digest must be 'sha256:' followed by 64 lowercase hex digits, as docker inspect and ECR show it; received '${digest}'`,
      );
    }
    return ecs.ContainerImage.fromEcrRepository(this.repository, digest);
  }

  /** Lets `grantee` pull images (and get the registry token it needs to log in). */
  public grantPull(grantee: iam.IGrantable): iam.Grant {
    return this.repository.grantPull(grantee);
  }

  /** Lets `grantee` push and pull images (a CI role). */
  public grantPullPush(grantee: iam.IGrantable): iam.Grant {
    return this.repository.grantPullPush(grantee);
  }

  private addEnhancedScanning(): void {
    const stack = Stack.of(this);
    let config = stack.node.tryFindChild(REGISTRY_SCANNING_ID) as ecr.CfnRegistryScanningConfiguration | undefined;
    if (!config) {
      config = new ecr.CfnRegistryScanningConfiguration(stack, REGISTRY_SCANNING_ID, {
        scanType: 'ENHANCED',
        rules: [],
      });
    }
    const rules = config.rules as ecr.CfnRegistryScanningConfiguration.ScanningRuleProperty[];
    if (rules.length === 0) {
      rules.push({ scanFrequency: 'CONTINUOUS_SCAN', repositoryFilters: [] });
    }
    const filters = rules[0].repositoryFilters as ecr.CfnRegistryScanningConfiguration.RepositoryFilterProperty[];
    filters.push({ filter: this.repository.repositoryName, filterType: 'WILDCARD' });
  }

  private addReplication(regions: string[]): void {
    const stack = Stack.of(this);
    let config = stack.node.tryFindChild(REGISTRY_REPLICATION_ID) as ecr.CfnReplicationConfiguration | undefined;
    if (!config) {
      config = new ecr.CfnReplicationConfiguration(stack, REGISTRY_REPLICATION_ID, {
        replicationConfiguration: { rules: [] },
      });
    }
    const rules = (config.replicationConfiguration as ecr.CfnReplicationConfiguration.ReplicationConfigurationProperty)
      .rules as ecr.CfnReplicationConfiguration.ReplicationRuleProperty[];
    rules.push({
      destinations: regions.map((region) => ({ region, registryId: stack.account })),
      repositoryFilters: [{ filter: this.repository.repositoryName, filterType: 'PREFIX_MATCH' }],
    });
  }

  private addPullThroughCache(
    prefix: string,
    mutability: ecr.TagMutability,
    lifecycleRules: ecr.LifecycleRule[],
  ): { rule: ecr.CfnPullThroughCacheRule; template: ecr.CfnRepositoryCreationTemplate; role: iam.Role } {
    // ECR creates the cached repositories with this role when the template asks for a KMS key.
    const role = new iam.Role(this, 'PullThroughCacheRole', {
      assumedBy: new iam.ServicePrincipal('ecr.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: `ECR creates the pull-through cache repositories under ${prefix}/ with the key of ${this.node.path}`,
    });
    const cachedRepositories = `arn:${Aws.PARTITION}:ecr:${Aws.REGION}:${Aws.ACCOUNT_ID}:repository/${prefix}/*`;
    const policy = new iam.ManagedPolicy(this, 'PullThroughCachePolicy', {
      roles: [role],
      statements: [
        new iam.PolicyStatement({
          actions: ['ecr:CreateRepository', 'ecr:ReplicateImage', 'ecr:TagResource'],
          resources: [cachedRepositories],
        }),
        new iam.PolicyStatement({
          actions: ['kms:CreateGrant', 'kms:RetireGrant', 'kms:DescribeKey'],
          resources: [this.encryptionKey.keyArn],
        }),
      ],
    });
    acknowledge(policy, {
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecr:<AWS::Region>:<AWS::AccountId>:repository/${prefix}/*]`,
      reason: `ECR names each pull-through cache repository after the public image it caches, so ecr:CreateRepository, ecr:ReplicateImage and ecr:TagResource reach only repositories under ${prefix}/ of this account and Region, none other.`,
    });
    const template = new ecr.CfnRepositoryCreationTemplate(this, 'PullThroughCacheTemplate', {
      prefix,
      appliedFor: ['PULL_THROUGH_CACHE'],
      description: `Repositories of the ECR Public pull-through cache ${prefix}/ (${this.node.path})`,
      customRoleArn: role.roleArn,
      encryptionConfiguration: { encryptionType: 'KMS', kmsKey: this.encryptionKey.keyArn },
      imageTagMutability: mutability,
      lifecyclePolicy: Stack.of(this).toJsonString({ rules: renderLifecycleRules(lifecycleRules) }),
    });
    template.node.addDependency(policy);
    const rule = new ecr.CfnPullThroughCacheRule(this, 'PullThroughCacheRule', {
      ecrRepositoryPrefix: prefix,
      upstreamRegistry: 'ecr-public',
      upstreamRegistryUrl: 'public.ecr.aws',
    });
    rule.node.addDependency(template);
    return { rule, template, role };
  }
}

function lifecycleRulesOf(untaggedExpiry: Duration, maxTagged: number): ecr.LifecycleRule[] {
  return [
    {
      rulePriority: 1,
      description: `Expire untagged images ${untaggedExpiry.toDays()} days after push`,
      tagStatus: ecr.TagStatus.UNTAGGED,
      maxImageAge: untaggedExpiry,
    },
    {
      rulePriority: 2,
      description: `Keep the last ${maxTagged} tagged images`,
      tagStatus: ecr.TagStatus.TAGGED,
      tagPatternList: ['*'],
      maxImageCount: maxTagged,
    },
  ];
}

/** The lifecycle rules in ECR's JSON policy format (as the creation template wants them). */
function renderLifecycleRules(rules: ecr.LifecycleRule[]): unknown[] {
  return rules.map((r) => ({
    rulePriority: r.rulePriority,
    description: r.description,
    selection: {
      tagStatus: r.tagStatus === ecr.TagStatus.UNTAGGED ? 'untagged' : 'tagged',
      tagPatternList: r.tagPatternList,
      countType: r.maxImageAge ? 'sinceImagePushed' : 'imageCountMoreThan',
      countNumber: r.maxImageAge ? r.maxImageAge.toDays() : r.maxImageCount,
      countUnit: r.maxImageAge ? 'days' : undefined,
    },
    action: { type: 'expire' },
  }));
}

function validateProps(
  scope: Construct,
  props: SecureRepositoryProps,
  untaggedExpiry: Duration,
  maxTagged: number,
): void {
  const path = scope.node.path;
  if (!untaggedExpiry.isUnresolved()) {
    const days = untaggedExpiry.toDays({ integral: false });
    if (!Number.isInteger(days) || days < 1) {
      throw new Error(
        `${path}: untaggedImageExpiry must be a whole number of days, 1 or more (ECR lifecycle rules count in days); received ${untaggedExpiry.toHumanString()}`,
      );
    }
  }
  try {
    validateIntegerInRange('maxTaggedImages', maxTagged, 1, 10000);
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
  for (const account of props.pullAccounts ?? []) {
    if (!Token.isUnresolved(account) && !ACCOUNT_ID.test(account)) {
      throw new Error(
        `${path}: pullAccounts must hold 12-digit AWS account ids such as '111122223333'; received '${account}'`,
      );
    }
  }
  const regions = props.replicationRegions ?? [];
  for (const region of regions) {
    if (!Token.isUnresolved(region) && !REGION.test(region)) {
      throw new Error(
        `${path}: replicationRegions must hold AWS Region names such as 'eu-central-1'; received '${region}'`,
      );
    }
  }
  const here = Stack.of(scope).region;
  if (!Token.isUnresolved(here) && regions.includes(here)) {
    throw new Error(
      `${path}: replicationRegions must not include the repository's own Region ${here}; list the other Regions to copy images to`,
    );
  }
  if (new Set(regions).size !== regions.length) {
    throw new Error(`${path}: replicationRegions must not repeat a Region; received ${regions.join(', ')}`);
  }
  const prefix = props.pullThroughCachePrefix;
  if (prefix !== undefined && !Token.isUnresolved(prefix)) {
    if (
      prefix.length < 2 ||
      prefix.length > 30 ||
      !CACHE_PREFIX.test(prefix) ||
      prefix === 'ecr' ||
      prefix.startsWith('aws')
    ) {
      throw new Error(
        `${path}: pullThroughCachePrefix must be 2 to 30 lowercase letters, digits, '.', '_', '-' or '/' (not 'ecr', not starting with 'aws'), such as 'ecr-public'; received '${prefix}'`,
      );
    }
  }
}
