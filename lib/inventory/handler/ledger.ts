/**
 * The idempotency ledger: one DynamoDB table (partition key `pk`, string) holding two kinds of record.
 *
 * - `obj#<bucket>/<key>#<versionId, or seq:<sequencer>, or ETag>`: one per upload (see `objectPk`). Created IN_PROGRESS with a short lease
 *   (`leaseUntil`, epoch ms) by a conditional put that succeeds only when no record exists or the previous lease
 *   expired; the running import renews the lease (heartbeat), so a lease outlives its holder by at most one
 *   lease period when the holder crashes; marked COMPLETED with the import's status when done; deleted when the
 *   invocation fails, so Lambda's retry can run it again. A version already COMPLETED is skipped (duplicate
 *   delivery).
 * - `key#<bucket>/<key>`: the newest S3 `sequencer` seen for the key (right-padded with zeros so DynamoDB's
 *   string comparison orders it). An event whose sequencer is older is skipped, never overwriting newer data.
 *
 * Both records carry `expiresAt` (epoch seconds, 90 days ahead) for an optional TTL on the table.
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { ObjectRef } from './events';
import { normaliseSequencer } from './events';

const RETENTION_SECONDS = 90 * 24 * 3600;

export type BeginResult =
  | { readonly proceed: true }
  | { readonly proceed: false; readonly reason: string }
  | { readonly proceed: 'busy'; readonly reason: string; readonly leaseUntil: number };

export class Ledger {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The object record key: one per upload, never per content. The version id when the bucket is versioned; else
   * the event's sequencer (unique per PutObject of a key, and the same in every delivery of one event), so the
   * same bytes uploaded again (A, B, A; delete and re-upload; "upload it again" after a PARTIAL import) are
   * imported again while a duplicate delivery is not; the ETag only when the event has neither (not sent by S3).
   * Undefined when the event identifies no upload at all.
   */
  static objectPk(ref: ObjectRef): string | undefined {
    const upload = ref.versionId ?? (ref.sequencer ? `seq:${ref.sequencer.toUpperCase()}` : ref.etag);
    return upload ? `obj#${ref.bucket}/${ref.key}#${upload}` : undefined;
  }

  static keyPk(ref: ObjectRef): string {
    return `key#${ref.bucket}/${ref.key}`;
  }

  /**
   * Claims the object version for this invocation. Returns `proceed: false` for stale or duplicate events
   * (skip them) and `proceed: 'busy'` when another invocation holds an unexpired lease (retry later).
   */
  async begin(ref: ObjectRef, owner: string, leaseMs: number): Promise<BeginResult> {
    const now = this.now();
    const expiresAt = { N: String(Math.floor(now / 1000) + RETENTION_SECONDS) };
    if (ref.sequencer) {
      const seq = normaliseSequencer(ref.sequencer);
      try {
        await this.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: { pk: { S: Ledger.keyPk(ref) } },
            UpdateExpression: 'SET seq = :seq, updatedAt = :now, expiresAt = :exp',
            ConditionExpression: 'attribute_not_exists(seq) OR seq <= :seq',
            ExpressionAttributeValues: { ':seq': { S: seq }, ':now': { N: String(now) }, ':exp': expiresAt },
          }),
        );
      } catch (err) {
        if (
          !(err instanceof ConditionalCheckFailedException) &&
          (err as Error).name !== 'ConditionalCheckFailedException'
        ) {
          throw err;
        }
        return {
          proceed: false,
          reason: `a newer event for this key was already processed (sequencer ${ref.sequencer} is older)`,
        };
      }
    }
    const pk = Ledger.objectPk(ref);
    if (!pk) return { proceed: true };
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            pk: { S: pk },
            state: { S: 'IN_PROGRESS' },
            owner: { S: owner },
            leaseUntil: { N: String(now + leaseMs) },
            startedAt: { N: String(now) },
            expiresAt,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR (#state = :inProgress AND leaseUntil < :now)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':inProgress': { S: 'IN_PROGRESS' }, ':now': { N: String(now) } },
        }),
      );
      return { proceed: true };
    } catch (err) {
      if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
    }
    const existing = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: pk } }, ConsistentRead: true }),
    );
    const state = existing.Item?.state?.S;
    if (state === 'COMPLETED') {
      return {
        proceed: false,
        reason: `this object version was already imported (status ${existing.Item?.result?.S ?? 'unknown'})`,
      };
    }
    const until = Number(existing.Item?.leaseUntil?.N ?? 0);
    return {
      proceed: 'busy',
      reason: `another invocation is importing this object version (lease until ${new Date(until).toISOString()})`,
      leaseUntil: until,
    };
  }

  /** Extends this invocation's lease (heartbeat). Returns false when the lease is no longer this invocation's. */
  async renew(ref: ObjectRef, owner: string, leaseMs: number): Promise<boolean> {
    const pk = Ledger.objectPk(ref);
    if (!pk) return true;
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: pk } },
          UpdateExpression: 'SET leaseUntil = :until',
          ConditionExpression: '#owner = :owner AND #state = :inProgress',
          ExpressionAttributeNames: { '#owner': 'owner', '#state': 'state' },
          ExpressionAttributeValues: {
            ':until': { N: String(this.now() + leaseMs) },
            ':owner': { S: owner },
            ':inProgress': { S: 'IN_PROGRESS' },
          },
        }),
      );
      return true;
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }

  /** Marks the version imported (only if this invocation still holds the lease). Returns false if it did not. */
  async complete(ref: ObjectRef, owner: string, status: string, rowsWritten: number): Promise<boolean> {
    const pk = Ledger.objectPk(ref);
    if (!pk) return true;
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: pk } },
          UpdateExpression:
            'SET #state = :done, #result = :status, rowsWritten = :rows, completedAt = :now REMOVE leaseUntil',
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#state': 'state', '#result': 'result', '#owner': 'owner' },
          ExpressionAttributeValues: {
            ':done': { S: 'COMPLETED' },
            ':status': { S: status },
            ':rows': { N: String(rowsWritten) },
            ':now': { N: String(this.now()) },
            ':owner': { S: owner },
          },
        }),
      );
      return true;
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }

  /** Gives the lease back so a retry can import the version again (best effort). */
  async release(ref: ObjectRef, owner: string): Promise<void> {
    const pk = Ledger.objectPk(ref);
    if (!pk) return;
    await this.client
      .send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: pk } },
          ConditionExpression: '#owner = :owner AND #state = :inProgress',
          ExpressionAttributeNames: { '#owner': 'owner', '#state': 'state' },
          ExpressionAttributeValues: { ':owner': { S: owner }, ':inProgress': { S: 'IN_PROGRESS' } },
        }),
      )
      .catch(() => undefined);
  }
}
