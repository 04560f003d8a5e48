import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { BeanstalkAppStack } from '../../examples/beanstalk-app-stack';
import { SharedLoggingStack } from '../../examples/shared-logging-stack';
import { testApp } from '../support/cdk-context';
import { once } from '../support/shared';

const sample = once(() => {
  // GIVEN the sample app's central log stack WHEN the BeanstalkApp sample is added
  const app = testApp();
  const logging = new SharedLoggingStack(app, 'SharedLogging');
  const stack = new BeanstalkAppStack(app, 'BeanstalkApp', { accessLogBucket: logging.accessLogBucket });
  return { stack, template: Template.fromStack(stack) };
});

describe('BeanstalkAppStack sample', () => {
  test('outputs what the verify CLI reads: the URL, the application and both environments, the worker queue', () => {
    const { template, stack } = sample();
    expect(Object.keys(template.findOutputs('*')).sort()).toEqual([
      'ApplicationName',
      'WebAppUrl',
      'WebEnvironmentName',
      'WorkerEnvironmentName',
      'WorkerQueueUrl',
    ]);
    template.hasOutput('WebEnvironmentName', { Value: stack.webApp.environmentName });
    template.hasOutput('WebAppUrl', {
      Value: {
        'Fn::Join': ['', ['http://', { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebEnvironment'), 'EndpointURL'] }]],
      },
    });
  });

  test('runs the web app and the worker in one application and one VPC, logging to the central bucket', () => {
    const { template } = sample();
    template.resourceCountIs('AWS::ElasticBeanstalk::Application', 1);
    template.resourceCountIs('AWS::ElasticBeanstalk::Environment', 2);
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::S3::Bucket', 0);
  });

  test('synthesizes without warnings', () => {
    const { stack } = sample();
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });

  test('matches the snapshot', () => {
    expect(sample().template.toJSON()).toMatchSnapshot();
  });
});
