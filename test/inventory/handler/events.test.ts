import {
  compareSequencers,
  decodeS3NotificationKey,
  normaliseSequencer,
  parseEvent,
  UnsupportedEventError,
} from '../../../lib/inventory/handler/events';

describe('parseEvent', () => {
  test('decodes S3 notification keys: + is a space, the rest is percent-encoded UTF-8', () => {
    expect(decodeS3NotificationKey('uploads/Q1+stock+%2B+extras+%C3%A9t%C3%A9.csv')).toBe(
      'uploads/Q1 stock + extras été.csv',
    );
  });

  test('reads bucket, key, version, ETag and sequencer from an S3 notification', () => {
    const refs = parseEvent({
      Records: [
        {
          eventName: 'ObjectCreated:Put',
          s3: {
            bucket: { name: 'b' },
            object: { key: 'uploads/a+b.csv', size: 10, eTag: 'abc', versionId: 'v1', sequencer: '0A1' },
          },
        },
        { eventName: 'ObjectRemoved:Delete', s3: { bucket: { name: 'b' }, object: { key: 'x.csv' } } },
      ],
    });
    expect(refs).toEqual([
      { bucket: 'b', key: 'uploads/a b.csv', versionId: 'v1', etag: 'abc', sequencer: '0A1', size: 10 },
    ]);
  });

  test('reads the EventBridge Object Created shape without decoding the key', () => {
    const refs = parseEvent({
      source: 'aws.s3',
      'detail-type': 'Object Created',
      detail: {
        bucket: { name: 'b' },
        object: { key: 'uploads/a+b %41.csv', etag: '"e1"', 'version-id': 'v2', sequencer: '0B' },
      },
    });
    expect(refs).toEqual([{ bucket: 'b', key: 'uploads/a+b %41.csv', etag: 'e1', versionId: 'v2', sequencer: '0B' }]);
  });

  test('ignores EventBridge events that are not Object Created', () => {
    expect(
      parseEvent({ source: 'aws.s3', 'detail-type': 'Object Deleted', detail: { bucket: {}, object: {} } }),
    ).toEqual([]);
  });

  test('fails when the event is neither shape', () => {
    expect(() => parseEvent({ hello: 'world' })).toThrow(UnsupportedEventError);
    expect(() => parseEvent({ Records: [{ s3: {} }] })).toThrow('Records[0] has no s3.bucket.name / s3.object.key');
  });
});

describe('sequencers', () => {
  test('are compared after right-padding the shorter with zeros', () => {
    expect(compareSequencers('0A', '0A00')).toBe(0);
    expect(compareSequencers('0A', '0B')).toBeLessThan(0);
    expect(compareSequencers('0055AED6DCD90281E5', '0055AED6DCD90281E6')).toBeLessThan(0);
    expect(compareSequencers('0056', '0055FFFFFFFF')).toBeGreaterThan(0);
  });

  test('normalised sequencers order like compareSequencers', () => {
    const pairs: [string, string][] = [
      ['0056', '0055FFFFFFFF'],
      ['0A', '0a01'],
    ];
    for (const [a, b] of pairs) {
      const [na, nb] = [normaliseSequencer(a), normaliseSequencer(b)];
      expect(na < nb ? -1 : na > nb ? 1 : 0).toBe(Math.sign(compareSequencers(a, b)));
    }
  });
});
