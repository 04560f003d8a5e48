/** Outputs of each pattern, as a deployed sample stack writes them to cdk-outputs.json. */
export const WEB_FLEET = { LoadBalancerUrl: 'http://alb.example', AutoScalingGroupName: 'web-asg' };
export const FARGATE = { ServiceUrl: 'http://svc.example', ClusterName: 'c', ServiceName: 's' };
export const EKS = { ClusterName: 'eks', UpdateKubeconfigCommand: 'aws eks update-kubeconfig --name eks' };
export const INVENTORY = {
  BucketName: 'inventory-bucket',
  UploadPrefix: 'uploads/',
  ReportPrefix: 'reports/',
  TableName: 'inventory-table',
  FunctionName: 'inventory-fn',
};
export const BATCH_JOBS = {
  JobQueueArn: 'arn:aws:batch:us-east-1:123456789012:job-queue/BatchJobs-JobsJobQueue',
  JobDefinitionArn: 'arn:aws:batch:us-east-1:123456789012:job-definition/BatchJobs-NightlyReport:3',
  JobLogGroupName: 'BatchJobs-JobsLogGroup',
};
export const EC2_SERVICE = {
  ServiceUrl: 'http://ec2-svc.example',
  ClusterName: 'Ec2Service-WebCluster',
  ServiceName: 'Ec2Service-WebService',
  AutoScalingGroupName: 'Ec2Service-WebAutoScalingGroup',
};
export const CONTAINER_REGISTRY = {
  RepositoryName: 'containerregistry-registry',
  RepositoryUri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/containerregistry-registry',
};
