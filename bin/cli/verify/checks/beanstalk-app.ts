import { DescribeEnvironmentsCommand, EnvironmentDescription } from '@aws-sdk/client-elastic-beanstalk';
import type { VerifyContext } from '../context';
import { BEANSTALK_APP_OUTPUTS, StackOutputs } from '../outputs';
import { formatMs, poll } from '../poll';
import { CheckResult, fail, judge } from '../result';
import { checkUrlAnswers2xx } from './url';

/** What DescribeEnvironments says of one environment, in a few words. */
function describe(env: EnvironmentDescription): string {
  return `status ${env.Status ?? 'unknown'}, health ${env.Health ?? 'unknown'}${env.HealthStatus ? ` (${env.HealthStatus})` : ''}, version ${env.VersionLabel ?? 'none'}`;
}

/**
 * Waits (up to `waitTimeoutMs`) for an environment of `application` to be Ready and Green: a deployment or a managed
 * update in progress shows Updating, a failing health check Yellow or Red.
 */
async function checkEnvironmentGreen(
  ctx: VerifyContext,
  id: string,
  application: string,
  environmentName: string,
): Promise<CheckResult> {
  const title = `environment ${environmentName} is Ready and Green`;
  const eb = ctx.clients.elasticBeanstalk();
  let last: EnvironmentDescription | undefined;
  const waited = await poll<EnvironmentDescription>(
    async () => {
      const { Environments } = await eb.send(
        new DescribeEnvironmentsCommand({
          ApplicationName: application,
          EnvironmentNames: [environmentName],
          IncludeDeleted: false,
        }),
      );
      last = Environments?.[0];
      if (!last) return { done: false, reason: `DescribeEnvironments knows no environment ${environmentName}` };
      if (last.Status === 'Ready' && last.Health === 'Green') return { done: true, value: last };
      if (last.Status === 'Terminated' || last.Status === 'Terminating') return { done: true, value: last };
      return { done: false, reason: describe(last) };
    },
    {
      label: `environment ${environmentName}`,
      timeoutMs: ctx.settings.waitTimeoutMs,
      initialDelayMs: 2000,
      maxDelayMs: 15_000,
      clock: ctx.clock,
      progress: ctx.progress,
    },
  );
  ctx.progress.done();
  if (!waited.ok) {
    return fail(id, title, `not Ready and Green within ${formatMs(ctx.settings.waitTimeoutMs)}: ${waited.reason}`);
  }
  const env = waited.value;
  return judge(
    env.Status === 'Ready' && env.Health === 'Green',
    id,
    title,
    `${describe(env)}, ${env.EndpointURL ?? 'no endpoint'}`,
  );
}

/**
 * BeanstalkApp checks: the web and the worker environments are Ready and Green (Elastic Beanstalk
 * DescribeEnvironments), and the web app's URL answers 2xx.
 */
export async function verifyBeanstalkApp(ctx: VerifyContext, outputs: StackOutputs): Promise<CheckResult[]> {
  const application = outputs[BEANSTALK_APP_OUTPUTS.applicationName];
  const web = await checkEnvironmentGreen(
    ctx,
    'web-green',
    application,
    outputs[BEANSTALK_APP_OUTPUTS.webEnvironmentName],
  );
  const worker = await checkEnvironmentGreen(
    ctx,
    'worker-green',
    application,
    outputs[BEANSTALK_APP_OUTPUTS.workerEnvironmentName],
  );
  const url = await checkUrlAnswers2xx(ctx, 'url-answers', outputs[BEANSTALK_APP_OUTPUTS.url]);
  return [web, worker, url];
}
