import { Cluster, DescribeClusterCommand, EKSClient, LogType } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { verifyEksCluster } from '../../bin/cli/verify/checks/eks-cluster';
import { EKS } from './support/fixtures';
import { testContext } from './support/helpers';

const eks = mockClient(EKSClient);

const ALL_LOGS: LogType[] = ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'];

function cluster(overrides: Partial<Cluster> = {}): Cluster {
  return {
    name: 'eks',
    status: 'ACTIVE',
    version: '1.34',
    platformVersion: 'eks.5',
    logging: { clusterLogging: [{ types: ALL_LOGS, enabled: true }] },
    resourcesVpcConfig: { endpointPublicAccess: false, endpointPrivateAccess: true, publicAccessCidrs: [] },
    ...overrides,
  };
}

describe('verifyEksCluster', () => {
  beforeEach(() => eks.reset());

  test('passes for an ACTIVE cluster with every control plane log type enabled', async () => {
    // GIVEN
    eks.on(DescribeClusterCommand, { name: 'eks' }).resolves({ cluster: cluster() });
    // WHEN
    const results = await verifyEksCluster(testContext(), EKS);
    // THEN
    expect(results).toEqual([
      {
        id: 'cluster-active',
        status: 'pass',
        title: 'EKS cluster eks is ACTIVE',
        evidence: 'status ACTIVE, Kubernetes 1.34, platform eks.5 (after 0ms)',
      },
      {
        id: 'control-plane-logging',
        status: 'pass',
        title: 'all control plane log types enabled (api, audit, authenticator, controllerManager, scheduler)',
        evidence: 'enabled: api, audit, authenticator, controllerManager, scheduler',
      },
      {
        id: 'endpoint-access',
        status: 'info',
        title: 'Kubernetes API endpoint access',
        evidence: 'public disabled, private enabled',
      },
      {
        id: 'kubeconfig',
        status: 'info',
        title: 'connect with kubectl',
        evidence: 'aws eks update-kubeconfig --name eks',
      },
    ]);
  });

  test('waits while the cluster is CREATING', async () => {
    eks
      .on(DescribeClusterCommand)
      .resolvesOnce({ cluster: cluster({ status: 'CREATING' }) })
      .resolvesOnce({ cluster: cluster({ status: 'CREATING' }) })
      .resolves({ cluster: cluster() });
    const ctx = testContext();
    const [active] = await verifyEksCluster(ctx, EKS);
    expect(active.status).toBe('pass');
    expect(ctx.clock.sleeps).toEqual([1000, 2000]);
  });

  test('fails when the cluster is FAILED', async () => {
    eks.on(DescribeClusterCommand).resolves({ cluster: cluster({ status: 'FAILED' }) });
    const [active] = await verifyEksCluster(testContext(), EKS);
    expect(active).toMatchObject({
      status: 'fail',
      evidence: 'status FAILED, Kubernetes 1.34, platform eks.5 (after 0ms)',
    });
  });

  test('fails when the cluster stays CREATING past the timeout', async () => {
    eks.on(DescribeClusterCommand).resolves({ cluster: cluster({ status: 'CREATING' }) });
    const results = await verifyEksCluster(testContext({ settings: { waitTimeoutMs: 5000 } }), EKS);
    expect(results).toEqual([
      {
        id: 'cluster-active',
        status: 'fail',
        title: 'EKS cluster eks is ACTIVE',
        evidence: 'timed out after 3.0s (3 attempt(s)) waiting for EKS cluster eks: status CREATING',
      },
    ]);
  });

  test('fails when the cluster does not exist', async () => {
    eks
      .on(DescribeClusterCommand)
      .rejects(Object.assign(new Error('No cluster found for name: eks.'), { name: 'ResourceNotFoundException' }));
    const [active] = await verifyEksCluster(testContext(), EKS);
    expect(active).toMatchObject({
      status: 'fail',
      evidence: 'EKS cluster eks: ResourceNotFoundException: No cluster found for name: eks. (not retried)',
    });
    expect(eks.commandCalls(DescribeClusterCommand)).toHaveLength(1);
  });

  test('fails when some log types are disabled', async () => {
    eks.on(DescribeClusterCommand).resolves({
      cluster: cluster({
        logging: {
          clusterLogging: [
            { types: ['api', 'audit'], enabled: true },
            { types: ['authenticator', 'controllerManager', 'scheduler'], enabled: false },
          ],
        },
      }),
    });
    const results = await verifyEksCluster(testContext(), EKS);
    expect(results[1]).toMatchObject({
      id: 'control-plane-logging',
      status: 'fail',
      evidence: 'not enabled: authenticator, controllerManager, scheduler; enabled: api, audit',
    });
  });

  test('reports a public endpoint open to the internet', async () => {
    eks.on(DescribeClusterCommand).resolves({
      cluster: cluster({
        resourcesVpcConfig: {
          endpointPublicAccess: true,
          endpointPrivateAccess: true,
          publicAccessCidrs: ['0.0.0.0/0'],
        },
      }),
    });
    const results = await verifyEksCluster(testContext(), EKS);
    expect(results[2]).toMatchObject({
      id: 'endpoint-access',
      status: 'info',
      evidence:
        'public enabled from 0.0.0.0/0, private enabled (public endpoint open to the internet; restrict publicAccessCidrs if possible)',
    });
  });
});
