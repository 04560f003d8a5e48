import { sampleApp } from './support/sample-app';

describe('the sample app', () => {
  test('synthesizes with no warning: every choice a warning would question is made explicitly', () => {
    // GIVEN the sample app exactly as `npx cdk synth` builds it, synthesized once for the jest run
    // (test/support/sample-app.ts; its AwsSolutions and Serverless plugins ran in the synthesis)
    const app = sampleApp();
    // WHEN each stack is synthesized (the synthesis passes: no plugin reported a finding)
    expect(app.synthError).toBeUndefined();
    expect(app.stacks.map((s) => s.stackName)).toEqual(
      expect.arrayContaining([
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
      ]),
    );
    // THEN no stack carries a warning (a newcomer's first `cdk synth` prints nothing to worry about): the warnings
    // of each stack's messages in the cloud assembly, which `Annotations.fromStack(stack).findWarning` reads
    const warnings = app.stacks.flatMap((stack) => stack.warnings.map((w) => `${w.path}: ${JSON.stringify(w.data)}`));
    expect(warnings).toEqual([]);
  });
});
