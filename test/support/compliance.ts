import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import * as cxapi from 'aws-cdk-lib/cx-api';
import {
  AwsSolutionsChecks,
  HIPAASecurityChecks,
  NagPack,
  NIST80053R5Checks,
  PCIDSS321Checks,
  ServerlessChecks,
} from 'cdk-nag';
import { IConstruct } from 'constructs';
import { acknowledgedResources, checkClaims } from './reason-truth';

/** A cfn-guard rule the project has reviewed and accepts for one stack. */
export interface GuardExemption {
  readonly stack: string;
  readonly rule: string;
  readonly control: string;
  readonly reason: string;
}

/** A cdk-nag finding that nobody fixed or acknowledged. */
export interface NagViolation {
  readonly pack: string;
  readonly rule: string;
  readonly severity: string;
  readonly path: string;
  readonly description: string;
}

/** A failing cfn-guard rule in one stack. */
export interface GuardFailure {
  readonly rule: string;
  readonly control: string;
  readonly resources: string[];
}

export interface StackCompliance {
  readonly stack: string;
  readonly templateFile: string;
  readonly nagViolations: NagViolation[];
  readonly acknowledged: { id: string; path: string; reason: string }[];
  readonly guardFailures: GuardFailure[];
  readonly guardExempted: GuardExemption[];
  readonly guardUnexempted: GuardFailure[];
}

export interface ComplianceReport {
  readonly stacks: StackCompliance[];
  /** Exemptions that no longer match a failure: the file must shrink with the fix. */
  readonly staleExemptions: GuardExemption[];
  readonly ok: boolean;
}

const ROOT = path.join(__dirname, '..', '..');
const GUARD_PKG = path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json'));
export const GUARD_RULES = path.join(GUARD_PKG, 'rules', 'control-tower');
export const EXEMPTIONS_FILE = path.join(ROOT, 'compliance', 'guard-exemptions.json');

/** The cfn-guard binary shipped inside @cdklabs/cdk-validator-cfnguard for this platform. */
export function guardBinary(): string {
  const osDir = process.platform === 'darwin' ? 'macos' : process.platform === 'linux' ? 'ubuntu' : undefined;
  const arch = process.arch === 'x64' ? 'x86_64' : process.arch === 'arm64' ? 'aarch64' : undefined;
  if (!osDir || !arch) {
    throw new Error(
      `no cfn-guard binary ships for ${process.platform}/${process.arch}; expected linux or darwin on x64 or arm64`,
    );
  }
  return path.join(GUARD_PKG, 'bin', osDir, arch, 'cfn-guard');
}

export function loadExemptions(file = EXEMPTIONS_FILE): GuardExemption[] {
  const entries = JSON.parse(fs.readFileSync(file, 'utf8')) as GuardExemption[];
  for (const e of entries) {
    if (!e.stack || !e.rule || !e.control || !e.reason || e.reason.trim().length < 40) {
      throw new Error(`guard exemption ${JSON.stringify(e)} needs stack, rule, control and a reason of 40+ characters`);
    }
  }
  return entries;
}

/**
 * Synthesizes `build(outdir)` (an App with the cdk-nag packs registered) and
 * reports, per stack, the cdk-nag findings nobody fixed or acknowledged, the
 * acknowledgements with their reasons, and the Control Tower cfn-guard rules
 * that fail, split into reviewed exemptions and the rest.
 */
export function checkCompliance(build: (outdir: string) => App, exemptions: GuardExemption[]): ComplianceReport {
  return withSynthesized(build, (app, outdir) => {
    const nag = readNagViolations(outdir);
    const acknowledged = readAcknowledgements(app);
    const templates = readStackTemplates(outdir);
    const guard = runGuard(templates.map((t) => t.file));

    const used = new Set<GuardExemption>();
    const stacks = templates.map(({ stack, file }): StackCompliance => {
      const failures = guard.get(file) ?? [];
      const exempted: GuardExemption[] = [];
      const unexempted: GuardFailure[] = [];
      for (const f of failures) {
        const ex = exemptions.find((e) => e.stack === stack && e.rule === f.rule);
        if (ex) {
          exempted.push(ex);
          used.add(ex);
        } else unexempted.push(f);
      }
      return {
        stack,
        templateFile: file,
        nagViolations: nag.filter((v) => v.path.split('/')[0] === stack),
        acknowledged: acknowledged.filter((a) => a.path.split('/')[0] === stack),
        guardFailures: failures,
        guardExempted: exempted,
        guardUnexempted: unexempted,
      };
    });
    const stackNames = new Set(stacks.map((s) => s.stack));
    const staleExemptions = exemptions.filter((e) => stackNames.has(e.stack) && !used.has(e));
    const ok =
      staleExemptions.length === 0 &&
      stacks.every((s) => s.nagViolations.length === 0 && s.guardUnexempted.length === 0);
    return { stacks, staleExemptions, ok };
  });
}

