import { CfnResource } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { SharedLoggingStack } from '../../examples/shared-logging-stack';
import { WebFleetStack } from '../../examples/web-fleet-stack';
import { testApp } from '../support/cdk-context';

function sample(deletionProtection?: boolean): { stack: WebFleetStack; template: Template } {
  // GIVEN the sample app's central log stack WHEN the WebFleet sample is added
  const app = testApp();
  const logging = new SharedLoggingStack(app, 'SharedLogging');
  const stack = new WebFleetStack(app, 'WebFleet', { accessLogBucket: logging.accessLogBucket, deletionProtection });
  return { stack, template: Template.fromStack(stack) };
}

describe('WebFleetStack sample', () => {
  const { stack, template } = sample();

  test('outputs the load balancer URL and the Auto Scaling group name the verify CLI reads', () => {
    expect(Object.keys(template.findOutputs('*')).sort()).toEqual(['AutoScalingGroupName', 'LoadBalancerUrl']);
    template.hasOutput('AutoScalingGroupName', {
      Value: { Ref: stack.getLogicalId(stack.fleet.autoScalingGroup.node.defaultChild as CfnResource) },
    });
  });

  test('keeps load balancer deletion protection on by default and turns it off when told', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'deletion_protection.enabled', Value: 'true' }]),
    });
    sample(false).template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'deletion_protection.enabled', Value: 'false' }]),
    });
  });

  test('matches the snapshot', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });
});
