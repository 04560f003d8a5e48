import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as kms from 'aws-cdk-lib/aws-kms';
import { BEANSTALK_SAMPLE_SOURCES } from '../../examples/beanstalk-app-stack';
import { BeanstalkWebApp, BeanstalkWorker, BeanstalkWorkerProps } from '../../lib';
import { agnosticStack, specificStack } from '../support/cdk-context';
import { once } from '../support/shared';
import { option } from './option-settings';

const SOURCE = BEANSTALK_SAMPLE_SOURCES.worker;

describe.each([
  ['environment-agnostic', () => agnosticStack()],
  ['environment-specific', () => specificStack()],
])('BeanstalkWorker defaults (%s stack)', (_kind, makeStack) => {
  const sample = once(() => {
    // GIVEN a web app WHEN a worker joins its application
    const stack = makeStack();
    const web = new BeanstalkWebApp(stack, 'Web', {
      sourcePath: BEANSTALK_SAMPLE_SOURCES.web,
      protocol: elbv2.ApplicationProtocol.HTTP,
    });
    const worker = new BeanstalkWorker(stack, 'Worker', { sourcePath: SOURCE, application: web, vpc: web.vpc });
    return { stack, web, worker, template: Template.fromStack(stack) };
  });

  test('shares the web app’s application: one application, two versions, a worker-tier environment', () => {
    const { template, worker, web, stack } = sample();
    template.resourceCountIs('AWS::ElasticBeanstalk::Application', 1);
    template.resourceCountIs('AWS::ElasticBeanstalk::ApplicationVersion', 2);
    expect(worker.application).toBe(web.application);
    template.hasResourceProperties('AWS::ElasticBeanstalk::Environment', {
      EnvironmentName: worker.environmentName,
      ApplicationName: { Ref: stack.getLogicalId(web.application) },
      Tier: { Name: 'Worker', Type: 'SQS/HTTP' },
    });
  });

  test('reads an encrypted, TLS-only queue with a dead-letter queue after 5 receives', () => {
    const { template, worker, stack } = sample();
    const queueId = stack.getLogicalId(worker.queue.node.defaultChild as never);
    const dlqId = stack.getLogicalId(worker.deadLetterQueue.node.defaultChild as never);
    const keyId = stack.getLogicalId(worker.encryptionKey.node.defaultChild as never);
    template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      VisibilityTimeout: 300,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 5 },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      MessageRetentionPeriod: 1209600,
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId }],
      PolicyDocument: {
        Statement: [Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })],
      },
    });
    expect(option(template, 'aws:elasticbeanstalk:sqsd', 'WorkerQueueURL', worker.environmentName)).toEqual({
      Ref: queueId,
    });
    expect(option(template, 'aws:elasticbeanstalk:sqsd', 'VisibilityTimeout', worker.environmentName)).toBe('300');
    // The daemon stops waiting for the application before the message becomes visible again.
    expect(option(template, 'aws:elasticbeanstalk:sqsd', 'InactivityTimeout', worker.environmentName)).toBe('299');
    expect(option(template, 'aws:elasticbeanstalk:sqsd', 'HttpPath', worker.environmentName)).toBe('/');
  });

  test('lets the worker daemon use this queue and its key only', () => {
    const { template, worker, stack } = sample();
    const queueArn = { 'Fn::GetAtt': [stack.getLogicalId(worker.queue.node.defaultChild as never), 'Arn'] };
    const keyArn = { 'Fn::GetAtt': [stack.getLogicalId(worker.encryptionKey.node.defaultChild as never), 'Arn'] };
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^WorkerInstanceRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'WorkerDaemonQueue',
            Effect: 'Allow',
            Action: [
              'sqs:ChangeMessageVisibility',
              'sqs:DeleteMessage',
              'sqs:GetQueueAttributes',
              'sqs:GetQueueUrl',
              'sqs:ReceiveMessage',
              'sqs:SendMessage',
            ],
            Resource: queueArn,
          },
          {
            Sid: 'WorkerDaemonQueueKey',
            Effect: 'Allow',
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: keyArn,
          },
        ]),
      },
    });
  });

  test('has the secure defaults of every environment and no load balancer settings', () => {
    const { template, worker } = sample();
    const name = worker.environmentName;
    expect(option(template, 'aws:elasticbeanstalk:healthreporting:system', 'SystemType', name)).toBe('enhanced');
    expect(option(template, 'aws:elasticbeanstalk:managedactions', 'ManagedActionsEnabled', name)).toBe('true');
    expect(option(template, 'aws:elasticbeanstalk:cloudwatch:logs', 'StreamLogs', name)).toBe('true');
    expect(option(template, 'aws:autoscaling:launchconfiguration', 'DisableIMDSv1', name)).toBe('true');
    expect(option(template, 'aws:elasticbeanstalk:hostmanager', 'LogPublicationControl', name)).toBe('true');
    expect(option(template, 'aws:ec2:vpc', 'ELBSubnets', name)).toBeUndefined();
    expect(option(template, 'aws:elbv2:loadbalancer', 'AccessLogsS3Enabled', name)).toBeUndefined();
  });

  test('alarms on environment health and on the first dead-lettered message, notifying the alarm topic', () => {
    const { template, worker, stack } = sample();
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [stack.getLogicalId(worker.deadLetterQueue.node.defaultChild as never), 'QueueName'] },
        },
      ],
      Threshold: 1,
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^CdkComputePatternsAlarms') }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'EnvironmentHealth',
      Dimensions: [{ Name: 'EnvironmentName', Value: worker.environmentName }],
    });
  });
});

