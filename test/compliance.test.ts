import { Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { createSampleApp } from '../bin/app';
import { CDK_CONTEXT, testApp } from './support/cdk-context';
import { checkCompliance, formatReport, loadExemptions } from './support/compliance';

/** Total (stack, rule) cfn-guard exemptions the project allows itself. */
const EXEMPTION_BUDGET = 8;

describe('compliance harness', () => {
  test('every sample stack is clean under cdk-nag and the Control Tower guard rules', () => {
    // GIVEN the sample app exactly as `npx cdk synth` builds it
    const exemptions = loadExemptions();
    // WHEN it is synthesized and checked
    const report = checkCompliance((outdir) => createSampleApp({ outdir, context: CDK_CONTEXT }), exemptions);
    console.log(`Compliance report\n${formatReport(report)}`);
    // THEN nothing is open and every exemption still matches a failure
    expect(report.stacks.map((s) => s.stack).length).toBeGreaterThan(0);
    expect(report.stacks.flatMap((s) => s.nagViolations)).toEqual([]);
    expect(report.stacks.flatMap((s) => s.guardUnexempted.map((g) => `${s.stack}: ${g.rule}`))).toEqual([]);
    expect(report.staleExemptions).toEqual([]);
    expect(report.ok).toBe(true);
    // AND every acknowledgement, ours or aws-cdk-lib's, carries a reason a reviewer can read
    const acknowledged = report.stacks.flatMap((s) => s.acknowledged);
    expect(acknowledged.length).toBeGreaterThan(0);
    expect(acknowledged.filter((a) => a.reason.trim().length < 20)).toEqual([]);
  });

  test('the exemption file stays within budget', () => {
    expect(loadExemptions().length).toBeLessThanOrEqual(EXEMPTION_BUDGET);
  });

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
});
