import type { PatternName } from './outputs';

/** `info` reports a fact without judging it (for example EKS endpoint access); only `fail` fails the run. */
export type CheckStatus = 'pass' | 'fail' | 'skip' | 'info';

/** One verified property of a deployed stack, with the evidence that decided it. */
export interface CheckResult {
  /** Stable, kebab-case id, e.g. `instances-imdsv2`. Safe to match on in CI. */
  readonly id: string;
  readonly status: CheckStatus;
  /** One-line human description of what was checked. */
  readonly title: string;
  /** What was observed (instance ids, HTTP statuses, timings...). */
  readonly evidence: string;
}

export interface StackReport {
  readonly stack: string;
  readonly pattern: PatternName;
  readonly ok: boolean;
  readonly checks: readonly CheckResult[];
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly outputsFile: string;
  readonly region: string;
  readonly stacks: readonly StackReport[];
  /** Stacks in the outputs file that match no known pattern (only when no `--stack` was given). */
  readonly skippedStacks: readonly string[];
  readonly summary: {
    readonly passed: number;
    readonly failed: number;
    readonly skipped: number;
    readonly info: number;
  };
}

export const pass = (id: string, title: string, evidence: string): CheckResult => ({
  id,
  status: 'pass',
  title,
  evidence,
});
export const fail = (id: string, title: string, evidence: string): CheckResult => ({
  id,
  status: 'fail',
  title,
  evidence,
});
export const skip = (id: string, title: string, evidence: string): CheckResult => ({
  id,
  status: 'skip',
  title,
  evidence,
});
export const info = (id: string, title: string, evidence: string): CheckResult => ({
  id,
  status: 'info',
  title,
  evidence,
});

/** `pass` when `ok`, otherwise `fail`, with the same evidence. */
export const judge = (ok: boolean, id: string, title: string, evidence: string): CheckResult =>
  ok ? pass(id, title, evidence) : fail(id, title, evidence);

export function buildReport(
  outputsFile: string,
  region: string,
  stacks: readonly StackReport[],
  skippedStacks: readonly string[],
): VerifyReport {
  const all = stacks.flatMap((s) => s.checks);
  const count = (status: CheckStatus): number => all.filter((c) => c.status === status).length;
  return {
    ok: stacks.every((s) => s.ok),
    outputsFile,
    region,
    stacks,
    skippedStacks,
    summary: { passed: count('pass'), failed: count('fail'), skipped: count('skip'), info: count('info') },
  };
}

export function stackReport(stack: string, pattern: PatternName, checks: readonly CheckResult[]): StackReport {
  return { stack, pattern, ok: checks.every((c) => c.status !== 'fail'), checks };
}

const LABELS: Record<CheckStatus, string> = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP', info: 'INFO' };

/** Human-readable lines: `PASS  WebFleet  instances-imdsv2  <title>: <evidence>`. */
export function formatCheckLine(stack: string, check: CheckResult): string {
  return `${LABELS[check.status]}  ${stack}  ${check.id}  ${check.title}: ${check.evidence}`;
}

export function formatSummary(report: VerifyReport): string {
  const { passed, failed, skipped, info: infos } = report.summary;
  const verdict = report.ok ? 'VERIFIED' : 'FAILED';
  return `${verdict}: ${passed} passed, ${failed} failed, ${skipped} skipped, ${infos} info across ${report.stacks.length} stack(s)`;
}
