/**
 * Resolves the intrinsic functions of synthesized CloudFormation templates to
 * the concrete values a deployment in one fixed test account and region would
 * see, so IAM policies can be evaluated offline.
 *
 * Test-only: used by the runtime contracts (test/contracts). Physical names are
 * deterministic stand-ins derived from the logical id (CloudFormation would
 * generate random suffixes); ARNs follow each service's real ARN format, which
 * is what the policies match against.
 */

/** The account every contract is evaluated in. */
export const TEST_ACCOUNT = '111122223333';
/** Another account, for confused-deputy checks. */
export const OTHER_ACCOUNT = '444455556666';
/** The region every contract is evaluated in. */
export const TEST_REGION = 'eu-west-1';

/** A synthesized template: `Template.fromStack(stack).toJSON()` or a cloud assembly artifact's template. */
export type CfnTemplate = {
  Resources?: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
  Parameters?: Record<string, { Type: string; Default?: unknown }>;
  Mappings?: Record<string, Record<string, Record<string, unknown>>>;
  Conditions?: Record<string, unknown>;
  [key: string]: unknown;
};

export type CfnResource = {
  Type: string;
  Properties?: Record<string, Json>;
  Metadata?: Record<string, unknown>;
  [key: string]: unknown;
};

/** One stack of an app, as the resolver sees it. */
export interface StackTemplate {
  readonly stackName: string;
  readonly template: CfnTemplate;
}

/**
 * A resolved template value: arbitrary JSON whose shape the caller knows
 * (a policy document, a list of names, ...).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- resolved CloudFormation JSON has no static shape
export type Json = any;

/** Marks a value CloudFormation removes (`Ref: AWS::NoValue`). */
export const NO_VALUE = Symbol('AWS::NoValue');

/**
 * All the stacks of one app in one account and region; cross-stack references
 * (Fn::ImportValue, Fn::GetStackOutput) resolve between them.
 */
export class CfnApp {
  public readonly stacks: ReadonlyMap<string, CfnStack>;

  constructor(
    stacks: StackTemplate[],
    public readonly account = TEST_ACCOUNT,
    public readonly region = TEST_REGION,
  ) {
    const map = new Map<string, CfnStack>();
    for (const s of stacks) map.set(s.stackName, new CfnStack(this, s.stackName, s.template));
    this.stacks = map;
  }

  /** The stack called `name`; throws with the known names otherwise. */
  public stack(name: string): CfnStack {
    const found = this.stacks.get(name);
    if (!found) throw new Error(`No stack '${name}' in the app; stacks: ${[...this.stacks.keys()].join(', ')}`);
    return found;
  }

  /** The value of the export called `name`, from whichever stack exports it. */
  public importValue(name: string): unknown {
    for (const s of this.stacks.values()) {
      for (const output of Object.values(s.template.Outputs ?? {})) {
        if (output.Export && s.resolve(output.Export.Name) === name) return s.resolve(output.Value);
      }
    }
    throw new Error(`Fn::ImportValue '${name}': no stack of the app exports it`);
  }
}

