import { Annotations, Aws, CfnCondition, CfnMapping, Duration, Fn, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { FactName, RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct } from 'constructs';
import { enableNativeEventBridge } from './bucket-notifications';
import { acknowledge, guardRule, inEveryCompliancePack } from './nag';

/**
 * Properties for an AccessLogBucket.
 */
export interface AccessLogBucketProps {
  /**
   * How long access logs are kept before they expire.
   * @default Duration.days(365)
   */
  readonly retention?: Duration;

  /**
   * What happens to the bucket when it leaves the stack. Logs are audit
   * evidence, so they outlive the stack by default.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Construct id of the per-stack shared log bucket: part of the API, never change it. */
const SHARED_ID = 'CdkComputePatternsAccessLogs';

/**
 * The bucket that receives access logs (load balancer access logs, S3 server
 * access logs): public access blocked, TLS enforced, SSE-S3 encrypted (the only
 * encryption ELB log delivery supports), ACLs disabled, versioned, expiring.
 */
export class AccessLogBucket extends s3.Bucket {
  /**
   * The access-log bucket shared by every pattern in the stack of `scope`,
   * created on first use.
   */
  public static of(scope: Construct): AccessLogBucket {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(SHARED_ID);
    return existing instanceof AccessLogBucket ? existing : new AccessLogBucket(stack, SHARED_ID);
  }

  constructor(scope: Construct, id: string, props: AccessLogBucketProps = {}) {
    const retention = props.retention ?? Duration.days(365);
    super(scope, id, {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      // Object Lock can only be turned on at creation. No default retention: S3
      // server access log delivery does not support it, and expiry must still work.
      objectLockEnabled: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      lifecycleRules: [
        { id: 'ExpireLogs', expiration: retention, noncurrentVersionExpiration: Duration.days(7) },
        { id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
    });
    enableNativeEventBridge(this);
    // Acknowledged on the bucket resource itself: its policy, and anything a user adds under it, stay checked.
    const notLogged =
      'This bucket is the server-access-log destination itself; logging it into itself would create a feedback loop, and its writers are AWS log-delivery services.';
    const sseS3 =
      'Application Load Balancer access-log delivery writes only to buckets encrypted with SSE-S3 (AES-256); with SSE-KMS it silently stops. Objects are encrypted at rest with SSE-S3, public access is blocked and TLS is enforced.';
    acknowledge(
      this.node.defaultChild!,
      { id: 'AwsSolutions-S1', reason: notLogged },
      ...inEveryCompliancePack('S3BucketLoggingEnabled', notLogged),
      ...inEveryCompliancePack('S3DefaultEncryptionKMS', sseS3),
      ...inEveryCompliancePack(
        'S3BucketReplicationEnabled',
        'Cross-Region replication needs a destination bucket in another Region, which a single-Region stack cannot create; the logs are kept here, versioned, with public access blocked and TLS enforced. Replicate them to your log archive account at the organization level if your controls require a second copy.',
      ),
      // The same two facts under the Control Tower rules (CT.S3.PR.2, CT.S3.PR.10), for aws-cdk-lib's cfn-guard validation.
      { id: guardRule('s3_bucket_logging_enabled_check'), reason: notLogged },
      {
        id: guardRule('s3_bucket_default_encryption_kms_check'),
        reason: `${sseS3} S3 server access log delivery likewise supports only SSE-S3 on its destination bucket.`,
      },
    );
  }
}

/**
 * Turns on access logs for an Application Load Balancer into `bucket` under
 * `prefix`, in environment-specific and environment-agnostic stacks alike.
 *
 * Stock `logAccessLogs()` needs a concrete region to pick the ELB log-delivery
 * principal. Here the bucket policy always allows the regional log-delivery
 * service principal, and in an environment-agnostic stack a CloudFormation
 * mapping from region to the legacy ELB account adds that account at deploy
 * time in the regions (opened before August 2022) that still need it.
 */
export function enableLoadBalancerAccessLogs(
  loadBalancer: elbv2.ApplicationLoadBalancer,
  bucket: s3.IBucket,
  prefix: string,
): void {
  const result = allowLoadBalancerLogDelivery(loadBalancer, bucket, prefix);
  loadBalancer.setAttribute('access_logs.s3.enabled', 'true');
  loadBalancer.setAttribute('access_logs.s3.bucket', bucket.bucketName);
  loadBalancer.setAttribute('access_logs.s3.prefix', prefix);
  // ELB checks it can write to the bucket when the attribute is set.
  if (result.policyDependable) loadBalancer.node.addDependency(result.policyDependable);
}

/**
 * Lets Elastic Load Balancing deliver access logs into `bucket` under `prefix`
 * (the regional log-delivery service principal, plus the legacy ELB account of
 * the region where one is needed), for a load balancer this app defines or one
 * a service creates from the template's settings (an Elastic Beanstalk
 * environment's). Warns on `requester` when the bucket is imported and its
 * policy cannot be changed. Make the load balancer's resource depend on the
 * returned `policyDependable`: ELB checks it can write when logging is turned on.
 */
export function allowLoadBalancerLogDelivery(
  requester: Construct,
  bucket: s3.IBucket,
  prefix: string,
): iam.AddToResourcePolicyResult {
  // The statement lands in the policy of the bucket's stack (the central log
  // stack in the sample app), so the region mapping and condition must live there too.
  const stack = Stack.of(bucket);
  const objects = bucket.arnForObjects(`${prefix ? prefix + '/' : ''}AWSLogs/${Aws.ACCOUNT_ID}/*`);
  const statement = new iam.PolicyStatement({
    actions: ['s3:PutObject'],
    resources: [objects],
    principals: [new iam.ServicePrincipal('logdelivery.elasticloadbalancing.amazonaws.com')],
  });
  const legacy = legacyElbAccountPrincipal(stack);
  if (legacy) statement.addPrincipals(legacy);

  const result = bucket.addToResourcePolicy(statement);
  if (!result.statementAdded) {
    Annotations.of(requester).addWarningV2(
      'cdk-compute-patterns:accessLogPolicy',
      `Could not add the ELB log-delivery statement to the policy of the imported bucket ${bucket.node.path}; add it to that bucket's policy yourself or access logs will not be delivered`,
    );
  }
  return result;
}

/**
 * The legacy ELB account of the stack's region as a principal, or undefined
 * where the region needs only the service principal.
 */
function legacyElbAccountPrincipal(stack: Stack): iam.IPrincipal | undefined {
  const region = stack.region;
  if (!Token.isUnresolved(region)) {
    const account = RegionInfo.get(region).elbv2Account;
    return account ? new iam.AccountPrincipal(account) : undefined;
  }
  const mappingId = 'CdkComputePatternsElbAccounts';
  const mapping =
    (stack.node.tryFindChild(mappingId) as CfnMapping | undefined) ??
    new CfnMapping(stack, mappingId, { mapping: elbAccountMapping() });
  const conditionId = 'CdkComputePatternsLegacyElbRegion';
  const condition =
    (stack.node.tryFindChild(conditionId) as CfnCondition | undefined) ??
    new CfnCondition(stack, conditionId, {
      expression: Fn.conditionNot(Fn.conditionEquals(mapping.findInMap(Aws.REGION, 'account'), 'none')),
    });
  const arn = Fn.conditionIf(
    condition.logicalId,
    `arn:${Aws.PARTITION}:iam::${mapping.findInMap(Aws.REGION, 'account')}:root`,
    Aws.NO_VALUE,
  ).toString();
  return new iam.ArnPrincipal(arn);
}

/** Every region aws-cdk-lib knows, with its legacy ELB account or 'none'. */
function elbAccountMapping(): { [region: string]: { [key: string]: string } } {
  const accounts = RegionInfo.regionMap(FactName.ELBV2_ACCOUNT);
  const mapping: { [region: string]: { [key: string]: string } } = {};
  for (const region of RegionInfo.regions) {
    mapping[region.name] = { account: accounts[region.name] ?? 'none' };
  }
  return mapping;
}
