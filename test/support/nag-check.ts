import { App } from 'aws-cdk-lib';
import {
  readAcknowledgements,
  readNagViolations,
  readStackTemplates,
  StackCompliance,
  withSynthesized,
} from './compliance';

/** What `checkNag` reports for one stack: the cdk-nag half of a `StackCompliance`. */
export type StackNag = Pick<StackCompliance, 'stack' | 'nagViolations' | 'acknowledged'>;

/**
 * The cdk-nag half of `checkCompliance` (compliance.ts), for tests that read only `nagViolations` and
 * `acknowledged`: synthesizes `build(outdir)` (an App with the cdk-nag packs registered as validation plugins) and
 * reports, per stack, the findings nobody fixed or acknowledged and the acknowledgements with their reasons, read
 * from the same validation report and construct metadata as `checkCompliance` reads them. It does not run
 * cfn-guard: a cfn-guard run costs about 0.7 CPU s per template (rules x templates, not process start-up), and a
 * test that never reads `guardFailures` paid it for nothing. test/common/nag-findings.test.ts proves both report
 * the same findings and acknowledgements.
 */
export function checkNag(build: (outdir: string) => App): { stacks: StackNag[] } {
  return withSynthesized(build, (app, outdir) => {
    const nag = readNagViolations(outdir);
    const acknowledged = readAcknowledgements(app);
    return {
      stacks: readStackTemplates(outdir).map(({ stack }) => ({
        stack,
        nagViolations: nag.filter((v) => v.path.split('/')[0] === stack),
        acknowledged: acknowledged.filter((a) => a.path.split('/')[0] === stack),
      })),
    };
  });
}