/** ARN and attribute formats per resource type: `name` is the physical name (what Ref returns for most types). */
const ARN_FORMATS: Record<string, (s: CfnStack, name: string) => string> = {
  'AWS::S3::Bucket': (_s, n) => `arn:aws:s3:::${n}`,
  'AWS::KMS::Key': (s, n) => `arn:aws:kms:${s.region}:${s.account}:key/${n}`,
  'AWS::KMS::Alias': (s, n) => `arn:aws:kms:${s.region}:${s.account}:${n}`,
  'AWS::IAM::Role': (s, n) => `arn:aws:iam::${s.account}:role/${n}`,
  'AWS::IAM::ManagedPolicy': (s, n) => `arn:aws:iam::${s.account}:policy/${n}`,
  'AWS::IAM::InstanceProfile': (s, n) => `arn:aws:iam::${s.account}:instance-profile/${n}`,
  'AWS::SNS::Topic': (s, n) => `arn:aws:sns:${s.region}:${s.account}:${n}`,
  'AWS::StepFunctions::StateMachine': (s, n) => `arn:aws:states:${s.region}:${s.account}:stateMachine:${n}`,
  'AWS::SQS::Queue': (s, n) => `arn:aws:sqs:${s.region}:${s.account}:${n}`,
  'AWS::DynamoDB::Table': (s, n) => `arn:aws:dynamodb:${s.region}:${s.account}:table/${n}`,
  'AWS::Lambda::Function': (s, n) => `arn:aws:lambda:${s.region}:${s.account}:function:${n}`,
  'AWS::Logs::LogGroup': (s, n) => `arn:aws:logs:${s.region}:${s.account}:log-group:${n}:*`,
  'AWS::Events::Rule': (s, n) => `arn:aws:events:${s.region}:${s.account}:rule/${n}`,
  'AWS::WAFv2::WebACL': (s, n) => `arn:aws:wafv2:${s.region}:${s.account}:regional/webacl/${n}/0123abcd`,
  'AWS::ECR::Repository': (s, n) => `arn:aws:ecr:${s.region}:${s.account}:repository/${n}`,
  'AWS::EKS::Cluster': (s, n) => `arn:aws:eks:${s.region}:${s.account}:cluster/${n}`,
  'AWS::ECS::Cluster': (s, n) => `arn:aws:ecs:${s.region}:${s.account}:cluster/${n}`,
  'AWS::ECS::Service': (s, n) => `arn:aws:ecs:${s.region}:${s.account}:service/${n}`,
  'AWS::ECS::TaskDefinition': (s, n) => `arn:aws:ecs:${s.region}:${s.account}:task-definition/${n}:1`,
  'AWS::SecretsManager::Secret': (s, n) => `arn:aws:secretsmanager:${s.region}:${s.account}:secret:${n}-AbCdEf`,
  'AWS::SSM::Parameter': (s, n) => `arn:aws:ssm:${s.region}:${s.account}:parameter/${n.replace(/^\//, '')}`,
  'AWS::CloudWatch::Alarm': (s, n) => `arn:aws:cloudwatch:${s.region}:${s.account}:alarm:${n}`,
  'AWS::Batch::JobQueue': (s, n) => `arn:aws:batch:${s.region}:${s.account}:job-queue/${n}`,
  'AWS::Batch::JobDefinition': (s, n) => `arn:aws:batch:${s.region}:${s.account}:job-definition/${n}:1`,
  'AWS::Batch::ComputeEnvironment': (s, n) => `arn:aws:batch:${s.region}:${s.account}:compute-environment/${n}`,
  'AWS::AutoScaling::AutoScalingGroup': (s, n) =>
    `arn:aws:autoscaling:${s.region}:${s.account}:autoScalingGroup:00000000-0000-0000-0000-000000000000:autoScalingGroupName/${n}`,
  'AWS::ElasticLoadBalancingV2::LoadBalancer': (s, n) =>
    `arn:aws:elasticloadbalancing:${s.region}:${s.account}:loadbalancer/app/${n}/0123456789abcdef`,
  'AWS::ElasticLoadBalancingV2::TargetGroup': (s, n) =>
    `arn:aws:elasticloadbalancing:${s.region}:${s.account}:targetgroup/${n}/0123456789abcdef`,
  // The load balancer part of listener and rule ARNs is not in the resource's own properties; the logical id
  // alone tells the listeners (and rules) of an app apart.
  'AWS::ElasticLoadBalancingV2::Listener': (s, n) =>
    `arn:aws:elasticloadbalancing:${s.region}:${s.account}:listener/app/lb/0123456789abcdef/${n}`,
  'AWS::ElasticLoadBalancingV2::ListenerRule': (s, n) =>
    `arn:aws:elasticloadbalancing:${s.region}:${s.account}:listener-rule/app/lb/0123456789abcdef/listener/${n}`,
};

/** Types whose Ref is the ARN rather than the name. */
const REF_IS_ARN = new Set([
  'AWS::SNS::Topic',
  'AWS::StepFunctions::StateMachine',
  'AWS::IAM::ManagedPolicy',
  'AWS::SecretsManager::Secret',
  'AWS::ECS::TaskDefinition',
  'AWS::ECS::Service',
  'AWS::Batch::JobQueue',
  'AWS::Batch::JobDefinition',
  'AWS::Batch::ComputeEnvironment',
  'AWS::ElasticLoadBalancingV2::LoadBalancer',
  'AWS::ElasticLoadBalancingV2::TargetGroup',
  'AWS::ElasticLoadBalancingV2::Listener',
  'AWS::ElasticLoadBalancingV2::ListenerRule',
]);

/** The property that sets the physical name, per type. */
const NAME_PROPERTIES: Record<string, string> = {
  'AWS::S3::Bucket': 'BucketName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::StepFunctions::StateMachine': 'StateMachineName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::Events::Rule': 'Name',
  'AWS::ECR::Repository': 'RepositoryName',
  'AWS::EKS::Cluster': 'Name',
  'AWS::ECS::Cluster': 'ClusterName',
  'AWS::SecretsManager::Secret': 'Name',
  'AWS::SSM::Parameter': 'Name',
  'AWS::CloudWatch::Alarm': 'AlarmName',
  'AWS::KMS::Alias': 'AliasName',
  'AWS::AutoScaling::AutoScalingGroup': 'AutoScalingGroupName',
};

/** One stack's template, resolvable in the app's account and region. */
export class CfnStack {
  constructor(
    public readonly app: CfnApp,
    public readonly stackName: string,
    public readonly template: CfnTemplate,
  ) {}

