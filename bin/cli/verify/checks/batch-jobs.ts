import { DescribeJobQueuesCommand, DescribeJobsCommand, JobDetail, SubmitJobCommand } from '@aws-sdk/client-batch';
import type { VerifyContext } from '../context';
import { BATCH_JOBS_OUTPUTS, StackOutputs } from '../outputs';
import { formatMs, poll } from '../poll';
import { CheckResult, fail, judge, pass, skip } from '../result';

/** The states a Batch job passes through, in order (https://docs.aws.amazon.com/batch/latest/userguide/job_states.html). */
export const JOB_STATES = ['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED', 'FAILED'] as const;

/** The CloudWatch console page of a job's log stream. */
export function logStreamUrl(region: string, logGroupName: string, logStreamName: string): string {
  const enc = (s: string) => encodeURIComponent(encodeURIComponent(s)).replace(/%/g, '$');
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#logsV2:log-groups/log-group/${enc(logGroupName)}/log-events/${enc(logStreamName)}`;
}

/**
 * BatchJobs checks: the job queue is ENABLED and VALID; then (unless `--no-write`) the sample job is submitted and
 * followed through its states (SUBMITTED → PENDING → RUNNABLE → STARTING → RUNNING), printing each change, and
 * passes when it SUCCEEDS. A FAILED job fails the check with its status reason and a link to its log stream.
 */
export async function verifyBatchJobs(ctx: VerifyContext, outputs: StackOutputs): Promise<CheckResult[]> {
  const queueArn = outputs[BATCH_JOBS_OUTPUTS.jobQueueArn];
  const definitionArn = outputs[BATCH_JOBS_OUTPUTS.jobDefinitionArn];
  const logGroupName = outputs[BATCH_JOBS_OUTPUTS.logGroupName];
  const batch = ctx.clients.batch();
  const results: CheckResult[] = [];

  const { jobQueues } = await batch.send(new DescribeJobQueuesCommand({ jobQueues: [queueArn] }));
  const queue = jobQueues?.[0];
  results.push(
    judge(
      queue?.state === 'ENABLED' && queue.status === 'VALID',
      'queue-valid',
      `job queue ${queue?.jobQueueName ?? queueArn} is ENABLED and VALID`,
      queue
        ? `state ${queue.state}, status ${queue.status}${queue.statusReason ? ` (${queue.statusReason})` : ''}, priority ${queue.priority}, ${queue.computeEnvironmentOrder?.length ?? 0} compute environment(s)`
        : 'DescribeJobQueues returned no queue',
    ),
  );
  const title = 'the sample job runs to SUCCEEDED';
  if (!ctx.settings.write) {
    return [...results, skip('job-succeeds', title, '--no-write: no job submitted')];
  }
  if (!queue || queue.state !== 'ENABLED' || queue.status !== 'VALID') {
    return [...results, skip('job-succeeds', title, 'the queue cannot take jobs')];
  }

  const jobName = `verify-${ctx.settings.runId}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 128);
  const submitted = await batch.send(
    new SubmitJobCommand({ jobName, jobQueue: queueArn, jobDefinition: definitionArn, parameters: { day: 'verify' } }),
  );
  const jobId = submitted.jobId!;
  const seen: string[] = [];
  const waited = await poll<JobDetail>(
    async () => {
      const { jobs } = await batch.send(new DescribeJobsCommand({ jobs: [jobId] }));
      const job = jobs?.[0];
      if (!job) return { done: false, reason: `DescribeJobs does not know ${jobId} yet` };
      const status = job.status ?? 'UNKNOWN';
      if (seen[seen.length - 1] !== status) {
        seen.push(status);
        ctx.progress.update(`job ${jobName} (${jobId}): ${seen.join(' → ')}`);
      }
      if (status === 'SUCCEEDED' || status === 'FAILED') return { done: true, value: job };
      return { done: false, reason: `status ${status}${job.statusReason ? ` (${job.statusReason})` : ''}` };
    },
    {
      label: `Batch job ${jobName}`,
      timeoutMs: ctx.settings.waitTimeoutMs,
      initialDelayMs: 2000,
      maxDelayMs: 15_000,
      clock: ctx.clock,
      progress: ctx.progress,
    },
  );
  ctx.progress.done();
  if (!waited.ok) {
    return [
      ...results,
      fail(
        'job-succeeds',
        title,
        `job ${jobId} did not finish within ${formatMs(ctx.settings.waitTimeoutMs)} (states seen: ${seen.join(' → ') || 'none'}): ${waited.reason}. A job that stays RUNNABLE means no compute environment can place it (see docs/BATCH.md, "Blocked queues")`,
      ),
    ];
  }
  const job = waited.value;
  const stream = job.container?.logStreamName;
  const region = await batch.config.region();
  const logs = stream ? `; logs: ${logStreamUrl(region, logGroupName, stream)}` : '';
  if (job.status === 'SUCCEEDED') {
    results.push(
      pass('job-succeeds', title, `job ${jobId}: ${seen.join(' → ')} in ${formatMs(waited.elapsedMs)}${logs}`),
    );
  } else {
    const attempts = job.attempts?.length ?? 0;
    results.push(
      fail(
        'job-succeeds',
        title,
        `job ${jobId} FAILED after ${attempts} attempt(s): ${job.statusReason ?? 'no reason given'}${
          job.container?.exitCode !== undefined ? `, exit code ${job.container.exitCode}` : ''
        }${logs}`,
      ),
    );
  }
  return results;
}
