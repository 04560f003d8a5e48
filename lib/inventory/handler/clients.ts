/**
 * AWS SDK v3 clients with the default configuration chain, so the standard variables apply: region and
 * credentials from the Lambda environment, and `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL_DYNAMODB` (or
 * `AWS_ENDPOINT_URL`) to point them at local emulators. `S3_FORCE_PATH_STYLE=true` turns on path-style S3
 * addressing, which local S3 servers need.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';

export interface Clients {
  readonly s3: S3Client;
  readonly dynamodb: DynamoDBClient;
}

/** Builds the clients (once per container; the handler caches them). */
export function createClients(env: NodeJS.ProcessEnv = process.env): Clients {
  return {
    s3: new S3Client({ forcePathStyle: env.S3_FORCE_PATH_STYLE === 'true' }),
    dynamodb: new DynamoDBClient({}),
  };
}
