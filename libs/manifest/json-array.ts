import { Buffer, isUtf8 } from "node:buffer";
import { describeJsonError, jsonRow } from "./json-row.ts";
import { countLines } from "./lines.ts";
import { ManifestError } from "./manifest-error.ts";
import { DECODE_BYTES, MAX_ROW_BYTES } from "./read-chunks.ts";
import type { ManifestRow, ResumePoint } from "./types.ts";
import { bomLength, invalidUtf8Index, withWholeBom } from "./utf8.ts";

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const COMMA = 0x2c;
const OPEN_ARRAY = 0x5b;
const BACKSLASH = 0x5c;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

// Scanner states: what the top-level array expects next.
const BEFORE_ARRAY = 0;
const FIRST_ROW = 1; // a row or ']'
const NEXT_ROW = 2; // a row, after ','
const AFTER_ROW = 3; // ',' or ']'
const IN_ROW = 4;
const AFTER_ARRAY = 5; // whitespace only

type Failure = { at: number; line: number; reason: string };

/**
 * Finds the rows of a top-level JSON array without parsing them: it follows strings and bracket
 * depth, checks the array's own punctuation and records where each row starts and ends, so that
 * JSON.parse can check and build a whole batch of rows at native speed.
 */
class RowScanner {
  state = BEFORE_ARRAY;
  /** Open brackets in the row in progress; 0 in a scalar row. */
  depth = 0;
  inString = false;
  /** 1-based line of the scan position; line feeds inside strings are not counted (JSON forbids them). */
  line = 1;
  /** The row in progress: its index in the buffer and its line. */
  rowStart = 0;
  rowLine = 1;
  /** Rows completed in the current buffer, and the line the first one starts on. */
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  firstLine = 1;
  failure: Failure | undefined;

  scan(buf: Buffer, from: number): void {
    const len = buf.length;
    let { state, depth, line } = this;
    let i = from;
    if (this.inString) {
      const end = stringEnd(buf, from);
      if (end < 0) return;
      this.inString = false;
      i = end + 1;
      if (depth === 0) {
        this.endRow(i);
        state = AFTER_ROW;
      }
    }
    for (; i < len; i++) {
      const c = buf[i]!;
      if (state === IN_ROW) {
        if (c === QUOTE) {
          const end = stringEnd(buf, i + 1);
          if (end < 0) {
            this.inString = true;
            break;
          }
          i = end;
          if (depth === 0) {
            this.endRow(i + 1);
            state = AFTER_ROW;
          }
        } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
          depth++;
        } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
          if (depth > 1) {
            depth--;
          } else if (depth === 1) {
            this.endRow(i + 1);
            depth = 0;
            state = AFTER_ROW;
          } else {
            this.endRow(i--); // a scalar row ends here; the bracket is looked at again
            state = AFTER_ROW;
          }
        } else if (depth === 0 && (c === COMMA || c === SPACE || c === LF || c === TAB || c === CR)) {
          this.endRow(i--);
          state = AFTER_ROW;
        } else if (c === LF) {
          line++;
        }
        continue;
      }
      if (c === LF) {
        line++;
        continue;
      }
      if (c === SPACE || c === TAB || c === CR) continue;
      if (state === AFTER_ROW) {
        if (c === COMMA) state = NEXT_ROW;
        else if (c === CLOSE_ARRAY) state = AFTER_ARRAY;
        else return this.fail(i, line, "expected ',' or ']' after a row");
      } else if (state === FIRST_ROW && c === CLOSE_ARRAY) {
        state = AFTER_ARRAY;
      } else if (state === FIRST_ROW || state === NEXT_ROW) {
        if (c === COMMA || c === CLOSE_ARRAY || c === CLOSE_OBJECT) return this.fail(i, line, "expected a row");
        state = IN_ROW;
        this.rowStart = i--;
        this.rowLine = line;
      } else if (state === BEFORE_ARRAY) {
        if (c !== OPEN_ARRAY) return this.fail(i, line, `expected '[': the top level must be an array of rows, found ${jsonKindAt(c)}`);
        state = FIRST_ROW;
      } else {
        return this.fail(i, line, "unexpected data after the end of the array");
      }
    }
    this.state = state;
    this.depth = depth;
    this.line = line;
  }

  /** Drops the rows handed out; returns how many leading bytes of the buffer are no longer needed. */
  release(len: number): number {
    const cut = this.state === IN_ROW ? this.rowStart : len;
    this.rowStart -= cut;
    this.starts.length = 0;
    this.ends.length = 0;
    return cut;
  }

  private endRow(end: number): void {
    if (this.starts.length === 0) this.firstLine = this.rowLine;
    this.starts.push(this.rowStart);
    this.ends.push(end);
  }

  private fail(at: number, line: number, reason: string): void {
    this.failure = { at, line, reason };
  }
}

/** What a JSON value starting with byte `c` is, for messages ("found an object"). */
function jsonKindAt(c: number): string {
  if (c === OPEN_OBJECT) return "an object";
  if (c === QUOTE) return "a string";
  if (c === 0x74 || c === 0x66) return "a boolean"; // t, f
  if (c === 0x6e) return "null";
  if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return "a number";
  return `'${String.fromCharCode(c)}'`;
}

