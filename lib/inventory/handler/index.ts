/**
 * InventoryLoader Lambda handler: imports uploaded inventory files (CSV or XLSX) into DynamoDB.
 *
 * Bundled by scripts/build-assets.mjs into assets/inventory-handler/index.js (handler `index.handler`); never
 * exported from lib/index.ts. See docs/IMPORT-ENGINE.md for the behaviour and the design decisions.
 */
import type { Context } from 'aws-lambda';
import { Clients, createClients } from './clients';
import { EngineConfig, loadConfig } from './config';
import { ObjectRef, parseEvent } from './events';
import { importObject, ImportDeps } from './importer';
import { Ledger } from './ledger';
import { errorFields, Logger } from './log';
import type { ImportReport } from './report';

/** An event the handler did not import, and why. */
export interface SkippedImport {
  readonly status: 'SKIPPED';
  readonly bucket: string;
  readonly key: string;
  readonly reason: string;
}

export type ImportResult = ImportReport | SkippedImport;

/** The handler's return value: the report for a one-object event (the normal case), else all of them. */
export type HandlerResult = ImportResult | { readonly results: ImportResult[] };

/** The subset of the Lambda context the handler uses. */
export type HandlerContext = Pick<Context, 'getRemainingTimeInMillis' | 'awsRequestId'>;

/** Thrown when another invocation holds the lease on the object version: Lambda retries the event later. */
export class ImportInProgressError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportInProgressError';
  }
}

let cachedClients: Clients | undefined;

/** Test seam: replaces the cached AWS clients (undefined rebuilds them from the environment). */
export function setClients(clients: Clients | undefined): void {
  cachedClients = clients;
}

/** Test seam: options passed through to the importer (retry policy, sleep, jitter, time reserve). */
let importOverrides: Partial<Pick<ImportDeps, 'retry' | 'sleep' | 'random' | 'reserveMs' | 'rejectedPartSize'>> = {};
export function setImportOverrides(overrides: typeof importOverrides): void {
  importOverrides = overrides;
}

function skipped(ref: ObjectRef, reason: string, logger: Logger): SkippedImport {
  logger.info('skipping object', { bucket: ref.bucket, key: ref.key, reason });
  return { status: 'SKIPPED', bucket: ref.bucket, key: ref.key, reason };
}

async function importOne(
  ref: ObjectRef,
  config: EngineConfig,
  clients: Clients,
  context: HandlerContext,
  base: Logger,
): Promise<ImportResult> {
  const logger = base.child({ bucket: ref.bucket, key: ref.key, versionId: ref.versionId });
  if (ref.key.startsWith(config.reportPrefix)) {
    return skipped(
      ref,
      `the key is under the report prefix '${config.reportPrefix}'; reports are never imported`,
      logger,
    );
  }
  if (ref.key.endsWith('/')) return skipped(ref, 'the key is a folder marker', logger);

  const ledger = config.ledgerTableName ? new Ledger(clients.dynamodb, config.ledgerTableName) : undefined;
  const owner = context.awsRequestId;
  if (ledger) {
    const claim = await ledger.begin(ref, owner, context.getRemainingTimeInMillis() + 10_000);
    if (claim.proceed === 'busy') {
      logger.warn('object version is being imported by another invocation', { reason: claim.reason });
      throw new ImportInProgressError(claim.reason);
    }
    if (!claim.proceed) return skipped(ref, claim.reason, logger);
    if (!Ledger.objectPk(ref))
      logger.warn('event has neither a version id nor an ETag: duplicate deliveries cannot be detected');
  }

  logger.info('import started', { size: ref.size });
  let outcome;
  try {
    outcome = await importObject(ref, {
      ...importOverrides,
      s3: clients.s3,
      dynamodb: clients.dynamodb,
      config,
      logger,
      remainingMs: () => context.getRemainingTimeInMillis(),
    });
  } catch (err) {
    await ledger?.release(ref, owner);
    throw err;
  }
  const { report, failure } = outcome;
  const summary = {
    status: report.status,
    rowsTotal: report.rowsTotal,
    rowsWritten: report.rowsWritten,
    rowsRejected: report.rowsRejected,
    complete: report.complete,
    reason: report.reason,
    reportKey: report.reportKey,
    durationMs: report.durationMs,
  };
  logger.metrics(
    {
      RowsWritten: { value: report.rowsWritten, unit: 'Count' },
      RowsRejected: { value: report.rowsRejected, unit: 'Count' },
      DurationMs: { value: report.durationMs, unit: 'Milliseconds' },
    },
    report.status,
  );
  if (failure) {
    logger.error('import failed; the event will be retried', { ...summary, ...errorFields(failure) });
    await ledger?.release(ref, owner);
    throw failure;
  }
  logger.info('import finished', summary);
  if (ledger && !(await ledger.complete(ref, owner, report.status, report.rowsWritten))) {
    logger.warn(
      'the ledger lease expired before the import finished; another invocation may have re-imported the file',
    );
  }
  return report;
}

/** Lambda entry point: accepts S3 notifications and EventBridge "Object Created" events. */
export async function handler(event: unknown, context: HandlerContext): Promise<HandlerResult> {
  const logger = new Logger({ requestId: context.awsRequestId });
  const config = loadConfig();
  cachedClients ??= createClients();
  const refs = parseEvent(event);
  if (refs.length === 0) logger.info('event holds no object-created records; nothing to do');
  const results: ImportResult[] = [];
  for (const ref of refs) {
    results.push(await importOne(ref, config, cachedClients, context, logger));
  }
  return results.length === 1 ? results[0] : { results };
}
