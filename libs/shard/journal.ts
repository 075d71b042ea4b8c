import type { FileHandle } from "node:fs/promises";
import { crc32 } from "node:zlib";
import type { SampleRecord } from "./sample.ts";
import { openNoFollow, withPath } from "./safe-files.ts";

/*
 * A shard's samples spill here as they complete, so an open shard costs disk, not memory, and a
 * restarted shard knows what it already has. One append-only file of records:
 *   u32 bodyLength | u32 crc32(body) | body = u32 metaLength | meta JSON | image bytes
 * A torn or corrupt tail (crash mid-write) fails its checksum and is dropped on reopen.
 */

const RECORD_HEADER = 8;
const META_LENGTH = 4;
/**
 * Rows just appended stay readable from memory up to this many bytes: the writer usually takes a
 * row moments after it is journaled, and skipping the read back saves a syscall and a copy per row.
 * Rows held up behind a slow one fall out (oldest first) and are read from disk as before.
 */
const RECENT_BYTES = 8 * 1024 * 1024;

export interface JournalSample {
  readonly record: SampleRecord;
  /** Encoded output image; empty for failed samples. */
  readonly image: Buffer;
}

export class ShardJournal {
  readonly #file: FileHandle;
  readonly #path: string;
  readonly #offsets: Float64Array;
  readonly #lengths: Uint32Array;
  #end: number;
  #count = 0;
  /** Recently appended rows in append order: the record as its JSON and the image. */
  readonly #recent = new Map<number, { meta: Buffer; image: Buffer }>();
  #recentBytes = 0;

  private constructor(file: FileHandle, path: string, capacity: number, end: number) {
    this.#file = file;
    this.#path = path;
    this.#offsets = new Float64Array(capacity).fill(-1);
    this.#lengths = new Uint32Array(capacity);
    this.#end = end;
  }

  /** Opens (or recovers) the journal of a shard of at most `capacity` rows. */
  static async open(path: string, capacity: number): Promise<ShardJournal> {
    // Not "a": positioned writes on an O_APPEND descriptor would ignore their position. Never
    // through a symlink: recovery truncates the file.
    const file = await openNoFollow(path);
    const journal = new ShardJournal(file, path, capacity, 0);
    await journal.#recover();
    return journal;
  }

  /** Rows already journaled. */
  get count(): number {
    return this.#count;
  }

  /** True once the row's record is written, so that read(row) returns it whole. */
  has(row: number): boolean {
    return (this.#offsets[row] ?? -1) >= 0;
  }

  /** Appends a sample. Safe to call concurrently: each record gets its own byte range. */
  async append(sample: JournalSample): Promise<void> {
    const { row } = sample.record;
    if (row < 0 || row >= this.#offsets.length) throw new RangeError(`row ${row} is outside this shard`);
    if (this.#lengths[row] !== 0) throw new Error(`row ${row} is already journaled`);
    const meta = Buffer.from(JSON.stringify(sample.record));
    const metaLength = Buffer.alloc(META_LENGTH);
    metaLength.writeUInt32LE(meta.length);
    const body = [metaLength, meta, sample.image];
    const bodyLength = META_LENGTH + meta.length + sample.image.length;
    const header = Buffer.alloc(RECORD_HEADER);
    header.writeUInt32LE(bodyLength, 0);
    header.writeUInt32LE(
      body.reduce((crc, part) => crc32(part, crc), 0),
      4,
    );
    const offset = this.#end;
    this.#end += RECORD_HEADER + bodyLength;
    // The length claims the row now; the offset, which makes has() true, waits for the bytes,
    // as the shard writer reads a row back as soon as has() says it is there.
    this.#lengths[row] = bodyLength;
    await this.#file.writev([header, ...body], offset).catch((error: unknown) => {
      throw withPath(error, this.#path);
    });
    this.#offsets[row] = offset;
    this.#count++;
    this.#remember(row, { meta, image: sample.image });
  }

  /** Reads a journaled sample back. */
  async read(row: number): Promise<JournalSample> {
    const offset = this.#offsets[row] ?? -1;
    if (offset < 0) throw new Error(`row ${row} is not journaled`);
    const recent = this.#recent.get(row);
    if (recent) {
      this.#forget(row, recent);
      return { record: parseRecord(recent.meta), image: recent.image }; // what the disk would give
    }
    const body = Buffer.allocUnsafe(this.#lengths[row] ?? 0);
    await this.#file.read(body, 0, body.length, offset + RECORD_HEADER);
    return decodeBody(body);
  }

  #remember(row: number, parts: { meta: Buffer; image: Buffer }): void {
    this.#recent.set(row, parts);
    this.#recentBytes += parts.meta.length + parts.image.length;
    for (const [oldest, oldestParts] of this.#recent) {
      if (this.#recentBytes <= RECENT_BYTES) break;
      this.#forget(oldest, oldestParts);
    }
  }

  #forget(row: number, parts: { meta: Buffer; image: Buffer }): void {
    this.#recent.delete(row);
    this.#recentBytes -= parts.meta.length + parts.image.length;
  }

  async sync(): Promise<void> {
    await this.#file.sync();
  }

  async close(): Promise<void> {
    await this.#file.close();
  }

  async #recover(): Promise<void> {
    const { size } = await this.#file.stat();
    const header = Buffer.alloc(RECORD_HEADER);
    let offset = 0;
    while (offset + RECORD_HEADER <= size) {
      await this.#file.read(header, 0, RECORD_HEADER, offset);
      const bodyLength = header.readUInt32LE(0);
      if (bodyLength < META_LENGTH || offset + RECORD_HEADER + bodyLength > size) break;
      const body = Buffer.allocUnsafe(bodyLength);
      await this.#file.read(body, 0, bodyLength, offset + RECORD_HEADER);
      if (crc32(body) !== header.readUInt32LE(4)) break;
      const { record } = decodeBody(body);
      if (record.row < this.#offsets.length && !this.has(record.row)) {
        this.#offsets[record.row] = offset;
        this.#lengths[record.row] = bodyLength;
        this.#count++;
      }
      offset += RECORD_HEADER + bodyLength;
    }
    if (offset < size) await this.#file.truncate(offset);
    this.#end = offset;
  }
}

function decodeBody(body: Buffer): JournalSample {
  const metaLength = body.readUInt32LE(0);
  return { record: parseRecord(body.subarray(META_LENGTH, META_LENGTH + metaLength)), image: body.subarray(META_LENGTH + metaLength) };
}

function parseRecord(meta: Buffer): SampleRecord {
  return JSON.parse(meta.toString("utf8")) as SampleRecord;
}
