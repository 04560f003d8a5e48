import type { PatternName } from '../verify/outputs';

/**
 * `fail` blocks the first deploy; `warn` will probably not, but says what could (or that a check could not be
 * made); `info` is a fact for a feature the planned patterns do not use. Only `fail` makes the exit code non-zero.
 */
export type PreflightStatus = 'pass' | 'warn' | 'fail' | 'info';

/** One checked precondition of the account and region, with the evidence and, unless it passed, the fix. */
export interface PreflightCheck {
  /** Stable, kebab-case id, e.g. `slr-ecs`. Safe to match on in CI. */
  readonly id: string;
  readonly status: PreflightStatus;
  /** What was checked, in a few words. */
  readonly title: string;
  /** What was found, and why it matters when it is not a pass. */
  readonly evidence: string;
  /** The exact command (or action) that fixes it; absent on a pass. */
  readonly fix?: string;
}

export interface PreflightReport {
  readonly ok: boolean;
  readonly account: string;
  readonly region: string;
  readonly patterns: readonly PatternName[];
  readonly checks: readonly PreflightCheck[];
  readonly summary: {
    readonly passed: number;
    readonly warnings: number;
    readonly failed: number;
    readonly info: number;
  };
}

export function check(
  status: PreflightStatus,
  id: string,
  title: string,
  evidence: string,
  fix?: string,
): PreflightCheck {
  return fix === undefined || status === 'pass'
    ? { id, status, title, evidence }
    : { id, status, title, evidence, fix };
}

export function buildPreflightReport(
  account: string,
  region: string,
  patterns: readonly PatternName[],
  checks: readonly PreflightCheck[],
): PreflightReport {
  const count = (status: PreflightStatus): number => checks.filter((c) => c.status === status).length;
  return {
    ok: checks.every((c) => c.status !== 'fail'),
    account,
    region,
    patterns,
    checks,
    summary: { passed: count('pass'), warnings: count('warn'), failed: count('fail'), info: count('info') },
  };
}

const LABELS: Record<PreflightStatus, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', info: 'INFO' };

/** One line per check: `FAIL  slr-ecs  <title>: <evidence> Fix: <command>`. */
export function formatPreflightLine(c: PreflightCheck): string {
  return `${LABELS[c.status]}  ${c.id}  ${c.title}: ${c.evidence}${c.fix ? ` Fix: ${c.fix}` : ''}`;
}

export function formatPreflightSummary(r: PreflightReport): string {
  const { passed, warnings, failed, info } = r.summary;
  return `${r.ok ? 'READY' : 'NOT READY'}: ${passed} passed, ${warnings} warning(s), ${failed} failed, ${info} info for account ${r.account} in ${r.region}`;
}
