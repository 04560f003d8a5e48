/**
 * A compact, exact map from item key to the line it was last seen on, used to resolve duplicate keys in one
 * file ("the later row wins") without holding rows in memory.
 *
 * A `Map<string, number>` costs roughly 80–100 bytes per key in V8. This index stores each distinct key once as
 * UTF-8 bytes in one growable buffer plus 10 bytes of typed-array bookkeeping (line, offset, length) and a 4-byte
 * open-addressing slot at a load factor of at most 0.5, so it uses about `18 + keyBytes` bytes per distinct key
 * (times up to 2 while a buffer is doubling): ~30 MB for a million 11-character SKUs. Lookups compare the stored
 * bytes, so there are no false duplicates.
 */

const INITIAL_ENTRIES = 1024;

function fnv1a(bytes: Uint8Array, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    hash ^= bytes[i];
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export class KeyIndex {
  private slots = new Int32Array(INITIAL_ENTRIES * 2);
  private lines = new Uint32Array(INITIAL_ENTRIES);
  private offsets = new Uint32Array(INITIAL_ENTRIES);
  private lengths = new Uint16Array(INITIAL_ENTRIES);
  private arena = Buffer.allocUnsafe(INITIAL_ENTRIES * 16);
  private arenaUsed = 0;
  private count = 0;

  /** Number of distinct keys. */
  get size(): number {
    return this.count;
  }

  /** Bytes held by the index's buffers. */
  get byteLength(): number {
    return (
      this.slots.byteLength +
      this.lines.byteLength +
      this.offsets.byteLength +
      this.lengths.byteLength +
      this.arena.length
    );
  }

  /** The line `key` was last recorded on, if any. */
  get(key: string): number | undefined {
    const { slot } = this.find(key);
    const entry = this.slots[slot];
    return entry === 0 ? undefined : this.lines[entry - 1];
  }

  /**
   * Records `key` at `line` and returns the line it was recorded on before, if any.
   * Keys longer than 65,535 UTF-8 bytes are rejected by the validator long before they get here.
   */
  set(key: string, line: number): number | undefined {
    const { slot, start, length } = this.find(key);
    const entry = this.slots[slot];
    if (entry !== 0) {
      const previous = this.lines[entry - 1];
      this.lines[entry - 1] = line;
      return previous;
    }
    if (this.count === this.lines.length) this.growEntries();
    const index = this.count++;
    this.lines[index] = line;
    this.offsets[index] = start;
    this.lengths[index] = length;
    this.arenaUsed += length;
    this.slots[slot] = index + 1;
    if (this.count * 2 > this.slots.length) this.growSlots();
    return undefined;
  }

  /** Writes `key` after the used part of the arena and finds its slot (occupied by it, or the empty slot for it). */
  private find(key: string): { slot: number; start: number; length: number } {
    this.ensureArena(key.length * 3);
    const start = this.arenaUsed;
    const length = this.arena.write(key, start, 'utf8');
    if (length > 0xffff) throw new Error(`key is ${length} bytes long; the key index supports at most 65535`);
    const mask = this.slots.length - 1;
    let slot = fnv1a(this.arena, start, start + length) & mask;
    for (;;) {
      const entry = this.slots[slot];
      if (entry === 0 || this.equals(entry - 1, start, length)) return { slot, start, length };
      slot = (slot + 1) & mask;
    }
  }

  private equals(index: number, start: number, length: number): boolean {
    if (this.lengths[index] !== length) return false;
    const offset = this.offsets[index];
    return this.arena.compare(this.arena, start, start + length, offset, offset + length) === 0;
  }

  private ensureArena(extra: number): void {
    if (this.arenaUsed + extra <= this.arena.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.arena.length * 2, this.arenaUsed + extra));
    this.arena.copy(next, 0, 0, this.arenaUsed);
    this.arena = next;
  }

  private growEntries(): void {
    const capacity = this.lines.length * 2;
    const lines = new Uint32Array(capacity);
    lines.set(this.lines);
    const offsets = new Uint32Array(capacity);
    offsets.set(this.offsets);
    const lengths = new Uint16Array(capacity);
    lengths.set(this.lengths);
    this.lines = lines;
    this.offsets = offsets;
    this.lengths = lengths;
  }

  private growSlots(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let index = 0; index < this.count; index++) {
      const offset = this.offsets[index];
      let slot = fnv1a(this.arena, offset, offset + this.lengths[index]) & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = index + 1;
    }
    this.slots = slots;
  }
}
