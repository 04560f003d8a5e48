import type { CheckedApp } from './compliance';
import { shared, SharedBuild } from './shared';

/**
 * The sample app (bin/app.ts) exactly as `npx cdk synth` builds it, with the cdk.json feature flags, synthesized and
 * checked once per jest run (checkApp: its own AwsSolutions and Serverless plugins run in the synthesis; then the five
 * cdk-nag packs, the acknowledgements and cfn-guard) and shared with every test file that reads it:
 * test/sample-app.test.ts, the runtime contracts and the compliance report.
 *
 * The builder is loaded when it runs, so a test file that finds the app already built does not load the library.
 */
export const SAMPLE_APP: SharedBuild<CheckedApp> = {
  name: 'sample-app',
  build: () => {
    /* eslint-disable @typescript-eslint/no-require-imports -- loaded only by the worker that builds it */
    const { createSampleApp } = require('../../bin/app') as typeof import('../../bin/app');
    const { checkApp } = require('./compliance') as typeof import('./compliance');
    const { TEST_CONTEXT } = require('./cdk-context') as typeof import('./cdk-context');
    /* eslint-enable @typescript-eslint/no-require-imports */
    return checkApp((outdir) => createSampleApp({ outdir, context: TEST_CONTEXT }));
  },
};

/** The sample app, synthesized and checked: built by the first test file of the run that asks, read by the others. */
export function sampleApp(): CheckedApp {
  return shared(SAMPLE_APP);
}
