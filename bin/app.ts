#!/usr/bin/env node
import { App, AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { BatchJobsStack } from '../examples/batch-jobs-stack';
import { BeanstalkAppStack } from '../examples/beanstalk-app-stack';
import { ContainerRegistryStack } from '../examples/container-registry-stack';
import { Ec2ServiceStack } from '../examples/ec2-service-stack';
import { EksClusterStack } from '../examples/eks-cluster-stack';
import { FargateServiceStack } from '../examples/fargate-service-stack';
import { InventoryLoaderStack } from '../examples/inventory-loader-stack';
import { LightsailSiteStack } from '../examples/lightsail-site-stack';
import { ServerlessApiStack } from '../examples/serverless-api-stack';
import { SharedLoggingStack } from '../examples/shared-logging-stack';
import { WebFleetStack } from '../examples/web-fleet-stack';

/**
 * The sample app: every sample stack from examples/, environment-agnostic (no
 * account or region, so `npx cdk synth` needs no AWS account), checked by the
 * cdk-nag AwsSolutions and Serverless packs. Any finding that is neither fixed
 * nor acknowledged with a reason fails the synth.
 *
 * `-c deletionProtection=false` turns load balancer deletion protection off
 * (for throwaway deployments such as `npm run e2e`).
 */
export function createSampleApp(props: AppProps = {}): App {
  const app = new App(props);
  const deletionProtection = String(app.node.tryGetContext('deletionProtection') ?? 'true') !== 'false';
  const logging = new SharedLoggingStack(app, 'SharedLogging');
  new ContainerRegistryStack(app, 'ContainerRegistry');
  new BatchJobsStack(app, 'BatchJobs');
  new EksClusterStack(app, 'EksCluster');
  const shared = { accessLogBucket: logging.accessLogBucket, deletionProtection };
  new Ec2ServiceStack(app, 'Ec2Service', shared);
  new FargateServiceStack(app, 'FargateService', shared);
  new InventoryLoaderStack(app, 'InventoryLoader', shared);
  new WebFleetStack(app, 'WebFleet', shared);
  new BeanstalkAppStack(app, 'BeanstalkApp', shared);
  new ServerlessApiStack(app, 'ServerlessApi');
  new LightsailSiteStack(app, 'LightsailSite');
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  return app;
}

if (require.main === module) {
  createSampleApp().synth();
}
