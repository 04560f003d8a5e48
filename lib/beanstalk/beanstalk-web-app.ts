import { Annotations, Duration, Token } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticbeanstalk from 'aws-cdk-lib/aws-elasticbeanstalk';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { AccessLogBucket, allowLoadBalancerLogDelivery } from '../common/access-log-bucket';
import { alarmTopicFor, notifyingAlarm } from '../common/alarm-topic';
import { validateMultiAz } from '../common/subnets';
import { withConstructPath } from '../common/validation';
import { BeanstalkEnvironmentOptions, BeanstalkOptionSetting } from './beanstalk-options';
import {
  buildEnvironment,
  DEFAULT_SOLUTION_STACK_NAME,
  environmentHealthAlarm,
  environmentHealthMetric,
  setting,
  validateCommon,
} from './private/environment';

/**
 * Properties for a BeanstalkWebApp.
 */
export interface BeanstalkWebAppProps extends BeanstalkEnvironmentOptions {
  /**
   * The Elastic Beanstalk application's name.
   * @default - a name CloudFormation generates
   */
  readonly applicationName?: string;

  /**
   * Certificate for an HTTPS listener on 443; port 80 then redirects to HTTPS (with a directory source: the
   * construct adds the redirect as `.ebextensions/cdk-compute-patterns-https-redirect.config`; a `.zip`
   * source cannot be changed, so port 80 is closed instead).
   * @default - no certificate: HTTP on port 80
   */
  readonly certificate?: acm.ICertificate;

  /**
   * The protocol of the listener that serves traffic. HTTPS with a certificate. Without one, plain HTTP has
   * to be an explicit choice: left unset it is served with the warning `cdk-compute-patterns:plainHttp`,
   * which setting `ApplicationProtocol.HTTP` here acknowledges.
   * @default - HTTPS with a certificate, otherwise HTTP (with a warning)
   */
  readonly protocol?: elbv2.ApplicationProtocol;

  /**
   * TLS policy of the HTTPS listener.
   * @default elbv2.SslPolicy.RECOMMENDED_TLS (TLS 1.3 and 1.2 only)
   */
  readonly sslPolicy?: elbv2.SslPolicy;

  /**
   * Bucket that receives the load balancer's access logs.
   * @default - the stack's shared AccessLogBucket
   */
  readonly accessLogBucket?: s3.IBucket;

  /**
   * The path the load balancer checks on each instance.
   * @default '/'
   */
  readonly healthCheckPath?: string;

  /**
   * Application 5xx responses per minute, three minutes in a row, that raise the `target5xx` alarm.
   * @default 10
   */
  readonly target5xxThreshold?: number;
}

/**
 * The alarms a BeanstalkWebApp raises. Each notifies the alarm topic; add further actions with
 * `alarm.addAlarmAction(...)`.
 */
export interface BeanstalkWebAppAlarms {
  /** Enhanced health reported Degraded or Severe for 5 minutes. */
  readonly environmentHealth: cloudwatch.Alarm;
  /** The application answered with 5xx responses (ApplicationRequests5xx). */
  readonly target5xx: cloudwatch.Alarm;
}

/** Where the construct's HTTPS redirect goes in a directory source. */
const REDIRECT_FILE = '.ebextensions/cdk-compute-patterns-https-redirect.config';

/**
 * Replaces the default actions of the port-80 listener Elastic Beanstalk creates (logical id
 * AWSEBV2LoadBalancerListener) with a permanent redirect to HTTPS: Elastic Beanstalk's option settings
 * cannot express a redirect.
 */
const REDIRECT_CONFIG = `# Added by cdk-compute-patterns (BeanstalkWebApp with a certificate): port 80 redirects to HTTPS.
Resources:
  AWSEBV2LoadBalancerListener:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn:
        Ref: AWSEBV2LoadBalancer
      Port: 80
      Protocol: HTTP
      DefaultActions:
        - Type: redirect
          RedirectConfig:
            Protocol: HTTPS
            Port: '443'
            Host: '#{host}'
            Path: '/#{path}'
            Query: '#{query}'
            StatusCode: HTTP_301
`;

/**
 * An Elastic Beanstalk web application: an application, an application version from a local directory or
 * .zip (a CDK asset) and a load-balanced web-tier environment (Node.js on Amazon Linux 2023 by default)
 * behind an internet-facing Application Load Balancer, with its instances in private subnets of two or more
 * Availability Zones.
 *
 * Secure and operable by default: enhanced health, managed platform updates in a weekly maintenance window,
 * instance and health logs streamed to CloudWatch Logs with a retention, rotated logs to S3, IMDSv2-only
 * instances, a least-privilege instance role and service role, load balancer access logs to the log bucket,
 * HTTPS with a redirect when given a certificate, immutable deployments, and alarms on environment health and
 * application 5xx responses.
 */
