import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ManagedPolicyRole } from './managed-policy-role';
import { acknowledge, Acknowledgement } from './nag';

/**
 * A policy of its own for some statements of a role, created when the first statement arrives
 * (an attached policy without statements fails synthesis). `acknowledgements` go on that policy alone,
 * when it is created: what is inherent to the statements routed to it, never to the role's other policies.
 */
export class RoutedPolicy {
  private created?: iam.ManagedPolicy;

  constructor(
    private readonly scope: Construct,
    private readonly id: string,
    private readonly role: iam.IRole,
    private readonly acknowledgements: Acknowledgement[] = [],
  ) {}

  /** The policy, once a statement was routed to it. */
  public get policy(): iam.ManagedPolicy | undefined {
    return this.created;
  }

  /** Adds `statement`, creating the policy on first use. */
  public addStatement(statement: iam.PolicyStatement): iam.ManagedPolicy {
    if (!this.created) {
      this.created = new iam.ManagedPolicy(this.scope, this.id, { roles: [this.role] });
      if (this.acknowledgements.length > 0) acknowledge(this.created, ...this.acknowledgements);
    }
    this.created.addStatements(statement);
    return this.created;
  }
}

/**
 * An IAM role that can send statements added to it into a policy of their own instead of the
 * role's default policy. The construct uses it for permissions aws-cdk-lib grants on its behalf
 * (ECS Exec's channels, ECR's authorization token) whose wildcard resources are inherent: their
 * cdk-nag acknowledgement then sits on that policy alone, and any statement the user adds to the
 * role lands in the role's own customer managed policy (`<role>/Policy`, see ManagedPolicyRole), where
 * its findings stay visible.
 */
export class RoutedRole extends ManagedPolicyRole {
  private readonly routes: { readonly matches: (s: iam.PolicyStatement) => boolean; readonly target: RoutedPolicy }[] =
    [];

  /** Sends every statement added while `fn` runs that `matches` accepts to `target`. */
  public routeWhile<T>(target: RoutedPolicy, fn: () => T, matches: (s: iam.PolicyStatement) => boolean): T {
    const route = { matches, target };
    this.routes.push(route);
    try {
      return fn();
    } finally {
      this.routes.splice(this.routes.indexOf(route), 1);
    }
  }

  /**
   * Sends every statement `matches` accepts to `target` from now on, including those aws-cdk-lib adds
   * lazily at synthesis (e.g. a Batch container's secrets). For roles no user statement is meant for.
   */
  public routeAlways(target: RoutedPolicy, matches: (s: iam.PolicyStatement) => boolean): void {
    this.routes.push({ matches, target });
  }

  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    const route = this.routes.find((r) => r.matches(statement));
    if (!route) return super.addToPrincipalPolicy(statement);
    return { statementAdded: true, policyDependable: route.target.addStatement(statement) };
  }
}