/**
 * Synthesizes `build(outdir)` into a temporary directory, hands `read` the app and the directory, and deletes the
 * directory. A synthesis that throws after writing its validation report (cdk-nag plugins with findings) is read
 * like one that passed; any other error is thrown.
 */
export function withSynthesized<T>(build: (outdir: string) => App, read: (app: App, outdir: string) => T): T {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'compliance-'));
  try {
    const app = build(outdir);
    try {
      app.synth();
    } catch (e) {
      // Validation plugins throw after writing their report; anything else is a real error.
      if (!fs.existsSync(path.join(outdir, 'validation-report.json'))) throw e;
    }
    return read(app, outdir);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** The cdk-nag findings in the validation report synthesis wrote to `outdir` (none if it wrote no report). */
export function readNagViolations(outdir: string): NagViolation[] {
  const file = path.join(outdir, 'validation-report.json');
  if (!fs.existsSync(file)) return [];
  const report = JSON.parse(fs.readFileSync(file, 'utf8'));
  const out: NagViolation[] = [];
  for (const plugin of report.pluginReports ?? []) {
    for (const v of plugin.violations ?? []) {
      for (const c of v.violatingConstructs ?? []) {
        out.push({
          pack: plugin.pluginName,
          rule: v.ruleName,
          severity: v.severity,
          path: c.constructPath,
          description: v.description,
        });
      }
    }
  }
  return out;
}

/** Every acknowledgement recorded in the construct metadata of `app`, with where it was made and why. */
export function readAcknowledgements(app: App): { id: string; path: string; reason: string }[] {
  const out: { id: string; path: string; reason: string }[] = [];
  for (const c of app.node.findAll()) {
    for (const m of c.node.metadata) {
      if (m.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(m.data as Record<string, string>)) {
        out.push({ id, path: c.node.path, reason });
      }
    }
  }
  return out;
}

/** The stacks of the cloud assembly in `outdir` with their template files, in manifest order. */
export function readStackTemplates(outdir: string): { stack: string; file: string }[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
  const out: { stack: string; file: string }[] = [];
  for (const [name, artifact] of Object.entries<{ type: string; properties?: { templateFile?: string } }>(
    manifest.artifacts ?? {},
  )) {
    if (artifact.type === 'aws:cloudformation:stack' && artifact.properties?.templateFile) {
      out.push({ stack: name, file: path.join(outdir, artifact.properties.templateFile) });
    }
  }
  return out;
}

let guardRuleFiles: { file: string; types: string[] }[] | undefined;

/** Every Control Tower rule file, sorted by path, with the resource types it names (unique, sorted). */
function guardRuleIndex(): { file: string; types: string[] }[] {
  if (!guardRuleFiles) {
    const files: { file: string; types: string[] }[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith('.guard')) {
          const text = fs.readFileSync(p, 'utf8');
          const types = new Set([...text.matchAll(/"(AWS::[A-Za-z0-9]+::[A-Za-z0-9]+)"/g)].map((m) => m[1]));
          files.push({ file: p, types: [...types].sort() });
        }
      }
    };
    walk(GUARD_RULES);
    guardRuleFiles = files.sort((a, b) => a.file.localeCompare(b.file));
  }
  return guardRuleFiles;
}

/**
 * The Control Tower rule files that can apply to `templateFiles`: every rule
 * selects resources by type (`Resources.*[ Type == "AWS::S3::Bucket" ]`), so a
 * file naming none of the templates' resource types can only SKIP. Passing only
 * the others gives cfn-guard identical results for a third of the work; a rule
 * file that names no type at all is always kept.
 */
export function guardRulesFor(templateFiles: string[]): string[] {
  const present = new Set<string>();
  for (const f of templateFiles) {
    const template = JSON.parse(fs.readFileSync(f, 'utf8')) as CfnTemplate;
    for (const r of Object.values(template.Resources ?? {})) present.add(r.Type);
  }
  return guardRuleIndex()
    .filter((r) => r.types.length === 0 || r.types.some((t) => present.has(t)))
    .map((r) => r.file);
}

