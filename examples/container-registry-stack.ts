import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { SecureRepository } from '../lib';

/**
 * Sample: a private Amazon ECR repository with the construct's defaults: images
 * encrypted with a customer managed key, scanned on push, immutable tags, and
 * lifecycle rules (untagged images expire after 14 days, the last 100 tagged
 * images are kept). Push with `docker push <RepositoryUri>:<tag>` after
 * `aws ecr get-login-password | docker login`; see docs/ECR.md.
 */
export class ContainerRegistryStack extends Stack {
  public readonly repository: SecureRepository;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.repository = new SecureRepository(this, 'Registry');
    new CfnOutput(this, 'RepositoryName', { value: this.repository.repository.repositoryName });
    new CfnOutput(this, 'RepositoryUri', { value: this.repository.repositoryUri });
  }
}
