import { DescribeInstancesCommand, DescribeVolumesCommand, EC2Client, Instance } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { verifyWebFleet } from '../../bin/cli/verify/checks/web-fleet';
import type { CheckResult } from '../../bin/cli/verify/result';
import { alternatingFleet, fleetPage, LocalServer, startServer, testContext } from './support/helpers';

const ec2 = mockClient(EC2Client);

/** A healthy fleet instance as DescribeInstances returns it. */
function instance(n: number, overrides: Partial<Instance> = {}): Instance {
  return {
    InstanceId: `i-000000000000000${n}`,
    State: { Name: 'running', Code: 16 },
    Placement: { AvailabilityZone: n % 2 ? 'us-east-1a' : 'us-east-1b' },
    MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled' },
    PrivateIpAddress: `10.0.0.${n}`,
    RootDeviceName: '/dev/xvda',
    BlockDeviceMappings: [
      { DeviceName: '/dev/xvda', Ebs: { VolumeId: `vol-${n}` } },
      { DeviceName: '/dev/sdb', Ebs: { VolumeId: `vol-data-${n}` } },
    ],
    NetworkInterfaces: [{ NetworkInterfaceId: `eni-${n}` }],
    ...overrides,
  };
}

function givenInstances(instances: Instance[], encrypted: (volumeId: string) => boolean = () => true): void {
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: instances }] });
  ec2.on(DescribeVolumesCommand).callsFake((input: { VolumeIds: string[] }) => ({
    Volumes: input.VolumeIds.map((VolumeId) => ({ VolumeId, Encrypted: encrypted(VolumeId) })),
  }));
}

const byId = (results: CheckResult[]): Record<string, CheckResult> => Object.fromEntries(results.map((r) => [r.id, r]));

