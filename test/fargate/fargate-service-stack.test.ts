import * as fs from 'node:fs';
import * as path from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { FargateServiceStack } from '../../examples/fargate-service-stack';
import { SharedLoggingStack } from '../../examples/shared-logging-stack';
import { testApp } from '../support/cdk-context';
import { runGuard } from '../support/compliance';
import { once } from '../support/shared';

/** Built and synthesized once for this file: every test below only reads it. */
const sample = once(() => {
  // GIVEN the sample app's wiring: the central log bucket from SharedLogging
  const app = testApp();
  const logging = new SharedLoggingStack(app, 'SharedLogging');
  const stack = new FargateServiceStack(app, 'FargateService', {
    accessLogBucket: logging.accessLogBucket,
    deletionProtection: true,
  });
  return { app, stack, template: Template.fromStack(stack) };
});

describe('FargateServiceStack sample', () => {
  test('synthesizes the template in the snapshot', () => {
    const { template } = sample();
    // THEN its template matches the reviewed snapshot
    expect(Object.keys(template.toJSON().Outputs).sort()).toEqual([
      'ApiUrl',
      'ClusterName',
      'ServiceName',
      'ServiceUrl',
    ]);
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('pulls its image from ECR, built on an ECR Public base, never from Docker Hub', () => {
    const { template } = sample();
    // THEN the task pulls from the CDK asset repository in the account's private ECR
    for (const taskDefinition of Object.values(template.findResources('AWS::ECS::TaskDefinition'))) {
      const image = JSON.stringify(taskDefinition.Properties.ContainerDefinitions[0].Image);
      expect(image).toMatch(/\.dkr\.ecr\..*cdk-hnb659fds-container-assets-/);
    }
    // AND the image is built from ECR Public, with /tmp declared a VOLUME (what makes a read-only root work)
    const dockerfile = fs.readFileSync(
      path.join(__dirname, '..', '..', 'examples', 'fargate-image', 'Dockerfile'),
      'utf8',
    );
    const from = dockerfile.split('\n').filter((l) => /^FROM\s/i.test(l));
    expect(from).toEqual(['FROM public.ecr.aws/nginx/nginx-unprivileged:stable-alpine']);
    expect(dockerfile).toMatch(/^VOLUME \["\/tmp"\]$/m);
  });

  test('runs a second service on the same load balancer for /api/*, reachable from it on port 8080 only', () => {
    const { stack, template } = sample();
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 1);
    template.resourceCountIs('AWS::ECS::Service', 2);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      Priority: 10,
      Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/api/*'] } }],
      Actions: [
        {
          Type: 'forward',
          TargetGroupArn: { Ref: stack.getLogicalId(stack.apiService.targetGroup.node.defaultChild as never) },
        },
      ],
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: {
        'Fn::GetAtt': [stack.getLogicalId(stack.apiService.securityGroup.node.defaultChild as never), 'GroupId'],
      },
      FromPort: 8080,
      ToPort: 8080,
    });
  });

  test('runs read-only as uid 101 and passes every Control Tower ECS rule without an exemption', () => {
    const { app, stack, template } = sample();
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: Match.arrayWith([
        Match.objectLike({
          User: '101',
          ReadonlyRootFilesystem: true,
          MountPoints: [{ ContainerPath: '/tmp', ReadOnly: false, SourceVolume: 'writable-tmp' }],
        }),
      ]),
    });
    const file = path.resolve(app.synth().directory, stack.templateFile);
    const failing = (runGuard([file]).get(file) ?? []).map((f) => f.rule).sort();
    // THEN only the two reviewed sample exemptions fail (no domain for a certificate; cross-stack log bucket)
    expect(failing).toEqual(['alb_http_to_https_redirection_check', 'elbv2_logging_enabled_check']);
  });
});

describe('FargateServiceStack sample sidecar', () => {
  test('runs a metrics sidecar with a hard memory limit, non-root and read-only; nginx reserves what it leaves', () => {
    const { stack, template } = sample();
    const taskDefinition = template.toJSON().Resources[
      stack.getLogicalId(stack.webService.taskDefinition.node.defaultChild as never)
    ] as { Properties: { Memory: string; ContainerDefinitions: Record<string, unknown>[] } };
    const byName = Object.fromEntries(taskDefinition.Properties.ContainerDefinitions.map((c) => [c.Name, c]));
    // THEN the exporter, pinned on ECR Public, reads nginx's counters on the task's loopback address
    expect(byName.metrics).toMatchObject({
      Image: 'public.ecr.aws/nginx/nginx-prometheus-exporter:1.4.2',
      Command: ['--nginx.scrape-uri=http://127.0.0.1:8081/stub_status'],
      PortMappings: [{ ContainerPort: 9113, Protocol: 'tcp' }],
      Essential: false,
      User: '1000:1000',
      ReadonlyRootFilesystem: true,
      Memory: 64,
    });
    // AND every container has a hard limit (CT.ECS.PR.7), and the reservations add up to the task's memory
    expect(taskDefinition.Properties.Memory).toBe('512');
    expect(byName.web).toMatchObject({ Memory: 512, MemoryReservation: 448 });
    // AND the image serves those counters on that address only
    const conf = fs.readFileSync(
      path.join(__dirname, '..', '..', 'examples', 'fargate-image', 'stub-status.conf'),
      'utf8',
    );
    expect(conf).toMatch(/^\s*listen 127\.0\.0\.1:8081;$/m);
    expect(conf).toMatch(/location = \/stub_status \{\s*stub_status;/);
    const dockerfile = fs.readFileSync(
      path.join(__dirname, '..', '..', 'examples', 'fargate-image', 'Dockerfile'),
      'utf8',
    );
    expect(dockerfile).toMatch(/^COPY stub-status\.conf \/etc\/nginx\/conf\.d\/stub-status\.conf$/m);
  });
});

describe('FargateServiceStack sample on a domain', () => {
  test('serves HTTPS on the domain the context names', () => {
    const app = testApp({
      context: { fargateServiceDomainName: 'app.example.com', hostedZoneId: 'Z0123456789ABC', zoneName: 'example.com' },
    });
    const logging = new SharedLoggingStack(app, 'SharedLogging');
    const stack = new FargateServiceStack(app, 'FargateService', { accessLogBucket: logging.accessLogBucket });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::CertificateManager::Certificate', { DomainName: 'app.example.com' });
    template.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'app.example.com.', Type: 'A' });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 443, Protocol: 'HTTPS' });
  });
});
