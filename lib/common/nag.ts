import { Stack, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * A compliance finding that a construct acknowledges on purpose, with the
 * reason a security reviewer reads in the validation report.
 */
export interface Acknowledgement {
  /**
   * The full finding id, e.g. `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]`.
   * cdk-nag 3 matches ids exactly: a bare `AwsSolutions-IAM4` does not cover a finding that carries a `[...]` suffix.
   */
  readonly id: string;
  /** Why the finding is inherent to the pattern or mitigated elsewhere. */
  readonly reason: string;
}

/** Shortest reason we accept: "noisy" or "n/a" is not a reason an auditor accepts. */
const MIN_REASON_LENGTH = 20;

/**
 * Acknowledges cdk-nag findings on `scope` (and everything below it) with a
 * written reason. Each secure building block calls this for the findings that
 * are inherent to it, so users of the library see no noise and auditors see why.
 */
export function acknowledge(scope: IConstruct, ...acknowledgements: Acknowledgement[]): void {
  for (const ack of acknowledgements) {
    if (!/^([A-Za-z-]+::[A-Za-z0-9_-]+|[A-Za-z][A-Za-z0-9.]*-[A-Za-z0-9]+(\[.+\])?)$/.test(ack.id)) {
      throw new Error(
        `acknowledge: '${ack.id}' is not a cdk-nag finding id; expected e.g. 'AwsSolutions-EC23', 'AwsSolutions-IAM5[Resource::*]', 'NIST.800.53.R5-S3BucketLoggingEnabled', 'CloudFormation-Validate::W9009' or 'cdk-validator-cfnguard::s3_bucket_logging_enabled_check'`,
      );
    }
    if (ack.reason.trim().length < MIN_REASON_LENGTH) {
      throw new Error(
        `acknowledge: the reason for ${ack.id} is too short ('${ack.reason}'); write at least ${MIN_REASON_LENGTH} characters a security reviewer can accept`,
      );
    }
    Validations.of(scope).acknowledge({ id: ack.id, reason: ack.reason });
  }
}

/** The compliance packs (cdk-nag 3) whose rules share a name: NIST 800-53 R5, HIPAA Security, PCI DSS 3.2.1. */
export const COMPLIANCE_PACKS = ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'];

/**
 * The same rule in every compliance pack that has it, with one reason: e.g.
 * `inEveryCompliancePack('S3BucketLoggingEnabled', reason)`. Pass only rules
 * all three packs define (the acknowledgement of a rule a pack lacks is inert).
 */
export function inEveryCompliancePack(rule: string, reason: string, packs = COMPLIANCE_PACKS): Acknowledgement[] {
  return packs.map((pack) => ({ id: `${pack}-${rule}`, reason }));
}

/**
 * The id under which aws-cdk-lib's policy validation acknowledges a Control Tower cfn-guard rule
 * reported by `@cdklabs/cdk-validator-cfnguard` (whose plugin name is the namespace), e.g.
 * `guardRule('s3_bucket_logging_enabled_check')`. Acknowledge it on the one CfnResource the rule
 * fails on: aws-cdk-lib matches each violating resource to the closest acknowledgement above it.
 */
export function guardRule(rule: string): string {
  return `cdk-validator-cfnguard::${rule}`;
}

/** The id cdk-nag uses for an AWS managed policy attached to a role. */
export function managedPolicyFinding(policyName: string): string {
  return `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${policyName}]`;
}

/**
 * The id cdk-nag gives a wildcard resource finding (`AwsSolutions-IAM5[Resource::...]`) for `resource`, an
 * ARN that may hold tokens: cdk-nag writes Fn::GetAtt as `<Id.Attr>`, Ref as `<Name>` and joins Fn::Join.
 * Works for resources created in the app and imported ones alike.
 */
export function wildcardResourceFinding(scope: IConstruct, resource: string): string {
  const flatten = (node: unknown): string => {
    if (node === undefined) return '';
    if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
    const n = node as Record<string, unknown>;
    if (n['Fn::Join']) {
      const [delimiter, items] = n['Fn::Join'] as [string, unknown[]];
      return items.map(flatten).join(delimiter);
    }
    if (n['Fn::GetAtt']) {
      const [id, attribute] = n['Fn::GetAtt'] as [unknown, unknown];
      return `<${flatten(id)}.${flatten(attribute)}>`;
    }
    if (n['Fn::ImportValue']) return flatten(n['Fn::ImportValue']);
    if (n.Ref) return `<${flatten(n.Ref)}>`;
    return JSON.stringify(node);
  };
  return `AwsSolutions-IAM5[Resource::${flatten(Stack.of(scope).resolve(resource))}]`;
}
