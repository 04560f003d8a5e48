import { Annotations, Duration, Token } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as route53Targets from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct, IConstruct } from 'constructs';
import { AccessLogBucket, enableLoadBalancerAccessLogs } from './access-log-bucket';
import { notifyingAlarm } from './alarm-topic';
import { acknowledge, guardRule, inEveryCompliancePack } from './nag';
import { validateCidrs, withConstructPath } from './validation';
import { addWebAcl, warnNoWebAcl } from './web-acl';

/** The compliance packs that hold the ALBWAFEnabled rule (HIPAA Security does not). */
const WAF_PACKS = ['NIST.800.53.R5', 'PCI.DSS.321'];

/** Options for `SecureLoadBalancer.addTargetGroupAlarms`. */
export interface TargetGroupAlarmOptions {
  /**
   * Target 5xx responses per minute, three minutes in a row, that raise the alarm.
   * @default 10
   */
  readonly target5xxThreshold?: number;

  /**
   * The topic the alarms notify.
   * @default - the stack's alarm topic (encrypted, TLS-only)
   */
  readonly topic?: sns.ITopic;

  /**
   * A second target group the same targets move to and from (the alternate target group of an ECS
   * blue/green, linear or canary deployment, which swaps roles with the first after each deployment):
   * the alarms then watch both.
   * @default - the alarms watch `targetGroup` alone
   */
  readonly alternateTargetGroup?: elbv2.ApplicationTargetGroup;
}

/** The alarms `SecureLoadBalancer.addTargetGroupAlarms` creates. */
export interface TargetGroupAlarms {
  /** Raised when any target fails its health checks for three minutes. */
  readonly unhealthyHostsAlarm: cloudwatch.Alarm;

  /** Raised when targets answer with more 5xx responses than the threshold for three minutes. */
  readonly target5xxAlarm: cloudwatch.Alarm;
}

/**
 * The load balancer options every web pattern (HighlyAvailableFleet,
 * FargateWebService) offers and hands to its SecureLoadBalancer.
 */
export interface WebLoadBalancerOptions {
  /**
   * Whether the load balancer is reachable from the internet (public subnets)
   * or only from inside the network (private subnets).
   * @default true
   */
  readonly internetFacing?: boolean;

  /**
   * IPv4 CIDR blocks allowed to reach the listeners.
   * @default - ['0.0.0.0/0'] when internet-facing, the VPC's CIDR block when internal
   */
  readonly allowedIngressCidrs?: string[];

  /**
   * Certificate for an HTTPS listener on 443; port 80 then redirects to HTTPS.
   * @default - a DNS-validated certificate for `domainName` when a domain is given; otherwise none
   */
  readonly certificate?: acm.ICertificate;

  /**
   * The domain name users reach the service at. With `domainZone`, the load
   * balancer gets an alias record in that zone and serves HTTPS: with
   * `certificate` when given, otherwise with a new certificate for the name,
   * validated through the zone.
   * @default - no domain: users reach the load balancer's DNS name
   */
  readonly domainName?: string;

  /**
   * The Route 53 hosted zone that holds `domainName`: the alias record and the
   * certificate's validation records go there. Required with `domainName`. A
   * private hosted zone needs `certificate` too (ACM validates through public DNS).
   * @default - no DNS record
   */
  readonly domainZone?: route53.IHostedZone;

  /**
   * The protocol of the listener that serves traffic. HTTPS whenever a
   * certificate or a domain is given. Without either, plain HTTP has to be an
   * explicit choice: an internet-facing load balancer left on HTTP by default
   * serves it with a warning (`cdk-compute-patterns:plainHttp`), which setting
   * `ApplicationProtocol.HTTP` here acknowledges.
   * @default - HTTPS with a certificate or a domain, otherwise HTTP (with a warning when internet-facing)
   */
  readonly protocol?: elbv2.ApplicationProtocol;

  /**
   * TLS policy of the HTTPS listener.
   * @default elbv2.SslPolicy.RECOMMENDED_TLS (TLS 1.3 and 1.2 only)
   */
  readonly sslPolicy?: elbv2.SslPolicy;

