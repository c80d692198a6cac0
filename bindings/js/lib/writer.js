'use strict';

// Writes a call or an event into the module's input buffer in Python's
// marshal format, along the core's projections (ABI.md, "Input"; the
// walkers of lib/generated.js call the methods below). Every string goes
// with its length in front, so nothing is escaped here or scanned there,
// bytes go as they are, and an object whose members a projection names
// goes as the tuple of those members, so no member name is written. Only
// the members a projection names are read: an S3 `Body` or an item image
// is never touched.
//
// The writer stops at the core's bounds before doing the work (a list that
// claims more items than any AWS list, an input larger than the module
// reads, nesting deeper than it reads) by throwing one of the frozen
// `BOUNDS`, which the API reports as input_invalid with the core's sentence.

const { MAX_DEPTH, MAX_INPUT_BYTES, MAX_LIST_ITEMS, TOO_DEEP, TOO_LARGE, TOO_MANY_ITEMS } = require('./generated');

// Marshal type bytes (ABI.md).
const NONE = 0x4e; // N
const TRUE = 0x54; // T
const FALSE = 0x46; // F
const INT = 0x69; // i: i32
const FLOAT_TEXT = 0x66; // f: u8 length, then a number's text
const TEXT = 0x75; // u: i32 length, then UTF-8
const SHORT_ASCII = 0x7a; // z: u8 length, then ASCII
// ASCII strings shorter than this are copied by a loop, behind marshal's
// one-byte length: cheaper than the engine's encoder up to about this
// length (an ETag, most object keys and names), dearer beyond.
const SHORT_LONGEST = 40;
const BYTES = 0x73; // s: i32 length, then the bytes
const LIST = 0x5b; // [: i32 count, then the items
const TUPLE = 0x29; // ): u8 count, then the items
const DICT = 0x7b; // {: (key, value) pairs, then DICT_END
const DICT_END = 0x30; // 0
const REF = 0x72; // r: i32 index of an object written before
const FLAG_REF = 0x80; // on a type byte: the object gets the next index

/** Thrown, never a caller's value, when an input passes a bound. */
const BOUNDS = Object.freeze({
  depth: Object.freeze({ message: TOO_DEEP }),
  size: Object.freeze({ message: TOO_LARGE }),
  items: Object.freeze({ message: TOO_MANY_ITEMS }),
});

/** Thrown when the module failed while an input was being written. */
const MODULE_FAILED = Object.freeze({ message: 'the module failed' });

// Buffer's encoders and decoders without the encoding argument's
// dispatch, where Node has them (every version so far).
const utf8Write =
  Buffer.prototype.utf8Write ||
  function (s, offset) {
    return this.write(s, offset, 'utf8');
  };

const hasOwn = Object.prototype.hasOwnProperty;

// A `seen` entry is valid for the input its generation names. Generations
// count up in a double, exact far beyond any process's life; at this
// limit the table starts again empty, so no entry can ever match an input
// it was not written in.
const GENERATION_LIMIT = Number.MAX_SAFE_INTEGER;

// Strings up to this long are remembered for reference; longer ones are
// not kept past their call.
const REFERENCE_LONGEST = 256;

class Writer {
  constructor(instance) {
    this.instance = instance;
    this.out = null; // linear memory
    this.start = 0; // where this input starts
    this.end = 0; // where the room made for it ends
    this.at = 0; // where the next byte goes
    // Strings an input repeats in its lists (a stream's table ARN, event
    // source and name, the names in its key maps) are written once with
    // FLAG_REF and then as references: the last string of each slot (by
    // its length and first character) is remembered for the input being
    // written. Outside a list strings hardly repeat, and a call of a few
    // strings is cheaper to read without references.
    this.seen = new Array(64).fill('');
    this.seenRef = new Int32Array(64);
    this.seenGeneration = new Float64Array(64).fill(-1);
    this.generation = 0;
    this.refs = 0; // reference indices given in this input
    this.lists = 0; // lists being written
    this.failure = null; // why the module failed, with MODULE_FAILED
  }

  /** Starts a new input, tagged as marshal data. */
  begin() {
    const instance = this.instance;
    this.out = instance.view();
    this.start = this.at = instance.inputStart;
    this.end = instance.inputEnd;
    if (++this.generation >= GENERATION_LIMIT) {
      this.seenGeneration.fill(-1);
      this.generation = 0;
    }
    this.refs = 0;
    this.lists = 0; // a writer that threw may have left it raised
    this.room(2);
    this.out[this.at++] = 0x00;
    this.out[this.at++] = 0x6d; // "\0m"
  }

