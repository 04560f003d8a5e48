/**
 * Mutation checks: for every kind of policy a contract can depend on, remove
 * the granting statement (or the condition) from the synthesized template and
 * show that the contract then fails. This proves the evaluator is not
 * trivially allowing (or denying) and that each kind of policy is collected.
 */
import { CfnApp, CfnTemplate, Json } from '../support/cfn-resolver';
import { describeCall, evaluateContract, RuntimeContract } from '../support/runtime-contracts';
import { sampleApp } from './targets';

let app: CfnApp;
beforeAll(() => {
  // GIVEN the sample app, synthesized once for every check below
  app = sampleApp.synth();
}, 600_000);

/** The declared contract of `stackName` whose call description contains every fragment. */
function declared(stackName: string, expect: 'allowed' | 'denied', ...fragments: string[]): RuntimeContract {
  const target = sampleApp.targets.find((t) => t.stackName === stackName)!;
  const found = target.groups
    .flatMap((g) => g.contracts)
    .filter((c) => c.expect === expect && !c.knownGap && fragments.every((f) => describeCall(c).includes(f)));
  if (found.length !== 1) throw new Error(`${found.length} contracts of ${stackName} match ${fragments.join(' + ')}`);
  return found[0];
}

/** The one declared contract of `stackName` for which `match` is true. */
function declaredWhere(stackName: string, match: (c: RuntimeContract) => boolean): RuntimeContract {
  const target = sampleApp.targets.find((t) => t.stackName === stackName)!;
  const found = target.groups.flatMap((g) => g.contracts).filter((c) => !c.knownGap && match(c));
  if (found.length !== 1) throw new Error(`${found.length} contracts of ${stackName} match`);
  return found[0];
}

/** A copy of the app with `stackName`'s template changed by `change`. */
function mutated(stackName: string, change: (template: CfnTemplate) => void): CfnApp {
  const stacks = [...app.stacks.values()].map((s) => ({
    stackName: s.stackName,
    template: structuredClone(s.template) as CfnTemplate,
  }));
  change(stacks.find((s) => s.stackName === stackName)!.template);
  return new CfnApp(stacks, app.account, app.region);
}

function resourceOf(template: CfnTemplate, type: string, prefix: string): { id: string; props: Record<string, Json> } {
  const entry = Object.entries(template.Resources ?? {}).find(([id, r]) => r.Type === type && id.startsWith(prefix));
  if (!entry) throw new Error(`no ${type} ${prefix}*`);
  return { id: entry[0], props: entry[1].Properties! };
}

/** Removes the statements for which `match` is true; fails if none matched (the mutation must bite). */
function dropStatements(document: { Statement: Json[] }, match: (statement: Json) => boolean): void {
  const before = document.Statement.length;
  document.Statement = document.Statement.filter((s) => !match(s));
  expect(document.Statement.length).toBeLessThan(before);
}

/** The customer managed policy (AWS::IAM::ManagedPolicy with Roles) that holds the role's grants. */
const rolePolicy = (t: CfnTemplate) => resourceOf(t, 'AWS::IAM::ManagedPolicy', 'InventoryLoaderRolePolicy');

/** Moves the role's grants into an identity policy (AWS::IAM::Policy attached to the role); returns its document. */
function moveToIdentityPolicy(t: CfnTemplate): { Statement: Json[] } {
  const policy = rolePolicy(t);
  delete t.Resources![policy.id];
  const document = policy.props.PolicyDocument;
  t.Resources!.IdentityPolicy = {
    Type: 'AWS::IAM::Policy',
    Properties: { PolicyName: 'Identity', PolicyDocument: document, Roles: policy.props.Roles },
  };
  return document;
}

/** Moves the role's attached policy into its inline Policies; returns the moved document. */
function moveToInline(t: CfnTemplate): { Statement: Json[] } {
  const policy = rolePolicy(t);
  delete t.Resources![policy.id];
  const document = policy.props.PolicyDocument;
  resourceOf(t, 'AWS::IAM::Role', 'InventoryLoaderRole').props.Policies = [
    { PolicyName: 'Inline', PolicyDocument: document },
  ];
  return document;
}

/** Turns the role's attached policy into a customer managed policy in ManagedPolicyArns; returns its document. */
function moveToManaged(t: CfnTemplate): { Statement: Json[] } {
  const policy = rolePolicy(t);
  delete t.Resources![policy.id];
  const document = policy.props.PolicyDocument;
  t.Resources!.CustomerManaged = { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: document } };
  resourceOf(t, 'AWS::IAM::Role', 'InventoryLoaderRole').props.ManagedPolicyArns = [{ Ref: 'CustomerManaged' }];
  return document;
}

