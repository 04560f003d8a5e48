/**
 * The template resolver and evaluator the runtime contracts stand on:
 * intrinsic functions and cross-stack references resolve to the ARNs of the
 * test account and region, in environment-agnostic and environment-specific
 * stacks, and the AGPL evaluator stays out of what the library ships.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { testApp } from '../support/cdk-context';
import { CfnApp, CfnTemplate, TEST_ACCOUNT, TEST_REGION } from '../support/cfn-resolver';
import { evaluateContract, role } from '../support/runtime-contracts';

const ROOT = join(__dirname, '..', '..');

/** Two stacks: a bucket in one, a role reading it in the other (a cross-stack reference). */
function crossStackApp(env?: { account: string; region: string }): CfnApp {
  const app = testApp();
  const producer = new Stack(app, 'Producer', { env });
  const bucket = new s3.Bucket(producer, 'Data');
  const consumer = new Stack(app, 'Consumer', { env, crossRegionReferences: false });
  const reader = new iam.Role(consumer, 'Reader', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
  bucket.grantRead(reader);
  const assembly = app.synth();
  return new CfnApp(assembly.stacks.map((s) => ({ stackName: s.stackName, template: s.template as CfnTemplate })));
}

describe('cfn-resolver', () => {
  test('resolves pseudo parameters, Join, Sub, Select, Split, If, FindInMap and GetAZs', () => {
    // GIVEN a template using each intrinsic function
    const template: CfnTemplate = {
      Mappings: { Accounts: { [TEST_REGION]: { elb: '156460612806' } } },
      Conditions: { InTestRegion: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, TEST_REGION] } },
      Resources: { Key: { Type: 'AWS::KMS::Key', Properties: {} }, Topic: { Type: 'AWS::SNS::Topic', Properties: {} } },
    };
    const stack = new CfnApp([{ stackName: 'S', template }]).stack('S');

    // WHEN / THEN
    expect(
      stack.resolve({
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']],
      }),
    ).toBe(`arn:aws:iam::${TEST_ACCOUNT}:root`);
    expect(
      stack.resolve({
        'Fn::Sub': 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${Topic.TopicName}',
      }),
    ).toBe(`arn:aws:logs:${TEST_REGION}:${TEST_ACCOUNT}:log-group:S-Topic`);
    expect(stack.resolve({ 'Fn::Select': [1, { 'Fn::Split': ['/', 'a/b/c'] }] })).toBe('b');
    expect(stack.resolve({ 'Fn::Select': [0, { 'Fn::GetAZs': '' }] })).toBe(`${TEST_REGION}a`);
    expect(
      stack.resolve({
        'Fn::If': [
          'InTestRegion',
          { 'Fn::FindInMap': ['Accounts', { Ref: 'AWS::Region' }, 'elb'] },
          { Ref: 'AWS::NoValue' },
        ],
      }),
    ).toBe('156460612806');
    expect(stack.resolve({ 'Fn::GetAtt': ['Key', 'Arn'] })).toBe(
      `arn:aws:kms:${TEST_REGION}:${TEST_ACCOUNT}:key/key-key`,
    );
    expect(stack.resolve({ Ref: 'Topic' })).toBe(`arn:aws:sns:${TEST_REGION}:${TEST_ACCOUNT}:S-Topic`);
    expect(stack.resolve([{ Ref: 'AWS::NoValue' }, 'kept'])).toEqual(['kept']);
  });

  test('fails when a resource selector matches several resources, naming them', () => {
    // GIVEN two keys with the same prefix
    const template: CfnTemplate = { Resources: { KeyA: { Type: 'AWS::KMS::Key' }, KeyB: { Type: 'AWS::KMS::Key' } } };
    const stack = new CfnApp([{ stackName: 'S', template }]).stack('S');

    // WHEN / THEN
    expect(() => stack.find('AWS::KMS::Key', 'Key')).toThrow(
      "S: several AWS::KMS::Key match 'Key' (KeyA, KeyB); resources of that type: KeyA, KeyB",
    );
  });

  test('selects a resource by construct path when the selector contains a slash', () => {
    // GIVEN two roles with path metadata
    const template: CfnTemplate = {
      Resources: {
        RoleA1: { Type: 'AWS::IAM::Role', Metadata: { 'aws:cdk:path': 'S/Loader/Role/Resource' } },
        RoleB2: { Type: 'AWS::IAM::Role', Metadata: { 'aws:cdk:path': 'S/Other/Role/Resource' } },
      },
    };
    const stack = new CfnApp([{ stackName: 'S', template }]).stack('S');

    // WHEN / THEN
    expect(stack.find('AWS::IAM::Role', 'S/Loader/')).toBe('RoleA1');
    expect(stack.find('AWS::IAM::Role', 'RoleB')).toBe('RoleB2');
  });

  test('resolves Fn::ImportValue to the value the exporting stack exports', () => {
    // GIVEN a stack exporting a bucket ARN and one importing it
    const producer: CfnTemplate = {
      Resources: { Data: { Type: 'AWS::S3::Bucket' } },
      Outputs: {
        DataArn: {
          Value: { 'Fn::GetAtt': ['Data', 'Arn'] },
          Export: { Name: { 'Fn::Sub': '${AWS::StackName}-DataArn' } },
        },
      },
    };
    const app = new CfnApp([
      { stackName: 'Producer', template: producer },
      { stackName: 'Consumer', template: { Resources: {} } },
    ]);

    // WHEN / THEN
    expect(app.stack('Consumer').resolve({ 'Fn::ImportValue': 'Producer-DataArn' })).toBe('arn:aws:s3:::producer-data');
    expect(() => app.stack('Consumer').resolve({ 'Fn::ImportValue': 'Nobody-Exports-This' })).toThrow(
      "Fn::ImportValue 'Nobody-Exports-This': no stack of the app exports it",
    );
  });

  test.each([
    ['environment-specific', { account: TEST_ACCOUNT, region: TEST_REGION }],
    ['environment-agnostic', undefined],
  ])('resolves cross-stack references in %s stacks and evaluates across them', async (_kind, env) => {
    // GIVEN a role in one stack granted read on a bucket of another
    const app = crossStackApp(env);

    const producer = app.stack('Producer');
    const bucketArn = String(producer.getAtt(producer.find('AWS::S3::Bucket', 'Data'), 'Arn'));

    // WHEN the role reads an object of that bucket, and one of another bucket
    const read = (resource: string) =>
      evaluateContract(
        { caller: role('Reader'), action: 's3:GetObject', resource, phase: 'run', why: 'test', expect: 'allowed' },
        app.stack('Consumer'),
      );
    const own = await read(`${bucketArn}/x.csv`);
    const other = await read('arn:aws:s3:::another-bucket/x.csv');

    // THEN the consumer's policy referenced the bucket across stacks, resolved to its ARN
    expect(JSON.stringify(app.stack('Consumer').template)).toMatch(/Fn::GetStackOutput|Fn::ImportValue/);
    expect(own.decision).toBe('allowed');
    expect(other.decision).toBe('denied');
  });
});

describe('the AGPL evaluator is a test-only dependency', () => {
  function sources(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
    });
  }

  test('lib/ and bin/ never import @cloud-copilot packages, and package.json lists them only as devDependencies', () => {
    // GIVEN what the library ships
    const shipped = [...sources(join(ROOT, 'lib')), ...sources(join(ROOT, 'bin'))];
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

    // THEN no shipped source imports the evaluator
    expect(shipped.filter((f) => readFileSync(f, 'utf8').includes('@cloud-copilot'))).toEqual([]);
    expect(Object.keys(pkg.dependencies ?? {}).filter((d) => d.startsWith('@cloud-copilot'))).toEqual([]);
    expect(Object.keys(pkg.peerDependencies ?? {}).filter((d) => d.startsWith('@cloud-copilot'))).toEqual([]);
    expect(pkg.devDependencies['@cloud-copilot/iam-simulate']).toBeDefined();
  });
});