  /** The length of the input written since `begin`. */
  length() {
    return this.at - this.start;
  }

  /** Makes room for `n` more bytes. */
  room(n) {
    if (this.at + n <= this.end) return;
    const written = this.at - this.start;
    if (written + n > MAX_INPUT_BYTES) throw BOUNDS.size;
    let size = Math.max(4096, (this.end - this.start) * 2);
    while (size < written + n) size *= 2;
    let start;
    try {
      start = this.instance.growInput(Math.min(size, MAX_INPUT_BYTES));
    } catch (error) {
      this.failure = error;
      throw MODULE_FAILED;
    }
    this.out = this.instance.view(); // memory may have grown
    this.start = start;
    this.end = this.instance.inputEnd;
    this.at = start + written;
  }

  byte(b) {
    this.room(1);
    this.out[this.at++] = b;
  }

  /** A type byte and an i32 at `p`. */
  head(p, type, n) {
    const o = this.out;
    o[p] = type;
    o[p + 1] = n;
    o[p + 2] = n >> 8;
    o[p + 3] = n >> 16;
    o[p + 4] = n >> 24;
  }

  /** Plain text, not marshal data (a projection question, the settings). */
  raw(text) {
    this.out = this.instance.view();
    this.start = this.at = this.instance.inputStart;
    this.end = this.instance.inputEnd;
    if (text.length > MAX_INPUT_BYTES) throw BOUNDS.size;
    this.room(Buffer.byteLength(text, 'utf8'));
    this.at += utf8Write.call(this.out, text, this.at);
  }

  /** The head of a call: the tuple (code, request, response), and the code. */
  call(code) {
    this.room(7);
    const o = this.out;
    o[this.at] = TUPLE;
    o[this.at + 1] = 3;
    this.head(this.at + 2, INT, code);
    this.at += 7;
  }

  // -- what the generated walkers call ---------------------------------

  /** Whether `v` is what a projection's members are read of: an object. */
  isRecord(v) {
    return typeof v === 'object' && v !== null && !Array.isArray(v) && !isBytes(v) && !(v instanceof Date);
  }

  /** Whether a member holding `x` is absent, as JSON.stringify leaves it out. */
  skipped(x) {
    return x === undefined || typeof x === 'function' || typeof x === 'symbol';
  }

  none() {
    this.byte(NONE);
  }

  /** The head of a projected object of `n` members, `d` levels deep. */
  tuple(n, d) {
    if (d > MAX_DEPTH) throw BOUNDS.depth;
    this.room(2);
    this.out[this.at++] = TUPLE;
    this.out[this.at++] = n;
  }

  /** The head of the list `v`, `d` levels deep; returns its length. */
  list(v, d) {
    if (d > MAX_DEPTH) throw BOUNDS.depth;
    const n = v.length;
    if (!(n <= MAX_LIST_ITEMS)) throw n > MAX_LIST_ITEMS ? BOUNDS.items : new TypeError('a list without a length');
    this.room(5);
    this.head(this.at, LIST, n);
    this.at += 5;
    this.lists++;
    return n;
  }

  listEnd() {
    this.lists--;
  }

