import * as path from 'node:path';
import { CfnOutput, Stack } from 'aws-cdk-lib';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { FargateWebService } from '../lib';
import { sampleDomain } from './sample-domain';
import { SampleStackProps } from './shared-logging-stack';

/**
 * Sample: an unprivileged nginx on Fargate behind the shared secure load
 * balancer, with the construct's defaults: a read-only root filesystem and a
 * non-root user (uid 101, the image's own). The image is built from
 * examples/fargate-image/Dockerfile, nginx-unprivileged from ECR Public with
 * /tmp declared a VOLUME so that uid 101 can write its pid and temp files
 * there, and pushed to the account's CDK asset repository in ECR: `cdk deploy`
 * needs Docker, tasks pull from private ECR (no Docker Hub rate limits). The
 * service serves HTTPS when the context names a domain (see sample-domain.ts). A sidecar exports nginx's
 * counters as Prometheus metrics.
 */
export class FargateServiceStack extends Stack {
  public readonly webService: FargateWebService;
  /** A second service on the same load balancer, for requests under /api/ (a path rule of the shared listener). */
  public readonly apiService: FargateWebService;

  constructor(scope: Construct, id: string, props: SampleStackProps) {
    super(scope, id, props);
    this.webService = new FargateWebService(this, 'Web', {
      image: ecs.ContainerImage.fromAsset(path.join(__dirname, 'fargate-image'), { platform: Platform.LINUX_AMD64 }),
      containerPort: 8080,
      // HTTPS on your domain with `-c fargateServiceDomainName=... -c hostedZoneId=... -c zoneName=...`
      // (a DNS-validated certificate, port 80 redirecting); plain HTTP, chosen explicitly, without.
      ...sampleDomain(this, 'fargateServiceDomainName'),
      user: '101',
      writablePaths: ['/tmp'],
      accessLogBucket: props.accessLogBucket,
      deletionProtection: props.deletionProtection,
    });
    // A sidecar: the NGINX Prometheus exporter (ECR Public, pinned), which turns nginx's stub_status counters
    // (served on 127.0.0.1:8081 inside the task, examples/fargate-image/stub-status.conf) into Prometheus
    // metrics on port 9113 for a scraper you run (an ADOT collector, Amazon Managed Service for Prometheus).
    // A static binary that writes nothing: non-root and read-only as addSidecar makes it. Its 64 MiB hard
    // limit (CT.ECS.PR.7) is set aside in the task's 512 MiB; the nginx container reserves the other 448.
    this.webService.addSidecar('metrics', {
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx-prometheus-exporter:1.4.2'),
      command: ['--nginx.scrape-uri=http://127.0.0.1:8081/stub_status'],
      containerPorts: [9113],
      memoryLimitMiB: 64,
    });
    // A second service joins the first one's load balancer with a path rule (and its cluster): one load
    // balancer, one VPC, one certificate for several services. Here it runs the same image; a real API
    // would have its own.
    this.apiService = new FargateWebService(this, 'Api', {
      cluster: this.webService.cluster,
      image: ecs.ContainerImage.fromAsset(path.join(__dirname, 'fargate-image'), { platform: Platform.LINUX_AMD64 }),
      containerPort: 8080,
      user: '101',
      writablePaths: ['/tmp'],
      listenerRule: { listener: this.webService.listener, priority: 10, pathPatterns: ['/api/*'] },
    });
    new CfnOutput(this, 'ServiceUrl', { value: this.webService.url, description: 'URL of the service' });
    new CfnOutput(this, 'ApiUrl', { value: this.apiService.url, description: 'URL of the second service (path rule)' });
    new CfnOutput(this, 'ClusterName', { value: this.webService.cluster.clusterName });
    new CfnOutput(this, 'ServiceName', { value: this.webService.service.serviceName });
  }
}
