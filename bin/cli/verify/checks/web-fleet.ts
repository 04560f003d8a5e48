import { DescribeInstancesCommand, DescribeVolumesCommand, Instance } from '@aws-sdk/client-ec2';
import type { VerifyContext } from '../context';
import { WEB_FLEET_OUTPUTS, StackOutputs } from '../outputs';
import { formatMs, poll } from '../poll';
import { CheckResult, fail, judge } from '../result';
import { checkDistinctInstances, checkUrlAnswers2xx } from './url';

/** Instance states that belong to the group's live capacity (terminated/shutting-down ones are ignored). */
const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped'];

/** All live instances of an Auto Scaling group, found by the tag EC2 Auto Scaling puts on every instance. */
export async function describeGroupInstances(ctx: VerifyContext, groupName: string): Promise<Instance[]> {
  const instances: Instance[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ctx.clients.ec2().send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: 'tag:aws:autoscaling:groupName', Values: [groupName] },
          { Name: 'instance-state-name', Values: LIVE_STATES },
        ],
        NextToken: nextToken,
      }),
    );
    for (const reservation of page.Reservations ?? []) {
      instances.push(...(reservation.Instances ?? []));
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return instances;
}

const idOf = (i: Instance): string => i.InstanceId ?? '(unknown id)';
const list = (items: string[]): string => (items.length ? items.join(', ') : 'none');

/** Root EBS volume id of an instance, or undefined when the root device has no EBS mapping. */
function rootVolumeId(instance: Instance): string | undefined {
  return instance.BlockDeviceMappings?.find((m) => m.DeviceName === instance.RootDeviceName)?.Ebs?.VolumeId;
}

function publicIps(instance: Instance): string[] {
  const ips = new Set<string>();
  if (instance.PublicIpAddress) {
    ips.add(instance.PublicIpAddress);
  }
  for (const eni of instance.NetworkInterfaces ?? []) {
    if (eni.Association?.PublicIp) {
      ips.add(eni.Association.PublicIp);
    }
  }
  return [...ips];
}

async function checkRootVolumes(ctx: VerifyContext, instances: Instance[]): Promise<CheckResult> {
  const id = 'root-volumes-encrypted';
  const title = 'root EBS volumes are encrypted';
  const volumeOf = new Map<string, string>();
  const missing: string[] = [];
  for (const instance of instances) {
    const volume = rootVolumeId(instance);
    if (volume) {
      volumeOf.set(volume, idOf(instance));
    } else {
      missing.push(idOf(instance));
    }
  }
  if (missing.length > 0) {
    return fail(id, title, `no root EBS volume mapping found for ${list(missing)}`);
  }
  const volumeIds = [...volumeOf.keys()];
  const encrypted = new Map<string, boolean>();
  let nextToken: string | undefined;
  do {
    const page = await ctx.clients
      .ec2()
      .send(new DescribeVolumesCommand({ VolumeIds: volumeIds, NextToken: nextToken }));
    for (const v of page.Volumes ?? []) {
      if (v.VolumeId) {
        encrypted.set(v.VolumeId, v.Encrypted === true);
      }
    }
    nextToken = page.NextToken;
  } while (nextToken);
  const unencrypted = volumeIds.filter((v) => encrypted.get(v) === false).map((v) => `${v} (${volumeOf.get(v)})`);
  const unknown = volumeIds.filter((v) => !encrypted.has(v)).map((v) => `${v} (${volumeOf.get(v)})`);
  if (unencrypted.length > 0 || unknown.length > 0) {
    return fail(
      id,
      title,
      [
        unencrypted.length ? `unencrypted: ${list(unencrypted)}` : '',
        unknown.length ? `not described: ${list(unknown)}` : '',
      ]
        .filter(Boolean)
        .join('; '),
    );
  }
  return judge(true, id, title, `${volumeIds.length} root volume(s) encrypted: ${list(volumeIds)}`);
}

