/**
 * Runtime contracts of the central access-log bucket (lib/common/access-log-bucket.ts)
 * as the sample app uses it: the load balancers of WebFleet and FargateService
 * and the InventoryLoader bucket deliver their access logs to it.
 */
import { arn, awsAccount, ContractGroup, service } from '../support/runtime-contracts';

/** The Elastic Load Balancing account of eu-west-1 (the contracts' region), from the AWS documentation. */
const ELB_ACCOUNT_EU_WEST_1 = '156460612806';

export function accessLogBucketContracts(p: { bucket: string }): ContractGroup {
  const bucket = arn('AWS::S3::Bucket', p.bucket);
  const elb = service('logdelivery.elasticloadbalancing.amazonaws.com');
  const s3Logging = service('logging.s3.amazonaws.com');
  return {
    pattern: 'Access-log bucket (lib/common)',
    contracts: [
      ...['WebFleet-Fleet-LoadBalancer', 'FargateService-Web-LoadBalancer'].map((prefix) => ({
        caller: elb,
        action: 's3:PutObject',
        resource: [bucket, `/${prefix}/AWSLogs/{account}/elasticloadbalancing/{region}/2026/01/01/log.gz`],
        context: { 'aws:SourceAccount': '{account}' },
        phase: 'deploy' as const,
        why: `ELB writes a test file when access logging is turned on for ${prefix} (the load balancer fails to create otherwise), then its access logs.`,
        expect: 'allowed' as const,
      })),
      ...['WebFleet-Fleet-LoadBalancer', 'FargateService-Web-LoadBalancer'].map((prefix) => ({
        caller: awsAccount(ELB_ACCOUNT_EU_WEST_1, 'Elastic Load Balancing (eu-west-1)'),
        action: 's3:PutObject',
        resource: [bucket, `/${prefix}/AWSLogs/{account}/elasticloadbalancing/{region}/2026/01/01/log.gz`],
        phase: 'deploy' as const,
        why: `In Regions opened before August 2022 (eu-west-1 included) the regional ELB account delivers ${prefix}'s logs, not the service principal.`,
        expect: 'allowed' as const,
      })),
      {
        caller: awsAccount(ELB_ACCOUNT_EU_WEST_1, 'Elastic Load Balancing (eu-west-1)'),
        action: 's3:PutObject',
        resource: [
          bucket,
          '/WebFleet-Fleet-LoadBalancer/AWSLogs/{otherAccount}/elasticloadbalancing/{region}/x.log.gz',
        ],
        phase: 'run',
        why: "Confused deputy: the ELB account must not write another account's logs into the bucket.",
        expect: 'denied',
      },
      {
        caller: elb,
        action: 's3:PutObject',
        resource: [
          bucket,
          '/WebFleet-Fleet-LoadBalancer/AWSLogs/{otherAccount}/elasticloadbalancing/{region}/x.log.gz',
        ],
        context: { 'aws:SourceAccount': '{otherAccount}' },
        phase: 'run',
        why: "Confused deputy: another account's load balancer must not write into the bucket.",
        expect: 'denied',
      },
      {
        caller: s3Logging,
        action: 's3:PutObject',
        resource: [bucket, '/InventoryLoader-InventoryLoader-Bucket/2026-01-01-00-00-00-0123456789ABCDEF'],
        context: {
          'aws:SourceAccount': '{account}',
          'aws:SourceArn': 'arn:aws:s3:::inventoryloader-inventoryloaderbucket',
        },
        phase: 'run',
        why: "S3 server access logging delivers the InventoryLoader bucket's access logs.",
        expect: 'allowed',
      },
      {
        caller: s3Logging,
        action: 's3:PutObject',
        resource: [bucket, '/InventoryLoader-InventoryLoader-Bucket/2026-01-01-00-00-00-0123456789ABCDEF'],
        context: { 'aws:SourceAccount': '{otherAccount}', 'aws:SourceArn': 'arn:aws:s3:::their-bucket' },
        phase: 'run',
        why: "Confused deputy: another account's bucket must not deliver its access logs here.",
        expect: 'denied',
      },
    ],
  };
}
