import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';

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
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'compliance-'));
  try {
    const app = build(outdir);
    try {
      app.synth();
    } catch (e) {
      // Validation plugins throw after writing their report; anything else is a real error.
      if (!fs.existsSync(path.join(outdir, 'validation-report.json'))) throw e;
    }
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
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

function readNagViolations(outdir: string): NagViolation[] {
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

function readAcknowledgements(app: App): { id: string; path: string; reason: string }[] {
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

function readStackTemplates(outdir: string): { stack: string; file: string }[] {
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

/** Runs cfn-guard with the Control Tower rules over every template at once. */
export function runGuard(templateFiles: string[]): Map<string, GuardFailure[]> {
  const result = new Map<string, GuardFailure[]>();
  if (templateFiles.length === 0) return result;
  const args = ['validate', '--rules', GUARD_RULES, ...templateFiles.flatMap((f) => ['--data', f])];
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
