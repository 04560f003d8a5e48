import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { AccessLogBucket } from './access-log-bucket';
import { enableNativeEventBridge } from './bucket-notifications';
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
   * @default - the bucket's construct path, so several buckets can share one log bucket
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
 */
export class SecureBucket extends s3.Bucket {
  /** The key that encrypts the bucket's objects. */
  public readonly encryptionKey: kms.IKey;

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
      serverAccessLogsBucket: props.serverAccessLogsBucket ?? AccessLogBucket.of(scope),
      serverAccessLogsPrefix: props.serverAccessLogsPrefix,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'ExpireNoncurrentVersions',
          noncurrentVersionExpiration: props.noncurrentVersionExpiration ?? Duration.days(30),
        },
        { id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
    });
    this.encryptionKey = key;
    enableNativeEventBridge(this);
  }
}
