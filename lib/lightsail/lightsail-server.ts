import { Annotations, Names, Token } from 'aws-cdk-lib';
import * as lightsail from 'aws-cdk-lib/aws-lightsail';
import { Construct } from 'constructs';
import { validateCidrs } from '../common/validation';

/** The transport protocol of a {@link LightsailPort}. */
export enum LightsailProtocol {
  TCP = 'tcp',
  UDP = 'udp',
}

/** A port range of the Lightsail instance firewall, open to the given CIDRs only. */
export interface LightsailPort {
  /** First port of the range. */
  readonly fromPort: number;
  /**
   * Last port of the range.
   * @default - fromPort
   */
  readonly toPort?: number;
  /**
   * The protocol.
   * @default LightsailProtocol.TCP
   */
  readonly protocol?: LightsailProtocol;
  /** The IPv4 CIDR blocks allowed in, e.g. `['0.0.0.0/0']` for a public website, `['203.0.113.0/24']` for an office. */
  readonly cidrs: string[];
}

/**
 * Properties for a LightsailServer.
 */
export interface LightsailServerProps {
  /**
   * The Lightsail blueprint (operating system or application image), e.g. `amazon_linux_2023`, `ubuntu_24_04`,
   * `wordpress`. List them with `aws lightsail get-blueprints`.
   * @default 'amazon_linux_2023'
   */
  readonly blueprintId?: string;

  /**
   * The Lightsail bundle (size and price), e.g. `nano_3_0`, `micro_3_0`, `small_3_0`. List them with
   * `aws lightsail get-bundles`.
   * @default 'small_3_0' (2 GB memory, 2 vCPUs, 60 GB SSD)
   */
  readonly bundleId?: string;

  /**
   * The ports the firewall opens, each to the CIDRs given (IPv4; IPv6 stays closed). Nothing else is open:
   * Lightsail's own default (SSH and HTTP from anywhere) is replaced once the instance exists (CloudFormation
   * creates the instance, then sets its firewall).
   * @default - no port open (one placeholder rule, HTTPS from 192.0.2.1/32, which no client has: see the class)
   */
  readonly ports?: LightsailPort[];

  /**
   * Open SSH (22) from these CIDRs. `0.0.0.0/0` is refused: use your own address range, or
   * `lightsailConnect` for the browser-based SSH client of the Lightsail console.
   * @default - SSH closed
   */
  readonly sshCidrs?: string[];

  /**
   * Open SSH to the Lightsail console's browser-based SSH client only (the `lightsail-connect` alias).
   * @default false
   */
  readonly lightsailConnect?: boolean;

  /**
   * A script the instance runs at first boot.
   * @default - none
   */
  readonly userData?: string;

  /**
   * The name of a Lightsail key pair for SSH.
   * @default - the Region's default Lightsail key pair
   */
  readonly keyPairName?: string;

  /**
   * The Availability Zone, e.g. `eu-west-1a`.
   * @default - one Lightsail chooses
   */
  readonly availabilityZone?: string;

  /**
   * Take a snapshot of the instance every day (Lightsail keeps the last seven).
   * @default true
   */
  readonly automaticSnapshots?: boolean;

  /**
   * When the daily snapshot starts, `HH:00` in UTC.
   * @default '06:00'
   */
  readonly snapshotTimeOfDay?: string;

  /**
   * Attach a static IP address, so the address survives a stop and start (and DNS can point at it).
   * @default true
   */
  readonly staticIp?: boolean;
}

/**
 * The one firewall rule of a LightsailServer with no port to open: HTTPS from 192.0.2.1/32 (TEST-NET-1, reserved for
 * documentation by RFC 5737, so no client has it). A rule is needed because an empty list of ports leaves
 * Lightsail's default firewall (SSH and HTTP from anywhere) in place.
 */
const LIGHTSAIL_CLOSED_FIREWALL: lightsail.CfnInstance.PortProperty = {
  fromPort: 443,
  toPort: 443,
  protocol: 'tcp',
  cidrs: ['192.0.2.1/32'],
};

/**
 * A Lightsail virtual private server for a small site, closed by default: only the ports you open, from the
 * CIDRs you name (SSH only when asked, never from anywhere), daily automatic snapshots, and a static IP.
 *
 * Lightsail opens SSH and HTTP to the world when an instance names no ports, and CloudFormation's Lightsail
 * handler sets the firewall only when the list of ports is not empty (an empty list keeps that default). So an
 * instance with nothing to open gets one placeholder rule instead, `LIGHTSAIL_CLOSED_FIREWALL`: HTTPS from
 * 192.0.2.1/32 (TEST-NET-1, RFC 5737, an address no client on the internet has), which replaces the default.
 */
export class LightsailServer extends Construct {
  /** The Lightsail instance. */
  public readonly instance: lightsail.CfnInstance;
  /** The static IP attached to it, when `staticIp` is on. */
  public readonly staticIp?: lightsail.CfnStaticIp;
  /** The instance name (Lightsail names are unique per account and Region). */
  public readonly instanceName: string;