  /**
   * Bucket that receives the access logs.
   * @default - the stack's shared AccessLogBucket
   */
  readonly accessLogBucket?: s3.IBucket;

  /**
   * Whether deletion protection is on. A production load balancer should not
   * disappear with a stack update; turn it off for throwaway environments.
   * @default true
   */
  readonly deletionProtection?: boolean;

  /**
   * Attach an AWS WAF web ACL with the AWS managed rule groups (common rule set, known bad inputs, Amazon IP
   * reputation list), logging every request to an encrypted `aws-waf-logs-*` log group. Turning it off on an
   * internet-facing load balancer gives the synth warning `cdk-compute-patterns:noWebAcl`. An internal load
   * balancer gets one only when this is `true`.
   * @default - true when internet-facing, false when internal
   */
  readonly webAcl?: boolean;
}

/**
 * Properties for a SecureLoadBalancer.
 */
export interface SecureLoadBalancerProps extends WebLoadBalancerOptions {
  /** The VPC the load balancer lives in. */
  readonly vpc: ec2.IVpc;

  /**
   * Key prefix of the access logs in the bucket.
   * @default - the construct path of the load balancer, with '/' replaced by '-'
   */
  readonly accessLogPrefix?: string;

  /**
   * How long the request logs of the web ACL (see `webAcl`) are kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The Application Load Balancer every web pattern shares: access logs to the
 * log bucket, invalid header fields dropped, defensive desync mitigation,
 * deletion protection, TLS 1.2+ when a certificate is given (with an
 * HTTP → HTTPS redirect), a security group that admits only the allowed
 * CIDR blocks on the listener ports, and (internet-facing by default) an AWS
 * WAF web ACL with the AWS managed rule groups, logging to an encrypted log group.
 */
export class SecureLoadBalancer extends Construct {
  public readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  public readonly securityGroup: ec2.SecurityGroup;
  /** The listener that serves traffic: HTTPS on 443 with a certificate, otherwise HTTP on 80. */
  public readonly listener: elbv2.ApplicationListener;
  /** The port-80 listener that redirects to HTTPS, when a certificate is given. */
  public readonly redirectListener?: elbv2.ApplicationListener;
  /** `https://<domainName>` with a domain, otherwise `http(s)://<load balancer DNS name>` (a string token). */
  public readonly url: string;
  /** The certificate of the HTTPS listener: the one given, or the one created for `domainName`. */
  public readonly certificate?: acm.ICertificate;
  /** The alias record for `domainName`, when a domain is given. */
  public readonly dnsRecord?: route53.ARecord;
  /** The AWS WAF web ACL in front of the load balancer (internet-facing by default; see `webAcl`). */
  public readonly webAcl?: wafv2.CfnWebACL;
  /** The CIDR blocks the listener ports admit. */
  private readonly ingressCidrs: string[];
  /** The VPC CIDR block, when it is the (token) default of an internal load balancer. */
  private readonly vpcCidrBlock: string;
  private readonly https: boolean;
  private readonly sslPolicy?: elbv2.SslPolicy;
  private readonly plainHttpChosen: boolean;
  private readonly testListeners = new Map<number, elbv2.ApplicationListener>();

  /**
   * The SecureLoadBalancer that `construct` (a listener, the load balancer, or anything else below it)
   * belongs to, if any.
   */
  public static of(construct: IConstruct): SecureLoadBalancer | undefined {
    for (let c: IConstruct | undefined = construct; c; c = c.node.scope) {
      if (c instanceof SecureLoadBalancer) return c;
    }
    return undefined;
  }

  /** The props of a SecureLoadBalancer for a pattern's `WebLoadBalancerOptions`. */
  public static propsFrom(vpc: ec2.IVpc, options: WebLoadBalancerOptions): SecureLoadBalancerProps {
    return {
      vpc,
      internetFacing: options.internetFacing,
      allowedIngressCidrs: options.allowedIngressCidrs,
      certificate: options.certificate,
      domainName: options.domainName,
      domainZone: options.domainZone,
      protocol: options.protocol,
      sslPolicy: options.sslPolicy,
      accessLogBucket: options.accessLogBucket,
      deletionProtection: options.deletionProtection,
      webAcl: options.webAcl,
    };
  }

