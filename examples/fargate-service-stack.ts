import { CfnOutput, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { FargateWebService } from '../lib';
import { SampleStackProps } from './shared-logging-stack';

/**
 * Sample: an unprivileged nginx on Fargate behind the shared secure load
 * balancer. The image listens on 8080 and the container runs as uid 101, not
 * root. Its root filesystem stays writable: nginx writes its pid and temp
 * files under /tmp, and on Fargate the only writable mounts for a read-only
 * root filesystem are bind mounts owned by root (mode 0755) unless the image
 * declares them as VOLUME, which this image does not, so uid 101 could not
 * write there (see the CT.ECS.PR.6 exemption in compliance/guard-exemptions.json).
 */
export class FargateServiceStack extends Stack {
  public readonly webService: FargateWebService;

  constructor(scope: Construct, id: string, props: SampleStackProps) {
    super(scope, id, props);
    this.webService = new FargateWebService(this, 'Web', {
      image: ecs.ContainerImage.fromRegistry('nginxinc/nginx-unprivileged:stable-alpine'),
      containerPort: 8080,
      user: '101',
      accessLogBucket: props.accessLogBucket,
      deletionProtection: props.deletionProtection,
    });
    new CfnOutput(this, 'ServiceUrl', { value: this.webService.url, description: 'URL of the service' });
    new CfnOutput(this, 'ClusterName', { value: this.webService.cluster.clusterName });
    new CfnOutput(this, 'ServiceName', { value: this.webService.service.serviceName });
  }
}
