import { Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct, IConstruct } from 'constructs';
import { SecureLogGroup } from './log-group';
import { ManagedPolicyRole } from './managed-policy-role';
import { acknowledge, guardRule, inEveryCompliancePack } from './nag';

/** Construct id of the per-stack lookup: part of the API, never change it. */
const LOOKUP_ID = 'CdkComputePatternsPrefixLists';

/** The only API call the lookup makes. */
export const DESCRIBE_MANAGED_PREFIX_LISTS = 'ec2:DescribeManagedPrefixLists';

/**
 * Looks up, at deploy time, the ids of the AWS-managed prefix lists of gateway endpoint services
 * (`com.amazonaws.<region>.s3`, `com.amazonaws.<region>.dynamodb`), so security groups can allow HTTPS to
 * S3 and DynamoDB by prefix list instead of `0.0.0.0/0`. No offline source has these ids: the gateway
 * endpoint resource does not return them, `AWS::EC2::PrefixList` cannot import an AWS-managed list, and
 * `PrefixList.fromLookup` needs credentials and an environment-specific stack.
 *
 * One per stack (`AwsManagedPrefixLists.of(scope)`), shared by every pattern in it: an aws-cdk-lib
 * `AwsCustomResource` per service calls `ec2:DescribeManagedPrefixLists` with a `prefix-list-name` filter,
 * with the SDK bundled in Lambda (`installLatestAwsSdk: false`: nothing is downloaded at deploy time). A
 * Region without the list fails the deployment (the response has no `PrefixLists.0.PrefixListId`).
 */
export class AwsManagedPrefixLists extends Construct {
  /** The stack's lookup, created on first use. */
  public static of(scope: IConstruct): AwsManagedPrefixLists {
    const stack = Stack.of(scope);
    return (
      (stack.node.tryFindChild(LOOKUP_ID) as AwsManagedPrefixLists | undefined) ??
      new AwsManagedPrefixLists(stack, LOOKUP_ID)
    );
  }

  /**
   * The execution role of the AwsCustomResource provider function (a stack-wide singleton of aws-cdk-lib);
   * its statements (`ec2:DescribeManagedPrefixLists` on `*`, writes to its own log group) are in its customer
   * managed policy.
   */
  public readonly role: ManagedPolicyRole;
  /** The provider function's encrypted log group. */
  public readonly logGroup: SecureLogGroup;
  private readonly lookups = new Map<string, cr.AwsCustomResource>();
  private lookupPolicy?: iam.ManagedPolicy;

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    this.role = new ManagedPolicyRole(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Looks up the ids of AWS-managed prefix lists (S3, DynamoDB) at deploy time',
    });
    this.logGroup = new SecureLogGroup(this, 'LogGroup');
    // The function's role is given, so Lambda's basic execution policy is not attached: write its own logs only.
    this.logGroup.grantWrite(this.role);
  }

  /** The id of the AWS-managed prefix list of `service` (a gateway endpoint service), resolved at deploy time. */
  public prefixListId(service: ec2.GatewayVpcEndpointAwsService): string {
    const name = service.name.split('.').pop()!;
    let lookup = this.lookups.get(name);
    if (!lookup) {
      lookup = new cr.AwsCustomResource(this, `${name.toUpperCase()}`, {
        resourceType: 'Custom::AwsManagedPrefixList',
        onUpdate: {
          service: 'EC2',
          action: 'DescribeManagedPrefixLists',
          // The list is named after the endpoint service, e.g. com.amazonaws.eu-west-1.s3.
          parameters: { Filters: [{ Name: 'prefix-list-name', Values: [service.name] }] },
          physicalResourceId: cr.PhysicalResourceId.of(service.name),
          outputPaths: ['PrefixLists.0.PrefixListId'],
        },
        role: this.role,
        installLatestAwsSdk: false,
        logGroup: this.logGroup,
        memorySize: 256,
        timeout: Duration.minutes(2),
      });
      this.grantLookup(lookup);
      this.lookups.set(name, lookup);
    }
    return lookup.getResponseField('PrefixLists.0.PrefixListId');
  }

  /**
   * Grants the lookup to whichever role the provider function has: ours, unless another AwsCustomResource of the
   * stack created the singleton function first with a role of its own.
   */
  private grantLookup(lookup: cr.AwsCustomResource): void {
    const describe = new iam.PolicyStatement({
      sid: 'DescribeManagedPrefixLists',
      actions: [DESCRIBE_MANAGED_PREFIX_LISTS],
      resources: ['*'],
    });
    if (lookup.grantPrincipal !== this.role) {
      // Another AwsCustomResource of the stack created the singleton function first, with its own role.
      const result = lookup.grantPrincipal.addToPrincipalPolicy(describe);
      if (result.policyDependable) lookup.node.addDependency(result.policyDependable);
      return;
    }
    if (!this.lookupPolicy) {
      // A policy of its own, so the acknowledgement of its `*` covers this statement alone: a wildcard the user adds
      // to the role lands in the role's own policy (`Role/Policy`) and is reported.
      this.lookupPolicy = new iam.ManagedPolicy(this.role, 'LookupPolicy', {
        description: 'Reads the ids of the AWS-managed prefix lists of the S3 and DynamoDB gateway endpoints',
        roles: [this.role],
        statements: [describe],
      });
      acknowledge(this.lookupPolicy, {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'This policy allows ec2:DescribeManagedPrefixLists alone, which is read-only and has no resource-level permissions: the lookup reads the ids of the AWS-managed prefix lists of the gateway endpoints (S3, DynamoDB) at deploy time.',
      });
      const provider = Stack.of(this).node.tryFindChild(
        `AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`,
      );
      if (provider) acknowledgeProviderFunction(provider);
    }
    lookup.node.addDependency(this.lookupPolicy, this.role.policy!);
  }
}

/**
 * The findings inherent to aws-cdk-lib's AwsCustomResource provider function, acknowledged on that function alone
 * (a stack-wide singleton that only CloudFormation invokes, during deployments).
 */
function acknowledgeProviderFunction(provider: IConstruct): void {
  const deployOnly =
    'The AwsCustomResource provider function of aws-cdk-lib runs only when CloudFormation creates, updates or deletes a custom resource of this stack';
  const outsideVpc = `${deployOnly}; it reads AWS API metadata (prefix-list ids) and reaches no data in the VPC, so it runs outside the VPC rather than require an EC2 interface endpoint there.`;
  const noDeadLetters = `${deployOnly}. A failed call fails the deployment, which CloudFormation rolls back and reports; there is no event to keep in a dead-letter queue.`;
  const noReservation = `${deployOnly}, a few times per deployment; reserving concurrency for it would take from the account's unreserved pool, which on new accounts (quota 10) fails to deploy.`;
  const noTracing = `${deployOnly}: it makes one read-only call per custom resource, and its outcome is in the stack's events and the function's own encrypted log group. Tracing it would add X-Ray write permissions on every resource to its role for no request path worth following.`;
  const resource = provider.node.defaultChild ?? provider;
  acknowledge(
    resource,
    ...inEveryCompliancePack('LambdaInsideVPC', outsideVpc),
    { id: guardRule('lambda_inside_vpc_check'), reason: outsideVpc },
    ...inEveryCompliancePack('LambdaDLQ', noDeadLetters, ['NIST.800.53.R5', 'HIPAA.Security']),
    { id: 'Serverless-LambdaDLQ', reason: noDeadLetters },
    { id: 'Serverless-LambdaTracing', reason: noTracing },
    ...inEveryCompliancePack('LambdaConcurrency', noReservation, ['NIST.800.53.R5', 'HIPAA.Security']),
  );
}