  /** The whole value `v`, `d` levels deep, as JSON.stringify would see it. */
  whole(v, d) {
    switch (typeof v) {
      case 'string':
        this.text(v);
        return;
      case 'number':
        if (Number.isFinite(v)) this.numberText(String(v));
        else this.byte(NONE);
        return;
      case 'boolean':
        this.byte(v ? TRUE : FALSE);
        return;
      case 'bigint':
        this.exactNumber(v.toString());
        return;
      case 'object':
        if (v !== null) break;
      // falls through
      default:
        this.byte(NONE);
        return;
    }
    if (d > MAX_DEPTH) throw BOUNDS.depth;
    // Most objects are plain (literals, JSON.parse, the SDKs' outputs):
    // their members, without asking what else they might be.
    const proto = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null) {
      this.members(v, d);
      return;
    }
    if (Array.isArray(v)) {
      const n = this.list(v, d);
      for (let i = 0; i < n; i++) {
        const x = v[i];
        if (this.skipped(x)) this.byte(NONE);
        else this.whole(x, d + 1);
      }
      this.listEnd();
      return;
    }
    if (isBytes(v)) {
      this.bytes(v);
      return;
    }
    if (v instanceof Date) {
      // An SDK's date (a stream record's ApproximateCreationDateTime):
      // RFC 3339 text, which the time rules read.
      const t = v.getTime();
      if (Number.isFinite(t)) this.text(v.toISOString());
      else this.byte(NONE);
      return;
    }
    if (isNumberValue(v)) {
      this.exactNumber(v.value);
      return;
    }
    this.members(v, d);
  }

  /** An object as a dict of its own enumerable members, `d` levels deep. */
  members(v, d) {
    this.byte(DICT);
    // In Object.keys order: for-in uses the engine's cache of an object's
    // keys where Object.keys makes an array.
    for (const name in v) {
      if (!hasOwn.call(v, name)) continue;
      const x = v[name];
      if (this.skipped(x)) continue;
      this.text(name);
      this.whole(x, d + 1);
    }
    this.byte(DICT_END);
  }

  // -- scalars -----------------------------------------------------------

  /** A string: once, or as a reference to where this input wrote it. */
  text(s) {
    const n = s.length;
    if (this.lists === 0 || n < 4 || n > REFERENCE_LONGEST) {
      if (!this.shortAscii(s, 0)) this.utf8(s, TEXT);
      return;
    }
    // `INSERT`, `MODIFY` and `REMOVE` take three slots, not one.
    const k = (n + (s.charCodeAt(0) << 3)) & 63;
    if (this.seenGeneration[k] === this.generation && this.seen[k] === s) {
      this.room(5);
      this.head(this.at, REF, this.seenRef[k]);
      this.at += 5;
      return;
    }
    this.seen[k] = s;
    this.seenGeneration[k] = this.generation;
    this.seenRef[k] = this.refs++;
    if (!this.shortAscii(s, FLAG_REF)) this.utf8(s, TEXT | FLAG_REF);
  }

  /**
   * Short ASCII text (most names and key values) behind a one-byte
   * length and `flag`, where it fits; false, with nothing written, for
   * longer text, text beyond ASCII, or text that needs more room.
   */
  shortAscii(s, flag) {
    const n = s.length;
    const start = this.at;
    if (n >= SHORT_LONGEST || start + n + 2 > this.end) return false;
    const o = this.out;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return false;
      o[start + 2 + i] = c;
    }
    o[start] = SHORT_ASCII | flag;
    o[start + 1] = n;
    this.at = start + 2 + n;
    return true;
  }

  /** `s` as UTF-8 behind `type` and its byte length. */
  utf8(s, type) {
    const n = s.length;
    if (n > MAX_INPUT_BYTES) throw BOUNDS.size;
    // Three bytes a UTF-16 unit at most (a surrogate pair is four for
    // two); a string that long which may not fit is measured first, so
    // that no more room is made than it takes.
    if (n > 4096 && this.at + n * 3 + 5 > this.end) this.room(Buffer.byteLength(s, 'utf8') + 5);
    else this.room(n * 3 + 5);
    const start = this.at;
    // Lone surrogates become U+FFFD, as TextEncoder and the SDKs write them.
    const p = start + 5 + utf8Write.call(this.out, s, start + 5);
    this.head(start, type, p - start - 5);
    this.at = p;
  }

  /** A JavaScript number's text (JSON number text, ASCII, short). */
  numberText(s) {
    const n = s.length;
    this.room(n + 2);
    const o = this.out;
    let p = this.at;
    o[p++] = FLOAT_TEXT;
    o[p++] = n;
    for (let i = 0; i < n; i++) o[p++] = s.charCodeAt(i);
    this.at = p;
  }

  /**
   * An exact number's text (a NumberValue, a BigInt), which the rules
   * check; text that marshal's float text cannot carry (beyond 255
   * bytes, or not ASCII) is written as None, which they report as the
   * wrong type.
   */
  exactNumber(s) {
    if (typeof s === 'string' && s.length <= 255 && isAscii(s)) this.numberText(s);
    else this.byte(NONE);
  }

  /** Raw bytes (Uint8Array, Buffer, any view, ArrayBuffer), copied as they are. */
  bytes(v) {
    const b = v instanceof Uint8Array ? v : v instanceof ArrayBuffer ? new Uint8Array(v) : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    const n = b.length;
    this.room(n + 5);
    this.head(this.at, BYTES, n);
    this.out.set(b, this.at + 5);
    this.at += n + 5;
  }
}

function isBytes(v) {
  return ArrayBuffer.isView(v) || v instanceof ArrayBuffer;
}

function isAscii(s) {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}

// The document client's exact number (@aws-sdk/util-dynamodb NumberValue,
// what `wrapNumbers` and `NumberValue.from('1.50')` give): its text, not a
// float, is what the key holds.
function isNumberValue(v) {
  return typeof v.value === 'string' && typeof v.toAttributeValue === 'function' && v.constructor !== undefined && v.constructor.name === 'NumberValue';
}

module.exports = { Writer, BOUNDS, MODULE_FAILED };