describe('BeanstalkWorker options and validation', () => {
  function build(props: Partial<BeanstalkWorkerProps> = {}) {
    const stack = agnosticStack();
    return { stack, make: () => new BeanstalkWorker(stack, 'Worker', { sourcePath: SOURCE, ...props }) };
  }

  test('creates its own application without a web app, and uses the key given', () => {
    const stack = agnosticStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    new BeanstalkWorker(stack, 'Other', {
      sourcePath: SOURCE,
      encryptionKey: key,
      httpPath: '/jobs',
      visibilityTimeout: Duration.minutes(10),
      maxReceiveCount: 3,
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::ElasticBeanstalk::Application', 1);
    template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: { 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as kms.CfnKey), 'Arn'] },
      VisibilityTimeout: 600,
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 3 }),
    });
    expect(option(template, 'aws:elasticbeanstalk:sqsd', 'HttpPath')).toBe('/jobs');
    expect(option(template, 'aws:elasticbeanstalk:sqsd', 'InactivityTimeout')).toBe('599');
  });

  test('caps the daemon InactivityTimeout at 36,000 seconds for longer visibility timeouts, within the option ranges', () => {
    // GIVEN the longest visibility timeout SQS takes, and the most retries the daemon takes
    const stack = agnosticStack();
    new BeanstalkWorker(stack, 'Long', {
      sourcePath: SOURCE,
      visibilityTimeout: Duration.hours(12),
      maxReceiveCount: 100,
    });
    const template = Template.fromStack(stack);
    // THEN every sqsd option is within the range Elastic Beanstalk accepts (aws:elasticbeanstalk:sqsd):
    // VisibilityTimeout 0-43,200, InactivityTimeout 1-36,000, MaxRetries 1-100
    expect(option(template, 'aws:elasticbeanstalk:sqsd', 'VisibilityTimeout')).toBe('43200');
    expect(option(template, 'aws:elasticbeanstalk:sqsd', 'InactivityTimeout')).toBe('36000');
    expect(option(template, 'aws:elasticbeanstalk:sqsd', 'MaxRetries')).toBe('100');
  });

  test.each([0, 101])('fails when maxReceiveCount is outside 1-100 (the daemon MaxRetries range): %d', (count) => {
    expect(build({ maxReceiveCount: count }).make).toThrow(
      new Error(`Agnostic/Worker: maxReceiveCount must be an integer between 1 and 100; received ${count}`),
    );
  });

  test('fails when the visibility timeout is not whole seconds between 2 and 43,200', () => {
    expect(build({ visibilityTimeout: Duration.hours(13) }).make).toThrow(
      new Error(
        'Agnostic/Worker: visibilityTimeout must be whole seconds between 2 and 43,200 (12 hours); received 13 hours',
      ),
    );
  });

  test('fails when the HTTP path does not start with /', () => {
    expect(build({ httpPath: 'jobs' }).make).toThrow(
      new Error("Agnostic/Worker: httpPath must start with '/'; received 'jobs'"),
    );
  });

  test('validates the shared props too: capacity, by exact message naming the worker', () => {
    expect(build({ minCapacity: 0 }).make).toThrow(
      new Error(
        'Agnostic/Worker: minCapacity must be a positive integer (2 or more for a highly available environment: an instance in each of two Availability Zones); received 0',
      ),
    );
  });
});
