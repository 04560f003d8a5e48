import {
  DescribeAddressesCommand,
  DescribeAvailabilityZonesCommand,
  DescribeInternetGatewaysCommand,
  DescribeNatGatewaysCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
} from '@aws-sdk/client-ec2';
import { GetAWSDefaultServiceQuotaCommand, GetServiceQuotaCommand } from '@aws-sdk/client-service-quotas';
import { call, CallResult, errorName } from '../call';
import { cliScope, PreflightContext } from '../context';
import { check, PreflightCheck } from '../result';

/** A Service Quotas quota the samples consume. Codes from the Service Quotas console / `list-service-quotas`. */
export interface QuotaSpec {
  readonly id: string;
  readonly name: string;
  readonly serviceCode: string;
  readonly quotaCode: string;
}

export const QUOTAS = {
  vpcs: { id: 'quota-vpcs', name: 'VPCs per Region', serviceCode: 'vpc', quotaCode: 'L-F678F1CE' },
  internetGateways: {
    id: 'quota-internet-gateways',
    name: 'Internet gateways per Region',
    serviceCode: 'vpc',
    quotaCode: 'L-A4707A72',
  },
  natGateways: {
    id: 'quota-nat-gateways',
    name: 'NAT gateways per Availability Zone',
    serviceCode: 'vpc',
    quotaCode: 'L-FE5A380F',
  },
  elasticIps: { id: 'quota-elastic-ips', name: 'EC2-VPC Elastic IPs', serviceCode: 'ec2', quotaCode: 'L-0263D0A3' },
} as const satisfies Record<string, QuotaSpec>;

export interface QuotaValue {
  readonly value: number;
  /** `applied`: the account's value; `default`: AWS's default (no applied value exists, as on new accounts). */
  readonly source: 'applied' | 'default';
}

/** The account's value of a quota: GetServiceQuota, else (NoSuchResourceException) GetAWSDefaultServiceQuota. */
export async function readQuota(ctx: PreflightContext, spec: QuotaSpec): Promise<CallResult<QuotaValue>> {
  const args = { ServiceCode: spec.serviceCode, QuotaCode: spec.quotaCode };
  const applied = await call(ctx, `servicequotas:GetServiceQuota ${spec.quotaCode}`, async () => {
    try {
      return (await ctx.clients.serviceQuotas().send(new GetServiceQuotaCommand(args))).Quota?.Value;
    } catch (e) {
      if (errorName(e) === 'NoSuchResourceException') {
        return undefined;
      }
      throw e;
    }
  });
  if (!applied.ok) {
    return applied;
  }
  if (applied.value !== undefined) {
    return { ok: true, value: { value: applied.value, source: 'applied' } };
  }
  const fallback = await call(ctx, `servicequotas:GetAWSDefaultServiceQuota ${spec.quotaCode}`, async () => {
    return (await ctx.clients.serviceQuotas().send(new GetAWSDefaultServiceQuotaCommand(args))).Quota?.Value;
  });
  if (!fallback.ok) {
    return fallback;
  }
  if (fallback.value === undefined) {
    return { ok: false, reason: `Service Quotas returned no value for ${spec.quotaCode}` };
  }
  return { ok: true, value: { value: fallback.value, source: 'default' } };
}

export function increaseCommand(ctx: PreflightContext, spec: QuotaSpec, desired: number): string {
  return `aws service-quotas request-service-quota-increase --service-code ${spec.serviceCode} --quota-code ${spec.quotaCode} --desired-value ${desired}${cliScope(ctx, true)}`;
}

/** Usage + planned vs quota, for a per-Region quota. */
function judgeRegional(
  ctx: PreflightContext,
  spec: QuotaSpec,
  noun: string,
  usage: CallResult<number>,
  quota: CallResult<QuotaValue>,
  planned: number,
): PreflightCheck {
  const title = `${spec.name} (${spec.serviceCode} ${spec.quotaCode})`;
  if (!usage.ok || !quota.ok) {
    const known = usage.ok ? `${usage.value} ${noun} in use; ` : quota.ok ? `quota ${quota.value.value}; ` : '';
    const reason = [usage, quota].map((r) => (r.ok ? undefined : r.reason)).filter(Boolean);
    return check(
      'warn',
      spec.id,
      title,
      `${known}could not check: ${reason.join('; ')}; the samples add ${planned}`,
      `allow ec2:Describe* and servicequotas:GetServiceQuota, or compare by hand: aws service-quotas get-service-quota --service-code ${spec.serviceCode} --quota-code ${spec.quotaCode}${cliScope(ctx, true)}`,
    );
  }
  const total = usage.value + planned;
  const evidence = `${usage.value} in use + ${planned} planned = ${total} of ${quota.value.value} (${quota.value.source})`;
  if (total > quota.value.value) {
    return check(
      'fail',
      spec.id,
      title,
      `${evidence}; the deploy would fail creating ${noun}. Delete unused ones, or raise the quota`,
      increaseCommand(ctx, spec, total),
    );
  }
  return check('pass', spec.id, title, evidence);
}

async function countPages(
  ctx: PreflightContext,
  label: string,
  page: (token: string | undefined) => Promise<{ count: number; next?: string }>,
): Promise<CallResult<number>> {
  return call(ctx, label, async () => {
    let count = 0;
    let token: string | undefined;
    do {
      const out = await page(token);
      count += out.count;
      token = out.next;
    } while (token);
    return count;
  });
}

