import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { IConstruct } from 'constructs';
import { AwsManagedPrefixLists } from './managed-prefix-lists';

/** An AWS API that compute in the VPC must reach, and why (used in error messages and descriptions). */
export interface RequiredServiceEndpoint {
  /** The interface endpoint service, e.g. `ec2.InterfaceVpcEndpointAwsService.ECR`. */
  readonly service: ec2.InterfaceVpcEndpointAwsService;
  /** Stable PascalCase name: the endpoint's construct id under the VPC (`Endpoint<name>`). */
  readonly name: string;
}

/** What a pattern asks of {@link ensureServiceEndpoints}. */
export interface ServiceEndpointRequirements {
  /** The construct that needs the endpoints; its path names it in errors. */
  readonly scope: IConstruct;
  /** The VPC the compute runs in. */
  readonly vpc: ec2.IVpc;
  /** The subnets the compute runs in. */
  readonly subnets: ec2.SelectedSubnets;
  /** The interface endpoints the compute needs when its subnets have no route to the internet. */
  readonly services: RequiredServiceEndpoint[];
  /** The compute that calls the endpoints: it is allowed HTTPS into them. */
  readonly clients: ec2.IConnectable[];
  /**
   * Gateway endpoints the compute needs too (S3 for ECR image layers, DynamoDB). A SecureVpc has both;
   * for another VPC in the same stack the missing ones are added.
   * @default - none
   */
  readonly gateways?: ec2.GatewayVpcEndpointAwsService[];
  /**
   * The user says the VPC already has these endpoints (created outside this app or stack).
   * Patterns expose this as their `vpcEndpointsProvided` prop.
   * @default false
   */
  readonly vpcEndpointsProvided?: boolean;
}

/** The subnets among `subnets` that have no route to the internet (PRIVATE_ISOLATED). */
export function isolatedSubnetsOf(vpc: ec2.IVpc, subnets: ec2.SelectedSubnets): ec2.ISubnet[] {
  const isolated = new Set(vpc.isolatedSubnets.map((s) => s.subnetId));
  return subnets.subnets.filter((s) => isolated.has(s.subnetId));
}

/**
 * Subnets without egress reach AWS APIs only through VPC endpoints: Lambda, EC2 and ECS
 * fail at run time without them (a template cannot show it). This makes the rule explicit:
 *
 * - every selected subnet has egress (NAT or internet gateway): nothing to do;
 * - the user declares the endpoints exist (`vpcEndpointsProvided`): nothing to do;
 * - the VPC is defined in the same stack: the missing interface endpoints are added to the VPC
 *   once (shared by every pattern in that VPC, so private DNS never conflicts), each with its
 *   own security group that accepts HTTPS from `clients` only;
 * - otherwise: an error naming the construct, the subnets and the services.
 *
 * Returns the endpoints the compute relies on (empty when the subnets have egress).
 */
export function ensureServiceEndpoints(req: ServiceEndpointRequirements): ec2.InterfaceVpcEndpoint[] {
  const isolated = isolatedSubnetsOf(req.vpc, req.subnets);
  if (isolated.length === 0 || req.vpcEndpointsProvided) return [];
  const names = req.services.map((s) => s.service.shortName).join(', ');
  if (Stack.of(req.vpc) !== Stack.of(req.scope) || !(req.vpc instanceof ec2.Vpc)) {
    throw new Error(
      `${req.scope.node.path}: the selected subnets have no route to the internet (PRIVATE_ISOLATED), so the compute needs VPC interface endpoints for ${names}; they can only be added here to a VPC defined in the same stack. Select subnets with egress (NAT), create the endpoints yourself and set vpcEndpointsProvided: true, or define the VPC in this stack`,
    );
  }
  const vpc = req.vpc;
  for (const service of req.gateways ?? []) {
    if (!hasGatewayEndpoint(vpc, service))
      vpc.addGatewayEndpoint(`Endpoint${service.name.split('.').pop()!.toUpperCase()}Gateway`, { service });
  }
  return req.services.map((s) => {
    const id = `Endpoint${s.name}`;
    let endpoint = vpc.node.tryFindChild(id) as ec2.InterfaceVpcEndpoint | undefined;
    if (!endpoint) {
      const existing = findInterfaceEndpoint(vpc, s.service);
      endpoint =
        existing ??
        new ec2.InterfaceVpcEndpoint(vpc, id, {
          vpc,
          service: s.service,
          privateDnsEnabled: true,
          open: false,
          subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED, onePerAz: true },
          securityGroups: [
            new ec2.SecurityGroup(vpc, `${id}SecurityGroup`, {
              vpc,
              description: `${s.service.shortName} interface endpoint: HTTPS from the compute that needs it`,
              allowAllOutbound: false,
            }),
          ],
        });
    }
    for (const client of req.clients)
      endpoint.connections.allowDefaultPortFrom(client, `HTTPS to ${s.service.shortName}`);
    return endpoint;
  });
}

/**
 * Whether the app adds a gateway endpoint for `service` to `vpc`, wherever it is defined (`vpc.addGatewayEndpoint`,
 * or `new ec2.GatewayVpcEndpoint(anyScope, id, { vpc })`, also for an imported VPC).
 */
export function hasGatewayEndpoint(vpc: ec2.IVpc, service: ec2.GatewayVpcEndpointAwsService): boolean {
  return gatewayEndpointsOf(vpc, [service]).length > 0;
}

