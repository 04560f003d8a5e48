/**
 * The test harness's own speed mechanisms (test/support/README.md) keep every check they speed up.
 */
import { CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { testApp } from './support/cdk-context';

interface WorkerShared {
  readonly cfnValidateStats: { readonly constructed: number; readonly reused: number };
}

function workerShared(): WorkerShared | undefined {
  return (globalThis as Record<symbol, WorkerShared | undefined>)[Symbol.for('cdk-compute-patterns.worker-shared')];
}

function stackWith(type: string, properties: Record<string, unknown>): Stack {
  const stack = new Stack(testApp(), 'Harness');
  new CfnResource(stack, 'Resource', { type, properties });
  return stack;
}

describe("aws-cdk-lib's template validation (one engine per jest worker)", () => {
  test('still fails a synthesis whose template breaks a CloudFormation resource schema', () => {
    // GIVEN a bucket name CloudFormation rejects (upper case and an underscore)
    const stack = stackWith('AWS::S3::Bucket', { BucketName: 'Not_Valid' });
    // WHEN the stack is synthesized THEN the validation report fails the synthesis with the schema rule
    expect(() => Template.fromStack(stack)).toThrow(
      /BucketName: 'Not_Valid' does not match pattern[\s\S]*CloudFormation-Validate::F3031/,
    );
  });

  test('still reports a schema error of a resource type the first synthesis did not have', () => {
    // GIVEN a valid bucket synthesized first, then a queue with a property SQS does not have
    Template.fromStack(stackWith('AWS::S3::Bucket', { BucketName: 'valid-name' }));
    const stack = stackWith('AWS::SQS::Queue', { NotAQueueProperty: 1 });
    // WHEN the second stack is synthesized THEN its error is reported
    expect(() => Template.fromStack(stack)).toThrow(/'NotAQueueProperty' was unexpected/);
  });

  test('is constructed once by the worker and reused by every later synthesis', () => {
    // GIVEN the test environment (jest.config.js testEnvironment) and a first synthesis
    Template.fromStack(stackWith('AWS::SNS::Topic', {}));
    const shared = workerShared();
    expect(shared).toBeDefined();
    const before = { ...shared!.cfnValidateStats };
    // WHEN stacks with resource types no earlier synthesis had are synthesized (aws-cdk-lib asks for a new engine)
    Template.fromStack(stackWith('AWS::Logs::LogGroup', { RetentionInDays: 7 }));
    Template.fromStack(stackWith('AWS::SSM::Parameter', { Type: 'String', Value: 'v' }));
    // THEN no engine is constructed again: the worker's one serves them
    expect(shared!.cfnValidateStats.constructed).toBe(before.constructed);
    expect(shared!.cfnValidateStats.reused).toBeGreaterThanOrEqual(before.reused + 2);
  });
});