export async function checkVpcQuota(ctx: PreflightContext): Promise<PreflightCheck> {
  const usage = await countPages(ctx, 'ec2:DescribeVpcs', async (NextToken) => {
    const out = await ctx.clients.ec2().send(new DescribeVpcsCommand({ NextToken }));
    return { count: out.Vpcs?.length ?? 0, next: out.NextToken };
  });
  return judgeRegional(ctx, QUOTAS.vpcs, 'VPCs', usage, await readQuota(ctx, QUOTAS.vpcs), ctx.needs.vpcs);
}

export async function checkInternetGatewayQuota(ctx: PreflightContext): Promise<PreflightCheck> {
  const usage = await countPages(ctx, 'ec2:DescribeInternetGateways', async (NextToken) => {
    const out = await ctx.clients.ec2().send(new DescribeInternetGatewaysCommand({ NextToken }));
    return { count: out.InternetGateways?.length ?? 0, next: out.NextToken };
  });
  const quota = await readQuota(ctx, QUOTAS.internetGateways);
  return judgeRegional(ctx, QUOTAS.internetGateways, 'internet gateways', usage, quota, ctx.needs.internetGateways);
}

export async function checkElasticIpQuota(ctx: PreflightContext): Promise<PreflightCheck> {
  // DescribeAddresses is not paginated: it returns every address of the Region.
  const usage = await call(ctx, 'ec2:DescribeAddresses', async () => {
    const out = await ctx.clients.ec2().send(new DescribeAddressesCommand({}));
    return out.Addresses?.length ?? 0;
  });
  const quota = await readQuota(ctx, QUOTAS.elasticIps);
  return judgeRegional(ctx, QUOTAS.elasticIps, 'Elastic IPs', usage, quota, ctx.needs.elasticIps);
}

/** NAT gateways (pending or available) per Availability Zone name, every available zone listed (0 when unused). */
async function natGatewaysPerZone(ctx: PreflightContext): Promise<Map<string, number>> {
  const perZone = new Map<string, number>();
  const zones = await ctx.clients.ec2().send(
    new DescribeAvailabilityZonesCommand({
      Filters: [
        { Name: 'zone-type', Values: ['availability-zone'] },
        { Name: 'state', Values: ['available'] },
      ],
    }),
  );
  for (const zone of zones.AvailabilityZones ?? []) {
    if (zone.ZoneName) {
      perZone.set(zone.ZoneName, 0);
    }
  }
  // The subnet of every live NAT gateway (one entry per gateway: a subnet can hold several), then their zones.
  const natSubnets: string[] = [];
  let token: string | undefined;
  do {
    const page = await ctx.clients.ec2().send(
      new DescribeNatGatewaysCommand({
        Filter: [{ Name: 'state', Values: ['pending', 'available'] }],
        NextToken: token,
      }),
    );
    for (const nat of page.NatGateways ?? []) {
      natSubnets.push(nat.SubnetId ?? '');
    }
    token = page.NextToken;
  } while (token);
  const zoneOfSubnet = new Map<string, string>();
  const subnetIds = [...new Set(natSubnets.filter(Boolean))];
  if (subnetIds.length > 0) {
    const subnets = await ctx.clients.ec2().send(new DescribeSubnetsCommand({ SubnetIds: subnetIds }));
    for (const s of subnets.Subnets ?? []) {
      if (s.SubnetId && s.AvailabilityZone) {
        zoneOfSubnet.set(s.SubnetId, s.AvailabilityZone);
      }
    }
  }
  for (const subnet of natSubnets) {
    const zone = zoneOfSubnet.get(subnet) ?? 'unknown zone';
    perZone.set(zone, (perZone.get(zone) ?? 0) + 1);
  }
  return perZone;
}

/**
 * NAT gateways are limited per Availability Zone. Each sample VPC puts its NAT gateway in the first zone of its
 * own zone list, which preflight cannot know for certain, so: PASS when every zone has room for all planned NAT
 * gateways, WARN when only some zones do, FAIL when none does.
 */
export async function checkNatGatewayQuota(ctx: PreflightContext): Promise<PreflightCheck> {
  const spec = QUOTAS.natGateways;
  const planned = ctx.needs.natGateways;
  const usage = await call(ctx, 'ec2:DescribeNatGateways', () => natGatewaysPerZone(ctx));
  const quota = await readQuota(ctx, spec);
  const title = `${spec.name} (${spec.serviceCode} ${spec.quotaCode})`;
  if (!usage.ok || !quota.ok) {
    const reason = [usage, quota].map((r) => (r.ok ? undefined : r.reason)).filter(Boolean);
    return check(
      'warn',
      spec.id,
      title,
      `could not check: ${reason.join('; ')}; the samples add ${planned}`,
      `allow ec2:DescribeNatGateways, ec2:DescribeSubnets, ec2:DescribeAvailabilityZones and servicequotas:GetServiceQuota`,
    );
  }
  const limit = quota.value.value;
  const zones = [...usage.value.entries()].sort(([a], [b]) => a.localeCompare(b));
  const list = zones.map(([zone, n]) => `${zone} ${n}`).join(', ') || 'no zones';
  const full = zones.filter(([, n]) => n + planned > limit).map(([zone]) => zone);
  const evidence = `in use per zone: ${list}; ${planned} planned; quota ${limit} per zone (${quota.value.source})`;
  const busiest = Math.max(0, ...zones.map(([, n]) => n));
  const fix = increaseCommand(ctx, spec, busiest + planned);
  if (full.length === 0) {
    return check('pass', spec.id, title, evidence);
  }
  if (full.length === zones.length) {
    return check('fail', spec.id, title, `${evidence}; no zone has room for ${planned} more`, fix);
  }
  return check(
    'warn',
    spec.id,
    title,
    `${evidence}; ${full.join(', ')} cannot take ${planned} more, and a sample VPC may put its NAT gateway there`,
    fix,
  );
}
