import * as fs from 'node:fs';
import { Annotations, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { CDK_CONTEXT, testApp } from './support/cdk-context';
import {
  checkApp,
  checkCompliance,
  combine,
  guardAcknowledgementId,
  loadExemptions,
  Measurement,
  PACKS,
  runNag,
} from './support/compliance';
import { KINDS, PATTERNS, stackName, VARIANTS } from './support/compliance-matrix';
import {
  DOC_FILE,
  formatCompact,
  loadOpenFindings,
  loadUntrueReasons,
  measureAll,
  OPEN_FINDINGS_FILE,
  openFindingLines,
  README_END,
  README_FILE,
  README_START,
  REGENERATE,
  renderDoc,
  renderSummary,
  sampleStacks,
  untrueReasonLines,
} from './support/compliance-report';

/** Total (stack, rule) cfn-guard exemptions the project allows itself. */
const EXEMPTION_BUDGET = 8;

/**
 * One synthesis of the sample app and of the pattern matrix (4 patterns x
 * defaults/every option x env-agnostic/-specific, plus 4 stock equivalents),
 * five cdk-nag packs over each tree and one cfn-guard run over every template;
 * every test below reads this one measurement.
 */
let m: Measurement;
beforeAll(() => {
  m = measureAll();
  console.log(`Compliance (open findings per pack; guard = failing rules not exempted)\n${formatCompact(m)}`);
}, 600_000);

describe('the sample app', () => {
  test('registers the AwsSolutions and Serverless packs itself, so `npx cdk synth` fails on a finding', () => {
    expect(m.registeredPlugins[0]).toEqual(['AwsSolutions', 'Serverless']);
  });

  test('has zero open AwsSolutions and Serverless findings and no unexempted Control Tower failure', () => {
    const sample = sampleStacks(m);
    expect(sample.map((s) => s.stack).sort()).toEqual(
      [
        'BatchJobs',
        'BeanstalkApp',
        'ContainerRegistry',
        'Ec2Service',
        'EksCluster',
        'FargateService',
        'InventoryLoader',
        'LightsailSite',
        'ServerlessApi',
        'SharedLogging',
        'WebFleet',
      ].sort(),
    );
    const open = sample.flatMap((s) =>
      s.findings.filter((f) => !f.acknowledged && ['AwsSolutions', 'Serverless'].includes(f.pack)),
    );
    expect(open.map((f) => `${f.id} ${f.path}`)).toEqual([]);
    expect(sample.flatMap((s) => s.guardUnexempted.map((g) => `${s.stack}: ${g.rule}`))).toEqual([]);
    expect(m.staleExemptions).toEqual([]);
  });

  test('has zero open NIST 800-53 R5, HIPAA Security and PCI DSS 3.2.1 findings too (measured, not registered)', () => {
    const open = sampleStacks(m).flatMap((s) =>
      s.findings.filter((f) => !f.acknowledged && !['AwsSolutions', 'Serverless'].includes(f.pack)),
    );
    expect(open.map((f) => `${f.id} ${f.path}`)).toEqual([]);
  });

  test('the exemption file stays within budget and holds no CT.ECS.PR.6 (read-only root filesystem) exemption', () => {
    expect(loadExemptions().length).toBeLessThanOrEqual(EXEMPTION_BUDGET);
    expect(loadExemptions().filter((e) => e.control === 'CT.ECS.PR.6' || e.rule.includes('readonly'))).toEqual([]);
  });
});

describe('the pattern matrix under five packs', () => {
  test('measures every pattern with defaults and every option on, in both kinds of stack, and its stock equivalent', () => {
    const names = new Set(m.stacks.map((s) => s.stack));
    for (const p of PATTERNS) {
      for (const v of VARIANTS) for (const k of KINDS) expect(names).toContain(stackName(p.name, v, k));
      expect(names).toContain(stackName(p.name, 'Stock'));
    }
    // The packs really ran: stock aws-cdk-lib is never clean under AwsSolutions.
    const stockOpen = PATTERNS.map((p) => m.stacks.find((s) => s.stack === stackName(p.name, 'Stock'))!)
      .flatMap((s) => s.findings)
      .filter((f) => f.pack === 'AwsSolutions' && !f.acknowledged);
    expect(stockOpen.length).toBeGreaterThan(0);
  });

  test(`open findings only shrink: each is listed in compliance/open-findings.json`, () => {
    const measured = openFindingLines(m);
    const expected = loadOpenFindings();
    const added = measured.filter((l) => !expected.includes(l));
    const fixed = expected.filter((l) => !measured.includes(l));
    if (added.length) {
      throw new Error(
        `${added.length} new open finding(s); fix or acknowledge them in the construct (exactly, with a true reason):\n${added.join('\n')}`,
      );
    }
    if (fixed.length) {
      throw new Error(
        `${fixed.length} finding(s) in ${OPEN_FINDINGS_FILE} are no longer open; delete them (${REGENERATE} does):\n${fixed.join('\n')}`,
      );
    }
  });
});

describe('key policies (issue 12, section 4)', () => {
  test('grant to an AWS service principal only on a condition that pins this account (aws:SourceAccount / aws:SourceArn)', () => {
    const problems = keyPolicyProblems(m.stacks);
    // The keys were found and read: the matrix and the sample app hold dozens.
    expect(problems.checked).toBeGreaterThan(20);
    expect(problems.unconditioned).toEqual([]);
  });

  test('the check fails on a key policy that admits a service principal without such a condition', () => {
    const template = {
      Resources: {
        Key: {
          Type: 'AWS::KMS::Key',
          Properties: {
            KeyPolicy: {
              Statement: [
                { Effect: 'Allow', Principal: { Service: 'sns.amazonaws.com' }, Action: 'kms:Decrypt', Resource: '*' },
                {
                  Effect: 'Allow',
                  Principal: { Service: 'events.amazonaws.com' },
                  Action: 'kms:Decrypt',
                  Resource: '*',
                  Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
                },
              ],
            },
          },
        },
      },
    };
    const problems = keyPolicyProblems([{ stack: 'Probe', template } as never]);
    expect(problems.unconditioned).toEqual(['Probe Key: sns.amazonaws.com kms:Decrypt']);
  });
});

describe('the compliance report', () => {
  test('docs/COMPLIANCE.md is current', () => {
    const current = fs.readFileSync(DOC_FILE, 'utf8');
    if (current !== renderDoc(m))
      throw new Error(`docs/COMPLIANCE.md is out of date; run \`${REGENERATE}\` and commit it`);
  });

  test("the README's compliance summary is the generated one, word for word", () => {
    const readme = fs.readFileSync(README_FILE, 'utf8');
    const start = readme.indexOf(README_START);
    const end = readme.indexOf(README_END);
    expect(start).toBeGreaterThan(0);
    const block = readme.slice(start + README_START.length, end).trim();
    if (block !== renderSummary(m))
      throw new Error(`README.md's compliance summary is out of date; run \`${REGENERATE}\``);
    expect(fs.readFileSync(DOC_FILE, 'utf8')).toContain(block);
  });
});

describe('every reason is true', () => {
  test('every acknowledgement, ours or aws-cdk-lib, carries a reason a reviewer can read', () => {
    const acks = m.stacks.flatMap((s) => s.acknowledgements);
    expect(acks.length).toBeGreaterThan(0);
    expect(acks.filter((a) => a.reason.trim().length < 20)).toEqual([]);
  });

  test('no reason names an action, managed policy, intrinsic or resource type its template lacks', () => {
    // Known untrue reasons are listed in compliance/open-findings.json until their owners fix them.
    const measured = untrueReasonLines(m);
    const expected = loadUntrueReasons();
    const added = measured.filter((l) => !expected.includes(l));
    const fixed = expected.filter((l) => !measured.includes(l));
    if (added.length)
      throw new Error(`untrue acknowledgement reason(s); fix the reason or the code:\n${added.join('\n')}`);
    if (fixed.length) {
      throw new Error(`no longer untrue; delete from ${OPEN_FINDINGS_FILE} (${REGENERATE} does):\n${fixed.join('\n')}`);
    }
  });
});

describe('the harness itself', () => {
  test('fails when a stack adds an unacknowledged finding', () => {
    // GIVEN an app with a stock, non-compliant bucket
    const report = checkCompliance((outdir) => {
      const app = testApp({ outdir });
      new s3.Bucket(new Stack(app, 'Careless'), 'Bucket');
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
      return app;
    }, []);
    // THEN both cdk-nag and cfn-guard report it and the harness fails
    const careless = report.stacks.find((s) => s.stack === 'Careless')!;
    expect(careless.nagViolations.map((v) => v.rule)).toEqual(
      expect.arrayContaining(['AwsSolutions-S1', 'AwsSolutions-S10']),
    );
    expect(careless.guardUnexempted.map((g) => g.rule)).toEqual(
      expect.arrayContaining(['s3_bucket_logging_enabled_check', 's3_bucket_default_encryption_kms_check']),
    );
    expect(report.ok).toBe(false);
  });

  test('fails when an exemption no longer matches a failure', () => {
    const report = checkCompliance(
      (outdir) => {
        const app = testApp({ outdir });
        new s3.CfnBucket(new Stack(app, 'Empty'), 'Bucket', {
          loggingConfiguration: {},
        });
        return app;
      },
      [{ stack: 'Empty', rule: 's3_bucket_logging_enabled_check', control: 'CT.S3.PR.2', reason: 'x'.repeat(40) }],
    );
    expect(report.staleExemptions).toHaveLength(1);
    expect(report.ok).toBe(false);
  });

  test('records acknowledged findings with their reason and open ones without, in all five packs', () => {
    // GIVEN a stock bucket whose AwsSolutions-S1 finding is acknowledged on the bucket resource
    const stack = new Stack(testApp({ context: CDK_CONTEXT }), 'Probe');
    const bucket = new s3.Bucket(stack, 'Bucket');
    Validations.of(bucket.node.defaultChild as IConstruct).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'a reason long enough to be read',
    });
    // WHEN the five packs run
    const findings = runNag(stack);
    // THEN S1 is acknowledged with its reason, S10 stays open, and every pack reported something
    const s1 = findings.find((f) => f.id === 'AwsSolutions-S1')!;
    expect(s1.acknowledged).toEqual({ path: 'Probe/Bucket/Resource', reason: 'a reason long enough to be read' });
    expect(findings.find((f) => f.id === 'AwsSolutions-S10')!.acknowledged).toBeUndefined();
    expect(new Set(findings.map((f) => f.pack))).toEqual(
      new Set(PACKS.map((p) => p.name).filter((p) => p !== 'Serverless')),
    );
  });
});