/**
 * WebFleet (HighlyAvailableFleet) checks: the Auto Scaling group's instances are running in two or more AZs,
 * hardened (IMDSv2, no public IP, encrypted root volume), and the ALB serves 2xx from more than one instance.
 */
export async function verifyWebFleet(ctx: VerifyContext, outputs: StackOutputs): Promise<CheckResult[]> {
  const groupName = outputs[WEB_FLEET_OUTPUTS.autoScalingGroupName];
  const url = outputs[WEB_FLEET_OUTPUTS.loadBalancerUrl];
  const results: CheckResult[] = [];

  // Instances may still be launching right after a deploy: wait until there is at least one and all are running.
  const waited = await poll<Instance[]>(
    async () => {
      const found = await describeGroupInstances(ctx, groupName);
      const notRunning = found.filter((i) => i.State?.Name !== 'running');
      if (found.length === 0) {
        return { done: false, reason: `no instances tagged aws:autoscaling:groupName=${groupName}` };
      }
      if (notRunning.length > 0) {
        return {
          done: false,
          reason: `not running yet: ${list(notRunning.map((i) => `${idOf(i)} (${i.State?.Name ?? 'unknown'})`))}`,
        };
      }
      return { done: true, value: found };
    },
    {
      label: `instances of ${groupName}`,
      timeoutMs: ctx.settings.waitTimeoutMs,
      clock: ctx.clock,
      progress: ctx.progress,
    },
  );
  if (!waited.ok) {
    results.push(fail('instances-running', `instances of Auto Scaling group ${groupName} are running`, waited.reason));
  } else {
    const instances = waited.value;
    results.push(
      judge(
        true,
        'instances-running',
        `instances of Auto Scaling group ${groupName} are running`,
        `${instances.length} running: ${list(instances.map(idOf))} (after ${formatMs(waited.elapsedMs)})`,
      ),
    );

    const azs = [...new Set(instances.map((i) => i.Placement?.AvailabilityZone ?? 'unknown'))].sort();
    results.push(
      judge(
        azs.filter((az) => az !== 'unknown').length >= 2,
        'multi-az',
        'instances span at least 2 Availability Zones',
        `${azs.length} AZ(s): ${azs
          .map((az) => `${az} (${instances.filter((i) => (i.Placement?.AvailabilityZone ?? 'unknown') === az).length})`)
          .join(', ')}`,
      ),
    );

    const notImdsV2 = instances.filter((i) => i.MetadataOptions?.HttpTokens !== 'required');
    results.push(
      judge(
        notImdsV2.length === 0,
        'imdsv2-required',
        'instances require IMDSv2 (HttpTokens=required)',
        notImdsV2.length === 0
          ? `HttpTokens=required on ${instances.length} instance(s)`
          : `HttpTokens not required on ${list(notImdsV2.map((i) => `${idOf(i)} (${i.MetadataOptions?.HttpTokens ?? 'unset'})`))}`,
      ),
    );

    const withPublicIp = instances.filter((i) => publicIps(i).length > 0);
    results.push(
      judge(
        withPublicIp.length === 0,
        'no-public-ip',
        'instances have no public IP address',
        withPublicIp.length === 0
          ? `no public IP on ${instances.length} instance(s)`
          : `public IP on ${list(withPublicIp.map((i) => `${idOf(i)} (${publicIps(i).join(', ')})`))}`,
      ),
    );

    try {
      results.push(await checkRootVolumes(ctx, instances));
    } catch (e) {
      results.push(
        fail(
          'root-volumes-encrypted',
          'root EBS volumes are encrypted',
          `DescribeVolumes failed: ${(e as Error).message}`,
        ),
      );
    }
  }

  const reachable = await checkUrlAnswers2xx(ctx, 'load-balancer-2xx', url);
  results.push(reachable);
  results.push(
    reachable.status === 'pass'
      ? await checkDistinctInstances(ctx, 'load-balanced', url)
      : fail(
          'load-balanced',
          `requests to ${url} reach at least 2 distinct instances`,
          'not attempted: the load balancer URL does not answer 2xx',
        ),
  );
  return results;
}