/**
 * Runs cfn-guard with the Control Tower rules over every template. cfn-guard copies the whole template for each
 * rule file it evaluates (measured: memcpy, malloc and PathAwareValue clones are most of its time), so its cost is
 * template size x rule files. Each template gets only the rule files that can apply to it (guardRulesFor), and the
 * templates that need the same rule files share one cfn-guard process. For the sample app and the matrix (61
 * templates, 29 rule sets) that is 37 CPU s instead of 50 for the union of their rules, with the same result per
 * template (test/compliance-checks.test.ts). From RULE_GROUP_BATCH templates on it evaluates by rule group instead
 * (runGuardByRuleGroup), with the same results.
 */
export function runGuard(templateFiles: string[]): Map<string, GuardFailure[]> {
  if (templateFiles.length >= RULE_GROUP_BATCH) return runGuardByRuleGroup(templateFiles);
  const result = new Map<string, GuardFailure[]>();
  const groups = new Map<string, { rules: string[]; files: string[] }>();
  for (const f of templateFiles) {
    const rules = guardRulesFor([f]);
    if (rules.length === 0) {
      result.set(path.resolve(f), []);
      continue;
    }
    const key = rules.join('\n');
    const group = groups.get(key) ?? { rules, files: [] };
    group.files.push(f);
    groups.set(key, group);
  }
  for (const { rules, files } of groups.values()) {
    for (const [file, failures] of guardCall(rules, files)) result.set(file, failures);
  }
  return result;
}

/**
 * The Control Tower rules that fail on each of a set of stacks, all checked by ONE runGuard call on first use.
 *
 * cfn-guard parses every rule file it is given on every run, about 4.5 ms a file, and a construct's template needs
 * 60 to 100 of the 237 files: a third of a second per call before any template is read. Tests that each ran cfn-guard
 * on their own stack paid that every time. Here `build` makes every stack of a describe block first; their templates
 * go to cfn-guard together, by rule group (runGuardByRuleGroup, from RULE_GROUP_BATCH templates on), so each rule file
 * is parsed once for the set, with the same failures per template. `failing(key)` returns that stack's failing rule
 * names, sorted.
 */
export function guardBatch<K extends string>(
  build: () => Record<K, Stack>,
): () => { readonly stacks: Record<K, Stack>; failing(key: K): string[] } {
  let checked: { stacks: Record<K, Stack>; failing(key: K): string[] } | undefined;
  return () => {
    if (!checked) {
      const stacks = build();
      const files = new Map<K, string>();
      for (const [key, stack] of Object.entries(stacks) as [K, Stack][]) {
        const assembly = (stack.node.root as App).synth();
        files.set(key, path.resolve(assembly.directory, stack.templateFile));
      }
      const results = runGuard([...new Set(files.values())]);
      checked = {
        stacks,
        failing: (key) => (results.get(files.get(key)!) ?? []).map((f) => f.rule).sort(),
      };
    }
    return checked;
  };
}

/** From this many templates on, runGuard evaluates by rule group (runGuardByRuleGroup). */
export const RULE_GROUP_BATCH = 4;

/** The logical ids `value` references: Ref, Fn::GetAtt, `${Id}` / `${Id.Attr}` in Fn::Sub, DependsOn. */
function referencedIds(value: unknown, out: Set<string>): void {
  if (Array.isArray(value)) {
    for (const v of value) referencedIds(v, out);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === 'Ref' && typeof v === 'string') out.add(v);
      if (key === 'Fn::GetAtt') {
        const target = Array.isArray(v) ? v[0] : typeof v === 'string' ? v.split('.')[0] : undefined;
        if (typeof target === 'string') out.add(target);
      }
      if (key === 'Fn::Sub') {
        const text = Array.isArray(v) ? v[0] : v;
        if (typeof text === 'string') for (const m of text.matchAll(/\$\{([A-Za-z0-9]+)[.}]/g)) out.add(m[1]);
      }
      if (key === 'DependsOn') for (const d of [v].flat()) if (typeof d === 'string') out.add(d);
      referencedIds(v, out);
    }
  }
}

