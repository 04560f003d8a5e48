import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { acknowledge, inEveryCompliancePack } from './nag';
import { SecureKey } from './secure-key';

/** Options of `secureTable`. */
export interface SecureTableOptions {
  /** The string partition key. */
  readonly partitionKey: string;
  /** What the table holds, for the key's description (e.g. 'the inventory table'). */
  readonly what: string;
  /** A key you bring; default: a new SecureKey named `<id>Key` next to the table. */
  readonly encryptionKey?: kms.IKey;
  /** Of the table and of the key made for it. Default RETAIN. */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * An on-demand table with point-in-time recovery, a customer managed key (a
 * SecureKey unless one is given), deletion protection and RETAIN. (`Table`, not
 * `TableV2`: TableV2 cannot render a customer managed key in an
 * environment-agnostic stack.)
 *
 * With `removalPolicy: DESTROY` the table has no deletion protection: DynamoDB refuses DeleteTable on a protected
 * table, so CloudFormation's delete would fail (DELETE_FAILED) and leave the stack stuck. The key made for the table
 * then goes with it too (KMS schedules its deletion after the pending window); a key you bring is yours to keep.
 */
export function secureTable(scope: Construct, id: string, options: SecureTableOptions): dynamodb.Table {
  const removalPolicy = options.removalPolicy ?? RemovalPolicy.RETAIN;
  const table = new dynamodb.Table(scope, id, {
    partitionKey: { name: options.partitionKey, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
    encryptionKey:
      options.encryptionKey ??
      new SecureKey(scope, `${id}Key`, {
        description: `Encrypts ${options.what} of ${scope.node.path}`,
        removalPolicy,
      }),
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    deletionProtection: removalPolicy !== RemovalPolicy.DESTROY,
    removalPolicy,
  });
  // On the table resource only: the table's own backups are what the rule asks about.
  acknowledge(
    table.node.defaultChild!,
    ...inEveryCompliancePack(
      'DynamoDBInBackupPlan',
      `Point-in-time recovery is on (continuous backups, restorable to any second of the recovery period, 35 days by default), and ${removalPolicy === RemovalPolicy.DESTROY ? 'the table was given removalPolicy DESTROY, so it has no deletion protection and leaves with the stack' : 'deletion protection keeps the table'}. An AWS Backup plan adds cross-account or cross-Region copies and longer retention, an organization-level choice: add the table to your plan with BackupResource.fromDynamoDbTable.`,
      ['NIST.800.53.R5', 'HIPAA.Security'],
    ),
  );
  return table;
}
