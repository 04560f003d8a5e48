/**
 * A compact, exact map from item key to the line it was last seen on, used to resolve duplicate keys in one
 * file ("the later row wins") without holding rows in memory.
 *
 * A `Map<string, number>` costs roughly 80–100 bytes per key in V8. This index stores one record per distinct
 * key, `[key length: 2 bytes][line: 4 bytes][key: UTF-8 bytes]`, in fixed 1 MiB chunks (so growing never copies
 * them), plus a 4-byte open-addressing slot per key at a load factor of at most 0.75. That is about
 * `6 + keyBytes + 5.3` bytes per distinct key, ~22 MB for a million 11-character SKUs, and the only copy made
 * while growing is the slot table. Lookups compare the stored bytes, so there are no false duplicates.
 */

const CHUNK_SIZE = 1024 * 1024;
const HEADER = 6; // uint16 length + uint32 line
const MAX_KEY_BYTES = 0xffff; // uint16 length; the validator caps keys at 2048 bytes (DynamoDB's limit)
const INITIAL_SLOTS = 1024;
const MAX_LOAD = 0.75;

// Held in module constants: a global (`Math`) looked up on every key or byte is slow where the global object is not
// a plain one (a vm context, as under Jest: its tests took 5.6 CPU s with the lookups in the loops, 1.0 s without).
const { floor, imul } = Math;

function fnv1a(bytes: Uint8Array, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    hash ^= bytes[i];
    hash = imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export class KeyIndex {
  /** Record address + 1 (chunk * 1 MiB + offset), 0 = empty. Capacity is any integer; indexes use `%`. */
  private slots = new Uint32Array(INITIAL_SLOTS);
  private readonly chunks: Buffer[] = [];
  /** Scratch buffer the key being looked up is encoded into. */
  private scratch = Buffer.allocUnsafe(256);
  private chunkUsed = CHUNK_SIZE; // forces the first chunk
  private count = 0;

  /** Number of distinct keys. */
  get size(): number {
    return this.count;
  }

  /** Bytes held by the index (slot table and record chunks). */
  get byteLength(): number {
    return this.slots.byteLength + this.chunks.length * CHUNK_SIZE;
  }

  /** The line `key` was last recorded on, if any. */
  get(key: string): number | undefined {
    const { slot } = this.find(key);
    const address = this.slots[slot];
    if (address === 0) return undefined;
    return this.record(address - 1).readUInt32LE(this.offsetOf(address - 1) + 2);
  }

  /** Records `key` at `line` and returns the line it was recorded on before, if any. */
  set(key: string, line: number): number | undefined {
    const { slot, length } = this.find(key);
    const address = this.slots[slot];
    if (address !== 0) {
      const chunk = this.record(address - 1);
      const at = this.offsetOf(address - 1) + 2;
      const previous = chunk.readUInt32LE(at);
      chunk.writeUInt32LE(line, at);
      return previous;
    }
    if (this.chunkUsed + HEADER + length > CHUNK_SIZE) {
      this.chunks.push(Buffer.allocUnsafe(CHUNK_SIZE));
      this.chunkUsed = 0;
    }
    const chunkIndex = this.chunks.length - 1;
    const chunk = this.chunks[chunkIndex];
    const offset = this.chunkUsed;
    chunk.writeUInt16LE(length, offset);
    chunk.writeUInt32LE(line, offset + 2);
    this.scratch.copy(chunk, offset + HEADER, 0, length);
    this.chunkUsed += HEADER + length;
    this.slots[slot] = chunkIndex * CHUNK_SIZE + offset + 1;
    this.count++;
    if (this.count > this.slots.length * MAX_LOAD) this.growSlots();
    return undefined;
  }

  private record(address: number): Buffer {
    return this.chunks[floor(address / CHUNK_SIZE)];
  }

  private offsetOf(address: number): number {
    return address % CHUNK_SIZE;
  }

  /** Encodes `key` into the scratch buffer and finds its slot (occupied by it, or the empty slot for it). */
  private find(key: string): { slot: number; length: number } {
    if (this.scratch.length < key.length * 3) this.scratch = Buffer.allocUnsafe(key.length * 3);
    const length = this.scratch.write(key, 0, 'utf8');
    if (length > MAX_KEY_BYTES)
      throw new Error(`key is ${length} bytes long; the key index supports at most ${MAX_KEY_BYTES}`);
    const hash = fnv1a(this.scratch, 0, length);
    const capacity = this.slots.length;
    let slot = hash % capacity;
    for (;;) {
      const address = this.slots[slot];
      if (address === 0 || this.equals(address - 1, length)) return { slot, length };
      slot = slot + 1 === capacity ? 0 : slot + 1;
    }
  }

  private equals(address: number, length: number): boolean {
    const chunk = this.record(address);
    const offset = this.offsetOf(address);
    if (chunk.readUInt16LE(offset) !== length) return false;
    return chunk.compare(this.scratch, 0, length, offset + HEADER, offset + HEADER + length) === 0;
  }

  private growSlots(): void {
    const capacity = Math.ceil(this.slots.length * 1.5);
    const slots = new Uint32Array(capacity);
    for (let i = 0; i < this.slots.length; i++) {
      const address = this.slots[i];
      if (address === 0) continue;
      const chunk = this.record(address - 1);
      const offset = this.offsetOf(address - 1);
      const start = offset + HEADER;
      let slot = fnv1a(chunk, start, start + chunk.readUInt16LE(offset)) % capacity;
      while (slots[slot] !== 0) slot = slot + 1 === capacity ? 0 : slot + 1;
      slots[slot] = address;
    }
    this.slots = slots;
  }
}
