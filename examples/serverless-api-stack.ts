import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { SERVERLESS_API_OUTPUTS } from '../bin/cli/verify/outputs';
import { ServerlessApi } from '../lib';

/**
 * Sample: the Lambda chapter's lab (a `users` API on API Gateway, Lambda and DynamoDB) with the library's
 * defaults: IAM authorization, WAF, throttling, validation, encrypted table, canary deployments. Call it with
 * SigV4-signed requests (`cdk-compute-patterns verify` does a create/get/list/delete round trip).
 */
export class ServerlessApiStack extends Stack {
  public readonly api: ServerlessApi;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, props);
    this.api = new ServerlessApi(this, 'UsersApi');
    new CfnOutput(this, SERVERLESS_API_OUTPUTS.apiUrl, { value: this.api.url });
    new CfnOutput(this, SERVERLESS_API_OUTPUTS.collectionName, { value: this.api.schema.name });
    new CfnOutput(this, SERVERLESS_API_OUTPUTS.keyAttribute, { value: this.api.schema.keyAttribute });
    new CfnOutput(this, SERVERLESS_API_OUTPUTS.tableName, { value: this.api.table.tableName });
  }
}
