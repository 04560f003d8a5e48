import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { AccessLogBucket } from './access-log-bucket';
import { enableNativeEventBridge } from './bucket-notifications';
import { acknowledge, inEveryCompliancePack } from './nag';
import { SecureKey } from './secure-key';

/**
 * Properties for a SecureBucket.
 */
export interface SecureBucketProps {
  /**
   * The customer managed KMS key that encrypts objects.
   * @default - a new key with rotation on
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * Where server access logs go.
   * @default - the stack's shared AccessLogBucket
   */
  readonly serverAccessLogsBucket?: s3.IBucket;

  /**
   * Prefix for the server access logs.
   * @default - the bucket's construct path with '/' replaced by '-', plus '/', so several buckets can share one log bucket
   */
  readonly serverAccessLogsPrefix?: string;

  /**
   * How long noncurrent object versions are kept.
   * @default Duration.days(30)
   */
  readonly noncurrentVersionExpiration?: Duration;

  /**
   * What happens to the bucket when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A data bucket with every secure default on: public access blocked, TLS
 * enforced, SSE-KMS with a customer managed key, ACLs disabled, versioning with
 * noncurrent-version expiry, server access logs, S3 Object Lock available for
 * legal holds (no default retention, so nothing is locked unless you ask), and
 * native EventBridge notifications.
 *
 * `encryptionKey` (inherited from `s3.Bucket`, optional there) is always set on
 * a SecureBucket: the key given in `encryptionKey` or the one created for it.
 */
export class SecureBucket extends s3.Bucket {
  /**
   * Turns on S3 → EventBridge delivery for a bucket of your own with the bucket's native CloudFormation
   * `NotificationConfiguration` (what a SecureBucket does itself, and what an InventoryLoader needs of a
   * bucket you bring). `eventBridgeEnabled: true` works too, but deploys CDK's notifications custom-resource
   * Lambda function with broad S3 permissions.
   */
  public static enableNativeEventBridge(bucket: s3.Bucket): void {
    enableNativeEventBridge(bucket);
  }

  constructor(scope: Construct, id: string, props: SecureBucketProps = {}) {
    const key =
      props.encryptionKey ?? new SecureKey(scope, `${id}Key`, { description: `Encrypts the objects in ${id}` });
    super(scope, id, {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: key,
      bucketKeyEnabled: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      objectLockEnabled: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'ExpireNoncurrentVersions',
          noncurrentVersionExpiration: props.noncurrentVersionExpiration ?? Duration.days(30),
        },
        { id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
    });
    enableNativeEventBridge(this);
    // On the bucket resource only: one finding per bucket, nothing a user adds can raise it again here.
    acknowledge(
      this.node.defaultChild!,
      ...inEveryCompliancePack(
        'S3BucketReplicationEnabled',
        'Cross-Region replication needs a destination bucket in another Region (and a replication role), which a single-Region stack cannot create. Within the Region the objects are versioned, noncurrent versions are kept for the configured period, and the bucket is retained when the stack is deleted; add a replication rule to a bucket of your own in another Region where your controls require a second copy.',
      ),
    );
    enableServerAccessLogs(
      this,
      props.serverAccessLogsBucket ?? AccessLogBucket.of(scope),
      props.serverAccessLogsPrefix ?? `${this.node.path.replace(/\//g, '-')}/`,
    );
  }
}

/**
 * Sends the server access logs of `bucket` to `logBucket` under `prefix`, with
 * a bucket policy for the S3 logging service on the log bucket. This is what
 * the `@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy` feature flag does, done
 * here explicitly so that apps without the flag do not fall back to the
 * LogDeliveryWrite ACL, which ACL-less (BucketOwnerEnforced) buckets refuse.
 */
export function enableServerAccessLogs(bucket: s3.Bucket, logBucket: s3.IBucket, prefix: string): void {
  const cfn = bucket.node.defaultChild as s3.CfnBucket;
  cfn.loggingConfiguration = { destinationBucketName: logBucket.bucketName, logFilePrefix: prefix };
  // Name the source bucket only when both live in one stack: a reference back would make the stacks depend on each other.
  const sameStack = Stack.of(bucket) === Stack.of(logBucket);
  logBucket.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
      actions: ['s3:PutObject'],
      resources: [logBucket.arnForObjects(`${prefix}*`)],
      conditions: {
        StringEquals: { 'aws:SourceAccount': Stack.of(logBucket).account },
        ...(sameStack ? { ArnLike: { 'aws:SourceArn': bucket.bucketArn } } : {}),
      },
    }),
  );
}
