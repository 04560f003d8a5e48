/**
 * The large-file router: the EventBridge target of an InventoryLoader with `largeFiles` set. It takes a first
 * look at each uploaded object (HeadObject on the event's version) and
 * - at or above LARGE_FILE_THRESHOLD_BYTES starts the large-file state machine (a STANDARD execution named after
 *   the object version, so a duplicate delivery of the same event starts nothing new);
 * - below it (or when the object cannot be looked at: the engine then writes the FAILED report) hands the event
 *   to the import function unchanged, as an asynchronous invocation (its retries and dead-letter queue apply).
 *
 * Bundled into assets/inventory-large-file/router.js (handler `router.handler`).
 */
import { createHash } from 'node:crypto';
import { LambdaClient, InvokeCommand } from '@aws-sdk/client-lambda';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { ObjectRef, parseEvent } from '../events';
import { formatOf } from '../importer';
import { errorFields, Logger } from '../log';
import type { LargeFileObject } from './job';

export interface RouterClients {
  readonly s3: S3Client;
  readonly sfn: SFNClient;
  readonly lambda: LambdaClient;
}

export interface RouterConfig {
  readonly stateMachineArn: string;
  readonly importFunctionName: string;
  readonly thresholdBytes: number;
}

export type Route =
  | { readonly route: 'state-machine'; readonly key: string; readonly size: number; readonly executionName: string }
  | { readonly route: 'function'; readonly key: string; readonly size?: number };

/** Reads the router's environment; throws naming the variable when one is missing or invalid. */
export function loadRouterConfig(env: NodeJS.ProcessEnv = process.env): RouterConfig {
  const stateMachineArn = env.LARGE_FILE_STATE_MACHINE_ARN;
  const importFunctionName = env.IMPORT_FUNCTION_NAME;
  const thresholdBytes = Number(env.LARGE_FILE_THRESHOLD_BYTES);
  if (!stateMachineArn)
    throw new Error('LARGE_FILE_STATE_MACHINE_ARN is not set; the InventoryLoader construct sets it');
  if (!importFunctionName) throw new Error('IMPORT_FUNCTION_NAME is not set; the InventoryLoader construct sets it');
  if (!Number.isFinite(thresholdBytes) || thresholdBytes < 1) {
    throw new Error(
      `LARGE_FILE_THRESHOLD_BYTES must be a positive number; received '${env.LARGE_FILE_THRESHOLD_BYTES}'`,
    );
  }
  return { stateMachineArn, importFunctionName, thresholdBytes };
}

/**
 * The execution name of an object version: the same version always gets the same name (Step Functions refuses a
 * second STANDARD execution with a name already used, for 90 days), a new upload a new one. Names allow 80
 * characters of [A-Za-z0-9_-].
 */
export function executionNameFor(ref: ObjectRef): string {
  const identity = ref.versionId ?? ref.sequencer ?? ref.etag;
  const material = `${ref.bucket}/${ref.key}#${identity ?? `${Date.now()}-${Math.random()}`}`;
  const slug = ref.key
    .split('/')
    .pop()!
    .replace(/[^A-Za-z0-9_-]/g, '-')
    .slice(0, 36);
  return `${slug}-${createHash('sha256').update(material).digest('hex').slice(0, 40)}`;
}

let cached: RouterClients | undefined;
let clientsOverride: RouterClients | undefined;
/** Test seam. */
export function setRouterClients(clients: RouterClients | undefined): void {
  clientsOverride = clients;
}

/** Decides and starts; returns what it did for each object of the event. */
export async function handler(event: unknown): Promise<{ routes: Route[] }> {
  const config = loadRouterConfig();
  const clients =
    clientsOverride ??
    (cached ??= {
      s3: new S3Client({ forcePathStyle: process.env.S3_FORCE_PATH_STYLE === 'true' }),
      sfn: new SFNClient({}),
      lambda: new LambdaClient({}),
    });
  const logger = new Logger({ step: 'route' });
  const refs = parseEvent(event);
  const routes: Route[] = [];
  let toFunction = false;
  for (const ref of refs) {
    const size = await sizeOf(clients.s3, ref, logger);
    if (size !== undefined && size >= config.thresholdBytes && formatOf(ref.key)) {
      const executionName = executionNameFor(ref);
      const object: LargeFileObject = { ...ref, size };
      try {
        await clients.sfn.send(
          new StartExecutionCommand({
            stateMachineArn: config.stateMachineArn,
            name: executionName,
            input: JSON.stringify({ object }),
          }),
        );
        logger.info('large file: state machine started', { key: ref.key, size, executionName });
      } catch (err) {
        if ((err as Error).name !== 'ExecutionAlreadyExists') throw err;
        logger.info('large file: this object version already has an execution', { key: ref.key, executionName });
      }
      routes.push({ route: 'state-machine', key: ref.key, size, executionName });
    } else {
      toFunction = true;
      routes.push({ route: 'function', key: ref.key, ...(size !== undefined ? { size } : {}) });
    }
  }
  if (toFunction) {
    if (routes.some((r) => r.route === 'state-machine')) {
      // EventBridge events name one object; an S3 notification with several records is split here.
      for (const ref of refs.filter((_, i) => routes[i].route === 'function')) {
        await invoke(clients.lambda, config.importFunctionName, eventBridgeEventFor(ref));
      }
    } else {
      await invoke(clients.lambda, config.importFunctionName, event);
    }
  }
  return { routes };
}

/** The object's size from HeadObject on its version; undefined when S3 cannot answer (the engine reports it). */
async function sizeOf(s3: S3Client, ref: ObjectRef, logger: Logger): Promise<number | undefined> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: ref.bucket, Key: ref.key, VersionId: ref.versionId }));
    return head.ContentLength;
  } catch (err) {
    logger.warn('could not look at the object; the import function takes it', { key: ref.key, ...errorFields(err) });
    return undefined;
  }
}

async function invoke(lambda: LambdaClient, functionName: string, event: unknown): Promise<void> {
  await lambda.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'Event',
      Payload: Buffer.from(JSON.stringify(event)),
    }),
  );
}

function eventBridgeEventFor(ref: ObjectRef): unknown {
  return {
    source: 'aws.s3',
    'detail-type': 'Object Created',
    detail: {
      bucket: { name: ref.bucket },
      object: {
        key: ref.key,
        ...(ref.size !== undefined ? { size: ref.size } : {}),
        ...(ref.etag ? { etag: ref.etag } : {}),
        ...(ref.versionId ? { 'version-id': ref.versionId } : {}),
        ...(ref.sequencer ? { sequencer: ref.sequencer } : {}),
      },
    },
  };
}
