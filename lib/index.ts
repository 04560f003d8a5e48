// The public API: what users (in every jsii language) may depend on, and nothing more. Internal helpers
// (validation, finding ids, nag acknowledgements, subnet selection, alarm wiring) stay importable inside
// the package by path but are not exported here. Modules that mix public constructs with internal
// helpers are re-exported by name. Every export must compile under jsii (README, Development).
export { AccessLogBucket } from './common/access-log-bucket';
export type { AccessLogBucketProps } from './common/access-log-bucket';
export { SecureLogGroup } from './common/log-group';
export type { SecureLogGroupProps } from './common/log-group';
export { ManagedPolicyRole } from './common/managed-policy-role';
export { SecureBucket } from './common/secure-bucket';
export type { SecureBucketProps } from './common/secure-bucket';
export { SecureKey } from './common/secure-key';
export type { SecureKeyProps } from './common/secure-key';
export { SecureLoadBalancer } from './common/secure-load-balancer';
export type {
  SecureLoadBalancerProps,
  TargetGroupAlarmOptions,
  TargetGroupAlarms,
  WebLoadBalancerOptions,
} from './common/secure-load-balancer';
export { DeploymentType, ServiceDeployment } from './common/ecs-service-deployment';
export type { BlueGreenDeploymentOptions, TrafficShiftDeploymentOptions } from './common/ecs-service-deployment';
export type { SharedListenerRule } from './common/ecs-service-load-balancing';
export type { EcsWebServiceAlarms, EcsWebServiceOptions } from './common/ecs-service-options';
export type { SidecarOptions } from './common/ecs-sidecar';
export { SecureVpc } from './common/secure-vpc';
export type { SecureVpcProps } from './common/secure-vpc';
// The patterns' modules export only public API.
export * from './ecr/secure-repository';
export * from './ecs-ec2/ec2-web-service';
export * from './eks/eks-cluster';
export * from './fargate/fargate-web-service';
export * from './fleet/highly-available-fleet';
export * from './inventory/inventory-loader';
export * from './inventory/inventory-schema';
export * from './serverless-api/collection-schema';
export * from './serverless-api/serverless-api';
export * from './inventory/large-file-options';
export * from './batch/batch-job-definition';
export * from './batch/batch-job-queue';
export * from './lightsail/lightsail-server';
export * from './beanstalk/beanstalk-options';
export * from './beanstalk/beanstalk-web-app';
export * from './beanstalk/beanstalk-worker';
