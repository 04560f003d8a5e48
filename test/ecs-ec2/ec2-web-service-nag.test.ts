import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Ec2WebService } from '../../lib';
import { agnosticStack } from '../support/cdk-context';
import { probeScope, userOpenIngress, userWildcardStatement } from '../support/scope-probe';

const IMAGE = ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx-unprivileged:1.27-alpine');

describe('Ec2WebService acknowledgements hide nothing the user adds', () => {
  test("a wildcard the user grants the instance role stays open (the ECS agent's acknowledgement is on its own policy)", () => {
    // GIVEN a service
    const stack = agnosticStack();
    const web = new Ec2WebService(stack, 'Web', { image: IMAGE });
    // WHEN the user grants the instance role s3:GetObject on everything, THEN the finding is open on the role
    probeScope({
      stack,
      add: () => userWildcardStatement(web.instanceRole as iam.Role, 's3:GetObject'),
      expect: 'AwsSolutions-IAM5[Resource::*]',
      on: web.instanceRole,
    });
  });

  test('a wildcard the user grants the task role stays open', () => {
    const stack = agnosticStack();
    const web = new Ec2WebService(stack, 'Web', {
      image: IMAGE,
      enableExecuteCommand: true,
      readonlyRootFilesystem: false,
    });
    probeScope({
      stack,
      add: () => userWildcardStatement(web, 'dynamodb:GetItem'),
      expect: 'AwsSolutions-IAM5[Resource::*]',
      on: web.taskRole,
    });
  });

  test('a port the user opens to the world on the instances stays open', () => {
    const stack = agnosticStack();
    const web = new Ec2WebService(stack, 'Web', { image: IMAGE });
    probeScope({
      stack,
      add: () => userOpenIngress(web.instanceSecurityGroup),
      expect: 'AwsSolutions-EC23',
      on: web.instanceSecurityGroup,
    });
  });

  test('a wildcard the user grants the teardown function stays open (its own acknowledgements are on its policies)', () => {
    // GIVEN a service, whose teardown policy and Lambda service policy acknowledge their wildcards
    const stack = agnosticStack();
    const web = new Ec2WebService(stack, 'Web', { image: IMAGE });
    // WHEN the user grants the teardown function's role ec2:TerminateInstances on everything, THEN the finding is
    // open on the role
    probeScope({
      stack,
      add: () => userWildcardStatement(web.teardownFunction.role as iam.Role, 'ec2:TerminateInstances'),
      expect: 'AwsSolutions-IAM5[Resource::*]',
      on: web.teardownFunction.role!,
    });
  });
});