describe('what a shared check records from the construct tree (checkApp)', () => {
  test('reason truth, cfn-guard acknowledgements per resource and warnings, as plain data', () => {
    // GIVEN a stock bucket whose cfn-guard logging failure is acknowledged with a reason naming an action the
    // template lacks, and a warning on the bucket
    const checked = checkApp((outdir) => {
      const app = testApp({ outdir });
      const bucket = new s3.Bucket(new Stack(app, 'Probe'), 'Bucket');
      Validations.of(bucket.node.defaultChild as IConstruct).acknowledge({
        id: guardAcknowledgementId('s3_bucket_logging_enabled_check'),
        reason: 'the bucket only ever receives ec2:CreateNetworkInterface calls',
      });
      Annotations.of(bucket).addWarningV2('probe:warning', 'a warning the harness must see');
      return app;
    });
    // WHEN it is written and read back as a shared value is
    const probe = combine([JSON.parse(JSON.stringify(checked))]).stacks[0];
    // THEN the untrue reason, the acknowledged guard failure (and only it) and the warning are all there
    expect(probe.untrueAcknowledgements).toEqual([
      'Probe cdk-validator-cfnguard::s3_bucket_logging_enabled_check @ Bucket/Resource: ec2:CreateNetworkInterface is not an action (or condition key) in the acknowledged resources',
    ]);
    expect(probe.guardAcknowledged.map((g) => `${g.rule} ${g.acknowledged.path}`)).toEqual([
      's3_bucket_logging_enabled_check Probe/Bucket/Resource',
    ]);
    expect(probe.guardUnexempted.map((g) => g.rule)).toContain('s3_bucket_default_encryption_kms_check');
    expect(probe.warnings.map((w) => `${w.path} ${String(w.data)}`)).toEqual([
      expect.stringMatching(/^\/Probe\/Bucket a warning the harness must see/),
    ]);
  });
});