export class BeanstalkWebApp extends Construct implements ec2.IConnectable, iam.IGrantable {
  /**
   * The solution stack the environment runs when neither `solutionStackName` nor `platformArn` is given:
   * the current Node.js platform on Amazon Linux 2023 when this version of the library was released.
   * Fixed in the library (no lookup at synth); managed platform updates keep the running environment current.
   */
  public static readonly DEFAULT_SOLUTION_STACK_NAME = DEFAULT_SOLUTION_STACK_NAME;

  /** The Elastic Beanstalk application (a BeanstalkWorker can share it). */
  public readonly application: elasticbeanstalk.CfnApplication;
  /** The application version created from `sourcePath`. */
  public readonly applicationVersion: elasticbeanstalk.CfnApplicationVersion;
  /** The web-tier environment. */
  public readonly environment: elasticbeanstalk.CfnEnvironment;
  /** The environment's name (it names the CloudWatch log groups `/aws/elasticbeanstalk/<name>/...`). */
  public readonly environmentName: string;
  /** `http(s)://<load balancer DNS name>` (the environment's endpoint URL) as a string token. */
  public readonly url: string;
  /** The VPC the environment runs in. */
  public readonly vpc: ec2.IVpc;
  /**
   * The instance role: the platform's needs in `PlatformPolicy`; grant your application's permissions to it
   * (`bucket.grantRead(app)`), they land in a customer managed policy of their own.
   */
  public readonly instanceRole: iam.Role;
  /** The service role Elastic Beanstalk monitors enhanced health with. */
  public readonly serviceRole: iam.Role;
  /** A security group of the instances, next to the one Elastic Beanstalk manages: no ingress of its own. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** The instances' network connections: `db.connections.allowDefaultPortFrom(app)`. */
  public readonly connections: ec2.Connections;
  /** The instance role, for `grant*()` calls. */
  public readonly grantPrincipal: iam.IPrincipal;
  /** The topic the alarms notify. */
  public readonly alarmTopic: sns.ITopic;
  /** The environment's alarms, each notifying `alarmTopic`. */
  public readonly alarms: BeanstalkWebAppAlarms;

