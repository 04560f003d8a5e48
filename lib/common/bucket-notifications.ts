import * as s3 from 'aws-cdk-lib/aws-s3';

/**
 * Turns on S3 → EventBridge delivery with the bucket's native CloudFormation
 * `NotificationConfiguration` (Control Tower CT.S3.PR.4). The `eventBridgeEnabled`
 * prop and `addEventNotification()` would instead deploy CDK's
 * BucketNotificationsHandler custom-resource Lambda with broad IAM permissions.
 */
export function enableNativeEventBridge(bucket: s3.Bucket): void {
  const cfn = bucket.node.defaultChild as s3.CfnBucket;
  cfn.addPropertyOverride('NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled', true);
}