  constructor(scope: Construct, id: string, props: SecureLoadBalancerProps) {
    super(scope, id);
    const internetFacing = props.internetFacing ?? true;
    withConstructPath(this, () => {
      validateCidrs('allowedIngressCidrs', props.allowedIngressCidrs);
      if (props.allowedIngressCidrs && props.allowedIngressCidrs.length === 0) {
        throw new Error(
          'allowedIngressCidrs must list at least one CIDR block; received an empty list (omit the prop for the default)',
        );
      }
    });
    const cidrs = props.allowedIngressCidrs ?? (internetFacing ? ['0.0.0.0/0'] : [props.vpc.vpcCidrBlock]);
    this.ingressCidrs = cidrs;
    this.vpcCidrBlock = props.vpc.vpcCidrBlock;
    this.sslPolicy = props.sslPolicy;
    this.plainHttpChosen = props.protocol === elbv2.ApplicationProtocol.HTTP;

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `Load balancer ${this.node.path}: listener ports from the allowed CIDR blocks only`,
      allowAllOutbound: false,
    });
    const https = this.validateProtocol(props, internetFacing);
    this.https = https;
    const ports = https ? [80, 443] : [80];
    // Each listener rule is an AWS::EC2::SecurityGroupIngress of its own, and an acknowledgement of
    // AwsSolutions-EC23 covers that resource alone: a rule the user adds to the security group (an
    // inline SecurityGroupIngress entry) is still checked, so SSH from 0.0.0.0/0 is reported.
    for (const port of ports) this.openPort(port);

    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      internetFacing,
      vpcSubnets: { subnetType: internetFacing ? ec2.SubnetType.PUBLIC : undefined, onePerAz: true },
      securityGroup: this.securityGroup,
      dropInvalidHeaderFields: true,
      desyncMitigationMode: elbv2.DesyncMitigationMode.DEFENSIVE,
      deletionProtection: props.deletionProtection ?? true,
      http2Enabled: true,
    });
    enableLoadBalancerAccessLogs(
      this.loadBalancer,
      props.accessLogBucket ?? AccessLogBucket.of(this),
      props.accessLogPrefix ?? this.node.path.replace(/\//g, '-'),
    );
    this.webAcl = this.protectWithWebAcl(props, internetFacing);

    this.certificate = props.certificate;
    if (props.domainName && props.domainZone) {
      this.certificate ??= new acm.Certificate(this, 'Certificate', {
        domainName: props.domainName,
        validation: acm.CertificateValidation.fromDns(props.domainZone),
      });
      this.dnsRecord = new route53.ARecord(this, 'DnsRecord', {
        zone: props.domainZone,
        recordName: props.domainName,
        target: route53.RecordTarget.fromAlias(new route53Targets.LoadBalancerTarget(this.loadBalancer)),
      });
    }
    const host = props.domainName ?? this.loadBalancer.loadBalancerDnsName;

    if (https) {
      this.listener = this.loadBalancer.addListener('Https', {
        port: 443,
        protocol: elbv2.ApplicationProtocol.HTTPS,
        certificates: [this.certificate!],
        sslPolicy: props.sslPolicy ?? elbv2.SslPolicy.RECOMMENDED_TLS,
        open: false,
      });
      this.redirectListener = this.loadBalancer.addRedirect({
        sourcePort: 80,
        sourceProtocol: elbv2.ApplicationProtocol.HTTP,
        targetPort: 443,
        targetProtocol: elbv2.ApplicationProtocol.HTTPS,
        open: false,
      });
      // On the redirect listener alone: it holds no certificate because it serves nothing.
      acknowledge(
        this.redirectListener.node.defaultChild!,
        ...inEveryCompliancePack(
          'ELBv2ACMCertificateRequired',
          'This port-80 listener only answers every request with a redirect to HTTPS on port 443 and forwards nothing to targets; the HTTPS listener on 443 carries the ACM certificate.',
        ),
      );
      this.url = `https://${host}`;
    } else {
      this.listener = this.loadBalancer.addListener('Http', {
        port: 80,
        protocol: elbv2.ApplicationProtocol.HTTP,
        open: false,
      });
      if (props.protocol === elbv2.ApplicationProtocol.HTTP) {
        // Acknowledged only when the user chose plain HTTP (protocol: HTTP), on this listener only. Left to the
        // default, the findings stay open next to the plainHttp warning.
        const chosen =
          'Plain HTTP was chosen explicitly (protocol: ApplicationProtocol.HTTP) for this load balancer, which has no certificate and no domain; pass a certificate, or domainName and domainZone, and it serves HTTPS on 443 with port 80 redirecting to it.';
        acknowledge(
          this.listener.node.defaultChild!,
          ...inEveryCompliancePack('ALBHttpToHttpsRedirection', chosen),
          ...inEveryCompliancePack('ELBv2ACMCertificateRequired', chosen),
          { id: guardRule('alb_http_to_https_redirection_check'), reason: chosen },
        );
      }
      this.url = `http://${host}`;
    }
  }

  /**
   * The web ACL (internet-facing by default, internal only with `webAcl: true`). Without one, the compliance
   * packs' ALBWAFEnabled finding is acknowledged on this load balancer alone, with the reason that holds.
   */
  private protectWithWebAcl(props: SecureLoadBalancerProps, internetFacing: boolean): wafv2.CfnWebACL | undefined {
    const lb = this.loadBalancer.node.defaultChild!;
    if (props.webAcl ?? internetFacing) {
      return addWebAcl(this, this.loadBalancer.loadBalancerArn, {
        protects: this.node.path,
        logRetention: props.logRetention,
      }).webAcl;
    }
    if (internetFacing) {
      warnNoWebAcl(this, 'internet-facing load balancer');
      acknowledge(
        lb,
        ...inEveryCompliancePack(
          'ALBWAFEnabled',
          'The user turned the web ACL off (webAcl: false) on this internet-facing load balancer and the construct warned at synth (cdk-compute-patterns:noWebAcl); another WAF or none protects it by their choice.',
          WAF_PACKS,
        ),
      );
    } else {
      acknowledge(
        lb,
        ...inEveryCompliancePack(
          'ALBWAFEnabled',
          `This load balancer is internal (Scheme: internal, private subnets): it has no internet route and admits only ${props.allowedIngressCidrs ? 'the allowed CIDR blocks' : "its VPC's CIDR block"} on its listener ports, so it carries no web ACL unless the user sets webAcl: true.`,
          WAF_PACKS,
        ),
      );
    }
    return undefined;
  }

  /**
   * Admits the allowed CIDR blocks on `port`. Each rule is an AWS::EC2::SecurityGroupIngress of its own, and an
   * acknowledgement of AwsSolutions-EC23 covers that resource alone: a rule the user adds to the security group
   * (an inline SecurityGroupIngress entry) is still checked, so SSH from 0.0.0.0/0 is reported.
   */
  private openPort(port: number, purpose?: string): void {
    this.ingressCidrs.forEach((cidr, index) => {
      const ingress = new ec2.CfnSecurityGroupIngress(this, `Ingress${port}From${index}`, {
        groupId: this.securityGroup.securityGroupId,
        ipProtocol: 'tcp',
        fromPort: port,
        toPort: port,
        cidrIp: cidr,
        description: purpose ? `${purpose} from ${cidr}` : `HTTP${port === 443 ? 'S' : ''} from ${cidr}`,
      });
      if (!Token.isUnresolved(cidr) && cidr.endsWith('/0')) {
        acknowledge(ingress, {
          id: 'AwsSolutions-EC23',
          reason: purpose
            ? `An internet-facing load balancer accepts web traffic from any address, by design: this rule opens only port ${port}, the ${purpose.toLowerCase()} (the same CIDR blocks as the serving listener); targets are reachable from the load balancer's security group alone.`
            : `An internet-facing load balancer accepts web traffic from any address, by design: this rule opens its listener port ${port} only; targets are reachable from the load balancer's security group alone.`,
        });
      } else if (Token.isUnresolved(cidr) && cidr === this.vpcCidrBlock) {
        acknowledge(ingress, {
          id: 'AwsSolutions-EC23',
          reason: `This rule admits only the load balancer's own VPC CIDR block on port ${port}. That block is resolved at deploy time (Fn::GetAtt), which cdk-nag EC23 cannot evaluate, so the rule throws instead of passing; it does not admit 0.0.0.0/0.`,
        });
      }
    });
  }

  /**
   * The test listener on `port` (created on first use, shared by every service that asks for the same port):
   * the protocol, certificate and TLS policy of the serving listener, open to the same CIDR blocks. ECS
   * blue/green, linear and canary deployments send test traffic through it to the new tasks before
   * production traffic moves. Its default action answers 404; services add their rules to it.
   */
  public addTestListener(port: number): elbv2.ApplicationListener {
    const existing = this.testListeners.get(port);
    if (existing) return existing;
    const taken = this.https ? [80, 443] : [80];
    if (!Token.isUnresolved(port) && (taken.includes(port) || !Number.isInteger(port) || port < 1 || port > 65535)) {
      throw new Error(
        `${this.node.path}: a test listener port must be an integer from 1 to 65535 other than the serving ports (${taken.join(', ')}); received ${port}`,
      );
    }
    this.openPort(port, 'Test listener');
    const listener = this.https
      ? this.loadBalancer.addListener(`Test${port}`, {
          port,
          protocol: elbv2.ApplicationProtocol.HTTPS,
          certificates: [this.certificate!],
          sslPolicy: this.sslPolicy ?? elbv2.SslPolicy.RECOMMENDED_TLS,
          open: false,
          defaultAction: elbv2.ListenerAction.fixedResponse(404, {
            contentType: 'text/plain',
            messageBody: 'No test route',
          }),
        })
      : this.loadBalancer.addListener(`Test${port}`, {
          port,
          protocol: elbv2.ApplicationProtocol.HTTP,
          open: false,
          defaultAction: elbv2.ListenerAction.fixedResponse(404, {
            contentType: 'text/plain',
            messageBody: 'No test route',
          }),
        });
    if (!this.https && this.plainHttpChosen) {
      const chosen = `Plain HTTP was chosen explicitly (protocol: ApplicationProtocol.HTTP) for this load balancer, which has no certificate and no domain; this test listener on port ${port} serves the same protocol as the serving listener. Pass a certificate, or domainName and domainZone, and it serves HTTPS.`;
      acknowledge(
        listener.node.defaultChild!,
        ...inEveryCompliancePack('ALBHttpToHttpsRedirection', chosen),
        ...inEveryCompliancePack('ELBv2ACMCertificateRequired', chosen),
        { id: guardRule('alb_http_to_https_redirection_check'), reason: chosen },
      );
    }
    this.testListeners.set(port, listener);
    return listener;
  }

  /**
   * Whether the load balancer serves HTTPS: whenever a certificate or a domain
   * is given. Plain HTTP on an internet-facing load balancer is either chosen
   * (`protocol: HTTP`) or reported with a warning.
   */
  private validateProtocol(props: SecureLoadBalancerProps, internetFacing: boolean): boolean {
    if ((props.domainName === undefined) !== (props.domainZone === undefined)) {
      throw new Error(
        `${this.node.path}: domainName and domainZone go together (the zone holds the alias record and the certificate validation records); received ${props.domainName === undefined ? 'domainZone without domainName' : 'domainName without domainZone'}`,
      );
    }
    // ACM validates over public DNS: a certificate validated through a private zone stays pending until ACM gives up
    // (72 hours), and the stack with it. (An imported private zone cannot be told apart here.)
    if (props.domainZone instanceof route53.PrivateHostedZone && props.certificate === undefined) {
      throw new Error(
        `${this.node.path}: domainZone ${props.domainZone.node.path} is a private hosted zone, and ACM validates certificates through public DNS only, so the certificate for '${props.domainName}' would never be issued. Pass a certificate (issued elsewhere, or validated through a public zone) with the private zone, or use a public hosted zone`,
      );
    }
    const tls = props.certificate !== undefined || props.domainName !== undefined;
    const given = props.certificate ? 'a certificate' : 'a domain';
    if (props.protocol === elbv2.ApplicationProtocol.HTTP && tls) {
      throw new Error(
        `${this.node.path}: protocol is HTTP but ${given} was given; the load balancer serves HTTPS whenever a certificate or a domain is given. Remove protocol (or set it to HTTPS), or remove the certificate and domain`,
      );
    }
    if (props.protocol === elbv2.ApplicationProtocol.HTTPS && !tls) {
      throw new Error(
        `${this.node.path}: protocol is HTTPS but neither a certificate nor domainName and domainZone were given; pass a certificate, or domainName and domainZone for a DNS-validated one`,
      );
    }
    if (!tls && internetFacing && props.protocol === undefined) {
      Annotations.of(this).addWarningV2(
        'cdk-compute-patterns:plainHttp',
        `${this.node.path} serves plain HTTP to the internet: pass a certificate, or domainName and domainZone, to serve HTTPS (port 80 then redirects), or set protocol: ApplicationProtocol.HTTP to choose plain HTTP explicitly`,
      );
    }
    return tls;
  }

  /**
   * Alarms every web pattern wants on its target group, notifying `topic`
   * (default: the stack's alarm topic): any unhealthy target, and target 5xx
   * responses. Returned so callers can add more actions.
   */
  public addTargetGroupAlarms(
    targetGroup: elbv2.ApplicationTargetGroup,
    options: TargetGroupAlarmOptions = {},
  ): TargetGroupAlarms {
    return targetGroupAlarms(this, targetGroup, options);
  }
}

