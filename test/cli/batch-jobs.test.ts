import {
  BatchClient,
  DescribeJobQueuesCommand,
  DescribeJobsCommand,
  JobDetail,
  JobQueueDetail,
  SubmitJobCommand,
} from '@aws-sdk/client-batch';
import { mockClient } from 'aws-sdk-client-mock';
import { logStreamUrl, verifyBatchJobs } from '../../bin/cli/verify/checks/batch-jobs';
import { BATCH_JOBS } from './support/fixtures';
import { testContext } from './support/helpers';

const batch = mockClient(BatchClient);

const QUEUE: JobQueueDetail = {
  jobQueueName: 'BatchJobs-JobsJobQueue',
  jobQueueArn: BATCH_JOBS.JobQueueArn,
  state: 'ENABLED',
  status: 'VALID',
  priority: 10,
  computeEnvironmentOrder: [
    { order: 1, computeEnvironment: 'spot' },
    { order: 2, computeEnvironment: 'on-demand' },
  ],
};

function job(status: JobDetail['status'], extra: Partial<JobDetail> = {}): JobDetail {
  return {
    jobId: 'job-1',
    jobName: 'verify-test-run',
    jobQueue: BATCH_JOBS.JobQueueArn,
    jobDefinition: BATCH_JOBS.JobDefinitionArn,
    status,
    startedAt: 1,
    ...extra,
  } as JobDetail;
}

describe('verifyBatchJobs', () => {
  beforeEach(() => batch.reset());

  test('submits the sample job, follows its states and passes when it SUCCEEDS', async () => {
    // GIVEN a valid queue and a job that moves through its states
    batch.on(DescribeJobQueuesCommand, { jobQueues: [BATCH_JOBS.JobQueueArn] }).resolves({ jobQueues: [QUEUE] });
    batch.on(SubmitJobCommand).resolves({ jobId: 'job-1', jobName: 'verify-test-run' });
    batch
      .on(DescribeJobsCommand, { jobs: ['job-1'] })
      .resolvesOnce({ jobs: [job('SUBMITTED')] })
      .resolvesOnce({ jobs: [job('RUNNABLE')] })
      .resolvesOnce({ jobs: [job('RUNNABLE')] })
      .resolvesOnce({ jobs: [job('STARTING')] })
      .resolvesOnce({ jobs: [job('RUNNING')] })
      .resolves({ jobs: [job('SUCCEEDED', { container: { logStreamName: 'job/default/abc' } })] });
    const ctx = testContext();
    // WHEN
    const results = await verifyBatchJobs(ctx, BATCH_JOBS);
    // THEN the job was submitted to the stack's queue with the stack's definition
    const submit = batch.commandCalls(SubmitJobCommand)[0].args[0].input;
    expect(submit).toEqual({
      jobName: 'verify-test-run',
      jobQueue: BATCH_JOBS.JobQueueArn,
      jobDefinition: BATCH_JOBS.JobDefinitionArn,
      parameters: { day: 'verify' },
    });
    // AND each state change was shown once, in order
    expect(ctx.progress.updates.filter((u) => u.startsWith('job '))).toEqual([
      'job verify-test-run (job-1): SUBMITTED',
      'job verify-test-run (job-1): SUBMITTED → RUNNABLE',
      'job verify-test-run (job-1): SUBMITTED → RUNNABLE → STARTING',
      'job verify-test-run (job-1): SUBMITTED → RUNNABLE → STARTING → RUNNING',
      'job verify-test-run (job-1): SUBMITTED → RUNNABLE → STARTING → RUNNING → SUCCEEDED',
    ]);
    expect(results.map((r) => [r.id, r.status])).toEqual([
      ['queue-valid', 'pass'],
      ['job-succeeds', 'pass'],
    ]);
    expect(results[1].evidence).toMatch(/^job job-1: SUBMITTED → RUNNABLE → STARTING → RUNNING → SUCCEEDED in \d/);
    expect(results[1].evidence).toContain(logStreamUrl('us-east-1', BATCH_JOBS.JobLogGroupName, 'job/default/abc'));
  });

  test('fails with the status reason, exit code and a log link when the job FAILS', async () => {
    batch.on(DescribeJobQueuesCommand).resolves({ jobQueues: [QUEUE] });
    batch.on(SubmitJobCommand).resolves({ jobId: 'job-1', jobName: 'verify-test-run' });
    batch.on(DescribeJobsCommand).resolves({
      jobs: [
        job('FAILED', {
          statusReason: 'Essential container in task exited',
          attempts: [{}],
          container: { exitCode: 3, logStreamName: 'job/default/xyz' },
        }),
      ],
    });
    const results = await verifyBatchJobs(testContext(), BATCH_JOBS);
    expect(results[1]).toEqual({
      id: 'job-succeeds',
      status: 'fail',
      title: 'the sample job runs to SUCCEEDED',
      evidence: `job job-1 FAILED after 1 attempt(s): Essential container in task exited, exit code 3; logs: ${logStreamUrl('us-east-1', BATCH_JOBS.JobLogGroupName, 'job/default/xyz')}`,
    });
  });

  test('fails when the job never leaves RUNNABLE before the timeout, and says what that means', async () => {
    batch.on(DescribeJobQueuesCommand).resolves({ jobQueues: [QUEUE] });
    batch.on(SubmitJobCommand).resolves({ jobId: 'job-1', jobName: 'verify-test-run' });
    batch.on(DescribeJobsCommand).resolves({ jobs: [job('RUNNABLE')] });
    const results = await verifyBatchJobs(testContext({ settings: { waitTimeoutMs: 60_000 } }), BATCH_JOBS);
    expect(results[1].status).toBe('fail');
    expect(results[1].evidence).toMatch(/^job job-1 did not finish within 60(\.0)?s \(states seen: RUNNABLE\)/);
    expect(results[1].evidence).toContain('A job that stays RUNNABLE means no compute environment can place it');
  });

  test('--no-write checks the queue and submits nothing', async () => {
    batch.on(DescribeJobQueuesCommand).resolves({ jobQueues: [QUEUE] });
    const results = await verifyBatchJobs(testContext({ settings: { write: false } }), BATCH_JOBS);
    expect(results.map((r) => [r.id, r.status])).toEqual([
      ['queue-valid', 'pass'],
      ['job-succeeds', 'skip'],
    ]);
    expect(batch.commandCalls(SubmitJobCommand)).toHaveLength(0);
  });

  test('an INVALID queue fails and no job is submitted', async () => {
    batch.on(DescribeJobQueuesCommand).resolves({
      jobQueues: [{ ...QUEUE, status: 'INVALID', statusReason: 'CLIENT_ERROR - compute environment deleted' }],
    });
    const results = await verifyBatchJobs(testContext(), BATCH_JOBS);
    expect(results[0]).toEqual({
      id: 'queue-valid',
      status: 'fail',
      title: 'job queue BatchJobs-JobsJobQueue is ENABLED and VALID',
      evidence:
        'state ENABLED, status INVALID (CLIENT_ERROR - compute environment deleted), priority 10, 2 compute environment(s)',
    });
    expect(results[1].status).toBe('skip');
    expect(batch.commandCalls(SubmitJobCommand)).toHaveLength(0);
  });
});
