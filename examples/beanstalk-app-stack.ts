import * as path from 'node:path';
import { CfnOutput, Stack } from 'aws-cdk-lib';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { BEANSTALK_APP_OUTPUTS } from '../bin/cli/verify/outputs';
import { BeanstalkWebApp, BeanstalkWorker } from '../lib';
import { SampleStackProps } from './shared-logging-stack';

/** The sample's application sources (tiny Node.js apps without dependencies), zipped by CDK as assets. */
export const BEANSTALK_SAMPLE_SOURCES = {
  web: path.join(__dirname, 'beanstalk-app', 'web'),
  worker: path.join(__dirname, 'beanstalk-app', 'worker'),
};

/**
 * Sample: a Node.js web app on Elastic Beanstalk (two Graviton instances in private subnets of two
 * Availability Zones behind a public Application Load Balancer, plain HTTP chosen explicitly since the
 * sample has no domain) and a worker in the same application reading an encrypted SQS queue, with access
 * logs to the central log bucket. The outputs are what `cdk-compute-patterns verify` reads.
 */
export class BeanstalkAppStack extends Stack {
  public readonly webApp: BeanstalkWebApp;
  public readonly worker: BeanstalkWorker;

  constructor(scope: Construct, id: string, props: SampleStackProps) {
    super(scope, id, props);
    this.webApp = new BeanstalkWebApp(this, 'Web', {
      sourcePath: BEANSTALK_SAMPLE_SOURCES.web,
      // No domain, so no certificate: plain HTTP, chosen explicitly. Pass a certificate to serve HTTPS.
      protocol: elbv2.ApplicationProtocol.HTTP,
      accessLogBucket: props.accessLogBucket,
      healthCheckPath: '/health',
      environment: { GREETING: 'Hello from the BeanstalkApp sample' },
    });
    this.worker = new BeanstalkWorker(this, 'Worker', {
      sourcePath: BEANSTALK_SAMPLE_SOURCES.worker,
      application: this.webApp,
      vpc: this.webApp.vpc,
    });
    new CfnOutput(this, BEANSTALK_APP_OUTPUTS.url, {
      value: this.webApp.url,
      description: 'URL of the web environment',
    });
    new CfnOutput(this, BEANSTALK_APP_OUTPUTS.applicationName, {
      value: this.webApp.application.ref,
      description: 'Name of the Elastic Beanstalk application',
    });
    new CfnOutput(this, BEANSTALK_APP_OUTPUTS.webEnvironmentName, {
      value: this.webApp.environmentName,
      description: 'Name of the web environment',
    });
    new CfnOutput(this, BEANSTALK_APP_OUTPUTS.workerEnvironmentName, {
      value: this.worker.environmentName,
      description: 'Name of the worker environment',
    });
    new CfnOutput(this, BEANSTALK_APP_OUTPUTS.workerQueueUrl, {
      value: this.worker.queue.queueUrl,
      description: 'URL of the queue the worker reads',
    });
  }
}
