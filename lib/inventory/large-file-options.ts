import { Size } from 'aws-cdk-lib';

/**
 * How an InventoryLoader imports files too large for one function invocation: on a Step Functions Distributed
 * Map (see docs/IMPORT-ENGINE.md, "Large files").
 */
export interface InventoryLargeFileOptions {
  /**
   * Uploads this large or larger are imported by the state machine; smaller ones by the import function as
   * before. The router looks at the object (HeadObject) to decide. The default keeps one invocation to about a
   * million rows of 100 bytes: 4 to 5 minutes at the 4,000 write units per second a fresh on-demand table
   * accepts, well inside the function's 15 minutes.
   * @default Size.mebibytes(100)
   */
  readonly threshold?: Size;

  /**
   * Batches written at once (the Distributed Map's MaxConcurrency): the write pressure on the table. Each
   * batch adapts its write rate to the throttling it meets.
   * @default 10
   */
  readonly maxConcurrency?: number;

  /**
   * Percentage of batches that may fail (after their retries) before the import stops. The rows of failed
   * batches, and of batches never started, are rejected as "not processed" in the report either way.
   * @default 0
   */
  readonly toleratedFailurePercentage?: number;

  /**
   * Rows per batch (one child workflow, one Lambda invocation). A batch is also capped at 256 KiB of input,
   * the Distributed Map's limit, so wide rows make smaller batches.
   * @default 1000
   */
  readonly batchSize?: number;
}
