import { CfnOutput, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { Ec2WebService } from '../lib';
import { SampleStackProps } from './shared-logging-stack';

/**
 * Sample: an unprivileged nginx from ECR Public on ECS container instances
 * (Graviton, ECS-optimized Amazon Linux 2023) behind the shared secure load
 * balancer, with the construct's defaults: tasks in awsvpc mode spread across
 * Availability Zones then binpacked on memory, non-root (uid 101, the image's
 * own) with a read-only root filesystem and a writable /tmp. The image is
 * pinned to a version tag, never `latest`.
 */
export class Ec2ServiceStack extends Stack {
  public readonly webService: Ec2WebService;

  constructor(scope: Construct, id: string, props: SampleStackProps) {
    super(scope, id, props);
    this.webService = new Ec2WebService(this, 'Web', {
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx-unprivileged:1.27-alpine'),
      containerPort: 8080,
      // The sample has no domain to hold a certificate: plain HTTP, chosen explicitly.
      protocol: elbv2.ApplicationProtocol.HTTP,
      user: '101',
      writablePaths: ['/tmp'],
      accessLogBucket: props.accessLogBucket,
      deletionProtection: props.deletionProtection,
    });
    new CfnOutput(this, 'ServiceUrl', { value: this.webService.url, description: 'URL of the service' });
    new CfnOutput(this, 'ClusterName', { value: this.webService.cluster.clusterName });
    new CfnOutput(this, 'ServiceName', { value: this.webService.service.serviceName });
    new CfnOutput(this, 'AutoScalingGroupName', { value: this.webService.autoScalingGroup.autoScalingGroupName });
  }
}
