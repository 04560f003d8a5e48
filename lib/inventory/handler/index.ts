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

/** How the handler waits for another invocation's lease (replaced in tests). */
const waitFor = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Keeps renewing the lease every third of its length until stopped. A renewal that finds the lease taken (it
 * lapsed, another invocation claimed the version) or fails is logged; the import goes on, and `complete()`
 * reports whether the lease was still ours.
 */
function startHeartbeat(ledger: Ledger, ref: ObjectRef, owner: string, leaseMs: number, logger: Logger): () => void {
  let renewing = false;
  const timer = setInterval(
    () => {
      if (renewing) return;
      renewing = true;
      ledger
        .renew(ref, owner, leaseMs)
        .then((held) => {
          if (!held) logger.warn('the ledger lease was lost: another invocation may import this object version too');
        })
        .catch((err: unknown) => logger.warn('could not renew the ledger lease', errorFields(err)))
        .finally(() => (renewing = false));
    },
    Math.max(100, Math.floor(leaseMs / 3)),
  );
  return () => clearInterval(timer);
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
  const leaseMs = config.leaseSeconds * 1000;
  let stopHeartbeat = (): void => undefined;
  if (ledger) {
    // While another invocation holds a live (heartbeating) lease, wait: it either finishes (the version is then
    // skipped as imported) or crashes, and its lease lapses within one lease period (the version is then taken
    // over and imported). Waiting is bounded to a third of the time left, so the import itself keeps the rest;
    // after that the invocation throws and Lambda retries it later.
    const waitUntil = context.getRemainingTimeInMillis() * (2 / 3);
    let claim = await ledger.begin(ref, owner, leaseMs);
    while (claim.proceed === 'busy') {
      const pause = Math.max(100, Math.min(leaseMs / 3, claim.leaseUntil - Date.now() + 50));
      if (context.getRemainingTimeInMillis() - pause < waitUntil) {
        logger.warn('object version is still being imported by another invocation', { reason: claim.reason });
        throw new ImportInProgressError(claim.reason);
      }
      logger.info('waiting for another invocation importing this object version', { reason: claim.reason });
      await waitFor(pause);
      claim = await ledger.begin(ref, owner, leaseMs);
    }
    if (!claim.proceed) return skipped(ref, claim.reason, logger);
    if (!Ledger.objectPk(ref))
      logger.warn('event has neither a version id nor an ETag: duplicate deliveries cannot be detected');
    stopHeartbeat = startHeartbeat(ledger, ref, owner, leaseMs, logger);
  }

  try {
    return await runImport(ref, config, clients, context, logger, ledger, owner, stopHeartbeat);
  } finally {
    stopHeartbeat();
  }
}

async function runImport(
  ref: ObjectRef,
  config: EngineConfig,
  clients: Clients,
  context: HandlerContext,
  logger: Logger,
  ledger: Ledger | undefined,
  owner: string,
  stopHeartbeat: () => void,
): Promise<ImportResult> {
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
    stopHeartbeat();
    await ledger?.release(ref, owner);
    throw err;
  }
  stopHeartbeat();
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
