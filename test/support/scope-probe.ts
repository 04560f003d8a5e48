import { App, Stack, Stage } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { NagFinding, PACKS, runNag } from './compliance';

/**
 * Scope probes (issue 12, section 1): an acknowledgement must cover the
 * pattern's own finding only, never a finding the user adds next to it.
 *
 *   probeScope({
 *     stack,
 *     add: () => userWildcardStatement(service.taskRole, 's3:GetObject'),
 *     expect: 'AwsSolutions-IAM5[Resource::*]',
 *     on: service.taskRole,
 *   });
 *
 * makes the user's addition, synthesizes the app, runs the pack the finding id
 * belongs to over the stack and throws unless the finding is reported OPEN on
 * `on` (a CfnResource, or an L2 whose default child or any descendant carries
 * it). A finding that an acknowledgement hides fails with the acknowledgement's
 * path and reason, which is what to narrow.
 */
export interface ScopeProbe {
  /** The stack holding the construct under test; not synthesized yet. */
  readonly stack: Stack;
  /** The user's own addition, e.g. `userWildcardStatement(role, 's3:GetObject')`. */
  readonly add: () => void;
  /** The full finding id the addition must raise, e.g. `AwsSolutions-IAM5[Resource::*]`. */
  readonly expect: string;
  /** The construct the finding must be reported on (the resource or one of its ancestors). */
  readonly on: IConstruct;
}

export function probeScope(probe: ScopeProbe): NagFinding[] {
  probe.add();
  const stage = Stage.of(probe.stack);
  if (!stage) throw new Error(`probeScope: ${probe.stack.node.path} is not in an App`);
  (stage as App).synth();
  const pack = PACKS.filter((p) => probe.expect.startsWith(`${p.name}-`));
  if (pack.length === 0) {
    throw new Error(
      `probeScope: '${probe.expect}' belongs to none of the packs ${PACKS.map((p) => p.name).join(', ')}`,
    );
  }
  const findings = runNag(probe.stack, pack);
  const on = probe.on.node.path;
  const mine = findings.filter((f) => f.id === probe.expect && (f.path === on || f.path.startsWith(`${on}/`)));
  if (mine.length === 0) {
    const same = findings.filter((f) => f.id === probe.expect).map((f) => f.path);
    throw new Error(
      `probeScope: the user addition raised no ${probe.expect} on ${on}` +
        (same.length ? ` (reported on: ${same.join(', ')})` : '') +
        '; the probe does not test what it claims',
    );
  }
  const hidden = mine.filter((f) => f.acknowledged);
  if (hidden.length === mine.length) {
    const a = hidden[0].acknowledged!;
    throw new Error(
      `probeScope: the user's ${probe.expect} on ${hidden[0].path} is hidden by the acknowledgement made on ${a.path} ("${a.reason}"); acknowledge the pattern's own finding on its own resource only`,
    );
  }
  return findings;
}

/** The user grants `actions` on every resource to `role`: raises AwsSolutions-IAM5[Resource::*] on its policy. */
export function userWildcardStatement(grantable: iam.IGrantable, ...actions: string[]): void {
  grantable.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources: ['*'] }));
}

/** The user opens `port` to the world on `securityGroup`: raises AwsSolutions-EC23 on it. */
export function userOpenIngress(securityGroup: ec2.ISecurityGroup, port = 22): void {
  securityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(port), 'user addition (scope probe)');
}

/** One expectation of `probeScopes`: the finding `expect` reported open on `on`. */
export interface ScopeExpectation {
  /** The full finding id the user's addition must raise. */
  readonly expect: string;
  /** The construct the finding must be reported on (the resource or one of its ancestors). */
  readonly on: IConstruct;
}

/**
 * Several probes on one stack, synthesized once: makes every addition of `add`, runs the packs the ids
 * belong to once, and throws (like probeScope) for each expectation that is missing or hidden by an
 * acknowledgement. For patterns whose synthesis is too slow to probe one acknowledgement at a time.
 */
export function probeScopes(stack: Stack, add: () => ScopeExpectation[]): NagFinding[] {
  const expectations = add();
  const stage = Stage.of(stack);
  if (!stage) throw new Error(`probeScopes: ${stack.node.path} is not in an App`);
  (stage as App).synth();
  const packs = PACKS.filter((p) => expectations.some((e) => e.expect.startsWith(`${p.name}-`)));
  const findings = runNag(stack, packs);
  const problems: string[] = [];
  for (const e of expectations) {
    const on = e.on.node.path;
    const mine = findings.filter((f) => f.id === e.expect && (f.path === on || f.path.startsWith(`${on}/`)));
    if (mine.length === 0) {
      problems.push(`the user addition raised no ${e.expect} on ${on}; the probe does not test what it claims`);
    } else if (mine.every((f) => f.acknowledged)) {
      const a = mine[0].acknowledged!;
      problems.push(`the user's ${e.expect} on ${mine[0].path} is hidden by the acknowledgement made on ${a.path}`);
    }
  }
  if (problems.length) throw new Error(`probeScopes:\n${problems.join('\n')}`);
  return findings;
}