/** Gives the role a permissions boundary (a customer managed policy) allowing `actions`. */
function addBoundary(t: CfnTemplate, actions: string[]): void {
  t.Resources!.Boundary = {
    Type: 'AWS::IAM::ManagedPolicy',
    Properties: {
      PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] },
    },
  };
  resourceOf(t, 'AWS::IAM::Role', 'InventoryLoaderRole').props.PermissionsBoundary = { Ref: 'Boundary' };
}

/** The stack's CloudWatch Logs resource policy, resolved (its PolicyDocument is a JSON string with intrinsics). */
function eventsToLogs(t: CfnTemplate): { props: Record<string, Json>; document: { Statement: Json[] } } {
  const policy = resourceOf(t, 'AWS::Logs::ResourcePolicy', 'CdkComputePatternsEventsToLogs');
  const document = JSON.parse(String(app.stack('BatchJobs').resolve(policy.props.PolicyDocument)));
  return { props: policy.props, document };
}

/** A Lambda permission for API Gateway on `functionName`, as another API of the account would need. */
function apiGatewayPermission(functionName: Json): Json {
  return {
    Type: 'AWS::Lambda::Permission',
    Properties: {
      Action: 'lambda:InvokeFunction',
      FunctionName: functionName,
      Principal: 'apigateway.amazonaws.com',
      SourceArn: { 'Fn::Sub': 'arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:otherapi/*' },
    },
  };
}

const grants = (action: string) => (s: Json) => s.Effect === 'Allow' && [s.Action].flat().includes(action);
const json = (s: Json) => JSON.stringify(s);

async function decision(contract: RuntimeContract, cfn: CfnApp, stackName: string): Promise<string> {
  return (await evaluateContract(contract, cfn.stack(stackName))).decision;
}

interface MutationCase {
  readonly kind: string;
  readonly stackName: string;
  readonly contract: () => RuntimeContract;
  readonly mutate: (template: CfnTemplate) => void;
  /**
   * For policies the sample templates do not use: the same change without the
   * removal, after which the contract must still hold (proves the evaluator
   * collects that kind of policy, not just that the call is denied without it).
   */
  readonly control?: (template: CfnTemplate) => void;
}

