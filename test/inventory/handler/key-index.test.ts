import { KeyIndex } from '../../../lib/inventory/handler/key-index';

describe('KeyIndex', () => {
  test('keys of any length up to the limit, including the empty string and multi-chunk volumes', () => {
    const index = new KeyIndex();
    const long = 'L'.repeat(60_000);
    expect(index.set(long, 1)).toBeUndefined();
    expect(index.set('', 2)).toBeUndefined();
    expect(index.set(long, 3)).toBe(1);
    expect(index.get('')).toBe(2);
    for (let i = 0; i < 120_000; i++) index.set(`chunky-key-${i}`, i); // > 1 MiB of records
    expect(index.get('chunky-key-0')).toBe(0);
    expect(index.get('chunky-key-119999')).toBe(119_999);
    expect(index.get(long)).toBe(3);
  });

  test('returns the previous line of a key and records the new one', () => {
    const index = new KeyIndex();
    expect(index.set('A', 2)).toBeUndefined();
    expect(index.set('B', 3)).toBeUndefined();
    expect(index.set('A', 9)).toBe(2);
    expect(index.get('A')).toBe(9);
    expect(index.get('C')).toBeUndefined();
    expect(index.size).toBe(2);
  });

  test('agrees with a Map over many keys, including unicode and look-alikes, across resizes', () => {
    const index = new KeyIndex();
    const reference = new Map<string, number>();
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const mismatches: string[] = [];
    for (let line = 2; line < 60_000; line++) {
      const n = Math.floor(random() * 30_000);
      const key = n % 7 === 0 ? `clé-${n}-é` : n % 5 === 0 ? `SKU ${n}` : `SKU-${n}`;
      if (index.set(key, line) !== reference.get(key)) mismatches.push(`set ${key} at ${line}`);
      reference.set(key, line);
    }
    for (const [key, line] of reference) if (index.get(key) !== line) mismatches.push(`get ${key}`);
    expect(mismatches).toEqual([]);
    expect(index.size).toBe(reference.size);
  });

  test('stays within its documented bound: about 6 + key bytes + 5.3 bytes per distinct key', () => {
    const index = new KeyIndex();
    for (let i = 0; i < 200_000; i++) index.set(`SKU-${String(i).padStart(7, '0')}`, i + 2);
    // records 17 bytes, slots 4 / 0.75 at most (more just after a 1.5x growth), plus the last partly used chunk
    expect(index.byteLength / index.size).toBeLessThan(17 + 4 / 0.5 + (1024 * 1024) / 200_000);
  });
});