  public get account(): string {
    return this.app.account;
  }

  public get region(): string {
    return this.app.region;
  }

  public get resources(): Record<string, CfnResource> {
    return this.template.Resources ?? {};
  }

  public resource(logicalId: string): CfnResource {
    const r = this.resources[logicalId];
    if (!r) throw new Error(`${this.stackName}: no resource ${logicalId}`);
    return r;
  }

  /** The physical name CloudFormation would give `logicalId` (its name property, else a stand-in). */
  public physicalName(logicalId: string): string {
    const r = this.resource(logicalId);
    const prop = NAME_PROPERTIES[r.Type];
    const given = prop ? r.Properties?.[prop] : undefined;
    if (given !== undefined) return String(this.resolve(given));
    const generated = `${this.stackName}-${logicalId}`;
    switch (r.Type) {
      case 'AWS::S3::Bucket':
        return generated.toLowerCase();
      case 'AWS::KMS::Key':
        return `key-${logicalId.toLowerCase()}`;
      case 'AWS::Logs::LogGroup':
        return `/cfn/${generated}`;
      default:
        return generated;
    }
  }

  /** What `Ref: logicalId` returns. */
  public ref(logicalId: string): unknown {
    if (this.template.Parameters?.[logicalId]) return this.parameter(logicalId);
    const r = this.resource(logicalId);
    const name = this.physicalName(logicalId);
    if (REF_IS_ARN.has(r.Type)) return ARN_FORMATS[r.Type](this, name);
    if (r.Type === 'AWS::SQS::Queue') return `https://sqs.${this.region}.amazonaws.com/${this.account}/${name}`;
    if (r.Type === 'AWS::Lambda::Alias') return this.aliasArn(r);
    if (r.Type.startsWith('AWS::EC2::')) return `${r.Type.split('::')[2].toLowerCase()}-${logicalId.toLowerCase()}`;
    return name;
  }

  /** A Lambda alias's ARN (what its `Ref` returns): the function's ARN qualified with the alias name. */
  private aliasArn(alias: CfnResource): string {
    const fn = String(this.resolve(alias.Properties!.FunctionName));
    const fnArn = fn.startsWith('arn:') ? fn : ARN_FORMATS['AWS::Lambda::Function'](this, fn);
    return `${fnArn}:${String(this.resolve(alias.Properties!.Name))}`;
  }

  /** What `Fn::GetAtt: [logicalId, attribute]` returns. */
  public getAtt(logicalId: string, attribute: string): unknown {
    const r = this.resource(logicalId);
    const name = this.physicalName(logicalId);
    const format = ARN_FORMATS[r.Type];
    if (r.Type === 'AWS::Lambda::Alias' && (attribute === 'Arn' || attribute === 'AliasArn')) return this.aliasArn(r);
    if (['Arn', 'TopicArn', 'LoadBalancerArn', 'JobQueueArn', 'ComputeEnvironmentArn'].includes(attribute)) {
      if (!format)
        throw new Error(`${this.stackName}: no ARN format for ${r.Type} (${logicalId}); add it to cfn-resolver.ts`);
      return format(this, name);
    }
    if (attribute === 'KeyId') return name;
    if (attribute === 'QueueUrl') return this.ref(logicalId);
    if (attribute === 'QueueName' || attribute === 'TopicName' || attribute === 'RoleId' || attribute === 'Name') {
      return name;
    }
    if (attribute === 'GroupId') return `sg-${logicalId.toLowerCase()}`;
    return `${logicalId}.${attribute}`;
  }

  private parameter(name: string): unknown {
    const p = this.template.Parameters![name];
    if (p.Type.startsWith('AWS::SSM::Parameter::Value')) return `resolved-ssm-${name}`;
    if (p.Default !== undefined) return p.Default;
    throw new Error(`${this.stackName}: parameter ${name} has no default; contracts cannot resolve it`);
  }

  private pseudo(name: string): unknown {
    switch (name) {
      case 'AWS::AccountId':
        return this.account;
      case 'AWS::Region':
        return this.region;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return this.stackName;
      case 'AWS::StackId':
        return `arn:aws:cloudformation:${this.region}:${this.account}:stack/${this.stackName}/00000000-0000-0000-0000-000000000000`;
      case 'AWS::NoValue':
        return NO_VALUE;
      case 'AWS::NotificationARNs':
        return [];
      default:
        throw new Error(`${this.stackName}: unknown pseudo parameter ${name}`);
    }
  }

  /** Evaluates a condition of the template's Conditions section. */
  public condition(name: string): boolean {
    const c = this.template.Conditions?.[name];
    if (c === undefined) throw new Error(`${this.stackName}: no condition ${name}`);
    return Boolean(this.resolve(c));
  }

