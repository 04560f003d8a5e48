import { Aws, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { SecureKey } from './secure-key';

/** Construct id of the per-stack log encryption key: part of the API, never change it. */
const KEY_ID = 'CdkComputePatternsLogKey';

/**
 * The customer managed KMS key (rotation on) that encrypts every CloudWatch
 * log group the patterns create in a stack, created on first use. Its policy
 * lets CloudWatch Logs in the stack's own account and region use it for log
 * groups only.
 */
export function logEncryptionKey(scope: Construct): kms.IKey {
  const stack = Stack.of(scope);
  const existing = stack.node.tryFindChild(KEY_ID) as kms.IKey | undefined;
  if (existing) return existing;
  const key = new SecureKey(stack, KEY_ID, {
    description: 'Encrypts the CloudWatch log groups of cdk-compute-patterns constructs',
  });
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:*`,
        },
      },
    }),
  );
  return key;
}

/**
 * `name` followed by the stack instance's id (the UUID at the end of the stack's ARN), for a log group that must have
 * a fixed name and is kept when its stack is deleted (RETAIN). With the name alone, the kept group would hold the
 * name after `cdk destroy`, and the next deploy of the same stack would fail creating it ("already exists"); a
 * stack created again has a new id. The name is known at deploy time only; it is still unique per stack instance.
 */
export function perStackInstanceName(name: string): string {
  return `${name}-${Fn.select(2, Fn.split('/', Aws.STACK_ID))}`;
}

/**
 * The name and removal policy of a SecureLogGroup whose name must start with a fixed prefix (one a service or a
 * resource policy requires): `name` per stack instance (perStackInstanceName), kept on update and delete, but not
 * when the deploy that created it rolls back (RetainExceptOnCreate), so retrying a failed deploy finds no kept group
 * in the way. One case is left: removing the construct from a stack and adding it back to the same stack meets the
 * group kept at the removal, which must then be deleted first (the construct docs say so).
 */
export function fixedNameLogGroupProps(name: string): Pick<SecureLogGroupProps, 'logGroupName' | 'removalPolicy'> {
  return { logGroupName: perStackInstanceName(name), removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE };
}

/**
 * Properties for a SecureLogGroup.
 */
export interface SecureLogGroupProps {
  /**
   * How long log events are kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly retention?: logs.RetentionDays;

  /**
   * The log group name. The group is kept when the stack is deleted (unless `removalPolicy` says otherwise), so a
   * fixed name would collide with the kept group when the stack is deployed again: end it with something unique
   * to the stack instance, such as the stack id's UUID.
   * @default - a name CloudFormation generates
   */
  readonly logGroupName?: string;

  /**
   * What happens to the log group when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A CloudWatch log group with a retention period, encrypted with the stack's
 * shared customer managed key (Control Tower CT.CLOUDWATCH.PR.3).
 */
export class SecureLogGroup extends logs.LogGroup {
  constructor(scope: Construct, id: string, props: SecureLogGroupProps = {}) {
    const key = logEncryptionKey(scope);
    super(scope, id, {
      retention: props.retention ?? logs.RetentionDays.ONE_YEAR,
      logGroupName: props.logGroupName,
      encryptionKey: key,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    // The key policy must exist before CloudWatch Logs is asked to use the key.
    this.node.addDependency(key);
  }
}
