import { Match, Template } from 'aws-cdk-lib/assertions';
import { BATCH_JOBS_OUTPUTS } from '../../bin/cli/verify/outputs';
import { BatchJobsStack } from '../../examples/batch-jobs-stack';
import { testApp } from '../support/cdk-context';

function sample() {
  const app = testApp();
  const stack = new BatchJobsStack(app, 'BatchJobs');
  return { stack, template: Template.fromStack(stack) };
}

describe('BatchJobsStack sample', () => {
  test('synthesizes the template in the snapshot', () => {
    const { template } = sample();
    expect(Object.keys(template.toJSON().Outputs).sort()).toEqual(Object.values(BATCH_JOBS_OUTPUTS).sort());
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('a Fargate Spot + Fargate queue, one job from ECR Public, submitted nightly', () => {
    const { template } = sample();
    const envs = Object.values(template.findResources('AWS::Batch::ComputeEnvironment'));
    expect(envs.map((e) => e.Properties.ComputeResources.Type)).toEqual(['FARGATE_SPOT', 'FARGATE']);
    template.hasResourceProperties('AWS::Batch::JobDefinition', {
      ContainerProperties: Match.objectLike({
        Image: 'public.ecr.aws/amazonlinux/amazonlinux:2023',
        User: '1000:1000',
      }),
    });
    template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(0 2 * * ? *)' });
  });
});
