#!/usr/bin/env node
import { App, AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { NetworkFoundationStack } from '../examples/network-foundation-stack';

/**
 * The sample app: every sample stack from examples/, environment-agnostic (no
 * account or region, so `npx cdk synth` needs no AWS account), checked by the
 * cdk-nag AwsSolutions and Serverless packs. Any finding that is neither fixed
 * nor acknowledged with a reason fails the synth.
 */
export function createSampleApp(props: AppProps = {}): App {
  const app = new App(props);
  new NetworkFoundationStack(app, 'NetworkFoundation');
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  return app;
}

if (require.main === module) {
  createSampleApp().synth();
}
