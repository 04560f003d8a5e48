/**
 * Engine configuration, read from the environment (the handler contract with the InventoryLoader construct).
 */
import { InventorySchemaDefinition, parseSchemaJson } from './schema';

export interface EngineConfig {
  /** TABLE_NAME (required): the inventory table. */
  readonly tableName: string;
  /** LEDGER_TABLE_NAME: the idempotency ledger (partition key `pk`); unset turns idempotency off. */
  readonly ledgerTableName?: string;
  /** REPORT_PREFIX: where reports go. @default 'reports/' */
  readonly reportPrefix: string;
  /** INVENTORY_SCHEMA: the column schema. @default DEFAULT_INVENTORY_SCHEMA */
  readonly schema: InventorySchemaDefinition;
  /** WRITE_CONCURRENCY: BatchWriteItem calls in flight. @default 8 */
  readonly writeConcurrency: number;
  /**
   * LEDGER_LEASE_SECONDS: how long a claim on an object version lasts without a heartbeat. The running import
   * renews it every third of that, so a crashed import's lease lapses this long after the crash. @default 30
   */
  readonly leaseSeconds: number;
}

/** Reads the configuration; throws with a message naming the variable when one is missing or invalid. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): EngineConfig {
  const tableName = env.TABLE_NAME?.trim();
  if (!tableName) {
    throw new Error('TABLE_NAME is not set; the InventoryLoader construct sets it to the inventory table name');
  }
  const concurrency = env.WRITE_CONCURRENCY ? Number(env.WRITE_CONCURRENCY) : 8;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new Error(`WRITE_CONCURRENCY must be an integer from 1 to 64; received '${env.WRITE_CONCURRENCY}'`);
  }
  const lease = env.LEDGER_LEASE_SECONDS ? Number(env.LEDGER_LEASE_SECONDS) : 30;
  if (!Number.isFinite(lease) || lease < 1 || lease > 300) {
    throw new Error(`LEDGER_LEASE_SECONDS must be a number from 1 to 300; received '${env.LEDGER_LEASE_SECONDS}'`);
  }
  return {
    tableName,
    ledgerTableName: env.LEDGER_TABLE_NAME?.trim() || undefined,
    reportPrefix: env.REPORT_PREFIX ?? 'reports/',
    schema: parseSchemaJson(env.INVENTORY_SCHEMA),
    writeConcurrency: concurrency,
    leaseSeconds: lease,
  };
}
