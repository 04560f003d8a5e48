import { GetAccountSettingsCommand } from '@aws-sdk/client-lambda';
import { call } from '../call';
import { cliScope, PreflightContext } from '../context';
import { check, PreflightCheck } from '../result';

/** Lambda's "Concurrent executions" quota (service code lambda). */
export const LAMBDA_CONCURRENCY_QUOTA = { serviceCode: 'lambda', quotaCode: 'L-B99A9384' } as const;

/** Lambda keeps this many executions unreserved, or the whole limit when the account's limit is lower. */
export const MIN_UNRESERVED = 100;
/** The default concurrency limit of an established account; new accounts can start far lower (10). */
export const DEFAULT_CONCURRENCY = 1000;

const ID = 'lambda-concurrency';
const TITLE = 'Lambda concurrent executions (lambda L-B99A9384)';

/**
 * The account's concurrency limit and unreserved pool come from Lambda GetAccountSettings, the values Lambda
 * enforces: Service Quotas' AWS default for L-B99A9384 (1000) is not what a new account gets. Reserving
 * concurrency must leave Lambda's minimum unreserved pool (100, or the whole limit below 100), or
 * PutFunctionConcurrency (and the stack) fails.
 */
export async function checkLambdaConcurrency(ctx: PreflightContext): Promise<PreflightCheck> {
  const reserve = ctx.needs.reservedConcurrency;
  const settings = await call(ctx, 'lambda:GetAccountSettings', async () => {
    const out = await ctx.clients.lambda().send(new GetAccountSettingsCommand({}));
    return out.AccountLimit;
  });
  const increase = (desired: number): string =>
    `aws service-quotas request-service-quota-increase --service-code ${LAMBDA_CONCURRENCY_QUOTA.serviceCode} --quota-code ${LAMBDA_CONCURRENCY_QUOTA.quotaCode} --desired-value ${desired}${cliScope(ctx, true)}`;
  if (!settings.ok || settings.value?.ConcurrentExecutions === undefined) {
    return check(
      'warn',
      ID,
      TITLE,
      `could not check: ${settings.ok ? 'GetAccountSettings returned no AccountLimit' : settings.reason}; the samples reserve ${reserve}`,
      `allow lambda:GetAccountSettings, or check by hand: aws lambda get-account-settings${cliScope(ctx, true)}`,
    );
  }
  const limit = settings.value.ConcurrentExecutions;
  const unreserved = settings.value.UnreservedConcurrentExecutions ?? limit;
  const floor = Math.min(MIN_UNRESERVED, limit);
  const evidence = `limit ${limit}, unreserved ${unreserved}, planned reservation ${reserve}`;
  if (reserve > 0 && unreserved - reserve < floor) {
    return check(
      'fail',
      ID,
      TITLE,
      `${evidence}: reserving ${reserve} would leave ${unreserved - reserve} unreserved, below Lambda's minimum of ${floor}, so the function cannot be created. Leave reservedConcurrency unset, or raise the limit`,
      increase(Math.max(DEFAULT_CONCURRENCY, limit + floor - (unreserved - reserve))),
    );
  }
  if (limit < MIN_UNRESERVED) {
    return check(
      'warn',
      ID,
      TITLE,
      `${evidence}: the limit is far below the ${DEFAULT_CONCURRENCY} default (new accounts start low), so imports share ${limit} executions with every function in the Region and throttle under load`,
      increase(DEFAULT_CONCURRENCY),
    );
  }
  return check('pass', ID, TITLE, evidence);
}
