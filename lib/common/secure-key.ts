import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/**
 * Properties for a SecureKey.
 */
export interface SecureKeyProps {
  /**
   * What the key protects, shown in the KMS console.
   * @default - no description
   */
  readonly description?: string;

  /**
   * What happens to the key when it leaves the stack. Data encrypted with a
   * deleted key is lost, so keys outlive the stack by default.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A customer managed KMS key with automatic rotation whose policy denies
 * `kms:CreateGrant` unless the grant is for an AWS service acting on an AWS
 * resource (Control Tower CT.KMS.PR.3). Every key the patterns create is one.
 */
export class SecureKey extends kms.Key {
  constructor(scope: Construct, id: string, props: SecureKeyProps = {}) {
    super(scope, id, {
      description: props.description,
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyGrantsExceptForAwsServices',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        conditions: {
          BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
        },
      }),
    );
  }
}