describe('verifyWebFleet', () => {
  let server: LocalServer | undefined;
  beforeEach(() => ec2.reset());
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function verify(
    instances: Instance[],
    options: { encrypted?: (v: string) => boolean; settings?: object } = {},
  ) {
    givenInstances(instances, options.encrypted);
    const ctx = testContext({ settings: { requests: 4, ...options.settings } });
    const results = await verifyWebFleet(ctx, { LoadBalancerUrl: server!.url, AutoScalingGroupName: 'web-asg' });
    return { results, checks: byId(results), ctx };
  }

  test('passes every check for a healthy two-AZ fleet behind a load balancer', async () => {
    // GIVEN
    server = await startServer(alternatingFleet('i-0000000000000001', 'i-0000000000000002'));
    // WHEN
    const { results } = await verify([instance(1), instance(2)]);
    // THEN
    expect(results.map((r) => [r.id, r.status])).toEqual([
      ['instances-running', 'pass'],
      ['multi-az', 'pass'],
      ['imdsv2-required', 'pass'],
      ['no-public-ip', 'pass'],
      ['root-volumes-encrypted', 'pass'],
      ['load-balancer-2xx', 'pass'],
      ['load-balanced', 'pass'],
    ]);
    expect(results[0].evidence).toBe('2 running: i-0000000000000001, i-0000000000000002 (after 0ms)');
    expect(results[1].evidence).toBe('2 AZ(s): us-east-1a (1), us-east-1b (1)');
    expect(results[4].evidence).toBe('2 root volume(s) encrypted: vol-1, vol-2');
  });

  test('finds instances by the Auto Scaling group tag, following pagination', async () => {
    // GIVEN two pages of instances
    server = await startServer(alternatingFleet('i-0000000000000001', 'i-0000000000000002'));
    ec2
      .on(DescribeInstancesCommand)
      .resolvesOnce({ Reservations: [{ Instances: [instance(1)] }], NextToken: 'page-2' })
      .resolvesOnce({ Reservations: [{ Instances: [instance(2)] }] });
    ec2.on(DescribeVolumesCommand).resolves({
      Volumes: [
        { VolumeId: 'vol-1', Encrypted: true },
        { VolumeId: 'vol-2', Encrypted: true },
      ],
    });
    // WHEN
    const results = await verifyWebFleet(testContext({ settings: { requests: 2 } }), {
      LoadBalancerUrl: server.url,
      AutoScalingGroupName: 'web-asg',
    });
    // THEN
    const calls = ec2.commandCalls(DescribeInstancesCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0].args[0].input).toEqual({
      Filters: [
        { Name: 'tag:aws:autoscaling:groupName', Values: ['web-asg'] },
        { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
      ],
      NextToken: undefined,
    });
    expect(calls[1].args[0].input.NextToken).toBe('page-2');
    expect(byId(results)['multi-az'].status).toBe('pass');
  });

  test('waits for pending instances to be running', async () => {
    // GIVEN
    server = await startServer(alternatingFleet('i-0000000000000001', 'i-0000000000000002'));
    ec2
      .on(DescribeInstancesCommand)
      .resolvesOnce({ Reservations: [{ Instances: [instance(1), instance(2, { State: { Name: 'pending' } })] }] })
      .resolves({ Reservations: [{ Instances: [instance(1), instance(2)] }] });
    ec2.on(DescribeVolumesCommand).resolves({
      Volumes: [
        { VolumeId: 'vol-1', Encrypted: true },
        { VolumeId: 'vol-2', Encrypted: true },
      ],
    });
    const ctx = testContext({ settings: { requests: 2 } });
    // WHEN
    const results = await verifyWebFleet(ctx, { LoadBalancerUrl: server.url, AutoScalingGroupName: 'web-asg' });
    // THEN
    expect(byId(results)['instances-running']).toMatchObject({ status: 'pass' });
    expect(ctx.clock.sleeps).toEqual([1000]);
    expect(ctx.progress.updates[0]).toMatch(/^instances of web-asg: not running yet: i-0000000000000002 \(pending\)/);
  });

  test('fails when the group has no instances before the timeout', async () => {
    // GIVEN
    server = await startServer(alternatingFleet('i-0000000000000001', 'i-0000000000000002'));
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    // WHEN
    const results = await verifyWebFleet(testContext({ settings: { waitTimeoutMs: 10_000, requests: 2 } }), {
      LoadBalancerUrl: server.url,
      AutoScalingGroupName: 'web-asg',
    });
    // THEN the instance checks collapse into one failure; the load balancer is still checked
    expect(results.map((r) => [r.id, r.status])).toEqual([
      ['instances-running', 'fail'],
      ['load-balancer-2xx', 'pass'],
      ['load-balanced', 'pass'],
    ]);
    expect(results[0].evidence).toBe(
      'timed out after 7.0s (4 attempt(s)) waiting for instances of web-asg: no instances tagged aws:autoscaling:groupName=web-asg',
    );
  });

  test('fails when EC2 denies access, without retrying', async () => {
    server = await startServer(alternatingFleet('i-0000000000000001', 'i-0000000000000002'));
    ec2.on(DescribeInstancesCommand).rejects(
      Object.assign(new Error('You are not authorized to perform this operation.'), {
        name: 'UnauthorizedOperation',
      }),
    );
    const ctx = testContext({ settings: { requests: 2 } });
    const results = await verifyWebFleet(ctx, { LoadBalancerUrl: server.url, AutoScalingGroupName: 'web-asg' });
    expect(byId(results)['instances-running']).toMatchObject({
      status: 'fail',
      evidence:
        'instances of web-asg: UnauthorizedOperation: You are not authorized to perform this operation. (not retried)',
    });
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(1);
  });

  test('fails when all instances are in one Availability Zone', async () => {
    server = await startServer(alternatingFleet('i-0000000000000001', 'i-0000000000000003'));
    const { checks } = await verify([instance(1), instance(3)]);
    expect(checks['multi-az']).toMatchObject({ status: 'fail', evidence: '1 AZ(s): us-east-1a (2)' });
  });

  test('fails when an instance does not require IMDSv2', async () => {
    server = await startServer(alternatingFleet('i-0000000000000001', 'i-0000000000000002'));
    const { checks } = await verify([
      instance(1),
      instance(2, { MetadataOptions: { HttpTokens: 'optional', HttpEndpoint: 'enabled' } }),
    ]);
    expect(checks['imdsv2-required']).toMatchObject({
      status: 'fail',
      evidence: 'HttpTokens not required on i-0000000000000002 (optional)',
    });
  });

  test('fails when an instance has a public IP, directly or on a network interface', async () => {
    server = await startServer(alternatingFleet('i-0000000000000001', 'i-0000000000000002'));
    const { checks } = await verify([
      instance(1, { PublicIpAddress: '203.0.113.10' }),
      instance(2, { NetworkInterfaces: [{ NetworkInterfaceId: 'eni-2', Association: { PublicIp: '203.0.113.20' } }] }),
    ]);
    expect(checks['no-public-ip']).toMatchObject({
      status: 'fail',
      evidence: 'public IP on i-0000000000000001 (203.0.113.10), i-0000000000000002 (203.0.113.20)',
    });
  });

  test('fails when a root volume is not encrypted (data volumes are not the root)', async () => {
    // GIVEN
    server = await startServer(alternatingFleet('i-0000000000000001', 'i-0000000000000002'));
    // WHEN
    const { checks } = await verify([instance(1), instance(2)], { encrypted: (v) => v !== 'vol-2' });
    // THEN
    expect(checks['root-volumes-encrypted']).toMatchObject({
      status: 'fail',
      evidence: 'unencrypted: vol-2 (i-0000000000000002)',
    });
    expect(ec2.commandCalls(DescribeVolumesCommand)[0].args[0].input.VolumeIds).toEqual(['vol-1', 'vol-2']);
  });

  test('fails when an instance has no EBS root volume mapping', async () => {
    server = await startServer(alternatingFleet('i-0000000000000001', 'i-0000000000000002'));
    const { checks } = await verify([instance(1), instance(2, { BlockDeviceMappings: [] })]);
    expect(checks['root-volumes-encrypted']).toMatchObject({
      status: 'fail',
      evidence: 'no root EBS volume mapping found for i-0000000000000002',
    });
  });

  test('fails both load balancer checks when the ALB answers 503', async () => {
    // GIVEN
    server = await startServer(() => ({ status: 503, body: 'Service Temporarily Unavailable' }));
    // WHEN
    const { checks } = await verify([instance(1), instance(2)], { settings: { urlTimeoutMs: 5000 } });
    // THEN
    expect(checks['load-balancer-2xx']).toMatchObject({ status: 'fail' });
    expect(checks['load-balancer-2xx'].evidence).toMatch(/HTTP 503$/);
    expect(checks['load-balanced']).toMatchObject({
      status: 'fail',
      evidence: 'not attempted: the load balancer URL does not answer 2xx',
    });
  });

  test('fails when the ALB always reaches the same instance', async () => {
    server = await startServer(() => ({ status: 200, body: fleetPage('i-0000000000000001') }));
    const { checks } = await verify([instance(1), instance(2)]);
    expect(checks['load-balancer-2xx'].status).toBe('pass');
    expect(checks['load-balanced']).toMatchObject({
      status: 'fail',
      evidence: '1 distinct instance(s): i-0000000000000001 x4',
    });
  });
});
