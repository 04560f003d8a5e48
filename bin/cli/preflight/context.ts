import type { Clock } from '../verify/poll';
import type { Progress } from '../verify/progress';
import type { PreflightClients } from './aws';
import type { PlannedNeeds } from './plan';

/** Everything a preflight check needs, injected so checks are testable without AWS or real time. */
export interface PreflightContext {
  readonly clients: PreflightClients;
  readonly clock: Clock;
  readonly progress: Progress;
  readonly account: string;
  readonly region: string;
  /** The `--profile` given, repeated in every fix command so it acts on the same account. */
  readonly profile?: string;
  /** The CDK bootstrap qualifier (`--qualifier`). */
  readonly qualifier: string;
  /** What the planned patterns need (`--pattern`, `--spot`, `--reserved-concurrency`). */
  readonly needs: PlannedNeeds;
}

/** ` --region <r> --profile <p>` for fix commands that act on one region (profile only when one was given). */
export function cliScope(ctx: PreflightContext, regional: boolean): string {
  return `${regional ? ` --region ${ctx.region}` : ''}${ctx.profile ? ` --profile ${ctx.profile}` : ''}`;
}
