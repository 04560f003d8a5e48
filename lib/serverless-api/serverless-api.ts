import * as fs from 'node:fs';
import * as path from 'node:path';
import { Annotations, Duration, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { alarmTopicFor, notifyingAlarm } from '../common/alarm-topic';
import { limitLambdaEnvironment } from '../common/lambda-environment';
import { SecureLogGroup } from '../common/log-group';
import { acknowledge, inEveryCompliancePack, managedPolicyFinding } from '../common/nag';
import { secureTable } from '../common/secure-table';
import { SecureVpc } from '../common/secure-vpc';
import { ensureServiceEndpoints } from '../common/service-endpoints';
import { defaultPrivateSubnets, validateMultiAz } from '../common/subnets';
import { validateIntegerInRange, validateOrder, withConstructPath } from '../common/validation';
import { VpcFunctionRole } from '../common/vpc-function-role';
import { addWebAcl, warnNoWebAcl } from '../common/web-acl';
import { CollectionSchema } from './collection-schema';
import { CollectionDefinition, jsonSchemaOf } from './handler/schema';

/** Where the prebuilt handler bundle lives (written by `npm run build:assets`). */
const HANDLER_ASSET = path.join(__dirname, '..', '..', 'assets', 'serverless-api-handler');

/** How callers prove who they are. */
export enum ServerlessApiAuthorizationType {
  /** SigV4-signed requests; the caller needs `execute-api:Invoke` on the method. */
  IAM = 'IAM',
  /** A JWT (ID or access token) from one of the given Cognito user pools. */
  COGNITO = 'COGNITO',
  /** No authorization: anyone who can reach the API may call every route. */
  NONE = 'NONE',
}

/**
 * How the API authorizes calls. IAM by default; Cognito user pools as an option; no authorization only as the
 * explicit `ServerlessApiAuthorization.none()`, which the construct reports as a synth warning.
 */
export class ServerlessApiAuthorization {
  /** SigV4 (AWS IAM) authorization: grant callers `execute-api:Invoke` (see `ServerlessApi.grantInvoke`). */
  public static iam(): ServerlessApiAuthorization {
    return new ServerlessApiAuthorization(ServerlessApiAuthorizationType.IAM, [], []);
  }

  /**
   * A Cognito user pool authorizer: callers send a token of one of the pools in the Authorization header.
   * @param userPools the pools whose tokens are accepted
   * @param scopes OAuth scopes an access token must carry (none: an ID token is accepted)
   */
  public static cognito(userPools: cognito.IUserPool[], scopes?: string[]): ServerlessApiAuthorization {
    if (userPools.length === 0) {
      throw new Error('ServerlessApiAuthorization.cognito needs at least one user pool; received none');
    }
    return new ServerlessApiAuthorization(ServerlessApiAuthorizationType.COGNITO, userPools, scopes ?? []);
  }

  /** No authorization, on purpose. The construct warns (`cdk-compute-patterns:noAuthorization`) at synth. */
  public static none(): ServerlessApiAuthorization {
    return new ServerlessApiAuthorization(ServerlessApiAuthorizationType.NONE, [], []);
  }

  private constructor(
    /** The kind of authorization. */
    public readonly authorizationType: ServerlessApiAuthorizationType,
    /** The Cognito user pools (COGNITO only). */
    public readonly userPools: cognito.IUserPool[],
    /** The OAuth scopes required (COGNITO only). */
    public readonly scopes: string[],
  ) {}
}

/** The alarms of a ServerlessApi; each notifies the alarm topic and rolls a deployment back. */
export interface ServerlessApiAlarms {
  /** More than 5% of the API's requests answered 5xx, two minutes running. */
  readonly serverErrorRate: cloudwatch.Alarm;
  /** The API's p99 latency above the threshold (`latencyThreshold`), three minutes running. */
  readonly latency: cloudwatch.Alarm;
  /** Any error of the route functions (read, write, delete) in a minute. */
  readonly functionErrors: cloudwatch.Alarm;
  /** Any throttled invocation of the route functions. */
  readonly throttles: cloudwatch.Alarm;
}

/**
 * Properties for a ServerlessApi.
 */
export interface ServerlessApiProps {
  /**
   * The collection served: routes, request models and table key follow it.
   * @default CollectionSchema.users(): the lab's `users` keyed by `userId`, with a required `name`
   */
  readonly schema?: CollectionSchema;

  /**
   * How callers are authorized.
   * @default ServerlessApiAuthorization.iam()
   */
  readonly authorization?: ServerlessApiAuthorization;

  /**
   * Browser origins allowed to call the API (CORS), such as `https://app.example.com`. `*` only if you list it.
   * @default - no CORS: browsers on other origins cannot call the API
   */
  readonly allowedOrigins?: string[];

  /**
   * The API's endpoint type: REGIONAL or EDGE (both public).
   * @default apigw.EndpointType.REGIONAL
   */
  readonly endpointType?: apigw.EndpointType;

  /**
   * Attach an AWS WAF web ACL with the AWS managed rule groups (common rule set, known bad inputs, Amazon IP
   * reputation list), logging to an encrypted log group. Turning it off on a public API gives a synth warning.
   * @default true
   */
  readonly webAcl?: boolean;

  /**
   * Steady-state requests per second the stage accepts (stage throttling), before 429s.
   * @default 100
   */
  readonly throttlingRateLimit?: number;

  /**
   * Burst of requests the stage accepts above the rate.
   * @default 200
   */
  readonly throttlingBurstLimit?: number;

  /**
   * Require an API key on every route, with a usage plan that applies the stage throttling per key. The key is
   * created; distribute its value (`apiKey`) to your clients. An API key identifies, it does not authorize:
   * authorization still applies.
   * @default false
   */
  readonly apiKeyRequired?: boolean;

  /**
   * A custom domain name for the API (TLS 1.2 minimum). Needs `certificate`.
   * @default - the execute-api URL only
   */
  readonly domainName?: string;

  /**
   * The ACM certificate of `domainName` (in us-east-1 for an EDGE API, in the stack's region for REGIONAL).
   * @default - no custom domain
   */
  readonly certificate?: acm.ICertificate;

  /**
   * The stage name.
   * @default 'prod'
   */
  readonly stageName?: string;

  /**
   * Your own handler code, run instead of the built-in handler in the three route functions (with their
   * least-privilege roles). Each function gets `TABLE_NAME`, `COLLECTION_SCHEMA`, `ROUTE_GROUP` (read, write or
   * delete) and `ALLOWED_ORIGINS` in its environment.
   * @default - the built-in handler (lib/serverless-api/handler)
   */
  readonly code?: lambda.Code;

  /**
   * The handler of `code`.
   * @default 'index.handler'
   */
  readonly handler?: string;

  /**
   * Memory of each route function, in MiB.
   * @default 512
   */
  readonly memorySize?: number;

  /**
   * Warm executions kept ready on each route function's live alias (provisioned concurrency, billed while
   * configured).
   * @default - none
   */
  readonly provisionedConcurrency?: number;

  /**
   * Executions reserved for each route function (caps it and protects it). A reservation fails to deploy on
   * accounts with a low concurrency quota (new accounts may have 10).
   * @default - no reservation
   */
  readonly reservedConcurrency?: number;

  /**
   * How new function versions are shifted to the live alias. CodeDeploy rolls back when any of the construct's
   * alarms fires during the shift.
   * @default codedeploy.LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES
   */
  readonly deploymentConfig?: codedeploy.ILambdaDeploymentConfig;

  /**
   * The p99 latency the latency alarm fires above.
   * @default Duration.seconds(2)
   */
  readonly latencyThreshold?: Duration;

  /**
   * The key that encrypts the table.
   * @default - a new SecureKey (rotation on)
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * What happens to the table (and the key made for it; a key you bring is yours) when it leaves the stack. With
   * `RemovalPolicy.DESTROY` the table has no deletion protection, which DynamoDB would otherwise enforce by refusing
   * CloudFormation's delete.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * The VPC the route functions run in (Control Tower CT.LAMBDA.PR.3); they need routes to DynamoDB and X-Ray.
   * @default - a new SecureVpc without NAT gateways: isolated subnets, a DynamoDB gateway endpoint and an X-Ray interface endpoint
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Subnets of `vpc` the functions run in.
   * @default - the VPC's private subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * The VPC already has the endpoints the functions need in subnets without egress (a DynamoDB gateway
   * endpoint and an X-Ray interface endpoint that accepts HTTPS from the functions).
   * @default false
   */
  readonly vpcEndpointsProvided?: boolean;

  /**
   * How long the access logs, WAF logs and function logs are kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * The SNS topic every alarm notifies. When its KMS key is managed in this app, the construct lets
   * CloudWatch alarms of this account and Region use it; an imported key must already allow that (a
   * warning says so). A topic policy, if the topic has one, must let `cloudwatch.amazonaws.com` publish.
   * @default - the stack's shared alarm topic (KMS-encrypted, TLS only), opened to this account's CloudWatch alarms
   */
  readonly alarmTopic?: sns.ITopic;
}

/** The route groups, each served by a function whose role can do only what its routes need. */
type Group = 'Read' | 'Write' | 'Delete';
const GROUPS: Group[] = ['Read', 'Write', 'Delete'];

/** DynamoDB and KMS actions per route group (docs/SERVERLESS-API.md, "Least privilege"). */
const GROUP_ACTIONS: Record<Group, { dynamodb: string[]; kms: string[] }> = {
  // GET /users (one bounded Scan page) and GET /users/{id}
  Read: { dynamodb: ['dynamodb:GetItem', 'dynamodb:Scan'], kms: ['kms:Decrypt', 'kms:DescribeKey'] },
  // POST (conditional PutItem) and PUT (conditional UpdateItem; a conditional no-op UpdateItem tells 404 from 409)
  Write: {
    dynamodb: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
    kms: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
  },
  // DELETE /users/{id} (conditional DeleteItem)
  Delete: { dynamodb: ['dynamodb:DeleteItem'], kms: ['kms:Decrypt', 'kms:DescribeKey'] },
};

/**
 * The API Gateway + Lambda + DynamoDB lab (a `users` API) as a production pattern: a REST API whose routes
 * come from a collection schema, one function per route group (read, write, delete) each with a
 * least-privilege role, an encrypted on-demand table with PITR, IAM authorization, request validation, WAF,
 * stage throttling, access logs, X-Ray, live aliases shifted by CodeDeploy canaries that roll back on alarms.
 */
export class ServerlessApi extends Construct implements ec2.IConnectable {
  /** The REST API. */
  public readonly api: apigw.RestApi;
  /** The collection's table (partition key = the schema's key attribute). */
  public readonly table: dynamodb.Table;
  /** Serves GET on the collection and on items (DynamoDB GetItem and Scan only). */
  public readonly readFunction: lambda.Function;
  /** Serves POST and PUT (DynamoDB PutItem and UpdateItem only). */
  public readonly writeFunction: lambda.Function;
  /** Serves DELETE (DynamoDB DeleteItem only). */
  public readonly deleteFunction: lambda.Function;
  /** The `live` aliases API Gateway invokes: read, write, delete. */
  public readonly aliases: lambda.Alias[];
  /** The CodeDeploy deployment groups that shift each alias to a new version. */
  public readonly deploymentGroups: codedeploy.LambdaDeploymentGroup[];
  /** The URL of the API (the custom domain's when one is given, else the stage's execute-api URL). */
  public readonly url: string;
  /** The alarms, each notifying `alarmTopic`. */
  public readonly alarms: ServerlessApiAlarms;
  /** The topic the alarms notify. */
  public readonly alarmTopic: sns.ITopic;
  /** The encrypted log group of the stage's access logs (JSON). */
  public readonly accessLogGroup: logs.ILogGroup;
  /** The WAF web ACL attached to the stage (unless `webAcl: false`). */
  public readonly webAcl?: wafv2.CfnWebACL;
  /** The usage plan (only with `apiKeyRequired`). */
  public readonly usagePlan?: apigw.UsagePlan;
  /** The API key (only with `apiKeyRequired`). */
  public readonly apiKey?: apigw.IApiKey;
  /** The custom domain (only with `domainName`). */
  public readonly domain?: apigw.DomainName;
  /** The VPC the functions run in. */
  public readonly vpc: ec2.IVpc;
  /** The functions' security group: HTTPS egress only. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** The functions' network connections. */
  public readonly connections: ec2.Connections;
  /** The collection served. */
  public readonly schema: CollectionSchema;

  constructor(scope: Construct, id: string, props: ServerlessApiProps = {}) {
    super(scope, id);
    this.schema = props.schema ?? CollectionSchema.users();
    const collection = JSON.parse(this.schema.toJson()) as CollectionDefinition;
    const authorization = props.authorization ?? ServerlessApiAuthorization.iam();
    const endpointType = props.endpointType ?? apigw.EndpointType.REGIONAL;
    const stageName = props.stageName ?? 'prod';
    const rate = props.throttlingRateLimit ?? 100;
    const burst = props.throttlingBurstLimit ?? 200;
    this.validate(props, endpointType, stageName, rate, burst);
    this.alarmTopic = alarmTopicFor(this, props.alarmTopic);

    this.table = secureTable(this, 'Table', {
      partitionKey: collection.key,
      what: `the ${collection.name} table`,
      encryptionKey: props.encryptionKey,
      removalPolicy: props.removalPolicy,
    });
    // DynamoDBInBackupPlan is acknowledged on the table resource by secureTable (lib/common).

    // Network: the functions run in a VPC (Control Tower CT.LAMBDA.PR.3) and reach DynamoDB and X-Ray only.
    const ownVpc = props.vpc ? undefined : new SecureVpc(this, 'Vpc', { maxAzs: 2, natGateways: 0 });
    this.vpc = props.vpc ?? ownVpc!;
    if (ownVpc) {
      acknowledge(
        ownVpc.node.defaultChild!,
        ...inEveryCompliancePack(
          'VPCDefaultSecurityGroupClosed',
          "Nothing in this VPC uses its default security group: the functions and the X-Ray endpoint have security groups of their own. The default group's rules are left as AWS creates them (no member, so nothing reachable) because CDK's custom resource that strips them is a Lambda function outside any VPC (Control Tower CT.LAMBDA.PR.3); enforce Security Hub EC2.2 account-wide or pass your own VPC.",
          ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'],
        ),
      );
    }
    const subnets = props.vpcSubnets ?? defaultPrivateSubnets(this.vpc);
    const selected = validateMultiAz(this, this.vpc, subnets, 'the functions');
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: this.vpc,
      description: `Route functions of ${this.node.path}: HTTPS out to AWS endpoints only`,
      allowAllOutbound: false,
    });
    // DynamoDB is reached at its public addresses (through the gateway endpoint in isolated subnets); its prefix
    // list id is not known offline in an environment-agnostic stack, so the rule cannot name it.
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to DynamoDB and X-Ray');
    this.connections = this.securityGroup.connections;
    ensureServiceEndpoints({
      scope: this,
      vpc: this.vpc,
      subnets: selected,
      services: [{ service: ec2.InterfaceVpcEndpointAwsService.XRAY, name: 'XRay' }],
      gateways: [ec2.GatewayVpcEndpointAwsService.DYNAMODB],
      clients: [this.securityGroup],
      vpcEndpointsProvided: props.vpcEndpointsProvided,
    });

    // One function per route group, each with its own role.
    if (!props.code && !fs.existsSync(path.join(HANDLER_ASSET, 'index.js'))) {
      throw new Error(
        `${this.node.path}: the ServerlessApi handler bundle is missing at ${HANDLER_ASSET}; run 'npm run build' (a published package ships it prebuilt)`,
      );
    }
    const code = props.code ?? lambda.Code.fromAsset(HANDLER_ASSET);
    const functions: lambda.Function[] = [];
    this.aliases = [];
    for (const group of GROUPS) {
      const { fn, alias } = this.routeFunction(group, code, collection, props);
      functions.push(fn);
      this.aliases.push(alias);
    }
    [this.readFunction, this.writeFunction, this.deleteFunction] = functions;

    // The REST API.
    this.accessLogGroup = new SecureLogGroup(this, 'AccessLogs', { retention: props.logRetention });
    this.api = new apigw.RestApi(this, 'Api', {
      // API Gateway's metrics are keyed by the API's name (the ApiName dimension), so the name is unique in the
      // account and Region: aws-cdk-lib's default, the construct id 'Api', would make the alarms (and the canary
      // rollbacks they drive) count every other API named 'Api', including other instances of this construct.
      restApiName: Names.uniqueResourceName(this, { maxLength: 255, separator: '-' }),
      description: `${collection.name} API of ${this.node.path}`,
      endpointConfiguration: { types: [endpointType] },
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName,
        tracingEnabled: true,
        metricsEnabled: true,
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        throttlingRateLimit: rate,
        throttlingBurstLimit: burst,
        accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields({
          caller: true,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: true,
        }),
      },
      defaultCorsPreflightOptions: props.allowedOrigins
        ? {
            allowOrigins: props.allowedOrigins,
            allowMethods: ['GET', 'POST', 'PUT', 'DELETE'],
            allowHeaders: ['Content-Type', 'Authorization', 'X-Amz-Date', 'X-Amz-Security-Token', 'X-Api-Key'],
          }
        : undefined,
    });
    this.acknowledgeCloudWatchRole();
    this.addRoutes(collection, authorization, props.apiKeyRequired === true, functions);

    if (props.apiKeyRequired) {
      this.usagePlan = this.api.addUsagePlan('UsagePlan', {
        description: `Per-key throttling of ${this.node.path}`,
        throttle: { rateLimit: rate, burstLimit: burst },
        apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
      });
      this.apiKey = this.api.addApiKey('ApiKey', { description: `API key of ${this.node.path}` });
      this.usagePlan.addApiKey(this.apiKey);
    }

    if (props.domainName && props.certificate) {
      this.domain = this.api.addDomainName('Domain', {
        domainName: props.domainName,
        certificate: props.certificate,
        securityPolicy: apigw.SecurityPolicy.TLS_1_2,
        endpointType,
      });
      this.url = `https://${props.domainName}/`;
    } else {
      this.url = this.api.url;
    }

    if (props.webAcl ?? true) {
      this.webAcl = addWebAcl(this, this.api.deploymentStage.stageArn, {
        protects: this.node.path,
        logRetention: props.logRetention,
      }).webAcl;
    } else {
      warnNoWebAcl(this, 'public API');
      const reason =
        'The user turned the web ACL off (webAcl: false) and the construct warned at synth; another WAF or none protects this stage by their choice.';
      acknowledge(
        this.api.deploymentStage,
        { id: 'AwsSolutions-APIG3', reason },
        ...inEveryCompliancePack('APIGWAssociatedWithWAF', reason),
      );
    }
    this.acknowledgeStage();

    this.alarms = this.addAlarms(functions, props.latencyThreshold ?? Duration.seconds(2));
    this.deploymentGroups = this.addDeployments(props.deploymentConfig);
  }

  /** Lets `grantee` call every route (IAM authorization): `execute-api:Invoke` on this API's stage. */
  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['execute-api:Invoke'],
      resourceArns: [this.api.arnForExecuteApi('*', '/*', this.api.deploymentStage.stageName)],
    });
  }

  /** The share of requests answered 5xx (API Gateway `5XXError`, average). */
  public metricServerErrorRate(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.api.metricServerError({ statistic: 'Average', period: Duration.minutes(1), ...props });
  }

  /** The share of requests answered 4xx (API Gateway `4XXError`, average). */
  public metricClientErrorRate(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.api.metricClientError({ statistic: 'Average', period: Duration.minutes(1), ...props });
  }

  /** Request latency as API Gateway sees it (p99 unless told). */
  public metricLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.api.metricLatency({ statistic: 'p99', period: Duration.minutes(1), ...props });
  }

  /** Requests (API Gateway `Count`, sum). */
  public metricRequests(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.api.metricCount({ statistic: 'Sum', period: Duration.minutes(1), ...props });
  }

  private validate(
    props: ServerlessApiProps,
    endpointType: apigw.EndpointType,
    stageName: string,
    rate: number,
    burst: number,
  ): void {
    const path = this.node.path;
    const withPath = (check: () => void): void => withConstructPath(this, check);
    withPath(() => validateIntegerInRange('throttlingRateLimit', props.throttlingRateLimit, 1, 10000));
    withPath(() => validateIntegerInRange('throttlingBurstLimit', props.throttlingBurstLimit, 1, 5000));
    withPath(() => validateIntegerInRange('memorySize', props.memorySize, 128, 10240));
    withPath(() => validateIntegerInRange('reservedConcurrency', props.reservedConcurrency, 1, 1000));
    withPath(() => validateIntegerInRange('provisionedConcurrency', props.provisionedConcurrency, 1, 1000));
    if (props.reservedConcurrency !== undefined && props.provisionedConcurrency !== undefined) {
      withPath(() =>
        validateOrder(
          'provisionedConcurrency',
          props.provisionedConcurrency!,
          'reservedConcurrency',
          props.reservedConcurrency!,
        ),
      );
    }
    if (endpointType === apigw.EndpointType.PRIVATE) {
      throw new Error(
        `${path}: endpointType PRIVATE is not supported by ServerlessApi; received PRIVATE. Use REGIONAL (the default) or EDGE, or build a private API with aws-apigateway directly`,
      );
    }
    if ((props.domainName === undefined) !== (props.certificate === undefined)) {
      throw new Error(
        `${path}: a custom domain needs both domainName and certificate; received ${
          props.domainName === undefined
            ? 'a certificate without domainName'
            : `domainName '${props.domainName}' without a certificate`
        }. Pass both, or neither`,
      );
    }
    if (!Token.isUnresolved(stageName) && !/^[A-Za-z0-9_]{1,128}$/.test(stageName)) {
      throw new Error(`${path}: stageName must be 1 to 128 letters, digits or '_'; received '${stageName}'`);
    }
    for (const origin of props.allowedOrigins ?? []) {
      if (Token.isUnresolved(origin)) continue;
      if (origin !== '*' && !/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(origin)) {
        throw new Error(
          `${path}: allowedOrigins must hold origins such as 'https://app.example.com' (scheme and host, optional port, no path or trailing slash) or '*'; received '${origin}'`,
        );
      }
    }
    if (props.allowedOrigins?.length === 0) {
      throw new Error(`${path}: allowedOrigins is empty; omit it for no CORS, or list the origins to allow`);
    }
    const auth = props.authorization;
    if (auth?.authorizationType === ServerlessApiAuthorizationType.NONE) {
      Annotations.of(this).addWarningV2(
        'cdk-compute-patterns:noAuthorization',
        `${path}: authorization is ServerlessApiAuthorization.none(), so anyone who can reach the API can read, change and delete every item. Use ServerlessApiAuthorization.iam() (the default) or .cognito(...) unless the data is public on purpose`,
      );
    }
    void rate;
    void burst;
  }

  private routeFunction(
    group: Group,
    code: lambda.Code,
    collection: CollectionDefinition,
    props: ServerlessApiProps,
  ): { fn: lambda.Function; alias: lambda.Alias } {
    const role = new VpcFunctionRole(this, `${group}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the ${group.toLowerCase()} routes of ${this.node.path}`,
      servicePolicyDescription: `What Lambda needs on * to attach the ${group.toLowerCase()} function to its VPC, and X-Ray trace writes`,
    });
    const logGroup = new SecureLogGroup(this, `${group}LogGroup`, { retention: props.logRetention });
    const fn = new lambda.Function(this, `${group}Function`, {
      description: `${group} routes of the ${collection.name} API (${this.node.path})`,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: props.handler ?? 'index.handler',
      code,
      role,
      memorySize: props.memorySize ?? 512,
      // API Gateway gives up after 29 s; the handler makes one or two DynamoDB calls.
      timeout: Duration.seconds(10),
      reservedConcurrentExecutions: props.reservedConcurrency,
      tracing: lambda.Tracing.ACTIVE,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      logGroup,
      vpc: this.vpc,
      vpcSubnets: props.vpcSubnets ?? defaultPrivateSubnets(this.vpc),
      securityGroups: [this.securityGroup],
      environment: {
        TABLE_NAME: this.table.tableName,
        COLLECTION_SCHEMA: this.schema.toJson(),
        ROUTE_GROUP: group.toLowerCase(),
        ALLOWED_ORIGINS: (props.allowedOrigins ?? []).join(','),
      },
    });
    fn.node.addDependency(role.servicePolicy);
    limitLambdaEnvironment(
      fn,
      'COLLECTION_SCHEMA (your schema) is most of it: give it fewer attributes or shorter names; ALLOWED_ORIGINS counts too.',
    );
    // What the group's routes need, in a customer managed policy of its own (NIST/HIPAA/PCI IAMNoInlinePolicy):
    // the role's default policy stays empty, so whatever a user adds to the role lands there, under its own findings.
    const actions = GROUP_ACTIONS[group];
    new iam.ManagedPolicy(this, `${group}Policy`, {
      description: `The ${group.toLowerCase()} routes of ${this.node.path}: DynamoDB ${actions.dynamodb.join(', ')} on the table, its key, the function's log group`,
      roles: [role],
      statements: [
        new iam.PolicyStatement({ sid: 'Table', actions: actions.dynamodb, resources: [this.table.tableArn] }),
        new iam.PolicyStatement({
          sid: 'TableKey',
          actions: actions.kms,
          resources: [this.table.encryptionKey!.keyArn],
        }),
        new iam.PolicyStatement({
          sid: 'Logs',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [logGroup.logGroupArn],
        }),
      ],
    });
    acknowledge(role.servicePolicy, {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        "This policy holds only what Lambda itself needs on *: the ENI actions of Lambda's AWS managed VPC access policy (ec2:CreateNetworkInterface, ec2:DescribeNetworkInterfaces, ec2:DescribeSubnets, ec2:DeleteNetworkInterface, ec2:AssignPrivateIpAddresses, ec2:UnassignPrivateIpAddresses), denied to the function's own code by a lambda:SourceFunctionArn condition, and xray:PutTraceSegments and xray:PutTelemetryRecords for active tracing. Describe actions and X-Ray have no resource-level permissions; the other ENI actions are granted on * as that AWS managed policy grants them, because the network interfaces Lambda creates have no ARN before they exist.",
    });
    const dlqReason =
      'API Gateway invokes this function synchronously and returns its errors to the caller; a dead-letter queue or on-failure destination applies to asynchronous invocations only, which this function never receives.';
    acknowledge(
      fn,
      { id: 'Serverless-LambdaDLQ', reason: dlqReason },
      ...inEveryCompliancePack('LambdaDLQ', dlqReason, ['NIST.800.53.R5', 'HIPAA.Security']),
    );
    if (props.reservedConcurrency === undefined) {
      acknowledge(
        fn,
        ...inEveryCompliancePack(
          'LambdaConcurrency',
          'No concurrency is reserved by default: Lambda keeps a minimum pool of unreserved concurrency per account, so on new accounts whose concurrency quota is 10 any reservation fails to deploy. The stage throttling caps the request rate and a throttle alarm watches the function; set reservedConcurrency to cap it where the quota allows.',
          ['NIST.800.53.R5', 'HIPAA.Security'],
        ),
      );
    }
    const alias = new lambda.Alias(this, `${group}LiveAlias`, {
      aliasName: 'live',
      version: fn.currentVersion,
      provisionedConcurrentExecutions: props.provisionedConcurrency,
    });
    return { fn, alias };
  }

  private addRoutes(
    collection: CollectionDefinition,
    authorization: ServerlessApiAuthorization,
    apiKeyRequired: boolean,
    functions: lambda.Function[],
  ): void {
    const [read, write, remove] = this.aliases;
    void functions;
    const validator = this.api.addRequestValidator('RequestValidator', {
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const model = (id: string, mode: 'create' | 'update'): apigw.Model =>
      this.api.addModel(id, {
        contentType: 'application/json',
        description: `${mode} body of a ${collection.name} item`,
        schema: toApiGatewaySchema(jsonSchemaOf(collection, mode)),
      });
    const createModel = model('CreateModel', 'create');
    const updateModel = model('UpdateModel', 'update');

    let authorizer: apigw.IAuthorizer | undefined;
    if (authorization.authorizationType === ServerlessApiAuthorizationType.COGNITO) {
      authorizer = new apigw.CognitoUserPoolsAuthorizer(this, 'Authorizer', {
        cognitoUserPools: authorization.userPools,
      });
    }
    const authorizationType =
      authorization.authorizationType === ServerlessApiAuthorizationType.IAM
        ? apigw.AuthorizationType.IAM
        : authorization.authorizationType === ServerlessApiAuthorizationType.COGNITO
          ? apigw.AuthorizationType.COGNITO
          : apigw.AuthorizationType.NONE;
    // API Gateway invokes the live aliases with a role of its own (identity-based), not through Lambda resource
    // policies: a permission for apigateway.amazonaws.com can only be scoped by an execute-api ARN built with
    // Fn::Join, which Control Tower CT.LAMBDA.PR.2 does not accept, and a role keeps the functions' policies empty.
    // API Gateway is not documented to set aws:SourceArn or aws:SourceAccount when it assumes an integration's
    // credentials role (AWS documents this trust policy without conditions, and it has been seen to send neither),
    // so a plain condition on either key would fail every request with a 500. It refuses a credentials role of
    // another account ("Cross-account pass role is not allowed"), and whoever sets a role on an integration needs
    // iam:PassRole on it; the IfExists condition also refuses another account's API should API Gateway start
    // sending the key. The contracts (test/contracts/serverless-api.contracts.ts) check both.
    const stack = Stack.of(this);
    const invokeRole = new iam.Role(this, 'InvokeRole', {
      description: `API Gateway invokes the live aliases of ${this.node.path} with this role`,
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com', {
        conditions: { StringEqualsIfExists: { 'aws:SourceAccount': stack.account } },
      }),
    });
    new iam.ManagedPolicy(this, 'InvokePolicy', {
      description: `Invoke the live aliases of ${this.node.path}, nothing else`,
      roles: [invokeRole],
      statements: [
        new iam.PolicyStatement({
          actions: ['lambda:InvokeFunction'],
          resources: this.aliases.map((a) => a.functionArn),
        }),
      ],
    });
    const integration = (alias: lambda.Alias): apigw.Integration =>
      new apigw.Integration({
        type: apigw.IntegrationType.AWS_PROXY,
        integrationHttpMethod: 'POST',
        uri: `arn:${stack.partition}:apigateway:${stack.region}:lambda:path/2015-03-31/functions/${alias.functionArn}/invocations`,
        options: { credentialsRole: invokeRole },
      });
    const options = (extra: apigw.MethodOptions): apigw.MethodOptions => ({
      authorizationType,
      authorizer,
      authorizationScopes: authorization.scopes.length ? authorization.scopes : undefined,
      apiKeyRequired,
      requestValidator: validator,
      ...extra,
    });

    const items = this.api.root.addResource(collection.name);
    const item = items.addResource(`{${collection.key}}`);
    const pathParameter = { [`method.request.path.${collection.key}`]: true };
    const methods = [
      items.addMethod(
        'GET',
        integration(read),
        options({
          requestParameters: { 'method.request.querystring.limit': false, 'method.request.querystring.cursor': false },
        }),
      ),
      items.addMethod('POST', integration(write), options({ requestModels: { 'application/json': createModel } })),
      item.addMethod('GET', integration(read), options({ requestParameters: pathParameter })),
      item.addMethod(
        'PUT',
        integration(write),
        options({ requestParameters: pathParameter, requestModels: { 'application/json': updateModel } }),
      ),
      item.addMethod('DELETE', integration(remove), options({ requestParameters: pathParameter })),
    ];
    for (const method of methods) {
      if (authorization.authorizationType === ServerlessApiAuthorizationType.IAM) {
        acknowledge(method, {
          id: 'AwsSolutions-COG4',
          reason:
            'This method uses IAM authorization instead of a Cognito user pool token: API Gateway accepts only SigV4-signed requests from principals whose IAM policies allow them to invoke it.',
        });
      } else if (authorization.authorizationType === ServerlessApiAuthorizationType.NONE) {
        const reason =
          'The user chose ServerlessApiAuthorization.none() for this API on purpose and the construct warned (cdk-compute-patterns:noAuthorization) at synth.';
        acknowledge(method, { id: 'AwsSolutions-APIG4', reason }, { id: 'AwsSolutions-COG4', reason });
      }
    }
    // CORS preflight (OPTIONS) methods cannot require credentials: browsers send none with a preflight.
    for (const resource of [this.api.root, items, item]) {
      const preflight = resource.node.tryFindChild('OPTIONS');
      if (preflight) {
        const reason =
          'This is the CORS preflight (OPTIONS) mock method: browsers send preflights without credentials, so it cannot require authorization; it returns only the CORS headers and never reaches the functions.';
        acknowledge(preflight, { id: 'AwsSolutions-APIG4', reason }, { id: 'AwsSolutions-COG4', reason });
      }
    }
  }

  /** The account-level role API Gateway writes execution logs with (one per account and region). */
  private acknowledgeCloudWatchRole(): void {
    const role = this.api.node.tryFindChild('CloudWatchRole');
    if (role) {
      acknowledge(role, {
        id: managedPolicyFinding('service-role/AmazonAPIGatewayPushToCloudWatchLogs'),
        reason:
          "API Gateway writes the stage's execution logs (ERROR level) with this role, which is the account's API Gateway CloudWatch role; AmazonAPIGatewayPushToCloudWatchLogs is the AWS managed policy AWS documents for it and holds only CloudWatch Logs actions, on *: logs:CreateLogGroup, logs:CreateLogStream and logs:PutLogEvents to write, and logs:DescribeLogGroups, logs:DescribeLogStreams, logs:GetLogEvents and logs:FilterLogEvents to read.",
      });
    }
  }

  private acknowledgeStage(): void {
    const stage = this.api.deploymentStage;
    const cacheReason =
      "Caching is off: items change with every write and the routes are per-caller (IAM-authorized), so a cache would serve stale or other callers' items; no response data is stored at rest by API Gateway.";
    const sslReason =
      'Client certificates authenticate API Gateway to HTTP backends; this API has only Lambda integrations, which API Gateway invokes through the Lambda API with SigV4, so there is no backend to present a certificate to.';
    acknowledge(
      stage,
      ...inEveryCompliancePack('APIGWCacheEnabledAndEncrypted', cacheReason),
      ...inEveryCompliancePack('APIGWSSLEnabled', sslReason),
    );
  }

  private addAlarms(functions: lambda.Function[], latencyThreshold: Duration): ServerlessApiAlarms {
    const topic = this.alarmTopic;
    const sum = (pick: (fn: lambda.Function) => cloudwatch.IMetric, label: string): cloudwatch.MathExpression =>
      new cloudwatch.MathExpression({
        expression: functions.map((_, i) => `m${i}`).join(' + '),
        usingMetrics: Object.fromEntries(functions.map((fn, i) => [`m${i}`, pick(fn)])),
        label,
        period: Duration.minutes(1),
      });
    return {
      serverErrorRate: notifyingAlarm(this, 'ServerErrorRateAlarm', this.metricServerErrorRate(), {
        description: `More than 5% of the requests to ${this.node.path} answered 5xx`,
        threshold: 0.05,
        evaluationPeriods: 2,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        topic,
      }),
      latency: notifyingAlarm(this, 'LatencyAlarm', this.metricLatency(), {
        description: `p99 latency of ${this.node.path} above ${latencyThreshold.toHumanString()}`,
        threshold: latencyThreshold.toMilliseconds(),
        evaluationPeriods: 3,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        topic,
      }),
      functionErrors: notifyingAlarm(
        this,
        'FunctionErrorsAlarm',
        sum((fn) => fn.metricErrors({ statistic: 'Sum', period: Duration.minutes(1) }), 'Errors'),
        { description: `A route function of ${this.node.path} failed`, threshold: 1, topic },
      ),
      throttles: notifyingAlarm(
        this,
        'ThrottlesAlarm',
        sum((fn) => fn.metricThrottles({ statistic: 'Sum', period: Duration.minutes(1) }), 'Throttles'),
        { description: `A route function of ${this.node.path} is throttled`, threshold: 1, topic },
      ),
    };
  }

  private addDeployments(config: codedeploy.ILambdaDeploymentConfig | undefined): codedeploy.LambdaDeploymentGroup[] {
    const application = new codedeploy.LambdaApplication(this, 'DeploymentApplication');
    const role = new iam.Role(this, 'DeploymentRole', {
      assumedBy: new iam.ServicePrincipal('codedeploy.amazonaws.com'),
      description: `CodeDeploy shifts the live aliases of ${this.node.path}`,
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSCodeDeployRoleForLambdaLimited')],
    });
    acknowledge(role, {
      id: managedPolicyFinding('service-role/AWSCodeDeployRoleForLambdaLimited'),
      reason:
        'AWSCodeDeployRoleForLambdaLimited is the AWS managed policy AWS documents for CodeDeploy Lambda deployments. It allows cloudwatch:DescribeAlarms, lambda:GetAlias, lambda:UpdateAlias and lambda:GetProvisionedConcurrencyConfig on * (to read the rollback alarms and shift the aliases); s3:GetObject and s3:GetObjectVersion only on objects under a CodeDeploy/ prefix or tagged UseWithCodeDeploy (revisions, which this construct does not use); and lambda:InvokeFunction only on functions named CodeDeployHook_* (lifecycle hooks, none here). Nothing else.',
    });
    const alarms = [
      this.alarms.serverErrorRate,
      this.alarms.latency,
      this.alarms.functionErrors,
      this.alarms.throttles,
    ];
    return GROUPS.map(
      (group, i) =>
        new codedeploy.LambdaDeploymentGroup(this, `${group}Deployment`, {
          application,
          alias: this.aliases[i],
          role,
          deploymentConfig: config ?? codedeploy.LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES,
          alarms,
          autoRollback: { failedDeployment: true, stoppedDeployment: true, deploymentInAlarm: true },
        }),
    );
  }
}

/** The handler's JSON schema (schema.ts `jsonSchemaOf`) as aws-apigateway's JsonSchema. */
function toApiGatewaySchema(schema: Record<string, unknown>): apigw.JsonSchema {
  const types: Record<string, apigw.JsonSchemaType> = {
    object: apigw.JsonSchemaType.OBJECT,
    string: apigw.JsonSchemaType.STRING,
    integer: apigw.JsonSchemaType.INTEGER,
    number: apigw.JsonSchemaType.NUMBER,
    boolean: apigw.JsonSchemaType.BOOLEAN,
  };
  const convert = (s: Record<string, unknown>): apigw.JsonSchema => {
    const { type, properties, ...rest } = s as { type: string; properties?: Record<string, Record<string, unknown>> };
    return {
      ...(rest as apigw.JsonSchema),
      type: types[type],
      ...(properties
        ? { properties: Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, convert(v)])) }
        : {}),
    };
  };
  return { schema: apigw.JsonSchemaVersion.DRAFT4, ...convert(schema) };
}
