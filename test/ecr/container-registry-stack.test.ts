import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { ContainerRegistryStack } from '../../examples/container-registry-stack';
import { testApp } from '../support/cdk-context';
import { runGuard, runNag } from '../support/compliance';

function sample() {
  // GIVEN the sample stack as bin/app.ts creates it
  const app = testApp();
  const stack = new ContainerRegistryStack(app, 'ContainerRegistry');
  return { app, stack, template: Template.fromStack(stack) };
}

describe('ContainerRegistryStack sample', () => {
  test('synthesizes the template in the snapshot', () => {
    const { template } = sample();
    // THEN it outputs what a push needs, and its template matches the reviewed snapshot
    expect(Object.keys(template.toJSON().Outputs).sort()).toEqual(['RepositoryName', 'RepositoryUri']);
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('is clean under the five cdk-nag packs and the Control Tower rules, with nothing acknowledged', () => {
    const { app, stack } = sample();
    // WHEN the packs and cfn-guard run
    const findings = runNag(stack);
    const assembly = app.synth();
    const file = path.resolve(assembly.directory, stack.templateFile);
    // THEN nothing is open, and nothing needed an acknowledgement either (CT.ECR.PR.1-3 with no exemption)
    expect(findings.map((f) => `${f.id} ${f.path}`)).toEqual([]);
    expect(runGuard([file]).get(file) ?? []).toEqual([]);
  });
});