  /** Resolves every intrinsic function in `value`; removes AWS::NoValue entries. */
  public resolve(value: unknown): Json {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v)).filter((v) => v !== NO_VALUE);
    if (value === null || typeof value !== 'object') return value;
    const obj = value as Record<string, Json>;
    const keys = Object.keys(obj);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::') || keys[0] === 'Condition')) {
      return this.intrinsic(keys[0], obj[keys[0]]);
    }
    const out: Record<string, unknown> = {};
    for (const k of keys) {
      const v = this.resolve(obj[k]);
      if (v !== NO_VALUE) out[k] = v;
    }
    return out;
  }

  private intrinsic(fn: string, arg: Json): unknown {
    switch (fn) {
      case 'Ref':
        return arg.startsWith('AWS::') ? this.pseudo(arg) : this.ref(arg);
      case 'Condition':
        return this.condition(arg);
      case 'Fn::GetAtt': {
        const [id, attr] = typeof arg === 'string' ? arg.split(/\.(.*)/s) : arg;
        return this.getAtt(id, this.resolve(attr));
      }
      case 'Fn::Join': {
        const [sep, parts] = arg;
        return (this.resolve(parts) as unknown[]).map(String).join(sep);
      }
      case 'Fn::Select': {
        const [index, list] = arg;
        return (this.resolve(list) as unknown[])[Number(this.resolve(index))];
      }
      case 'Fn::Split': {
        const [sep, source] = arg;
        return String(this.resolve(source)).split(sep);
      }
      case 'Fn::GetAZs':
        return ['a', 'b', 'c'].map((z) => `${this.region}${z}`);
      case 'Fn::Sub': {
        const [text, vars] = typeof arg === 'string' ? [arg, {}] : arg;
        const resolvedVars = this.resolve(vars) as Record<string, unknown>;
        return (text as string).replace(/\$\{([^!}][^}]*)\}/g, (_m, name: string) => {
          if (name in resolvedVars) return String(resolvedVars[name]);
          if (name.includes('.')) {
            const [id, attr] = name.split(/\.(.*)/s);
            return String(this.getAtt(id, attr));
          }
          return String(name.startsWith('AWS::') ? this.pseudo(name) : this.ref(name));
        });
      }
      case 'Fn::If': {
        const [cond, yes, no] = arg;
        return this.resolve(this.condition(cond) ? yes : no);
      }
      case 'Fn::Equals': {
        const [a, b] = this.resolve(arg) as unknown[];
        return JSON.stringify(a) === JSON.stringify(b);
      }
      case 'Fn::Not':
        return !this.resolve(arg[0]);
      case 'Fn::And':
        return (arg as unknown[]).every((c) => Boolean(this.resolve(c)));
      case 'Fn::Or':
        return (arg as unknown[]).some((c) => Boolean(this.resolve(c)));
      case 'Fn::FindInMap': {
        const [map, top, second] = this.resolve(arg) as string[];
        const found = this.template.Mappings?.[map]?.[top]?.[second];
        if (found === undefined) throw new Error(`${this.stackName}: Fn::FindInMap ${map}.${top}.${second} not found`);
        return found;
      }
      case 'Fn::ImportValue':
        return this.app.importValue(this.resolve(arg));
      case 'Fn::GetStackOutput': {
        const { StackName, OutputName } = this.resolve(arg) as { StackName: string; OutputName: string };
        const other = this.app.stack(StackName);
        const output = other.template.Outputs?.[OutputName];
        if (!output) throw new Error(`Fn::GetStackOutput: stack ${StackName} has no output ${OutputName}`);
        return other.resolve(output.Value);
      }
      case 'Fn::Base64':
        return Buffer.from(String(this.resolve(arg))).toString('base64');
      default:
        throw new Error(`${this.stackName}: intrinsic ${fn} is not supported by cfn-resolver.ts`);
    }
  }

  /**
   * The logical id of the one resource of `type` whose logical id starts with
   * `prefix` (or whose construct path, from `aws:cdk:path` metadata, starts
   * with it when the prefix contains a '/'). Throws when none or several match.
   */
  public find(type: string, prefix: string): string {
    const matches = Object.entries(this.resources)
      .filter(([, r]) => r.Type === type)
      .filter(([id, r]) =>
        prefix.includes('/') ? String(r.Metadata?.['aws:cdk:path'] ?? '').startsWith(prefix) : id.startsWith(prefix),
      )
      .map(([id]) => id);
    if (matches.length === 1) return matches[0];
    const all = Object.entries(this.resources)
      .filter(([, r]) => r.Type === type)
      .map(([id]) => id);
    throw new Error(
      `${this.stackName}: ${matches.length === 0 ? 'no' : 'several'} ${type} match '${prefix}'` +
        ` (${matches.join(', ') || 'none'}); resources of that type: ${all.join(', ') || 'none'}`,
    );
  }
}
