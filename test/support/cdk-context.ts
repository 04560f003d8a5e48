import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, AppProps, Stack } from 'aws-cdk-lib';

/** The feature flags from cdk.json, so tests synthesize exactly what `cdk synth` does. */
export const CDK_CONTEXT: Record<string, unknown> = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8'),
).context;

/**
 * cdk.json's context plus two settings for tests only, both about what synthesis writes besides the templates:
 *
 * - `aws:cdk:disable-creation-stack-traces`: aws-cdk-lib records a creation stack trace in the metadata of every
 *   CfnElement (`aws:cdk:creationStack`, in the cloud assembly's manifest, never in a template). No test reads those
 *   traces, and inside jest each one passes every frame through jest's source-map lookup: about 9% of a construct
 *   suite's CPU (issue 19).
 * - `aws:cdk:disable-asset-staging` (what `cdk synth --no-staging` sets): assets are not copied into the assembly
 *   directory. Their hashes, and so every template, stay the same (aws-cdk-lib still fingerprints the source); only
 *   the manifest's asset paths point at the source instead of a copy. The copies (the kubectl layer alone is tens of
 *   MB, copied on every EKS synthesis) were most of the tests' system time. A test that reads a staged copy passes
 *   `{ 'aws:cdk:disable-asset-staging': false }` (test/beanstalk/beanstalk-web-app.test.ts does).
 *
 * Templates, cdk-nag findings and annotations are the same either way; `npx cdk synth`, bin/app.ts and the packaging
 * test's consumer app record the traces and stage the assets as a deployment does.
 */
export const TEST_CONTEXT: Record<string, unknown> = {
  ...CDK_CONTEXT,
  'aws:cdk:disable-creation-stack-traces': true,
  'aws:cdk:disable-asset-staging': true,
};

/** An App with the project's feature flags and TEST_CONTEXT's two test settings. */
export function testApp(props: AppProps = {}): App {
  return new App({ ...props, context: { ...TEST_CONTEXT, ...(props.context ?? {}) } });
}

/** An environment-agnostic stack (what `cdk init` generates). */
export function agnosticStack(id = 'Agnostic'): Stack {
  return new Stack(testApp(), id);
}

/** An environment-specific stack. */
export function specificStack(id = 'Specific', region = 'eu-west-1'): Stack {
  return new Stack(testApp(), id, { env: { account: '123456789012', region } });
}
