import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { AccessLogBucket } from '../lib';

/**
 * Sample: the central access-log bucket the other sample stacks send their
 * load balancer and S3 server access logs to, as a platform team runs one log
 * destination for many workloads. Deployed automatically before the stacks
 * that use it; retained when they are destroyed.
 */
export class SharedLoggingStack extends Stack {
  public readonly accessLogBucket: s3.IBucket;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.accessLogBucket = new AccessLogBucket(this, 'AccessLogBucket');
    new CfnOutput(this, 'AccessLogBucketName', { value: this.accessLogBucket.bucketName });
  }
}

/** What every sample stack that writes access logs takes. */
export interface SampleStackProps extends StackProps {
  /** The central access-log bucket (from SharedLoggingStack). */
  readonly accessLogBucket: s3.IBucket;
  /**
   * Load balancer deletion protection. The sample app turns it off only when
   * run with `-c deletionProtection=false` (the e2e script does, so that
   * `cdk destroy` can clean up).
   * @default true
   */
  readonly deletionProtection?: boolean;
}
