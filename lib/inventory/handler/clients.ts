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

/**
 * Per-attempt limits of every SDK call (the SDK's default is to wait forever): connecting, and a socket with no
 * bytes for this long. BatchWriteItem calls also get a deadline for the whole attempt (fast-batch-write.ts), and
 * the import's time budget is checked between attempts (batch-writer.ts).
 */
export const CONNECTION_TIMEOUT_MS = 3_000;
export const DYNAMODB_SOCKET_TIMEOUT_MS = 10_000;
export const S3_SOCKET_TIMEOUT_MS = 30_000;

/** Builds the clients (once per container; the handler caches them). */
export function createClients(env: NodeJS.ProcessEnv = process.env): Clients {
  return {
    s3: new S3Client({
      forcePathStyle: env.S3_FORCE_PATH_STYLE === 'true',
      requestHandler: { connectionTimeout: CONNECTION_TIMEOUT_MS, requestTimeout: S3_SOCKET_TIMEOUT_MS },
    }),
    dynamodb: new DynamoDBClient({
      requestHandler: { connectionTimeout: CONNECTION_TIMEOUT_MS, requestTimeout: DYNAMODB_SOCKET_TIMEOUT_MS },
    }),
  };
}
