import { Stack } from 'aws-cdk-lib';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { BEANSTALK_SAMPLE_SOURCES } from '../../examples/beanstalk-app-stack';
import { BeanstalkWebApp, BeanstalkWorker } from '../../lib';
import { agnosticStack, specificStack } from '../support/cdk-context';
import { probeScopes, userWildcardStatement } from '../support/scope-probe';

/**
 * Scope probes: each acknowledgement of BeanstalkWebApp and BeanstalkWorker (the platform policy's three
 * scoped wildcards, the health policy's Describe-only `*` and log wildcard) hides its own finding only: a user
 * who adds a wildcard statement to the instance role, the service role, or a resource wildcard of their own to
 * those policies, still sees it. (The health policy's `Resource::*` acknowledgement does cover another `*` statement
 * added to that one policy: its Describe actions have no resource-level permissions; users add to the roles.)
 */
describe.each([
  ['environment-agnostic', agnosticStack],
  ['environment-specific', () => specificStack()],
])('Beanstalk acknowledgements hide nothing the user adds (%s)', (_kind, makeStack: () => Stack) => {
  test('the user adds wildcard statements next to each acknowledged one, and each is reported', () => {
    const stack = makeStack();
    const web = new BeanstalkWebApp(stack, 'Web', {
      sourcePath: BEANSTALK_SAMPLE_SOURCES.web,
      protocol: elbv2.ApplicationProtocol.HTTP,
    });
    const worker = new BeanstalkWorker(stack, 'Worker', {
      sourcePath: BEANSTALK_SAMPLE_SOURCES.worker,
      application: web,
      vpc: web.vpc,
    });
    const platformPolicy = web.node.findChild('PlatformPolicy') as iam.ManagedPolicy;
    const healthPolicy = worker.node.findChild('HealthMonitoringPolicy') as iam.ManagedPolicy;
    probeScopes(stack, () => {
      userWildcardStatement(web, 's3:GetObject');
      userWildcardStatement(worker.serviceRole, 'sqs:SendMessage');
      platformPolicy.addStatements(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: ['*'] }));
      healthPolicy.addStatements(
        new iam.PolicyStatement({ actions: ['logs:PutLogEvents'], resources: ['arn:aws:logs:*:*:log-group:*'] }),
      );
      return [
        { expect: 'AwsSolutions-IAM5[Resource::*]', on: web.instanceRole },
        { expect: 'AwsSolutions-IAM5[Resource::*]', on: worker.serviceRole },
        { expect: 'AwsSolutions-IAM5[Resource::*]', on: platformPolicy },
        { expect: 'AwsSolutions-IAM5[Resource::arn:aws:logs:*:*:log-group:*]', on: healthPolicy },
      ];
    });
  });
});
