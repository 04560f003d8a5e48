import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * An IAM role whose statements (what aws-cdk-lib's `grant*()` methods and the
 * user's `addToPrincipalPolicy()` add) go into a customer managed policy of its
 * own, `<role>/Policy`, instead of the inline `DefaultPolicy`: the NIST 800-53
 * R5, HIPAA Security and PCI DSS 3.2.1 packs (IAMNoInlinePolicy) and AWS
 * Security Hub (IAM.1x) want permissions in managed policies, which can be
 * reviewed, versioned and reused on their own. The policy is created with the
 * first statement (a managed policy without statements fails to synthesize).
 */
export class ManagedPolicyRole extends iam.Role {
  private grantsPolicy?: iam.ManagedPolicy;

  /** The customer managed policy holding the role's statements; undefined until the first one arrives. */
  public get policy(): iam.ManagedPolicy | undefined {
    return this.grantsPolicy;
  }

  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    this.grantsPolicy ??= new iam.ManagedPolicy(this, 'Policy', {
      description: `Permissions of ${this.node.path} (customer managed instead of inline)`,
      roles: [this],
    });
    this.grantsPolicy.addStatements(statement);
    return { statementAdded: true, policyDependable: this.grantsPolicy };
  }
}
