import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { testApp } from './support/cdk-context';
import { CfnTemplate, GUARD_RULES, guardBinary, guardRulesFor, RULE_GROUP_BATCH, runGuard } from './support/compliance';
import { acknowledgedResources, checkClaims } from './support/reason-truth';

/** A stack with a role holding one inline statement and one AWS managed policy, and a bucket. */
function roleStack(): { stack: Stack; role: iam.Role; template: CfnTemplate } {
  const app = testApp();
  const stack = new Stack(app, 'Reasons');
  const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  role.addToPolicy(
    new iam.PolicyStatement({ actions: ['kms:GenerateDataKey*', 'xray:PutTraceSegments'], resources: ['*'] }),
  );
  new s3.CfnBucket(stack, 'Bucket');
  const template = app.synth().getStackByName('Reasons').template as CfnTemplate;
  return { stack, role, template };
}

describe('reason truth', () => {
  test('passes a reason whose actions, intrinsics and types are in the template', () => {
    const { role, template } = roleStack();
    const scope = acknowledgedResources(role, template);
    expect(
      checkClaims(
        'AwsSolutions-IAM5[Action::kms:GenerateDataKey*] the role sends traces with xray:PutTraceSegments and encrypts with kms:GenerateDataKeyWithoutPlaintext; aws:SourceAccount limits it; see AWS::S3::Bucket',
        scope,
        template,
      ),
    ).toEqual([]);
  });

  test('fails when a reason names an action the acknowledged resources do not grant', () => {
    const { role, template } = roleStack();
    expect(
      checkClaims('the ENI actions (ec2:CreateNetworkInterface)', acknowledgedResources(role, template), template),
    ).toEqual([
      {
        claim: 'ec2:CreateNetworkInterface',
        problem: 'is not an action (or condition key) in the acknowledged resources',
      },
    ]);
  });

  test('fails when a reason names a managed policy that is not attached, an absent intrinsic or resource type', () => {
    const { role, template } = roleStack();
    expect(
      checkClaims(
        'AmazonSSMManagedInstanceCore grants it; the name arrives by Fn::ImportValue into an AWS::EC2::FlowLog',
        acknowledgedResources(role, template),
        template,
      ).map((p) => `${p.claim} ${p.problem}`),
    ).toEqual([
      'AmazonSSMManagedInstanceCore is not a managed policy attached to the acknowledged resources',
      'Fn::ImportValue does not occur in the stack template',
      'AWS::EC2::FlowLog is not a resource type in the stack template',
    ]);
  });

  test('passes an action that only an attached AWS managed policy can grant (not verifiable offline), and the policy name', () => {
    const app = testApp();
    const stack = new Stack(app, 'Managed');
    const role = new iam.Role(stack, 'Role', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    const template = app.synth().getStackByName('Managed').template as CfnTemplate;
    expect(
      checkClaims(
        'AmazonSSMManagedInstanceCore allows ssm:GetParameters on *',
        acknowledgedResources(role.node.defaultChild!, template),
        template,
      ),
    ).toEqual([]);
  });
});

describe('cfn-guard rule selection', () => {
  test('keeps the rules for the resource types present and reports exactly what the full rule set reports', () => {
    // GIVEN a template with a stock bucket only
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guard-'));
    const file = path.join(dir, 'Bucket.template.json');
    fs.writeFileSync(file, JSON.stringify({ Resources: { Bucket: { Type: 'AWS::S3::Bucket', Properties: {} } } }));
    try {
      // WHEN the rule files are selected
      const rules = guardRulesFor([file]);
      // THEN S3 rules are in, EKS rules are out
      expect(rules.some((r) => r.includes(`${path.sep}s3${path.sep}`))).toBe(true);
      expect(rules.some((r) => r.includes(`${path.sep}eks${path.sep}`))).toBe(false);
      // AND cfn-guard with every rule file fails the same rules
      const selected = runGuard([file])
        .get(path.resolve(file))!
        .map((f) => f.rule);
      expect(selected).toEqual(expect.arrayContaining(['s3_bucket_logging_enabled_check']));
      const everything = fullGuard(file);
      expect([...selected].sort()).toEqual([...everything].sort());
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('cfn-guard over many templates', () => {
  test('reports for each template exactly what the full rule set reports for it alone, whatever its neighbours', () => {
    // GIVEN templates that need different rule files (a bucket; a topic; a bucket and a role; a function whose
    // permission names its events rule, which the Lambda rules follow), two that need the same ones (two buckets),
    // and enough of them that runGuard evaluates by rule group
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guard-'));
    const templates: Record<string, Record<string, unknown>> = {
      Bucket: { Bucket: { Type: 'AWS::S3::Bucket', Properties: {} } },
      OtherBucket: { Bucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'other' } } },
      Topic: { Topic: { Type: 'AWS::SNS::Topic', Properties: {} } },
      BucketAndRole: {
        Bucket: { Type: 'AWS::S3::Bucket', Properties: {} },
        Role: {
          Type: 'AWS::IAM::Role',
          Properties: {
            AssumeRolePolicyDocument: {},
            Policies: [
              {
                PolicyName: 'all',
                PolicyDocument: { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
              },
            ],
          },
        },
      },
      FunctionAndRule: {
        Fn: {
          Type: 'AWS::Lambda::Function',
          Properties: { Runtime: 'nodejs22.x', Handler: 'index.handler', Role: 'arn:aws:iam::1:role/r', Code: {} },
        },
        Rule: { Type: 'AWS::Events::Rule', Properties: { ScheduleExpression: 'rate(1 hour)' } },
        Allow: {
          Type: 'AWS::Lambda::Permission',
          Properties: {
            Action: 'lambda:InvokeFunction',
            FunctionName: { 'Fn::GetAtt': ['Fn', 'Arn'] },
            Principal: 'events.amazonaws.com',
            SourceArn: { 'Fn::GetAtt': ['Rule', 'Arn'] },
          },
        },
      },
    };
    const files = Object.entries(templates).map(([name, resources]) => {
      const file = path.join(dir, `${name}.template.json`);
      fs.writeFileSync(file, JSON.stringify({ Resources: resources }));
      return file;
    });
    expect(files.length).toBeGreaterThanOrEqual(RULE_GROUP_BATCH);
    try {
      // WHEN they are checked in one runGuard call
      const together = runGuard(files);
      // THEN each template fails the rules the whole rule directory fails for it alone, and something failed
      for (const file of files) {
        expect({ file, rules: [...together.get(path.resolve(file))!.map((f) => f.rule)].sort() }).toEqual({
          file,
          rules: [...fullGuard(file)].sort(),
        });
      }
      expect(together.get(path.resolve(files[3]))!.map((f) => f.rule)).toEqual(
        expect.arrayContaining(['s3_bucket_logging_enabled_check']),
      );
      expect(together.get(path.resolve(files[3]))!.some((f) => f.rule.startsWith('iam_'))).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** cfn-guard over one template with the whole Control Tower rule directory, for comparison. */
function fullGuard(file: string): string[] {
  const args = [
    'validate',
    '--rules',
    GUARD_RULES,
    '--data',
    file,
    '--output-format',
    'json',
    '--show-summary',
    'none',
    '--structured',
  ];
  let out: string;
  try {
    out = execFileSync(guardBinary(), args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  } catch (e) {
    out = (e as { stdout: string }).stdout;
  }
  const docs = JSON.parse(out) as { not_compliant?: { Rule: { name: string } }[] }[];
  return docs.flatMap((d) => (d.not_compliant ?? []).map((n) => n.Rule.name));
}
