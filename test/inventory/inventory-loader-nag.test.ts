/**
 * Acknowledgement scope probes: every finding the InventoryLoader acknowledges is acknowledged on the one
 * resource it is about, so a finding the user adds next to it (a wildcard on the same role, a queue or a
 * function in the same construct) is still reported by cdk-nag (AwsSolutions and Serverless packs).
 */
import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { InventoryLoader, InventoryLoaderProps } from '../../lib';
import { testApp } from '../support/cdk-context';
import { checkNag, StackNag } from '../support/nag-check';

type Env = { account: string; region: string } | undefined;

function audit(
  env: Env,
  addUserFindings?: (loader: InventoryLoader) => void,
  props: InventoryLoaderProps = {},
): StackNag {
  const report = checkNag((outdir) => {
    const app = testApp({ outdir });
    const stack = new Stack(app, 'Probe', { env });
    const loader = new InventoryLoader(stack, 'Loader', props);
    addUserFindings?.(loader);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
    return app;
  });
  return report.stacks[0];
}

const findings = (s: StackNag) => s.nagViolations.map((v) => `${v.rule} ${v.path}`).sort();

describe.each([
  ['environment-agnostic', undefined],
  ['environment-specific', { account: '123456789012', region: 'eu-west-1' }],
])('InventoryLoader cdk-nag acknowledgements (%s stack)', (_kind, env) => {
  test('leave no open finding with default props, each on the one resource it is about', () => {
    const result = audit(env);
    expect(result.nagViolations).toEqual([]);
    const ours = result.acknowledged.filter((a) => a.path.startsWith('Probe/Loader/'));
    // each on the resource it is about: the policy resource, the queue, the function, the table, bucket and VPC
    // resources (never the role or the construct)
    expect(
      ours
        .filter((a) => a.id.startsWith('Annotation::'))
        .map((a) => `${a.id} ${a.path}`)
        .sort(),
    ).toEqual([
      'Annotation::AwsSolutions-IAM5[Action::kms:GenerateDataKey*] Probe/Loader/Role/Policy',
      'Annotation::AwsSolutions-IAM5[Action::kms:ReEncrypt*] Probe/Loader/Role/Policy',
      'Annotation::AwsSolutions-IAM5[Resource::*] Probe/Loader/Role/LambdaServicePolicy',
      'Annotation::AwsSolutions-IAM5[Resource::<LoaderBucketFAEB01A6.Arn>/reports/*] Probe/Loader/Role/Policy',
      'Annotation::AwsSolutions-IAM5[Resource::<LoaderBucketFAEB01A6.Arn>/uploads/*] Probe/Loader/Role/Policy',
      'Annotation::AwsSolutions-SQS3 Probe/Loader/DeadLetterQueue',
      // the compliance packs' findings inherent to the tables (PITR on), the bucket (single Region) and the VPC
      'Annotation::HIPAA.Security-DynamoDBInBackupPlan Probe/Loader/LedgerTable/Resource',
      'Annotation::HIPAA.Security-DynamoDBInBackupPlan Probe/Loader/Table/Resource',
      'Annotation::HIPAA.Security-LambdaConcurrency Probe/Loader/Function',
      'Annotation::HIPAA.Security-LambdaDLQ Probe/Loader/Function',
      'Annotation::HIPAA.Security-S3BucketReplicationEnabled Probe/Loader/Bucket/Resource',
      'Annotation::HIPAA.Security-VPCDefaultSecurityGroupClosed Probe/Loader/Vpc/Resource',
      'Annotation::NIST.800.53.R5-DynamoDBInBackupPlan Probe/Loader/LedgerTable/Resource',
      'Annotation::NIST.800.53.R5-DynamoDBInBackupPlan Probe/Loader/Table/Resource',
      'Annotation::NIST.800.53.R5-LambdaConcurrency Probe/Loader/Function',
      'Annotation::NIST.800.53.R5-LambdaDLQ Probe/Loader/Function',
      'Annotation::NIST.800.53.R5-S3BucketReplicationEnabled Probe/Loader/Bucket/Resource',
      'Annotation::NIST.800.53.R5-VPCDefaultSecurityGroupClosed Probe/Loader/Vpc/Resource',
      'Annotation::PCI.DSS.321-S3BucketReplicationEnabled Probe/Loader/Bucket/Resource',
      'Annotation::PCI.DSS.321-VPCDefaultSecurityGroupClosed Probe/Loader/Vpc/Resource',
      'Annotation::Serverless-LambdaDLQ Probe/Loader/Function',
      'Annotation::Serverless-SQSRedrivePolicy Probe/Loader/DeadLetterQueue',
    ]);
  });

  test('acknowledge LambdaConcurrency only while no concurrency is reserved', () => {
    const result = audit(env, undefined, { reservedConcurrency: 2 });
    const ids = result.acknowledged.filter((a) => a.path.startsWith('Probe/Loader/')).map((a) => a.id);
    expect(ids).toEqual(expect.arrayContaining(['Annotation::NIST.800.53.R5-LambdaDLQ']));
    expect(ids.filter((id) => id.includes('LambdaConcurrency'))).toEqual([]);
  });

  test('do not hide the findings a user adds next to them', () => {
    // GIVEN one user finding next to each acknowledged one
    const result = audit(env, (loader) => {
      // next to IAM5[Resource::*] (acknowledged on the service policy only): a Scan on * on the same role
      loader.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Scan'], resources: ['*'] }));
      // next to the prefix-scoped S3 wildcards: a read of the whole bucket
      loader.function.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [loader.bucket.arnForObjects('*')] }),
      );
      // next to IAM5[Action::kms:GenerateDataKey*] / [Action::kms:ReEncrypt*]: another wildcard action
      loader.function.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['kms:Decrypt*'], resources: [loader.ledgerTable.encryptionKey!.keyArn] }),
      );
      // next to SQS3 / Serverless-SQSRedrivePolicy on the dead-letter queue: a queue without a DLQ in the same construct
      new sqs.Queue(loader, 'UserQueue', { enforceSSL: true });
      // next to Serverless-LambdaDLQ on the import function: a function without a DLQ in the same construct
      new lambda.Function(loader, 'UserFunction', {
        runtime: lambda.Runtime.NODEJS_24_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline('exports.handler = async () => undefined;'),
      });
    });
    // THEN each is reported
    expect(findings(result)).toEqual(
      expect.arrayContaining([
        'AwsSolutions-IAM5[Resource::*] Probe/Loader/Role/Policy/Resource',
        'AwsSolutions-IAM5[Resource::<LoaderBucketFAEB01A6.Arn>/*] Probe/Loader/Role/Policy/Resource',
        'AwsSolutions-IAM5[Action::kms:Decrypt*] Probe/Loader/Role/Policy/Resource',
        'AwsSolutions-SQS3 Probe/Loader/UserQueue/Resource',
        'Serverless-SQSRedrivePolicy Probe/Loader/UserQueue/Resource',
        'Serverless-LambdaDLQ Probe/Loader/UserFunction/Resource',
      ]),
    );
  });
});