/**
 * The target group alarms of `SecureLoadBalancer.addTargetGroupAlarms`, created in `scope` (a service attached
 * to another construct's load balancer creates them in its own scope). With `alternateTargetGroup`, each
 * alarm watches both groups.
 */
export function targetGroupAlarms(
  scope: Construct,
  targetGroup: elbv2.ApplicationTargetGroup,
  options: TargetGroupAlarmOptions = {},
): TargetGroupAlarms {
  const alternate = options.alternateTargetGroup;
  const watched = alternate ? `${targetGroup.node.path} and ${alternate.node.path}` : targetGroup.node.path;
  const unhealthy = (tg: elbv2.ApplicationTargetGroup) =>
    tg.metrics.unhealthyHostCount({ period: Duration.minutes(1), statistic: 'Maximum' });
  const errors = (tg: elbv2.ApplicationTargetGroup) =>
    tg.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period: Duration.minutes(1), statistic: 'Sum' });
  const unhealthyHostsAlarm = notifyingAlarm(
    scope,
    'UnhealthyHostsAlarm',
    alternate
      ? new cloudwatch.MathExpression({
          expression: 'MAX([FILL(a, 0), FILL(b, 0)])',
          usingMetrics: { a: unhealthy(targetGroup), b: unhealthy(alternate) },
          label: 'Unhealthy targets (either target group)',
          period: Duration.minutes(1),
        })
      : unhealthy(targetGroup),
    {
      description: `Targets of ${watched} are failing health checks`,
      threshold: 1,
      evaluationPeriods: 3,
      topic: options.topic,
    },
  );
  const target5xxAlarm = notifyingAlarm(
    scope,
    'Target5xxAlarm',
    alternate
      ? new cloudwatch.MathExpression({
          expression: 'FILL(a, 0) + FILL(b, 0)',
          usingMetrics: { a: errors(targetGroup), b: errors(alternate) },
          label: 'Target 5xx responses (both target groups)',
          period: Duration.minutes(1),
        })
      : errors(targetGroup),
    {
      description: `Targets of ${watched} are answering with 5xx errors`,
      threshold: options.target5xxThreshold ?? 10,
      evaluationPeriods: 3,
      topic: options.topic,
    },
  );
  return { unhealthyHostsAlarm, target5xxAlarm };
}
