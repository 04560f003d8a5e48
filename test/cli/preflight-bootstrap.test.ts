import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CfnResource, Stack } from 'aws-cdk-lib';
import {
  CLI_BOOTSTRAP_VERSION,
  CLI_VERSION,
  DEFAULT_QUALIFIER,
  MIN_BOOTSTRAP_VERSION,
} from '../../bin/cli/preflight/checks/bootstrap';
import { testApp } from '../support/cdk-context';

// preflight ships in a bundle without aws-cdk-lib or the CDK CLI, so it carries their bootstrap numbers as
// constants. These tests keep the constants equal to what the installed packages really require and install.
const root = join(__dirname, '..', '..');

describe('preflight bootstrap constants', () => {
  test('MIN_BOOTSTRAP_VERSION and the qualifier are what a synthesized stack of this aws-cdk-lib requires', () => {
    // GIVEN a stack with the default synthesizer, as every sample has
    const app = testApp();
    const stack = new Stack(app, 'Probe');
    new CfnResource(stack, 'Handle', { type: 'AWS::CloudFormation::WaitConditionHandle' });
    // WHEN
    const artifact = app.synth().getStackByName('Probe');
    // THEN
    expect(artifact.requiresBootstrapStackVersion).toBe(MIN_BOOTSTRAP_VERSION);
    expect(artifact.bootstrapStackVersionSsmParameter).toBe(`/cdk-bootstrap/${DEFAULT_QUALIFIER}/version`);
  });

  test('CLI_BOOTSTRAP_VERSION is the version the pinned CDK CLI bootstraps with', () => {
    const cli = JSON.parse(readFileSync(join(root, 'node_modules', 'aws-cdk', 'package.json'), 'utf8')) as {
      version: string;
    };
    const template = readFileSync(
      join(root, 'node_modules', 'aws-cdk', 'lib', 'api', 'bootstrap', 'bootstrap-template.yaml'),
      'utf8',
    );
    // The CdkBootstrapVersion SSM parameter resource carries the template's version as its Value.
    const resource = template.slice(template.indexOf('  CdkBootstrapVersion:\n'));
    const value = /\n\s+Value: '(\d+)'/.exec(resource)?.[1];
    expect(cli.version.startsWith(`${CLI_VERSION}.`)).toBe(true);
    expect(Number(value)).toBe(CLI_BOOTSTRAP_VERSION);
  });
});
