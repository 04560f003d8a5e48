import { CfnResource, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { CfnTemplate } from './compliance';

/**
 * "Every reason is true" (issue 12, section 2), as far as a template can show it.
 *
 * An acknowledgement reason (or a guard exemption reason) is read next to the
 * template it applies to, and every checkable claim in it must hold there:
 *
 * - an IAM action (`service:Action`, also in the finding id, e.g.
 *   `IAM5[Action::kms:ReEncrypt*]`) must appear in the acknowledged resources
 *   (the acknowledged construct's subtree; for a CfnResource, its parent's, so a
 *   role and its DefaultPolicy count together), literally or matched by a
 *   wildcard action there. Actions granted only by an AWS managed policy cannot
 *   be seen offline: when the same scope attaches a managed policy, an action
 *   the template does not show is passed as unverifiable (the policy name
 *   itself is still checked).
 * - an AWS managed policy name (`Amazon...`/`AWS...` followed by a capital, e.g.
 *   `AmazonEKS_CNI_Policy`) must be attached in that scope (`:iam::aws:policy/<name>`);
 * - a CloudFormation intrinsic (`Fn::ImportValue`, `Fn::GetStackOutput`, ...) and
 *   a resource type (`AWS::EC2::FlowLog`) must occur in the stack's template.
 *
 * What it cannot check: prose ("scoped to that queue's key alone"), claims about
 * other stacks or about AWS service behaviour, and numbers. Those stay with review.
 */

export interface ReasonProblem {
  readonly claim: string;
  readonly problem: string;
}

/** Words of the managed-policy shape that are not policy names. */
const NOT_POLICIES = new Set(['AWSLogs']);

const ACTION = /\b([a-z][a-z0-9-]*):([A-Z][A-Za-z0-9]*\*?)/g;
const POLICY = /\b((?:Amazon|AWS)[A-Z][A-Za-z0-9_-]{3,})\b/g;
const INTRINSIC = /\bFn::[A-Za-z]+\b/g;
const TYPE = /\bAWS::[A-Za-z0-9]+::[A-Za-z0-9]+\b/g;

function strings(node: unknown, out: Set<string> = new Set()): Set<string> {
  if (typeof node === 'string') out.add(node);
  else if (Array.isArray(node)) node.forEach((n) => strings(n, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      out.add(k);
      strings(v, out);
    }
  }
  return out;
}

function wildcardMatches(pattern: string, action: string): boolean {
  if (!pattern.includes('*')) return pattern.toLowerCase() === action.toLowerCase();
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    'i',
  );
  return re.test(action);
}

/** The template fragment (resources by logical id) an acknowledgement on `construct` is about. */
export function acknowledgedResources(construct: IConstruct, template: CfnTemplate): CfnTemplate['Resources'] {
  const root = CfnResource.isCfnResource(construct) && construct.node.scope ? construct.node.scope : construct;
  const stack = Stack.of(construct);
  const out: NonNullable<CfnTemplate['Resources']> = {};
  for (const c of root.node.findAll()) {
    if (!CfnResource.isCfnResource(c) || Stack.of(c) !== stack) continue;
    const id = stack.resolve(c.logicalId) as string;
    if (template.Resources?.[id]) out[id] = template.Resources[id];
  }
  return out;
}

/**
 * Problems with `text` (a reason, plus the finding id it acknowledges) given
 * the acknowledged resources `scope` and the whole stack `template`.
 */
export function checkClaims(text: string, scope: CfnTemplate['Resources'], template: CfnTemplate): ReasonProblem[] {
  const problems: ReasonProblem[] = [];
  const scopeStrings = strings(scope ?? {});
  const stackStrings = strings(template);
  const types = new Set(Object.values(template.Resources ?? {}).map((r) => r.Type));
  const flat = [...scopeStrings].join('\n');
  const attached = [...flat.matchAll(/:iam::aws:policy\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)/g)].map((m) => m[1]);

  // A `[Resource::arn:...]` suffix of the finding id names a resource, not actions: its `execution:Name` or
  // `log-group:Name` parts are ARN segments, so only the rest of the text is read for action claims.
  const claimText = text.replace(/\[Resource::[^\]]*\]/g, '[Resource::…]');
  for (const m of claimText.matchAll(ACTION)) {
    const action = `${m[1]}:${m[2]}`;
    if (m[1] === 'aws') continue; // global condition keys (aws:SourceArn), not actions
    const seen = [...scopeStrings].some(
      (s) => s === action || (/^[a-z0-9-]+:[A-Za-z0-9*]+$/.test(s) && wildcardMatches(s, action)),
    );
    // Granted, perhaps, by an attached AWS managed policy: its content is not in the template.
    if (seen || attached.length > 0) continue;
    problems.push({ claim: action, problem: 'is not an action (or condition key) in the acknowledged resources' });
  }
  for (const m of text.matchAll(POLICY)) {
    if (NOT_POLICIES.has(m[1])) continue;
    if (!attached.includes(m[1]))
      problems.push({ claim: m[1], problem: 'is not a managed policy attached to the acknowledged resources' });
  }
  for (const m of text.matchAll(INTRINSIC)) {
    if (!stackStrings.has(m[0])) problems.push({ claim: m[0], problem: 'does not occur in the stack template' });
  }
  for (const m of text.matchAll(TYPE)) {
    if (!types.has(m[0])) problems.push({ claim: m[0], problem: 'is not a resource type in the stack template' });
  }
  return problems;
}