const CASES: MutationCase[] = [
  {
    kind: 'identity policy (AWS::IAM::Policy attached to the role)',
    stackName: 'InventoryLoader',
    contract: () => declared('InventoryLoader', 'allowed', 'InventoryLoaderRole', 's3:GetObject'),
    control: (t) => void moveToIdentityPolicy(t),
    mutate: (t) => dropStatements(moveToIdentityPolicy(t), grants('s3:GetObject')),
  },
  {
    kind: 'role inline policy (AWS::IAM::Role Policies)',
    stackName: 'InventoryLoader',
    contract: () => declared('InventoryLoader', 'allowed', 'InventoryLoaderRole', 'dynamodb:BatchWriteItem'),
    control: (t) => void moveToInline(t),
    mutate: (t) => dropStatements(moveToInline(t), grants('dynamodb:BatchWriteItem')),
  },
  {
    kind: 'AWS managed policy (ManagedPolicyArns, real document)',
    stackName: 'EksCluster',
    contract: () => declared('EksCluster', 'allowed', 'EksNodeRole', 'eks:DescribeCluster'),
    mutate: (t) => {
      const role = resourceOf(t, 'AWS::IAM::Role', 'EksNodeRole').props;
      role.ManagedPolicyArns = role.ManagedPolicyArns.filter(
        (a: Json) => !json(a).includes('AmazonEKSWorkerNodePolicy'),
      );
    },
  },
  {
    kind: 'customer managed policy (AWS::IAM::ManagedPolicy)',
    stackName: 'InventoryLoader',
    contract: () => declared('InventoryLoader', 'allowed', 'InventoryLoaderRole', 's3:PutObject'),
    control: (t) => void moveToManaged(t),
    mutate: (t) => dropStatements(moveToManaged(t), grants('s3:PutObject')),
  },
  {
    kind: 'permissions boundary',
    stackName: 'InventoryLoader',
    contract: () => declared('InventoryLoader', 'allowed', 'InventoryLoaderRole', 's3:GetObject'),
    control: (t) => addBoundary(t, ['s3:*', 'kms:*', 'dynamodb:*']),
    mutate: (t) => addBoundary(t, ['kms:*', 'dynamodb:*']),
  },
  {
    kind: 'key policy (service principal statement)',
    stackName: 'InventoryLoader',
    contract: () => declared('InventoryLoader', 'allowed', 'events.amazonaws.com', 'kms:GenerateDataKey'),
    mutate: (t) =>
      dropStatements(resourceOf(t, 'AWS::KMS::Key', 'InventoryLoaderDeadLetterKey').props.KeyPolicy, (s) =>
        json(s.Principal).includes('events.amazonaws.com'),
      ),
  },
  {
    kind: 'key policy (same-account delegation to the account root)',
    stackName: 'InventoryLoader',
    contract: () =>
      declared('InventoryLoader', 'allowed', 'InventoryLoaderRole', 'kms:Decrypt', 'InventoryLoaderBucketKey'),
    mutate: (t) =>
      dropStatements(resourceOf(t, 'AWS::KMS::Key', 'InventoryLoaderBucketKey').props.KeyPolicy, (s) =>
        json(s.Principal).includes(':root'),
      ),
  },
  {
    kind: 'bucket policy',
    stackName: 'SharedLogging',
    contract: () => declared('SharedLogging', 'allowed', 'logging.s3.amazonaws.com'),
    mutate: (t) =>
      dropStatements(resourceOf(t, 'AWS::S3::BucketPolicy', 'AccessLogBucketPolicy').props.PolicyDocument, (s) =>
        json(s.Principal).includes('logging.s3.amazonaws.com'),
      ),
  },
  {
    kind: 'topic policy',
    stackName: 'WebFleet',
    contract: () => declared('WebFleet', 'allowed', 'cloudwatch.amazonaws.com', 'sns:Publish'),
    mutate: (t) =>
      dropStatements(
        resourceOf(t, 'AWS::SNS::TopicPolicy', 'CdkComputePatternsAlarmsPolicy').props.PolicyDocument,
        grants('sns:Publish'),
      ),
  },
  {
    kind: 'queue policy',
    stackName: 'InventoryLoader',
    contract: () => declared('InventoryLoader', 'allowed', 'events.amazonaws.com', 'sqs:SendMessage'),
    mutate: (t) =>
      dropStatements(
        resourceOf(t, 'AWS::SQS::QueuePolicy', 'InventoryLoaderDeadLetterQueuePolicy').props.PolicyDocument,
        grants('sqs:SendMessage'),
      ),
  },
  {
    kind: 'Lambda permission (AWS::Lambda::Permission)',
    stackName: 'InventoryLoader',
    contract: () => declared('InventoryLoader', 'allowed', 'events.amazonaws.com', 'lambda:InvokeFunction'),
    mutate: (t) => {
      delete t.Resources![resourceOf(t, 'AWS::Lambda::Permission', 'InventoryLoaderUploadRuleAllowEventRule').id];
    },
  },
  {
    kind: 'trust policy (sts:AssumeRole)',
    stackName: 'InventoryLoader',
    contract: () =>
      declared(
        'InventoryLoader',
        'allowed',
        'lambda.amazonaws.com',
        'sts:AssumeRole',
        'IAM::Role InventoryLoaderRole*',
      ),
    mutate: (t) => {
      resourceOf(t, 'AWS::IAM::Role', 'InventoryLoaderRole').props.AssumeRolePolicyDocument.Statement[0].Principal = {
        Service: 'ec2.amazonaws.com',
      };
    },
  },
  {
    kind: 'condition key aws:SourceArn (queue policy, confused deputy)',
    stackName: 'InventoryLoader',
    contract: () => declared('InventoryLoader', 'denied', 'events.amazonaws.com', 'sqs:SendMessage'),
    mutate: (t) => {
      const statement = resourceOf(
        t,
        'AWS::SQS::QueuePolicy',
        'InventoryLoaderDeadLetterQueuePolicy',
      ).props.PolicyDocument.Statement.find(grants('sqs:SendMessage'));
      expect(statement.Condition).toBeDefined();
      delete statement.Condition;
    },
  },
  {
    kind: 'condition key kms:EncryptionContext:aws:logs:arn (key policy, confused deputy)',
    stackName: 'WebFleet',
    contract: () => declared('WebFleet', 'denied', 'logs.{region}.amazonaws.com', 'kms:GenerateDataKey'),
    mutate: (t) => {
      const statement = resourceOf(t, 'AWS::KMS::Key', 'CdkComputePatternsLogKey').props.KeyPolicy.Statement.find(
        (s: Json) => json(s.Principal).includes('logs.'),
      );
      expect(json(statement.Condition)).toContain('kms:EncryptionContext:aws:logs:arn');
      delete statement.Condition;
    },
  },
  {
    kind: 'condition key aws:SourceArn (Lambda permission SourceArn, confused deputy)',
    stackName: 'InventoryLoader',
    contract: () => declared('InventoryLoader', 'denied', 'events.amazonaws.com', 'lambda:InvokeFunction'),
    mutate: (t) => {
      const permission = resourceOf(t, 'AWS::Lambda::Permission', 'InventoryLoaderUploadRuleAllowEventRule').props;
      expect(permission.SourceArn).toBeDefined();
      delete permission.SourceArn;
    },
  },
  {
    kind: 'CloudWatch Logs resource policy (AWS::Logs::ResourcePolicy)',
    stackName: 'BatchJobs',
    contract: () => declared('BatchJobs', 'allowed', 'events.amazonaws.com', 'logs:PutLogEvents', 'FailedJobsLogGroup'),
    mutate: (t) => {
      delete t.Resources![resourceOf(t, 'AWS::Logs::ResourcePolicy', 'CdkComputePatternsEventsToLogs').id];
    },
  },
  {
    kind: 'condition key aws:SourceArn (CloudWatch Logs resource policy, confused deputy)',
    stackName: 'BatchJobs',
    contract: () => declared('BatchJobs', 'denied', 'events.amazonaws.com', 'logs:PutLogEvents', 'FailedJobsLogGroup'),
    mutate: (t) => {
      const { props, document } = eventsToLogs(t);
      expect(document.Statement[0].Condition).toBeDefined();
      delete document.Statement[0].Condition;
      props.PolicyDocument = JSON.stringify(document);
    },
  },
  {
    kind: 'condition key aws:SourceAccount with IfExists (trust policy, confused deputy)',
    stackName: 'ServerlessApi',
    contract: () => declared('ServerlessApi', 'denied', 'apigateway.amazonaws.com', 'sts:AssumeRole'),
    mutate: (t) => {
      const statement = resourceOf(t, 'AWS::IAM::Role', 'UsersApiInvokeRole').props.AssumeRolePolicyDocument
        .Statement[0];
      expect(json(statement.Condition)).toContain('StringEqualsIfExists');
      delete statement.Condition;
    },
  },
  {
    kind: 'Lambda alias resource policy (AWS::Lambda::Permission on a qualified ARN)',
    stackName: 'ServerlessApi',
    contract: () =>
      declaredWhere(
        'ServerlessApi',
        (c) =>
          c.expect === 'denied' &&
          describeCall(c).includes(
            'apigateway.amazonaws.com lambda:InvokeFunction on {Ref Lambda::Alias UsersApiReadLiveAlias',
          ) &&
          c.why.includes('same account'),
      ),
    // a permission on the unqualified function does not apply to the alias
    control: (t) => {
      t.Resources!.OtherApiPermission = apiGatewayPermission({
        Ref: resourceOf(t, 'AWS::Lambda::Function', 'UsersApiReadFunction').id,
      });
    },
    mutate: (t) => {
      t.Resources!.OtherApiPermission = apiGatewayPermission({
        Ref: resourceOf(t, 'AWS::Lambda::Alias', 'UsersApiReadLiveAlias').id,
      });
    },
  },
  {
    kind: 'least privilege per route group (a denied action granted to the read role)',
    stackName: 'ServerlessApi',
    contract: () => declared('ServerlessApi', 'denied', 'UsersApiReadRole', 'dynamodb:PutItem'),
    mutate: (t) => {
      const table = resourceOf(t, 'AWS::IAM::ManagedPolicy', 'UsersApiReadPolicy').props.PolicyDocument.Statement.find(
        (st: Json) => st.Sid === 'Table',
      );
      table.Action = [...table.Action, 'dynamodb:PutItem'];
    },
  },
];

describe('a contract fails when the policy that grants it is removed', () => {
  test.each(CASES.map((c) => [c.kind, c] as const))('%s', async (_kind, c) => {
    const contract = c.contract();
    // GIVEN the contract holds on the template as synthesized
    expect(await decision(contract, app, c.stackName)).toBe(contract.expect);

    if (c.control) {
      // AND still holds when the policy is moved (not removed) to the kind under test
      expect(await decision(contract, mutated(c.stackName, c.control), c.stackName)).toBe(contract.expect);
    }

    // WHEN the granting statement (or the condition) is removed
    const broken = mutated(c.stackName, c.mutate);

    // THEN the evaluator reaches the opposite decision, so the contract fails
    expect(await decision(contract, broken, c.stackName)).toBe(contract.expect === 'allowed' ? 'denied' : 'allowed');
  });
});
