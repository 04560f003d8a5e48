import { Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { createSampleApp } from '../bin/app';
import { CDK_CONTEXT } from './support/cdk-context';

describe('the sample app', () => {
  test('synthesizes with no warning: every choice a warning would question is made explicitly', () => {
    // GIVEN the sample app exactly as `npx cdk synth` builds it
    const app = createSampleApp({ context: CDK_CONTEXT });
    // WHEN each stack is synthesized
    const stacks = app.node.children.filter((c): c is Stack => c instanceof Stack);
    expect(stacks.map((s) => s.stackName)).toEqual(
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
    // THEN no stack carries a warning (a newcomer's first `cdk synth` prints nothing to worry about)
    const warnings = stacks.flatMap((stack) =>
      Annotations.fromStack(stack)
        .findWarning('*', Match.anyValue())
        .map((w) => `${w.id}: ${JSON.stringify(w.entry.data)}`),
    );
    expect(warnings).toEqual([]);
  });
});