  constructor(scope: Construct, id: string, props: LightsailServerProps = {}) {
    super(scope, id);
    const ports = props.ports ?? [];
    validateServer(this, props, ports);
    this.instanceName = Names.uniqueResourceName(this, { maxLength: 255 });

    const firewall: lightsail.CfnInstance.PortProperty[] = ports.map((p) => ({
      fromPort: p.fromPort,
      toPort: p.toPort ?? p.fromPort,
      protocol: p.protocol ?? LightsailProtocol.TCP,
      cidrs: p.cidrs,
    }));
    if (props.sshCidrs?.length || props.lightsailConnect) {
      firewall.push({
        fromPort: 22,
        toPort: 22,
        protocol: 'tcp',
        ...(props.sshCidrs?.length ? { cidrs: props.sshCidrs } : {}),
        ...(props.lightsailConnect ? { cidrListAliases: ['lightsail-connect'] } : {}),
      });
    }
    // An empty list would keep Lightsail's default firewall (see the class documentation).
    if (firewall.length === 0) firewall.push(LIGHTSAIL_CLOSED_FIREWALL);
    const automaticSnapshots = props.automaticSnapshots ?? true;
    this.instance = new lightsail.CfnInstance(this, 'Resource', {
      instanceName: this.instanceName,
      blueprintId: props.blueprintId ?? 'amazon_linux_2023',
      bundleId: props.bundleId ?? 'small_3_0',
      availabilityZone: props.availabilityZone,
      keyPairName: props.keyPairName,
      userData: props.userData,
      // Always named: an instance without Networking gets Lightsail's default firewall (22 and 80 from anywhere).
      networking: { ports: firewall },
      addOns: automaticSnapshots
        ? [
            {
              addOnType: 'AutoSnapshot',
              status: 'Enabled',
              autoSnapshotAddOnRequest: { snapshotTimeOfDay: props.snapshotTimeOfDay ?? '06:00' },
            },
          ]
        : undefined,
    });
    if (props.staticIp ?? true) {
      this.staticIp = new lightsail.CfnStaticIp(this, 'StaticIp', {
        staticIpName: `${this.instanceName.slice(0, 250)}-ip`,
        attachedTo: this.instance.ref,
      });
    }
    if (!automaticSnapshots) {
      Annotations.of(this).addWarningV2(
        'cdk-compute-patterns:noSnapshots',
        `${this.node.path}: automatic snapshots are off; the instance's disk is its only copy of the data`,
      );
    }
  }

  /** The public IP address: the static IP when there is one, else the instance's (which changes on stop/start). */
  public get publicIpAddress(): string {
    return this.staticIp ? this.staticIp.attrIpAddress : this.instance.attrPublicIpAddress;
  }
}

function validateServer(scope: Construct, props: LightsailServerProps, ports: LightsailPort[]): void {
  const path = scope.node.path;
  for (const p of ports) {
    const to = p.toPort ?? p.fromPort;
    for (const [name, v] of [
      ['fromPort', p.fromPort],
      ['toPort', to],
    ] as const) {
      if (!Token.isUnresolved(v) && (!Number.isInteger(v) || v < 0 || v > 65535)) {
        throw new Error(`${path}: ports[].${name} must be an integer from 0 to 65535; received ${v}`);
      }
    }
    if (!Token.isUnresolved(p.fromPort) && !Token.isUnresolved(to) && p.fromPort > to) {
      throw new Error(`${path}: a port range must not end before it starts; received ${p.fromPort}-${to}`);
    }
    if (p.cidrs.length === 0) {
      throw new Error(
        `${path}: port ${p.fromPort} names no CIDRs; list who may connect (['0.0.0.0/0'] for a public website)`,
      );
    }
    validateCidrs(`${path}: ports[].cidrs`, p.cidrs);
    const coversSsh = p.fromPort <= 22 && to >= 22 && (p.protocol ?? LightsailProtocol.TCP) === LightsailProtocol.TCP;
    if (coversSsh) {
      throw new Error(
        `${path}: ports opens SSH (22) with ${p.fromPort}-${to}; open SSH with sshCidrs (your address range) or lightsailConnect instead`,
      );
    }
  }
  validateCidrs(`${path}: sshCidrs`, props.sshCidrs);
  const anywhere = (props.sshCidrs ?? []).filter((c) => /\/0$/.test(c));
  if (anywhere.length > 0) {
    throw new Error(
      `${path}: sshCidrs must not open SSH to the whole internet; received ${anywhere.join(', ')}. Name your own address range, or use lightsailConnect for the console's browser-based SSH`,
    );
  }
  const time = props.snapshotTimeOfDay;
  if (time !== undefined && !Token.isUnresolved(time) && !/^([01]\d|2[0-3]):00$/.test(time)) {
    throw new Error(`${path}: snapshotTimeOfDay must be a whole hour in UTC such as '06:00'; received '${time}'`);
  }
}