/**
 * runGuard for a batch of templates, with the same results for less work. cfn-guard's cost is (rule files x
 * documents), with a large constant per pair and a part that grows with the document. Here every group of rule
 * files that name the same resource types sees only the part of each template those rules can select: the
 * resources of those types plus every resource they reference, transitively (a rule may follow a Ref or GetAtt,
 * e.g. a Lambda permission's SourceArn to its events rule), and every other template section whole. Identical
 * parts (variants of one pattern share most of them) are evaluated once. Over the 93 distinct templates the whole
 * suite checks, this reported exactly the failures of the per-template path, in 19 s instead of 69 s; for one or
 * two templates its extra processes cost more than they save, so runGuard uses it from RULE_GROUP_BATCH templates
 * on (test/compliance-checks.test.ts compares it with the whole rule directory).
 */
function runGuardByRuleGroup(templateFiles: string[]): Map<string, GuardFailure[]> {
  const groups = new Map<string, { types: Set<string>; rules: string[] }>();
  for (const r of guardRuleIndex()) {
    const key = r.types.join(',');
    const group = groups.get(key) ?? { types: new Set(r.types), rules: [] };
    group.rules.push(r.file);
    groups.set(key, group);
  }
  const result = new Map<string, GuardFailure[]>();
  const templates = templateFiles.map((f) => {
    const file = path.resolve(f);
    result.set(file, []);
    return { file, template: JSON.parse(fs.readFileSync(f, 'utf8')) as CfnTemplate };
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guard-groups-'));
  try {
    let n = 0;
    for (const { types, rules } of groups.values()) {
      const parts = new Map<string, { file: string; origins: string[] }>();
      for (const { file, template } of templates) {
        const resources = template.Resources ?? {};
        const keep = new Set<string>();
        const queue = Object.keys(resources).filter((id) => types.size === 0 || types.has(resources[id].Type));
        while (queue.length > 0) {
          const id = queue.pop()!;
          if (keep.has(id) || !resources[id]) continue;
          keep.add(id);
          const refs = new Set<string>();
          referencedIds(resources[id], refs);
          queue.push(...refs);
        }
        if (keep.size === 0) continue;
        const text = JSON.stringify({
          ...template,
          Resources: Object.fromEntries(Object.entries(resources).filter(([id]) => keep.has(id))),
        });
        const part = parts.get(text);
        if (part) {
          part.origins.push(file);
        } else {
          const partFile = path.join(dir, `${n++}.json`);
          fs.writeFileSync(partFile, text);
          parts.set(text, { file: partFile, origins: [file] });
        }
      }
      if (parts.size === 0) continue;
      const origins = new Map([...parts.values()].map((p) => [path.resolve(p.file), p.origins]));
      for (const [partFile, failures] of guardCall(
        rules,
        [...parts.values()].map((p) => p.file),
      )) {
        for (const origin of origins.get(partFile) ?? []) result.get(origin)!.push(...failures);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  for (const failures of result.values()) {
    failures.sort((a, b) => a.rule.localeCompare(b.rule) || a.resources.join().localeCompare(b.resources.join()));
  }
  return result;
}

/** One cfn-guard process: `rules` over `templateFiles`, failures per (resolved) template path. */
function guardCall(rules: string[], templateFiles: string[]): Map<string, GuardFailure[]> {
  const result = new Map<string, GuardFailure[]>();
  const args = ['validate', ...rules.flatMap((r) => ['--rules', r]), ...templateFiles.flatMap((f) => ['--data', f])];
  args.push('--output-format', 'json', '--show-summary', 'none', '--structured');
  let stdout: string;
  try {
    stdout = execFileSync(guardBinary(), args, { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  } catch (e) {
    // cfn-guard exits 19 when a rule fails; its JSON is still on stdout.
    const err = e as { status?: number; stdout?: string };
    if (err.status !== 19 || !err.stdout) throw e;
    stdout = err.stdout;
  }
  const docs = JSON.parse(stdout) as { name: string; not_compliant?: { Rule: { name: string } }[] }[];
  for (const doc of docs) {
    const failures = (doc.not_compliant ?? []).map((nc): GuardFailure => {
      const text = JSON.stringify(nc);
      return {
        rule: nc.Rule.name,
        control: /\[(CT\.[A-Z0-9-]+\.PR\.\d+)\]/.exec(text)?.[1] ?? 'unknown',
        resources: [...new Set([...text.matchAll(/\/Resources\/([A-Za-z0-9]+)/g)].map((m) => m[1]))].sort(),
      };
    });
    result.set(path.resolve(doc.name), failures);
  }
  return result;
}

/** A per-stack table a reviewer can read: fixed, acknowledged, exempted. */
export function formatReport(report: ComplianceReport): string {
  const lines: string[] = [];
  const pad = (s: string | number, n: number) => String(s).padEnd(n);
  lines.push(
    `${pad('stack', 20)}${pad('nag open', 10)}${pad('nag acked', 11)}${pad('guard open', 12)}${pad('guard exempted', 16)}`,
  );
  for (const s of report.stacks) {
    lines.push(
      `${pad(s.stack, 20)}${pad(s.nagViolations.length, 10)}${pad(s.acknowledged.length, 11)}${pad(s.guardUnexempted.length, 12)}${pad(s.guardExempted.length, 16)}`,
    );
  }
  for (const s of report.stacks) {
    if (s.acknowledged.length + s.guardExempted.length + s.nagViolations.length + s.guardUnexempted.length === 0)
      continue;
    lines.push('', `## ${s.stack}`);
    for (const v of s.nagViolations) lines.push(`  OPEN nag ${v.rule} (${v.severity}) at ${v.path}: ${v.description}`);
    for (const g of s.guardUnexempted) lines.push(`  OPEN guard ${g.rule} [${g.control}] on ${g.resources.join(', ')}`);
    const acked = new Map<string, { reason: string; paths: string[] }>();
    for (const a of s.acknowledged) {
      const entry = acked.get(a.id) ?? { reason: a.reason, paths: [] };
      entry.paths.push(a.path);
      acked.set(a.id, entry);
    }
    for (const [id, a] of acked) lines.push(`  acknowledged ${id} (${a.paths.length}x): ${a.reason}`);
    for (const e of s.guardExempted) lines.push(`  exempted ${e.rule} [${e.control}]: ${e.reason}`);
  }
  for (const e of report.staleExemptions)
    lines.push(`STALE exemption ${e.stack}/${e.rule}: it no longer fails; delete it`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------
// Five packs, one synthesis: the matrix harness
// ---------------------------------------------------------------------------

/** The five cdk-nag 3 packs every construct must pass, in report order. */
export const PACKS: { readonly name: string; readonly create: () => NagPack }[] = [
  { name: 'AwsSolutions', create: () => new AwsSolutionsChecks() },
  { name: 'Serverless', create: () => new ServerlessChecks() },
  { name: 'NIST.800.53.R5', create: () => new NIST80053R5Checks() },
  { name: 'HIPAA.Security', create: () => new HIPAASecurityChecks() },
  { name: 'PCI.DSS.321', create: () => new PCIDSS321Checks() },
];

/** One cdk-nag finding: open, or acknowledged on the resource or an ancestor. */
export interface NagFinding {
  readonly pack: string;
  /** Full finding id, with the `[...]` suffix when the rule gives one. */
  readonly id: string;
  readonly stack: string;
  /** Construct path of the CfnResource the finding is on. */
  readonly path: string;
  readonly description: string;
  /** Set when an acknowledgement covers it: where it was made and why. */
  readonly acknowledged?: { readonly path: string; readonly reason: string };
}

/** An acknowledgement recorded in construct metadata (ours or aws-cdk-lib's). */
export interface AcknowledgementRecord {
  readonly stack: string;
  readonly id: string;
  readonly path: string;
  readonly reason: string;
}

/** A cfn-guard acknowledgement found from a resource: where it was made and why. */
export interface AcknowledgementFound {
  readonly path: string;
  readonly reason: string;
}

/**
 * One stack of an app synthesized and checked (`checkApp`): plain data, so that it can be written to disk once and
 * read by every test file of a jest run (test/support/shared.ts `shared`).
 */
export interface CheckedStack {
  /** The stack's artifact id (its construct id for a top-level stack). */
  readonly stack: string;
  readonly stackName: string;
  readonly template: CfnTemplate;
  /** Every cdk-nag finding of the five packs, open or acknowledged (runNag). */
  readonly findings: NagFinding[];
  readonly acknowledgements: AcknowledgementRecord[];
  /**
   * Per logical id, the cfn-guard acknowledgements (`cdk-validator-cfnguard::<rule>`) that cover the resource, as
   * findAcknowledgement finds them (the resource, then each ancestor). Only resources with one are listed.
   */
  readonly guardAcknowledgements: Record<string, Record<string, AcknowledgementFound>>;
  /** The acknowledgements whose reason names something the template lacks (reason-truth.ts), one line each. */
  readonly untrueAcknowledgements: string[];
  /** Every failing cfn-guard rule, before acknowledgements and exemptions. */
  readonly guardFailures: GuardFailure[];
  /** The warnings in the stack's messages in the cloud assembly (what `Annotations.fromStack` reads). */
  readonly warnings: { readonly path: string; readonly data: unknown }[];
}

/** An app synthesized once and checked: `checkApp`. */
export interface CheckedApp {
  /** The names of the validation plugins the app registered itself (they ran in its synthesis, as in `cdk synth`). */
  readonly registeredPlugins: string[];
  /** What the synthesis threw when a registered validation plugin reported a finding. */
  readonly synthError?: string;
  readonly stacks: CheckedStack[];
  readonly timings: Record<string, number>;
}

/** Everything measured about one synthesized stack. */
export interface StackMeasure extends CheckedStack {
  readonly guardExempted: GuardExemption[];
  /** Failing rules the construct acknowledges on the resource they fail on (`cdk-validator-cfnguard::<rule>`). */
  readonly guardAcknowledged: GuardAcknowledged[];
  readonly guardUnexempted: GuardFailure[];
}

/** A cfn-guard failure on one resource that an acknowledgement covers, as aws-cdk-lib's policy validation honours it. */
export interface GuardAcknowledged {
  readonly rule: string;
  readonly control: string;
  /** Logical id of the resource. */
  readonly resource: string;
  readonly acknowledged: { readonly path: string; readonly reason: string };
}

/** The acknowledgement id aws-cdk-lib matches against a violation of the cfn-guard validator plugin. */
export function guardAcknowledgementId(rule: string): string {
  return `cdk-validator-cfnguard::${rule}`;
}

/**
 * Splits cfn-guard failures into those acknowledged on the resource they fail on (or an ancestor,
 * as aws-cdk-lib's policy validation looks them up) and the rest, resource by resource.
 */
export function splitGuardAcknowledged(
  failures: GuardFailure[],
  resourceOf: (logicalId: string) => IConstruct | undefined,
): { acknowledged: GuardAcknowledged[]; open: GuardFailure[] } {
  return splitGuardAcknowledgedBy(failures, (logicalId, id) => {
    const c = resourceOf(logicalId);
    return c && findAcknowledgement(c, id);
  });
}

/** splitGuardAcknowledged with the lookup given: the acknowledgement `id` that covers resource `logicalId`. */
export function splitGuardAcknowledgedBy(
  failures: GuardFailure[],
  acknowledgementOf: (logicalId: string, id: string) => AcknowledgementFound | undefined,
): { acknowledged: GuardAcknowledged[]; open: GuardFailure[] } {
  const acknowledged: GuardAcknowledged[] = [];
  const open: GuardFailure[] = [];
  for (const f of failures) {
    const rest: string[] = [];
    for (const r of f.resources) {
      const ack = acknowledgementOf(r, guardAcknowledgementId(f.rule));
      if (ack) acknowledged.push({ rule: f.rule, control: f.control, resource: r, acknowledged: ack });
      else rest.push(r);
    }
    // A failure cfn-guard reports without a resource cannot be acknowledged.
    if (rest.length > 0 || f.resources.length === 0) open.push({ ...f, resources: rest });
  }
  return { acknowledged, open };
}

/** A synthesized CloudFormation template, as far as the harness reads it. */
export interface CfnTemplate {
  readonly Resources?: Record<string, { Type: string; Properties?: unknown; Metadata?: Record<string, unknown> }>;
  readonly [key: string]: unknown;
}

export interface Measurement {
  readonly stacks: StackMeasure[];
  readonly staleExemptions: GuardExemption[];
  /** Per app, the names of the validation plugins it registered itself. */
  readonly registeredPlugins: string[][];
  /** Per app, what its synthesis threw when a registered validation plugin reported a finding. */
  readonly synthErrors: (string | undefined)[];
  readonly timings: Record<string, number>;
}

/** Exact acknowledgement lookup, the same walk cdk-nag 3 does (resource, then each ancestor). */
export function findAcknowledgement(resource: IConstruct, id: string): { path: string; reason: string } | undefined {
  for (let c: IConstruct | undefined = resource; c; c = c.node.scope) {
    for (const m of c.node.metadata) {
      if (m.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !m.data) continue;
      for (const [key, reason] of Object.entries(m.data as Record<string, string>)) {
        if (key.replace(/^annotation::/i, '') === id) return { path: c.node.path, reason };
      }
    }
  }
  return undefined;
}

/**
 * Runs every pack of `packs` over `scope` and returns each finding, open or
 * acknowledged. cdk-nag reports only open findings, so the pack's private
 * acknowledgement check is wrapped to record the acknowledged ones too; the
 * open ones are cross-checked against what cdk-nag itself reports, so a
 * change inside cdk-nag fails loudly instead of skewing the numbers.
 */
export function runNag(scope: IConstruct, packs = PACKS): NagFinding[] {
  const out: NagFinding[] = [];
  for (const { name, create } of packs) {
    const pack = create();
    const internal = pack as unknown as { isAcknowledged?: (node: CfnResource, id: string) => boolean };
    if (typeof internal.isAcknowledged !== 'function') {
      throw new Error(`cdk-nag ${name}: NagPack.isAcknowledged is gone; update runNag in test/support/compliance.ts`);
    }
    const recorded: NagFinding[] = [];
    internal.isAcknowledged = (node: CfnResource, id: string) => {
      const ack = findAcknowledgement(node, id);
      recorded.push({
        pack: name,
        id,
        stack: node.node.path.split('/')[0],
        path: node.node.path,
        description: '',
        ...(ack ? { acknowledged: ack } : {}),
      });
      return ack !== undefined;
    };
    const report = pack.validateScope(scope);
    const reported = new Map<string, string>();
    for (const v of report.violations) {
      for (const r of v.violatingResources) reported.set(`${v.ruleName} ${r.constructPath}`, v.description);
    }
    const open = recorded.filter((f) => !f.acknowledged);
    if (open.length !== reported.size || open.some((f) => !reported.has(`${f.id} ${f.path}`))) {
      throw new Error(
        `cdk-nag ${name}: recorded ${open.length} open findings but the pack reported ${reported.size}; runNag no longer mirrors cdk-nag`,
      );
    }
    for (const f of recorded) out.push({ ...f, description: reported.get(`${f.id} ${f.path}`) ?? '' });
  }
  return out;
}

/** Every acknowledgement in the construct tree of `scope`. */
export function readAcknowledgementRecords(scope: IConstruct): AcknowledgementRecord[] {
  const out: AcknowledgementRecord[] = [];
  for (const c of scope.node.findAll()) {
    for (const m of c.node.metadata) {
      if (m.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [key, reason] of Object.entries(m.data as Record<string, string>)) {
        out.push({
          stack: c.node.path.split('/')[0],
          id: key.replace(/^annotation::/i, ''),
          path: c.node.path,
          reason,
        });
      }
    }
  }
  return out;
}

/** Every cfn-guard acknowledgement that covers `resource` (itself, then each ancestor; the nearest wins). */
function guardAcknowledgementsOf(resource: IConstruct): Record<string, AcknowledgementFound> {
  const out: Record<string, AcknowledgementFound> = {};
  for (let c: IConstruct | undefined = resource; c; c = c.node.scope) {
    for (const m of c.node.metadata) {
      if (m.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !m.data) continue;
      for (const [key, reason] of Object.entries(m.data as Record<string, string>)) {
        const id = key.replace(/^annotation::/i, '');
        if (id.startsWith(guardAcknowledgementId('')) && !out[id]) out[id] = { path: c.node.path, reason };
      }
    }
  }
  return out;
}

/**
 * Synthesizes the app of `build(outdir)` once, as `cdk synth` does (validation plugins it registers itself run; when
 * one reports a finding the error is recorded and the checks go on), then runs the five cdk-nag packs over the same
 * construct tree, reads its acknowledgements and checks their reasons against the templates, and runs cfn-guard over
 * every template. The result is plain data: what the construct tree showed is recorded in it.
 */
export function checkApp(build: (outdir: string) => App): CheckedApp {
  const timings: Record<string, number> = {};
  const lap = (label: string, start: number) => (timings[label] = (timings[label] ?? 0) + Date.now() - start);
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'compliance-'));
  try {
    let t = Date.now();
    const app = build(outdir);
    const registeredPlugins = (app as unknown as { _policyValidation: { name: string }[] })._policyValidation.map(
      (p) => p.name,
    );
    let synthError: string | undefined;
    try {
      app.synth();
    } catch (e) {
      // A registered validation plugin throws after writing its report; anything else is a real error.
      if (!fs.existsSync(path.join(outdir, 'validation-report.json'))) throw e;
      synthError = (e as Error).message;
    }
    lap('synth', t);
    t = Date.now();
    const findings = runNag(app);
    lap('cdk-nag', t);
    const acks = readAcknowledgementRecords(app);
    const assembly = new cxapi.CloudAssembly(outdir);
    const files = new Map<string, string>();
    const constructs = new Map<string, IConstruct>();
    const guardAcks = new Map<string, CheckedStack['guardAcknowledgements']>();
    for (const c of app.node.findAll()) {
      constructs.set(c.node.path, c);
      if (!CfnResource.isCfnResource(c)) continue;
      const found = guardAcknowledgementsOf(c);
      if (Object.keys(found).length === 0) continue;
      const stack = Stack.of(c);
      const byId = guardAcks.get(stack.artifactId) ?? {};
      byId[stack.resolve(c.logicalId) as string] = found;
      guardAcks.set(stack.artifactId, byId);
    }
    // In the manifest's order (assembly.stacks sorts by dependencies), as the reports list them.
    const artifacts = readStackTemplates(outdir).map(({ stack }) => assembly.getStackArtifact(stack));
    const stacks = artifacts.map((artifact): CheckedStack => {
      const template = artifact.template as CfnTemplate;
      files.set(artifact.id, path.join(outdir, artifact.templateFile));
      const guardAcknowledgements = guardAcks.get(artifact.id) ?? {};
      const stackAcks = acks.filter((a) => a.stack === artifact.id);
      const untrueAcknowledgements: string[] = [];
      for (const a of stackAcks) {
        const c = constructs.get(a.path);
        if (!c) throw new Error(`acknowledgement on ${a.path} has no construct`);
        const where = a.path.split('/').slice(1).join('/') || artifact.id;
        for (const p of checkClaims(`${a.id} ${a.reason}`, acknowledgedResources(c, template), template)) {
          untrueAcknowledgements.push(`${artifact.id} ${a.id} @ ${where}: ${p.claim} ${p.problem}`);
        }
      }
      return {
        stack: artifact.id,
        stackName: artifact.stackName,
        template,
        findings: findings.filter((f) => f.stack === artifact.id),
        acknowledgements: stackAcks,
        guardAcknowledgements,
        untrueAcknowledgements,
        guardFailures: [],
        warnings: artifact.messages
          .filter((msg) => msg.level === cxapi.SynthesisMessageLevel.WARNING)
          .map((msg) => ({ path: msg.id, data: msg.entry.data })),
      };
    });
    t = Date.now();
    const guard = runGuard([...files.values()]);
    lap('cfn-guard', t);
    return {
      registeredPlugins,
      synthError,
      stacks: stacks.map((s) => ({ ...s, guardFailures: guard.get(path.resolve(files.get(s.stack)!)) ?? [] })),
      timings,
    };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** The checked apps with the cfn-guard acknowledgements and `exemptions` (for the stacks they name) applied. */
export function combine(apps: CheckedApp[], exemptions: GuardExemption[] = []): Measurement {
  const used = new Set<GuardExemption>();
  const stacks = apps
    .flatMap((a) => a.stacks)
    .map((m): StackMeasure => {
      const split = splitGuardAcknowledgedBy(m.guardFailures, (id, ack) => m.guardAcknowledgements[id]?.[ack]);
      const exempted: GuardExemption[] = [];
      const unexempted: GuardFailure[] = [];
      for (const f of split.open) {
        const ex = exemptions.find((e) => e.stack === m.stack && e.rule === f.rule);
        if (ex) {
          exempted.push(ex);
          used.add(ex);
        } else unexempted.push(f);
      }
      return { ...m, guardExempted: exempted, guardAcknowledged: split.acknowledged, guardUnexempted: unexempted };
    });
  const names = new Set(stacks.map((s) => s.stack));
  const staleExemptions = exemptions.filter((e) => names.has(e.stack) && !used.has(e));
  const timings: Record<string, number> = {};
  for (const a of apps) for (const [k, v] of Object.entries(a.timings)) timings[k] = (timings[k] ?? 0) + v;
  return {
    stacks,
    staleExemptions,
    registeredPlugins: apps.map((a) => a.registeredPlugins),
    synthErrors: apps.map((a) => a.synthError),
    timings,
  };
}

/** checkApp over each app, then combine: `exemptions` apply to the stacks they name. */
export function measure(builders: ((outdir: string) => App)[], exemptions: GuardExemption[] = []): Measurement {
  return combine(
    builders.map((b) => checkApp(b)),
    exemptions,
  );
}