/**
 * Key-policy statements that allow an AWS service principal without a condition pinning the calling
 * resource to this account: aws:SourceAccount or aws:SourceArn, or (CloudWatch Logs, which documents it
 * instead) an encryption-context ARN condition naming the log groups of this account.
 */
function keyPolicyProblems(stacks: { stack: string; template: { Resources?: Record<string, unknown> } }[]): {
  checked: number;
  unconditioned: string[];
} {
  const PINNING = /^(aws:SourceAccount|aws:SourceArn|kms:EncryptionContext:aws:logs:arn)$/i;
  let checked = 0;
  const unconditioned: string[] = [];
  for (const s of stacks) {
    for (const [id, r] of Object.entries(s.template.Resources ?? {})) {
      const res = r as { Type: string; Properties?: { KeyPolicy?: { Statement?: unknown[] } } };
      if (res.Type !== 'AWS::KMS::Key') continue;
      checked++;
      for (const st of (res.Properties?.KeyPolicy?.Statement ?? []) as Record<string, unknown>[]) {
        const principal = st.Principal as { Service?: unknown } | undefined;
        if (st.Effect !== 'Allow' || !principal || typeof principal !== 'object' || !principal.Service) continue;
        const keys = Object.values((st.Condition ?? {}) as Record<string, Record<string, unknown>>).flatMap((c) =>
          Object.keys(c),
        );
        if (keys.some((k) => PINNING.test(k))) continue;
        const services = [principal.Service].flat().map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
        const actions = [st.Action].flat().join(',');
        unconditioned.push(`${s.stack} ${id}: ${services.join(',')} ${actions}`);
      }
    }
  }
  return { checked, unconditioned };
}
