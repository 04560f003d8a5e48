import { Template } from 'aws-cdk-lib/assertions';
import { Ec2ServiceStack } from '../../examples/ec2-service-stack';
import { SharedLoggingStack } from '../../examples/shared-logging-stack';
import { testApp } from '../support/cdk-context';

function sample() {
  // GIVEN the sample app's wiring: the central log bucket from SharedLogging
  const app = testApp();
  const logging = new SharedLoggingStack(app, 'SharedLogging');
  const stack = new Ec2ServiceStack(app, 'Ec2Service', {
    accessLogBucket: logging.accessLogBucket,
    deletionProtection: true,
  });
  return { stack, template: Template.fromStack(stack) };
}

describe('Ec2ServiceStack sample', () => {
  test('synthesizes the template in the snapshot', () => {
    const { template } = sample();
    expect(Object.keys(template.toJSON().Outputs).sort()).toEqual([
      'AutoScalingGroupName',
      'ClusterName',
      'ServiceName',
      'ServiceUrl',
    ]);
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('pulls a pinned ECR Public image, never latest, never Docker Hub', () => {
    const { template } = sample();
    const taskDefinition = Object.values(template.findResources('AWS::ECS::TaskDefinition'))[0];
    expect(taskDefinition.Properties.ContainerDefinitions[0].Image).toBe(
      'public.ecr.aws/nginx/nginx-unprivileged:1.27-alpine',
    );
  });
});
