import { Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { BatchCompute, BatchJobQueue } from '../../lib';
import { agnosticStack, specificStack } from '../support/cdk-context';
import { probeScope, userWildcardStatement } from '../support/scope-probe';

const IMAGE = ecs.ContainerImage.fromRegistry('public.ecr.aws/amazonlinux/amazonlinux:2023');

/** Scope probes: each acknowledgement of BatchJobQueue hides its own finding only, never one the user adds. */
describe.each([
  ['environment-agnostic', agnosticStack],
  ['environment-specific', () => specificStack()],
])('BatchJobQueue acknowledgements hide nothing the user adds (%s)', (_kind, makeStack: () => Stack) => {
  test("a user's wildcard statement on a job's task role is reported", () => {
    const stack = makeStack();
    const jobs = new BatchJobQueue(stack, 'Jobs');
    const job = jobs.addJobDefinition('Job', { image: IMAGE });
    probeScope({
      stack,
      add: () => userWildcardStatement(job, 's3:GetObject'),
      expect: 'AwsSolutions-IAM5[Resource::*]',
      on: job.taskRole,
    });
  });

  test("a user's wildcard statement on the submit policy is reported next to the acknowledged revision wildcard", () => {
    const stack = makeStack();
    const jobs = new BatchJobQueue(stack, 'Jobs');
    const job = jobs.addJobDefinition('Job', { image: IMAGE });
    jobs.submitOnSchedule('Nightly', scheduler.ScheduleExpression.cron({ hour: '2', minute: '0' }), job);
    const policy = jobs.node.findChild('SubmitPolicy') as iam.ManagedPolicy;
    probeScope({
      stack,
      add: () => policy.addStatements(new iam.PolicyStatement({ actions: ['batch:CancelJob'], resources: ['*'] })),
      expect: 'AwsSolutions-IAM5[Resource::*]',
      on: policy,
    });
  });

  test('another AWS managed policy the user attaches to the container instance role is reported', () => {
    const stack = makeStack();
    new BatchJobQueue(stack, 'Jobs', { compute: BatchCompute.EC2 });
    const role = stack.node.findChild('Jobs').node.findChild('OnDemandEnvironmentInstanceRole') as iam.Role;
    probeScope({
      stack,
      add: () => role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonS3ReadOnlyAccess')),
      expect: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonS3ReadOnlyAccess]',
      on: role,
    });
  });
});
