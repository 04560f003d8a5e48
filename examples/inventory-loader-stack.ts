import { CfnOutput, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { InventoryLoader, ManagedPolicyRole } from '../lib';
import { acknowledge, wildcardResourceFinding } from '../lib/common/nag';
import { SampleStackProps } from './shared-logging-stack';

/**
 * Sample: upload `examples/data/inventory-sample.csv` (or the .xlsx) to
 * `s3://<BucketName>/<UploadPrefix>` and find every row in `<TableName>`, with
 * a report under `reports/`.
 */
export class InventoryLoaderStack extends Stack {
  public readonly loader: InventoryLoader;
  /** Give this role to your uploaders: it may put spreadsheets under the upload prefix and nothing else. */
  public readonly uploaderRole: ManagedPolicyRole;

  constructor(scope: Construct, id: string, props: SampleStackProps) {
    super(scope, id, props);
    this.loader = new InventoryLoader(this, 'InventoryLoader', { accessLogBucket: props.accessLogBucket });

    // Give this role to your uploaders (people or systems in this account that may assume it). Its permissions
    // sit in a customer managed policy (NIST 800-53, HIPAA and PCI DSS want no inline policies).
    this.uploaderRole = new ManagedPolicyRole(this, 'UploaderRole', {
      assumedBy: new iam.AccountRootPrincipal(),
      description: 'Uploads inventory spreadsheets under the upload prefix of the sample InventoryLoader',
    });
    this.loader.grantUpload(this.uploaderRole);
    // The one finding grantUpload leaves: uploads have arbitrary names, so the object ARN ends in the prefix and *.
    acknowledge(this.uploaderRole.policy!, {
      id: wildcardResourceFinding(this, this.loader.bucket.arnForObjects(`${this.loader.uploadPrefix}*`)),
      reason:
        'Uploaders put objects of any name under the upload prefix and nowhere else in the bucket; every action is named, none is a wildcard.',
    });

    new CfnOutput(this, 'BucketName', { value: this.loader.bucket.bucketName });
    new CfnOutput(this, 'UploadPrefix', { value: this.loader.uploadPrefix });
    new CfnOutput(this, 'ReportPrefix', { value: this.loader.reportPrefix });
    new CfnOutput(this, 'TableName', { value: this.loader.table.tableName });
    new CfnOutput(this, 'FunctionName', { value: this.loader.function.functionName });
    new CfnOutput(this, 'UploaderRoleArn', { value: this.uploaderRole.roleArn });
  }
}
