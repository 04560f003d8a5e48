import type { VerifyContext } from '../context';
import { is2xx, normaliseUrl } from '../http';
import { formatMs, poll } from '../poll';
import { CheckResult, judge } from '../result';

/**
 * GET `url` until it answers 2xx, retrying (with the shared backoff) non-2xx answers and network errors for up
 * to `urlTimeoutMs`: right after a deploy the load balancer may still be registering targets.
 */
export async function checkUrlAnswers2xx(ctx: VerifyContext, id: string, url: string): Promise<CheckResult> {
  const target = normaliseUrl(url);
  const title = `GET ${target} answers 2xx`;
  const result = await poll<number>(
    async () => {
      const res = await ctx.httpGet(target, ctx.settings.httpTimeoutMs);
      return is2xx(res.status) ? { done: true, value: res.status } : { done: false, reason: `HTTP ${res.status}` };
    },
    {
      label: `GET ${target}`,
      timeoutMs: ctx.settings.urlTimeoutMs,
      initialDelayMs: 2000,
      maxDelayMs: 15000,
      clock: ctx.clock,
      progress: ctx.progress,
    },
  );
  return result.ok
    ? judge(
        true,
        id,
        title,
        `HTTP ${result.value} after ${result.attempts} attempt(s) in ${formatMs(result.elapsedMs)}`,
      )
    : judge(false, id, title, result.reason);
}

const INSTANCE_ID = /\bi-[0-9a-f]{8,17}\b/;

/**
 * Send `settings.requests` requests and count which EC2 instance answered each (the fleet's default page shows
 * its instance id). Passes when at least two distinct instances answered and no request failed: the load
 * balancer really spreads traffic over more than one healthy target.
 */
export async function checkDistinctInstances(ctx: VerifyContext, id: string, url: string): Promise<CheckResult> {
  const target = normaliseUrl(url);
  const total = ctx.settings.requests;
  const title = `${total} requests to ${target} all succeed and reach at least 2 distinct instances`;
  const seen = new Map<string, number>();
  let failures = 0;
  let unidentified = 0;
  const failureReasons = new Set<string>();
  for (let i = 1; i <= total; i++) {
    ctx.progress.update(`load balancing: request ${i}/${total}`);
    try {
      const res = await ctx.httpGet(target, ctx.settings.httpTimeoutMs);
      if (!is2xx(res.status)) {
        failures += 1;
        failureReasons.add(`HTTP ${res.status}`);
        continue;
      }
      const match = INSTANCE_ID.exec(res.body);
      if (match) {
        seen.set(match[0], (seen.get(match[0]) ?? 0) + 1);
      } else {
        unidentified += 1;
      }
    } catch (e) {
      failures += 1;
      failureReasons.add((e as Error).message);
    }
  }
  ctx.progress.done();
  const distribution =
    [...seen.entries()].map(([instance, n]) => `${instance} x${n}`).join(', ') || 'no instance id seen';
  const extras = [
    failures > 0 ? `${failures} failed request(s) (${[...failureReasons].join('; ')})` : undefined,
    unidentified > 0 ? `${unidentified} 2xx response(s) without an instance id (i-...) in the body` : undefined,
  ].filter((s): s is string => s !== undefined);
  const evidence = [`${seen.size} distinct instance(s): ${distribution}`, ...extras].join('; ');
  return judge(seen.size >= 2 && failures === 0, id, title, evidence);
}