/** Index of the quote closing a string whose content starts at `from`, or -1 if it is not in `buf` yet. */
function stringEnd(buf: Buffer, from: number): number {
  for (let q = buf.indexOf(QUOTE, from); q >= 0; q = buf.indexOf(QUOTE, q + 1)) {
    let k = q - 1;
    while (buf[k] === BACKSLASH) k--;
    if ((q - k) % 2 === 1) return q; // an even number of backslashes: the quote is not escaped
  }
  return -1;
}

/** Parses rows `[starts[k], ends[k])`; on a bad row, returns the rows before it and what is wrong. */
function parseRows(buf: Buffer, starts: number[], ends: number[]): { values: unknown[]; failure?: Omit<Failure, "line"> } {
  const values: unknown[] = [];
  for (let first = 0; first < starts.length;) {
    let last = first;
    while (last + 1 < starts.length && ends[last + 1]! - starts[first]! <= DECODE_BYTES) last++;
    const batch = parseBatch(buf.subarray(starts[first], ends[last]));
    if (batch) {
      for (const value of batch) values.push(value);
    } else {
      const failure = parseOneByOne(buf, starts.slice(first, last + 1), ends.slice(first, last + 1), values);
      if (failure) return { values, failure };
    }
    first = last + 1;
  }
  return { values };
}

/** The rows of a region as one array, or undefined when one of them is bad. */
function parseBatch(region: Buffer): unknown[] | undefined {
  if (!isUtf8(region)) return undefined;
  try {
    return JSON.parse(`[${region.toString()}]`) as unknown[];
  } catch {
    return undefined;
  }
}

/** Parses rows one at a time into `values`, up to the first bad one, which is described. */
function parseOneByOne(buf: Buffer, starts: number[], ends: number[], values: unknown[]): Omit<Failure, "line"> | undefined {
  for (let k = 0; k < starts.length; k++) {
    const start = starts[k]!;
    const bytes = buf.subarray(start, ends[k]);
    if (!isUtf8(bytes)) return { at: start + invalidUtf8Index(bytes), reason: "invalid UTF-8" };
    const text = bytes.toString();
    try {
      values.push(JSON.parse(text));
    } catch (error) {
      const { reason, position } = describeJsonError(error);
      const at = start + (position === undefined ? 0 : Buffer.byteLength(text.slice(0, position)));
      return { at, reason: `invalid JSON (${reason})` };
    }
  }
  return undefined;
}

/**
 * Rows of a JSON array manifest (the seed's format), read in chunks with constant memory. With
 * `resumeAt`, the chunks start at a row's end: inside the array, expecting ',' or ']'. Lines are
 * then unknown and left out of errors; byte offsets stay absolute.
 */
export async function* readJsonArray(chunks: AsyncIterable<Buffer>, path: string, resumeAt?: ResumePoint): AsyncGenerator<ManifestRow> {
  const scanner = new RowScanner();
  let buf: Buffer = Buffer.alloc(0);
  let base = resumeAt?.offset ?? 0; // input offset of buf[0]
  let index = resumeAt?.index ?? 0;
  if (resumeAt) scanner.state = AFTER_ROW;
  const lineOf = (line: number): number | undefined => (resumeAt ? undefined : line);
  for await (const chunk of withWholeBom(chunks)) {
    const from = buf.length;
    buf = from === 0 ? chunk : Buffer.concat([buf, chunk]);
    scanner.scan(buf, base === 0 && from === 0 ? bomLength(buf) : from);
    const { starts, ends } = scanner;
    if (starts.length > 0) {
      const { values, failure } = parseRows(buf, starts, ends);
      for (let k = 0; k < values.length; k++) yield jsonRow(index++, values[k], base + ends[k]!);
      if (failure) {
        const line = scanner.firstLine + countLines(buf, starts[0]!, failure.at);
        throw new ManifestError(path, `row ${index}: ${failure.reason}`, base + failure.at, lineOf(line));
      }
    }
    if (scanner.failure) {
      const { at, line, reason } = scanner.failure;
      throw new ManifestError(path, reason, base + at, lineOf(line));
    }
    const cut = scanner.release(buf.length);
    buf = buf.subarray(cut);
    base += cut;
    if (buf.length > MAX_ROW_BYTES) {
      throw new ManifestError(path, `row ${index} is longer than ${MAX_ROW_BYTES} bytes`, base, lineOf(scanner.rowLine));
    }
  }
  const end = base + buf.length;
  if (scanner.state === IN_ROW) {
    const line = scanner.rowLine + countLines(buf, 0, buf.length);
    throw new ManifestError(path, `unexpected end of input in row ${index}, which starts at byte ${base}`, end, lineOf(line));
  }
  if (scanner.state !== BEFORE_ARRAY && scanner.state !== AFTER_ARRAY) {
    throw new ManifestError(path, "unexpected end of input: the array is not closed", end, lineOf(scanner.line));
  }
}
