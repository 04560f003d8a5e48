import { CfnOutput, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { InventoryLoader } from '../lib';
import { SampleStackProps } from './shared-logging-stack';

/**
 * Sample: upload `examples/data/inventory-sample.csv` (or the .xlsx) to
 * `s3://<BucketName>/<UploadPrefix>` and find every row in `<TableName>`, with
 * a report under `reports/`.
 */
export class InventoryLoaderStack extends Stack {
  public readonly loader: InventoryLoader;

  constructor(scope: Construct, id: string, props: SampleStackProps) {
    super(scope, id, props);
    this.loader = new InventoryLoader(this, 'InventoryLoader', { accessLogBucket: props.accessLogBucket });
    new CfnOutput(this, 'BucketName', { value: this.loader.bucket.bucketName });
    new CfnOutput(this, 'UploadPrefix', { value: this.loader.uploadPrefix });
    new CfnOutput(this, 'ReportPrefix', { value: this.loader.reportPrefix });
    new CfnOutput(this, 'TableName', { value: this.loader.table.tableName });
    new CfnOutput(this, 'FunctionName', { value: this.loader.function.functionName });
  }
}
