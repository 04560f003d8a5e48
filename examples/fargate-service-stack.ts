import { CfnOutput, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { FargateWebService } from '../lib';
import { SampleStackProps } from './shared-logging-stack';

/**
 * Sample: an unprivileged nginx on Fargate behind the shared secure load
 * balancer. The image listens on 8080 and runs as uid 101, so the container
 * runs as a non-root user on a read-only root filesystem, with ephemeral
 * writable volumes only where nginx writes (temp files, cache, pid file).
 */
export class FargateServiceStack extends Stack {
  public readonly webService: FargateWebService;

  constructor(scope: Construct, id: string, props: SampleStackProps) {
    super(scope, id, props);
    this.webService = new FargateWebService(this, 'Web', {
      image: ecs.ContainerImage.fromRegistry('nginxinc/nginx-unprivileged:stable-alpine'),
      containerPort: 8080,
      user: '101',
      readonlyRootFilesystem: true,
      writablePaths: ['/tmp', '/var/cache/nginx', '/var/run'],
      accessLogBucket: props.accessLogBucket,
      deletionProtection: props.deletionProtection,
    });
    new CfnOutput(this, 'ServiceUrl', { value: this.webService.url, description: 'URL of the service' });
    new CfnOutput(this, 'ClusterName', { value: this.webService.cluster.clusterName });
    new CfnOutput(this, 'ServiceName', { value: this.webService.service.serviceName });
  }
}