  constructor(scope: Construct, id: string, props: BeanstalkWebAppProps) {
    super(scope, id);
    const healthCheckPath = props.healthCheckPath ?? '/';
    const validated = withConstructPath(this, () => {
      const common = validateCommon(props);
      if (!Token.isUnresolved(healthCheckPath) && !healthCheckPath.startsWith('/')) {
        throw new Error(`healthCheckPath must start with '/'; received '${healthCheckPath}'`);
      }
      if (props.protocol === elbv2.ApplicationProtocol.HTTPS && !props.certificate) {
        throw new Error(
          'protocol HTTPS needs a certificate; received none. Pass certificate (an ACM certificate for your domain), or set protocol: ApplicationProtocol.HTTP',
        );
      }
      if (props.protocol === elbv2.ApplicationProtocol.HTTP && props.certificate) {
        throw new Error(
          'protocol HTTP contradicts the certificate given: with a certificate the environment serves HTTPS (port 80 redirects). Remove protocol or the certificate',
        );
      }
      return common;
    });
    const https = props.certificate !== undefined;
    if (!https && props.protocol !== elbv2.ApplicationProtocol.HTTP) {
      Annotations.of(this).addWarningV2(
        'cdk-compute-patterns:plainHttp',
        `${this.node.path} serves plain HTTP to the internet: pass a certificate to serve HTTPS (port 80 then redirects), or set protocol: ApplicationProtocol.HTTP to choose plain HTTP explicitly`,
      );
    }

    this.application = new elasticbeanstalk.CfnApplication(this, 'Application', {
      applicationName: props.applicationName,
      description: `${this.node.path} (cdk-compute-patterns)`,
    });

    // The load balancer: public subnets of two or more zones, access logs to the log bucket.
    const accessLogBucket = props.accessLogBucket ?? AccessLogBucket.of(this);
    const accessLogPrefix = this.node.path.replace(/\//g, '-');
    const zipSource = props.sourcePath.toLowerCase().endsWith('.zip');
    const loadBalancerSettings = (vpc: ec2.IVpc): BeanstalkOptionSetting[] => {
      if (vpc.publicSubnets.length === 0) {
        throw new Error(
          `${this.node.path}: the load balancer is internet-facing and needs public subnets in two or more Availability Zones; the VPC ${vpc.node.path} has none. Pass a VPC with public subnets (a SecureVpc has them unless natGateways is 0), or use a BeanstalkWorker for work without a load balancer`,
        );
      }
      const lbSubnets = validateMultiAz(this, vpc, { subnetType: ec2.SubnetType.PUBLIC }, 'the load balancer');
      const out = [
        setting('aws:ec2:vpc', 'ELBSubnets', lbSubnets.subnetIds.join(',')),
        setting('aws:ec2:vpc', 'ELBScheme', 'public'),
        setting('aws:elasticbeanstalk:environment', 'LoadBalancerType', 'application'),
        setting('aws:elbv2:loadbalancer', 'AccessLogsS3Enabled', 'true'),
        setting('aws:elbv2:loadbalancer', 'AccessLogsS3Bucket', accessLogBucket.bucketName),
        setting('aws:elbv2:loadbalancer', 'AccessLogsS3Prefix', accessLogPrefix),
        setting('aws:elasticbeanstalk:environment:process:default', 'HealthCheckPath', healthCheckPath),
        setting('aws:elasticbeanstalk:environment:process:default', 'MatcherHTTPCode', '200-399'),
        setting('aws:elasticbeanstalk:environment:process:default', 'DeregistrationDelay', '30'),
      ];
      if (https) {
        out.push(
          setting('aws:elbv2:listener:443', 'ListenerEnabled', 'true'),
          setting('aws:elbv2:listener:443', 'Protocol', 'HTTPS'),
          setting('aws:elbv2:listener:443', 'SSLCertificateArns', props.certificate!.certificateArn),
          setting('aws:elbv2:listener:443', 'SSLPolicy', props.sslPolicy ?? elbv2.SslPolicy.RECOMMENDED_TLS),
        );
        // A .zip cannot carry the redirect file: port 80 closes rather than serve plain HTTP.
        if (zipSource) out.push(setting('aws:elbv2:listener:default', 'ListenerEnabled', 'false'));
      }
      return out;
    };
    const built = buildEnvironment(
      this,
      props,
      this.application,
      {
        tier: 'WebServer',
        settings: loadBalancerSettings,
        extraFiles: https ? { [REDIRECT_FILE]: REDIRECT_CONFIG } : undefined,
        healthConfig: { Version: 1, CloudWatchMetrics: { Environment: { ApplicationRequests5xx: 60 } } },
      },
      validated,
    );
    const delivery = allowLoadBalancerLogDelivery(this, accessLogBucket, accessLogPrefix);
    // Elastic Load Balancing checks it can write to the bucket when the environment turns logging on.
    if (delivery.policyDependable) built.environment.node.addDependency(delivery.policyDependable);

    this.applicationVersion = built.applicationVersion;
    this.environment = built.environment;
    this.environmentName = built.environmentName;
    this.vpc = built.vpc;
    this.instanceRole = built.instanceRole;
    this.serviceRole = built.serviceRole;
    this.securityGroup = built.securityGroup;
    this.connections = new ec2.Connections({ securityGroups: [this.securityGroup] });
    this.grantPrincipal = this.instanceRole;
    this.url = `${https ? 'https' : 'http'}://${this.environment.attrEndpointUrl}`;

    this.alarmTopic = alarmTopicFor(this, props.alarmTopic);
    this.alarms = {
      environmentHealth: environmentHealthAlarm(this, this.environmentName, this.alarmTopic),
      target5xx: notifyingAlarm(this, 'Target5xxAlarm', this.metricApplicationRequests5xx(), {
        description: `The application of ${this.node.path} answered with 5xx responses`,
        threshold: props.target5xxThreshold ?? 10,
        evaluationPeriods: 3,
        topic: this.alarmTopic,
      }),
    };
  }

  /**
   * The environment's enhanced health: 0 OK, 1 Info, 5 Unknown, 10 No data, 15 Warning, 20 Degraded, 25 Severe
   * (the `environmentHealth` alarm's metric).
   * @default - maximum over 1 minute
   */
  public metricEnvironmentHealth(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return environmentHealthMetric(this.environmentName, props);
  }

  /**
   * Requests the application answered with a 5xx status (the `target5xx` alarm's metric), published by enhanced
   * health every minute.
   * @default - sum over 1 minute
   */
  public metricApplicationRequests5xx(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/ElasticBeanstalk',
      metricName: 'ApplicationRequests5xx',
      dimensionsMap: { EnvironmentName: this.environmentName },
      statistic: 'Sum',
      period: Duration.minutes(1),
      ...props,
    });
  }
}
