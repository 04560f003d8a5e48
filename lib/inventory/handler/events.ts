/**
 * Turns the two event shapes the function receives into a list of object references:
 * - S3 notifications (`Records[].s3`), whose object keys are URL-encoded with `+` for space;
 * - EventBridge "Object Created" events (`detail.bucket.name`, `detail.object.key`), whose keys are not encoded.
 */

/** One S3 object version to import. */
export interface ObjectRef {
  readonly bucket: string;
  /** The decoded object key. */
  readonly key: string;
  readonly versionId?: string;
  /** ETag without surrounding quotes. */
  readonly etag?: string;
  /** S3 event sequencer (hex string), used to order events for the same key. */
  readonly sequencer?: string;
  readonly size?: number;
}

/** An event the function cannot interpret. */
export class UnsupportedEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedEventError';
  }
}

/** Decodes an S3 notification object key: `+` means space, the rest is percent-encoded UTF-8. */
export function decodeS3NotificationKey(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, ' '));
}

function stripQuotes(etag: unknown): string | undefined {
  if (typeof etag !== 'string' || etag === '') return undefined;
  return etag.replace(/^"(.*)"$/, '$1');
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' && value !== 'null' ? value : undefined;
}

function optionalNumber(value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

function fromNotificationRecord(record: unknown, index: number): ObjectRef | undefined {
  const s3 = asRecord(asRecord(record)?.s3);
  const bucket = asRecord(s3?.bucket)?.name;
  const object = asRecord(s3?.object);
  if (typeof bucket !== 'string' || typeof object?.key !== 'string') {
    throw new UnsupportedEventError(`Records[${index}] has no s3.bucket.name / s3.object.key`);
  }
  const eventName = asRecord(record)?.eventName;
  if (typeof eventName === 'string' && !eventName.startsWith('ObjectCreated:')) return undefined;
  return {
    bucket,
    key: decodeS3NotificationKey(object.key),
    versionId: optionalString(object.versionId),
    etag: stripQuotes(object.eTag ?? object.etag),
    sequencer: optionalString(object.sequencer),
    size: optionalNumber(object.size),
  };
}

function fromEventBridge(detail: Record<string, unknown>): ObjectRef {
  const bucket = asRecord(detail.bucket)?.name;
  const object = asRecord(detail.object);
  if (typeof bucket !== 'string' || typeof object?.key !== 'string') {
    throw new UnsupportedEventError('EventBridge event has no detail.bucket.name / detail.object.key');
  }
  return {
    bucket,
    key: object.key,
    versionId: optionalString(object['version-id']),
    etag: stripQuotes(object.etag),
    sequencer: optionalString(object.sequencer),
    size: optionalNumber(object.size),
  };
}

/**
 * Extracts the objects an event refers to. Non-"ObjectCreated" notification records are ignored.
 *
 * @throws UnsupportedEventError when the event is neither an S3 notification nor an EventBridge S3 event.
 */
export function parseEvent(event: unknown): ObjectRef[] {
  const root = asRecord(event);
  if (Array.isArray(root?.Records)) {
    return root.Records.map(fromNotificationRecord).filter((ref): ref is ObjectRef => ref !== undefined);
  }
  const detail = asRecord(root?.detail);
  if (root?.source === 'aws.s3' || (detail && 'bucket' in detail && 'object' in detail)) {
    const detailType = root?.['detail-type'];
    if (typeof detailType === 'string' && detailType !== 'Object Created') return [];
    return [fromEventBridge(detail ?? {})];
  }
  throw new UnsupportedEventError(
    'event is neither an S3 notification (Records[].s3) nor an EventBridge "Object Created" event (detail.bucket, detail.object)',
  );
}

/**
 * Orders two S3 sequencers for the same key. AWS: sequencers can have different lengths; right-pad the
 * shorter with zeros, then compare as strings. Returns a negative number when `a` is older.
 */
export function compareSequencers(a: string, b: string): number {
  const width = Math.max(a.length, b.length);
  const pa = a.toUpperCase().padEnd(width, '0');
  const pb = b.toUpperCase().padEnd(width, '0');
  return pa < pb ? -1 : pa > pb ? 1 : 0;
}

/** Right-pads a sequencer to a fixed width so DynamoDB string comparison orders it correctly. */
export function normaliseSequencer(sequencer: string, width = 64): string {
  return sequencer.toUpperCase().padEnd(width, '0');
}