/** The gateway endpoints for `services` that the app adds to `vpc`, wherever they are defined. */
function gatewayEndpointsOf(vpc: ec2.IVpc, services: ec2.GatewayVpcEndpointAwsService[]): ec2.CfnVPCEndpoint[] {
  const names = new Set(services.map((s) => s.name));
  return vpc.node.root.node
    .findAll()
    .filter(
      (c): c is ec2.CfnVPCEndpoint =>
        c instanceof ec2.CfnVPCEndpoint &&
        (c.vpcEndpointType ?? 'Gateway') === 'Gateway' &&
        names.has(c.serviceName as string) &&
        c.vpcId === vpc.vpcId,
    );
}

/**
 * The gateway endpoints (`req.gateways`) that compute in subnets without egress relies on, to depend on: in such
 * subnets a gateway endpoint is the only route to S3 (ECR image layers, a custom resource's response to
 * CloudFormation) or DynamoDB. Nothing else in a template depends on a gateway endpoint, so without the dependency
 * CloudFormation may create the compute before it, or delete it first on stack deletion, while a custom resource
 * still has to answer. Empty when the subnets have egress. Call it after {@link ensureServiceEndpoints}, which
 * adds the missing ones.
 */
export function requiredGatewayEndpoints(req: ServiceEndpointRequirements): ec2.CfnVPCEndpoint[] {
  if (isolatedSubnetsOf(req.vpc, req.subnets).length === 0) return [];
  return gatewayEndpointsOf(req.vpc, req.gateways ?? []);
}

/**
 * {@link ensureServiceEndpoints}, returning everything compute in those subnets must be created after (and deleted
 * before): the interface endpoints and the gateway endpoints ({@link requiredGatewayEndpoints}).
 */
export function ensureEndpointDependencies(req: ServiceEndpointRequirements): IConstruct[] {
  return [...ensureServiceEndpoints(req), ...requiredGatewayEndpoints(req)];
}

/** An interface endpoint for `service` that the user already added to `vpc` (any construct id). */
function findInterfaceEndpoint(
  vpc: ec2.Vpc,
  service: ec2.InterfaceVpcEndpointAwsService,
): ec2.InterfaceVpcEndpoint | undefined {
  return vpc.node
    .findAll()
    .find(
      (c): c is ec2.InterfaceVpcEndpoint =>
        c instanceof ec2.InterfaceVpcEndpoint &&
        (c.node.defaultChild as ec2.CfnVPCEndpoint | undefined)?.serviceName === service.name,
    );
}

/** What {@link allowHttpsToAwsEndpoints} needs: the compute's security group and where it runs. */
export interface HttpsEgressRequirements {
  /** The construct that owns the compute; its path names it in errors. */
  readonly scope: IConstruct;
  /** The compute's security group, created with `allowAllOutbound: false`. */
  readonly securityGroup: ec2.SecurityGroup;
  /** The VPC the compute runs in. */
  readonly vpc: ec2.IVpc;
  /** The subnets the compute runs in. */
  readonly subnets: ec2.SelectedSubnets;
  /** The gateway endpoint services the compute reaches (S3, DynamoDB). */
  readonly gateways: ec2.GatewayVpcEndpointAwsService[];
  /** The user's `vpcEndpointsProvided`: the interface endpoints exist, with security groups unknown here. */
  readonly vpcEndpointsProvided?: boolean;
}

/**
 * The HTTPS egress of compute that calls AWS APIs, with no rule to 0.0.0.0/0 where the subnets make one
 * unnecessary:
 *
 * - every selected subnet is isolated (no NAT, no internet gateway): HTTPS to the gateway endpoints by their
 *   AWS-managed prefix lists (looked up at deploy time, see AwsManagedPrefixLists); the interface endpoints that
 *   {@link ensureServiceEndpoints} added are already allowed by their security groups; with
 *   `vpcEndpointsProvided` (the user's interface endpoints, whose security groups are unknown here) HTTPS to
 *   the VPC's CIDR block, where their network interfaces are;
 * - a selected subnet has egress: the AWS APIs without a VPC endpoint are reached at their public addresses
 *   through the NAT gateway, which only HTTPS to 0.0.0.0/0 allows (the user chose subnets with internet egress).
 */
export function allowHttpsToAwsEndpoints(req: HttpsEgressRequirements): void {
  const https = ec2.Port.tcp(443);
  if (isolatedSubnetsOf(req.vpc, req.subnets).length < req.subnets.subnets.length) {
    req.securityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      https,
      'HTTPS to AWS APIs through the NAT gateway of the selected subnets',
    );
    return;
  }
  const lookup = AwsManagedPrefixLists.of(req.scope);
  for (const service of req.gateways) {
    const short = service.name.split('.').pop()!;
    req.securityGroup.addEgressRule(
      ec2.Peer.prefixList(lookup.prefixListId(service)),
      https,
      `HTTPS to the ${short} gateway endpoint (its AWS-managed prefix list)`,
    );
  }
  if (req.vpcEndpointsProvided) {
    let cidr: string;
    try {
      cidr = req.vpc.vpcCidrBlock;
    } catch {
      throw new Error(
        `${req.scope.node.path}: with vpcEndpointsProvided in subnets without egress, the compute reaches your interface endpoints by HTTPS to the VPC's CIDR block, but the VPC ${req.vpc.node.path} was imported without one. Pass vpcCidrBlock to ec2.Vpc.fromVpcAttributes (or use ec2.Vpc.fromLookup)`,
      );
    }
    req.securityGroup.addEgressRule(
      ec2.Peer.ipv4(cidr),
      https,
      'HTTPS to the interface endpoints in the VPC (provided by the user)',
    );
  }
}
