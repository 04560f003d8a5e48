import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { BATCH_JOBS_OUTPUTS } from '../bin/cli/verify/outputs';
import { BatchJobDefinition, BatchJobQueue } from '../lib';

/**
 * Sample: AWS Batch on Fargate Spot first and Fargate On-Demand next, one queue, one job definition
 * (a small script on the ECR Public Amazon Linux image, non-root, read-only root) and a nightly
 * schedule that submits it at 02:00 UTC. `npx cdk-compute-patterns verify` submits the same job and
 * follows it to SUCCEEDED.
 */
export class BatchJobsStack extends Stack {
  public readonly jobs: BatchJobQueue;
  public readonly report: BatchJobDefinition;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.jobs = new BatchJobQueue(this, 'Jobs', { spot: true, maxvCpus: 16 });
    this.report = this.jobs.addJobDefinition('NightlyReport', {
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/amazonlinux/amazonlinux:2023'),
      command: ['sh', '-c', 'echo "nightly report for Ref::day on $(uname -m)"; sleep 5; echo done'],
      parameters: { day: 'today' },
      vcpus: 0.25,
    });
    this.jobs.submitOnSchedule('Nightly', scheduler.ScheduleExpression.cron({ hour: '2', minute: '0' }), this.report);
    new CfnOutput(this, BATCH_JOBS_OUTPUTS.jobQueueArn, { value: this.jobs.jobQueue.jobQueueArn });
    new CfnOutput(this, BATCH_JOBS_OUTPUTS.jobDefinitionArn, { value: this.report.jobDefinitionArn });
    new CfnOutput(this, BATCH_JOBS_OUTPUTS.logGroupName, { value: this.jobs.logGroup.logGroupName });
  }
}
