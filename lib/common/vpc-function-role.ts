import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ManagedPolicyRole } from './managed-policy-role';

/** What Lambda itself needs to attach a function to a VPC: the actions of AWSLambdaVPCAccessExecutionRole (v3) without logs. */
export const VPC_ENI_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
];

/** What aws-lambda's Function grants itself for active tracing (on '*': X-Ray has no resource-level permissions). */
const XRAY_WRITE_ACTIONS = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];

/** Properties of a VpcFunctionRole: a role's, plus what its service policy is for. */
export interface VpcFunctionRoleProps extends iam.RoleProps {
  /** The description of the `LambdaServicePolicy` (which function it serves). */
  readonly servicePolicyDescription: string;
}

/**
 * The execution role of a Lambda function in a VPC. The statements that can only be written on `*` (Lambda's ENI actions
 * and X-Ray writes) live in a policy of their own, `LambdaServicePolicy` (a customer managed policy: NIST/HIPAA/PCI IAMNoInlinePolicy), so the acknowledgement of
 * `AwsSolutions-IAM5[Resource::*]` sits on that policy alone and a wildcard the user adds to the role (which
 * lands in the role's own customer managed policy, `Role/Policy`, see ManagedPolicyRole) is still reported.
 */
export class VpcFunctionRole extends ManagedPolicyRole {
  /** The policy holding the `*`-only statements (ENI actions for Lambda, X-Ray writes). */
  public readonly servicePolicy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: VpcFunctionRoleProps) {
    const { servicePolicyDescription, ...roleProps } = props;
    super(scope, id, roleProps);
    this.servicePolicy = new iam.ManagedPolicy(this, 'LambdaServicePolicy', {
      description: servicePolicyDescription,
      roles: [this],
      statements: [
        new iam.PolicyStatement({
          sid: 'LambdaVpcNetworkInterfaces',
          actions: VPC_ENI_ACTIONS,
          resources: ['*'],
        }),
        // Lambda makes its ENI calls outside the execution environment, without lambda:SourceFunctionArn in the
        // request context; calls from the function's code carry it. So the code cannot use the ENI actions.
        new iam.PolicyStatement({
          sid: 'DenyNetworkInterfacesToFunctionCode',
          effect: iam.Effect.DENY,
          actions: VPC_ENI_ACTIONS,
          resources: ['*'],
          conditions: { ArnLike: { 'lambda:SourceFunctionArn': 'arn:*:lambda:*:*:function:*' } },
        }),
      ],
    });
  }

  /** Routes the exact X-Ray statement aws-lambda adds for active tracing to the service policy; anything else to the role's policy. */
  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    if (this.servicePolicy && isXRayWrite(statement)) {
      this.servicePolicy.addStatements(statement);
      return { statementAdded: true, policyDependable: this.servicePolicy };
    }
    return super.addToPrincipalPolicy(statement);
  }
}

function isXRayWrite(statement: iam.PolicyStatement): boolean {
  const json = statement.toStatementJson() as {
    Effect?: string;
    Action?: unknown;
    Resource?: unknown;
    Condition?: unknown;
  };
  const actions = [json.Action].flat().map(String).sort();
  return (
    json.Effect === 'Allow' &&
    json.Condition === undefined &&
    JSON.stringify(actions) === JSON.stringify(XRAY_WRITE_ACTIONS) &&
    JSON.stringify([json.Resource].flat()) === '["*"]'
  );
}
