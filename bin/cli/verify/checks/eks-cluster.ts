import { Cluster, DescribeClusterCommand } from '@aws-sdk/client-eks';
import type { VerifyContext } from '../context';
import { EKS_CLUSTER_OUTPUTS, StackOutputs } from '../outputs';
import { formatMs, poll } from '../poll';
import { CheckResult, fail, info, judge } from '../result';

/** The five EKS control plane log types; the EksCluster construct enables all of them. */
export const EKS_LOG_TYPES = ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'] as const;

/** Log types enabled on a cluster, from its `logging.clusterLogging` setups. */
export function enabledLogTypes(cluster: Cluster): string[] {
  return (cluster.logging?.clusterLogging ?? []).filter((s) => s.enabled === true).flatMap((s) => s.types ?? []);
}

/**
 * EksCluster checks: the control plane is ACTIVE (waiting while it is CREATING/UPDATING), every control plane log
 * type is enabled, and the API endpoint's public/private access is reported (a fact, not a verdict: private-only
 * and CIDR-restricted public endpoints are both legitimate choices).
 */
export async function verifyEksCluster(ctx: VerifyContext, outputs: StackOutputs): Promise<CheckResult[]> {
  const name = outputs[EKS_CLUSTER_OUTPUTS.clusterName];
  const activeTitle = `EKS cluster ${name} is ACTIVE`;
  const waited = await poll<Cluster>(
    async () => {
      const { cluster } = await ctx.clients.eks().send(new DescribeClusterCommand({ name }));
      if (!cluster) {
        return { done: false, reason: 'DescribeCluster returned no cluster' };
      }
      // CREATING/UPDATING settle on their own; FAILED/DELETING/PENDING will not become ACTIVE in a verify run.
      if (cluster.status === 'ACTIVE' || (cluster.status !== 'CREATING' && cluster.status !== 'UPDATING')) {
        return { done: true, value: cluster };
      }
      return { done: false, reason: `status ${cluster.status}` };
    },
    { label: `EKS cluster ${name}`, timeoutMs: ctx.settings.waitTimeoutMs, clock: ctx.clock, progress: ctx.progress },
  );
  if (!waited.ok) {
    return [fail('cluster-active', activeTitle, waited.reason)];
  }
  const cluster = waited.value;
  const results: CheckResult[] = [
    judge(
      cluster.status === 'ACTIVE',
      'cluster-active',
      activeTitle,
      `status ${cluster.status}, Kubernetes ${cluster.version ?? 'unknown'}, platform ${cluster.platformVersion ?? 'unknown'} (after ${formatMs(waited.elapsedMs)})`,
    ),
  ];
  const enabled = new Set(enabledLogTypes(cluster));
  const missing = EKS_LOG_TYPES.filter((t) => !enabled.has(t));
  results.push(
    judge(
      missing.length === 0,
      'control-plane-logging',
      `all control plane log types enabled (${EKS_LOG_TYPES.join(', ')})`,
      missing.length === 0
        ? `enabled: ${[...enabled].sort().join(', ')}`
        : `not enabled: ${missing.join(', ')}; enabled: ${[...enabled].sort().join(', ') || 'none'}`,
    ),
  );
  const vpc = cluster.resourcesVpcConfig;
  const publicAccess = vpc?.endpointPublicAccess === true;
  const cidrs = vpc?.publicAccessCidrs ?? [];
  results.push(
    info(
      'endpoint-access',
      'Kubernetes API endpoint access',
      `public ${publicAccess ? `enabled${cidrs.length ? ` from ${cidrs.join(', ')}` : ''}` : 'disabled'}, private ${
        vpc?.endpointPrivateAccess === true ? 'enabled' : 'disabled'
      }${publicAccess && cidrs.includes('0.0.0.0/0') ? ' (public endpoint open to the internet; restrict publicAccessCidrs if possible)' : ''}`,
    ),
  );
  results.push(info('kubeconfig', 'connect with kubectl', outputs[EKS_CLUSTER_OUTPUTS.updateKubeconfigCommand]));
  return results;
}
