'use strict';

// span-autolink for Node.js: the rules of the Rust core, compiled to
// WebAssembly. This wrapper holds no pointer rule. It adapts JavaScript
// shapes to the module's input (marshal data in linear memory, limited to what
// the module's projections name) and its output lines to objects, and it
// keeps the caller safe from anything that goes wrong inside the module.

let glue = null;
let loadError = null;
try {
  glue = require('./pkg/span_autolink.js');
} catch (error) {
  // Reported by every call as internal_error, never thrown at require time.
  loadError = error;
}

const ENV_ENABLED = 'DD_TRACE_AWS_ADD_SPAN_POINTERS';
const ENV_KEYS = 'DD_TRACE_DYNAMODB_TABLE_PRIMARY_KEYS';

// ---------------------------------------------------------------------------
// The instance: its memory view and the configuration it holds.

let memory = null; // WebAssembly.Memory of the current instance
let bytes = null; // Buffer over the whole linear memory
let configured = ''; // the key-name configuration text the instance holds

// The module's input buffer: input is written straight into it. It only
// grows, and growing keeps what was written (ABI.md), so its place is asked
// for only when an input needs more room.
let inputStart = 0;
let inputEnd = 0;
// The module's output buffer, which moves only when an output is longer
// than every earlier one: its place is asked for only then.
let outputStart = 0;
let outputLongest = -1;

function attach() {
  memory = glue.linearMemory();
  bytes = null;
  configured = '';
  inputStart = 0;
  inputEnd = 0;
  outputLongest = -1;
}

/**
 * The current view of linear memory (memory may grow during any call).
 * Growing detaches the memory's old buffer, and a view of a detached
 * buffer has no bytes: so the buffer, a call into the engine that costs
 * about 50 ns, is asked for only then.
 */
function view() {
  if (bytes === null || bytes.length === 0) bytes = Buffer.from(memory.buffer);
  return bytes;
}

/** Writes `text` as the next call's input; returns its length in bytes. */
function writeInput(text) {
  begin();
  room(text.length * 3);
  at += utf8Write.call(out, text, at);
  return submit();
}

/** Where the `len` output bytes of the last call start. */
function outputAt(len) {
  if (len > outputLongest) {
    outputStart = glue.outputBuffer();
    outputLongest = len;
  }
  return outputStart;
}

/** The `len` output bytes of the last call as text. */
function outputText(len) {
  const ptr = outputAt(len);
  return view().toString('utf8', ptr, ptr + len);
}

// Buffer's decoder without the encoding argument's dispatch, where Node
// has it (every version so far).
const latin1Slice =
  Buffer.prototype.latin1Slice ||
  function (start, end) {
    return this.toString('latin1', start, end);
  };

// Output lines (ABI.md): `p KIND DIRECTION HASH` and `i CODE MESSAGE`.
// Pointer fields are ASCII; kinds and directions are recognised by their
// bytes, so that a pointer costs one new string (its hash). A single
// pointer's hash is decoded on its own; from a second pointer on, the
// output is decoded once and each hash is a slice of it (one engine call
// for a stream, not one a pointer).
//
// A known kind is compared letter by letter in generated straight-line
// code: a loop over its letters was two thirds of reading a stream's
// output (35 of 52 us for 1,000 pointers), the generated compare 7 us.
const S3_OBJECT = 'aws.s3.object';
const DYNAMODB_ITEM = 'aws.dynamodb.item';

/** Whether the bytes of `b` at `at` spell the ASCII text `s`. */
function spells(b, at, s) {
  for (let i = 0; i < s.length; i++) if (b[at + i] !== s.charCodeAt(i)) return false;
  return true;
}

/** `spells` for one text, as generated straight-line code where allowed. */
function spelling(s) {
  try {
    const letters = [...s].map((c, i) => `b[at + ${i}] === ${c.charCodeAt(0)}`);
    // eslint-disable-next-line no-new-func
    return new Function('b', 'at', `return ${letters.join(' && ')};`);
  } catch (_) {
    return (b, at) => spells(b, at, s); // --disallow-code-generation-from-strings
  }
}
const isS3Object = spelling(S3_OBJECT);
const isDynamoDbItem = spelling(DYNAMODB_ITEM);

// Fields of lines off the common path, remembered (a few) to be recognised.
const known = [];

function fieldAt(b, start, end) {
  for (let k = 0; k < known.length; k++) {
    const s = known[k];
    if (s.length === end - start && spells(b, start, s)) return s;
  }
  const s = b.toString('latin1', start, end);
  if (known.length < 16) known.push(s);
  return s;
}

/** The position of the next `c` at or after `at`, or `end`. */
function next(b, at, end, c) {
  while (at < end && b[at] !== c) at++;
  return at;
}

/**
 * A change time's decimal digits as a number of Unix nanoseconds: exact up
 * to 2^53, the nearest double beyond (within 256 ns for times of this
 * century), which is what an OpenTelemetry attribute can hold.
 */
function changeTime(b, from, to) {
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + (b[i] - 0x30);
  return n;
}

/** Reads the `len` output bytes of the last call as `{pointers, issues}`. */
function readOutput(len) {
  const pointers = [];
  const issues = [];
  if (len === 0) return { pointers, issues };
  let at = outputAt(len);
  const b = view();
  const start = at;
  const end = at + len;
  let text = null; // the output as latin1 text, once a second pointer is read
  while (at < end && b[at] === 0x70 /* p */) {
    // The common case: a known kind, `d` or `u`, 32 hash characters, and
    // the line's end or the change time.
    const fifth = b[at + 6];
    const kind = fifth === 0x73 /* s */ ? S3_OBJECT : fifth === 0x64 /* d */ ? DYNAMODB_ITEM : '';
    const d = at + 2 + kind.length;
    const after = b[d + 35];
    if (
      kind !== '' &&
      b[d] === 0x20 &&
      b[d + 2] === 0x20 &&
      (after === 0x0a || after === 0x20) &&
      d + 35 < end &&
      (kind === S3_OBJECT ? isS3Object(b, at + 2) : isDynamoDbItem(b, at + 2))
    ) {
      const c = b[d + 1];
      if (c === 0x64 || c === 0x75) {
        let hash;
        if (pointers.length === 0) {
          hash = latin1Slice.call(b, d + 3, d + 35);
        } else {
          // Issue lines may follow; their UTF-8 decoded as latin1 is never sliced.
          if (text === null) text = latin1Slice.call(b, start, end);
          hash = text.slice(d + 3 - start, d + 35 - start);
        }
        const pointer = { kind, direction: c === 0x64 ? 'd' : 'u', hash };
        at = d + 35;
        if (after === 0x20) {
          const stop = next(b, at + 1, end, 0x0a);
          pointer.changeTime = changeTime(b, at + 1, stop);
          at = stop;
        }
        pointers.push(pointer);
        at += 1;
        continue;
      }
    }
    const stop = next(b, at, end, 0x0a);
    const kindEnd = next(b, at + 2, stop, 0x20);
    const directionEnd = next(b, kindEnd + 1, stop, 0x20);
    const hashEnd = next(b, directionEnd + 1, stop, 0x20);
    const pointer = {
      kind: fieldAt(b, at + 2, kindEnd),
      direction: fieldAt(b, kindEnd + 1, directionEnd),
      hash: b.toString('latin1', directionEnd + 1, hashEnd),
    };
    if (hashEnd < stop) pointer.changeTime = changeTime(b, hashEnd + 1, stop);
    pointers.push(pointer);
    at = stop + 1;
  }
  if (at < end) {
    // Issues come after every pointer; their messages are UTF-8.
    const lines = b.toString('utf8', at, end);
    let from = 0;
    while (from < lines.length) {
      let stop = lines.indexOf('\n', from);
      if (stop < 0) stop = lines.length;
      const space = lines.indexOf(' ', from + 2);
      const codeEnd = space < 0 || space > stop ? stop : space;
      issues.push({
        code: lines.slice(from + 2, codeEnd),
        message: codeEnd < stop ? lines.slice(codeEnd + 1, stop) : '',
      });
      from = stop + 1;
    }
  }
  return { pointers, issues };
}

/** Re-creates the instance after a trap; the compiled module is reused. */
function recover() {
  try {
    glue.__wbg_reset_state();
    attach();
  } catch (_) {
    // Nothing more to do: the next call reports whatever happens then.
  }
}

function messageOf(error) {
  try {
    return error && error.message ? String(error.message) : String(error);
  } catch (_) {
    return 'unknown error';
  }
}

function internalError(message) {
  return { pointers: [], issues: [{ code: 'internal_error', message }] };
}

/** The outcome of a call that failed inside the module; the next call gets a new instance. */
function failed(error) {
  recover();
  return internalError(`the span-autolink module failed: ${messageOf(error)}`);
}

/** The outcome of every call when the module could not be loaded at all. */
function unavailable() {
  return internalError(`the span-autolink module could not be loaded: ${messageOf(loadError)}`);
}

if (glue !== null) {
  try {
    attach();
  } catch (error) {
    loadError = error;
  }
}

// ---------------------------------------------------------------------------
// Writing what the projections name.
//
// A projection (ABI.md) is `true` (the whole value), an object of member
// projections (of an object, only those members), or a one-element list
// (of a list, every element). Each one becomes a writer, which appends the
// value to the module's input as projected input (ABI.md, "Projected
// input"): values in Python's marshal format, where every string goes with
// its length in front, so nothing is escaped here or scanned there, and
// bytes go as they are; an object the projection names members of goes as
// `@` and its members' values in the projection's order (`0` for one it
// does not have), so no member name is written or read. Writers read only
// the members their projection names, so an S3 `Body` or an item image is
// never read, copied or encoded.

// Deeper than this, writers stop and write None: the value then nests
// deeper than the module accepts (128), so the module reports the input as
// unreadable instead of reading a shortened copy. Cyclic objects end here.
const MAX_DEPTH = 140;

// Buffer's encoders without the encoding argument's dispatch, where Node
// has them (every version so far), else the documented `write`.
const utf8Write =
  Buffer.prototype.utf8Write ||
  function (s, offset) {
    return this.write(s, offset, 'utf8');
  };

// Marshal type bytes (ABI.md).
const TAG = Buffer.from([0x00, 0x70]); // in front of every input: projected marshal, not JSON
const PROJECTED = 0x40; // @: an object, its members by place
const ABSENT = 0x30; // 0: a member the object does not have
const NONE = 0x4e; // N
const TRUE = 0x54; // T
const FALSE = 0x46; // F
const FLOAT_TEXT = 0x66; // f: u8 length, then the number's text
const TEXT = 0x75; // u: i32 length, then UTF-8
const BYTES = 0x73; // s: i32 length, then the bytes
const LIST = 0x5b; // [: i32 count, then the items
const DICT = 0x7b; // {: (key, value) pairs, then DICT_END
const DICT_END = 0x30; // 0
const REF = 0x72; // r: i32 index of an object written before
const FLAG_REF = 0x80; // on a type byte: the object gets the next index

// While an input is written: `out` views linear memory and `at` is where
// the next byte goes, inside the module's input buffer.
let out = null;
let at = 0;

/** A failure of the module itself while an input was being written. */
class ModuleFailure extends Error {
  constructor(cause) {
    super(messageOf(cause));
    this.cause = cause;
  }
}

/** Makes room for `n` more bytes. */
function room(n) {
  if (at + n <= inputEnd) return;
  const written = at - inputStart;
  let size = Math.max(4096, (inputEnd - inputStart) * 2);
  while (size < written + n) size *= 2;
  try {
    inputStart = glue.inputBuffer(size);
  } catch (error) {
    throw new ModuleFailure(error);
  }
  inputEnd = inputStart + size;
  out = view(); // memory may have grown
  at = inputStart + written;
}

function byte(b) {
  room(1);
  out[at++] = b;
}

/** Appends prepared marshal data (a name, a call's start). */
function raw(bytes) {
  const n = bytes.length;
  room(n);
  if (n > 12) {
    out.set(bytes, at); // a flat ~15 ns, less than a loop beyond 12 bytes
    at += n;
    return;
  }
  const o = out;
  let p = at;
  for (let i = 0; i < n; i++) o[p++] = bytes[i];
  at = p;
}

/** Writes a type byte and an i32 at `p`. */
function head(p, type, n) {
  const o = out;
  o[p] = type;
  o[p + 1] = n;
  o[p + 2] = n >> 8;
  o[p + 3] = n >> 16;
  o[p + 4] = n >> 24;
}

// Strings an input repeats (a stream's table ARN, event source and event
// name, the names in its key maps) are written once and referred to after
// that (FLAG_REF, `r`), which saves writing and reading them again: each
// character copied here costs about 2 ns. The last string written of each
// slot (its length and first character) is remembered for the input being
// written; strings under 4 UTF-16 units (hardly cheaper to refer to than
// to write) or over 256 are not, the long ones so that no large string
// outlives its call here.
const seen = new Array(64).fill('');
const seenRef = new Int32Array(64);
const seenInput = new Int32Array(64);
let input = 0; // counts inputs: a `seen` entry is valid for one only
let refs = 0; // reference indices given in this input

// Lists being written: strings repeat across the items of a list (the
// records of an event); outside one they hardly do, and a call of a few
// strings is cheaper to read without references.
let lists = 0;

/** Appends a reference to the object given `index` earlier in this input. */
function reference(index) {
  room(5);
  head(at, REF, index);
  at += 5;
}

/** Appends a string: once, or as a reference to where it was written. */
function text(s) {
  const n = s.length;
  if (lists === 0 || n < 4 || n > 256) {
    utf8(s, TEXT);
    return;
  }
  // `INSERT`, `MODIFY` and `REMOVE` take three slots, not one.
  const k = (n + (s.charCodeAt(0) << 3)) & 63;
  if (seenInput[k] === input && seen[k] === s) {
    reference(seenRef[k]);
    return;
  }
  seen[k] = s;
  seenInput[k] = input;
  seenRef[k] = refs++;
  utf8(s, TEXT | FLAG_REF);
}

/** Appends `s` as UTF-8 behind `type` and its byte length. */
function utf8(s, type) {
  const n = s.length;
  // Three bytes a UTF-16 unit at most (a surrogate pair is four for two).
  room(n * 3 + 5);
  const o = out;
  const start = at;
  let p = start + 5;
  let i = 0;
  if (n < 16) {
    // Short ASCII text is copied here (about 2 ns a character); the
    // engine's encoder costs about 30 ns a call, and is faster from 16
    // characters on, or from the first character beyond ASCII on.
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      o[p++] = c;
    }
  }
  // Lone surrogates become U+FFFD, as TextEncoder and the SDKs write them.
  if (i < n) p += utf8Write.call(o, i === 0 ? s : s.slice(i), p);
  head(start, type, p - start - 5);
  at = p;
}

/** Appends a number's text (JSON number text, ASCII, at most 255 bytes). */
function numberText(s) {
  const n = s.length;
  room(n + 2);
  const o = out;
  let p = at;
  o[p++] = FLOAT_TEXT;
  o[p++] = n;
  for (let i = 0; i < n; i++) o[p++] = s.charCodeAt(i);
  at = p;
}

function isBytes(v) {
  return ArrayBuffer.isView(v) || v instanceof ArrayBuffer;
}

/** Raw bytes (Uint8Array, Buffer, any view, ArrayBuffer), copied as they are. */
function bytesOf(v) {
  const b =
    v instanceof Uint8Array ? v : v instanceof ArrayBuffer ? new Uint8Array(v) : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  const n = b.length;
  room(n + 5);
  head(at, BYTES, n);
  out.set(b, at + 5);
  at += n + 5;
}

// The document client's exact number (@aws-sdk/util-dynamodb NumberValue,
// what `wrapNumbers` and `NumberValue.from('1.50')` give): its text, not a
// float, is what the key holds.
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?$/;

function isNumberValue(v) {
  return typeof v.value === 'string' && typeof v.toAttributeValue === 'function' && v.constructor !== undefined && v.constructor.name === 'NumberValue';
}

/**
 * Appends number text that may not be JSON or may be too long for
 * marshal's float text (a NumberValue, a BigInt): text that is not a JSON
 * number is written as None, which the module reports as the wrong type.
 */
function exactNumber(s) {
  if (s.length <= 255 && JSON_NUMBER.test(s)) numberText(s);
  else byte(NONE);
}

function skipped(x) {
  return x === undefined || typeof x === 'function' || typeof x === 'symbol';
}

/** Appends the list `v`, each item written by `write` (skipped items as None). */
function list(v, depth, write) {
  const n = v.length;
  room(5);
  head(at, LIST, n);
  at += 5;
  lists++;
  for (let i = 0; i < n; i++) {
    const x = v[i];
    if (skipped(x)) byte(NONE);
    else write(x, depth + 1);
  }
  lists--;
}

/** Appends the whole value `v`, as JSON.stringify would see it. */
function whole(v, depth) {
  switch (typeof v) {
    case 'string':
      text(v);
      return;
    case 'number':
      if (Number.isFinite(v)) numberText(String(v));
      else byte(NONE);
      return;
    case 'boolean':
      byte(v ? TRUE : FALSE);
      return;
    case 'bigint':
      exactNumber(v.toString());
      return;
    case 'object':
      if (v !== null && depth <= MAX_DEPTH) break;
    // falls through
    default:
      byte(NONE);
      return;
  }
  if (Array.isArray(v)) {
    list(v, depth, whole);
    return;
  }
  if (isBytes(v)) {
    bytesOf(v);
    return;
  }
  if (isNumberValue(v)) {
    exactNumber(v.value);
    return;
  }
  byte(DICT);
  // Own enumerable members, in Object.keys order: for-in uses the engine's
  // cache of an object's keys where Object.keys makes an array (three times
  // slower for a stream's key maps).
  for (const name in v) {
    if (!hasOwn.call(v, name)) continue;
    const x = v[name];
    if (skipped(x)) continue;
    text(name);
    whole(x, depth + 1);
  }
  byte(DICT_END);
}

const hasOwn = Object.prototype.hasOwnProperty;

/** Whether `v` is what a member projection applies to (a JSON object). */
function isRecord(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !isBytes(v);
}

/**
 * The writer of projection `p`: generated code, so that every member read
 * is a plain property access the engine can optimize. Where code
 * generation is not allowed (--disallow-code-generation-from-strings), the
 * same walk interprets the projection instead.
 */
function writerOf(p) {
  try {
    return generate(p);
  } catch (_) {
    return interpret(p);
  }
}

function generate(p) {
  const parts = [];
  const root = emit(p, parts);
  const source = '"use strict";\n' + parts.join('\n') + '\nreturn ' + root + ';';
  // eslint-disable-next-line no-new-func
  return new Function('whole', 'list', 'isRecord', 'skipped', 'byte', 'MAX_DEPTH', source)(
    whole,
    list,
    isRecord,
    skipped,
    byte,
    MAX_DEPTH
  );
}

// Emits the functions of projection `p` into `parts`; returns the name of
// its writer. Member names come from the module; they are read as JSON
// string literals, which are also JavaScript string literals.
function emit(p, parts) {
  if (p === true) return 'whole';
  const name = 'w' + parts.length;
  const slot = parts.length;
  parts.push(''); // nested writers come after this one
  if (Array.isArray(p)) {
    const each = emit(p[0], parts);
    parts[slot] =
      `function ${name}(v, d) {\n` +
      `  if (!Array.isArray(v) || d > MAX_DEPTH) return whole(v, d);\n` +
      `  list(v, d, ${each});\n` +
      `}`;
    return name;
  }
  let members = '';
  for (const m of Object.keys(p)) {
    const inner = emit(p[m], parts);
    members +=
      `  x = v[${JSON.stringify(m)}];\n` +
      `  if (skipped(x)) byte(${ABSENT});\n` +
      `  else ${inner}(x, d + 1);\n`;
  }
  parts[slot] =
    `function ${name}(v, d) {\n` +
    `  if (!isRecord(v) || d > MAX_DEPTH) return whole(v, d);\n` +
    `  let x;\n` +
    `  byte(${PROJECTED});\n` +
    members +
    `}`;
  return name;
}

function interpret(p) {
  if (p === true) return whole;
  if (Array.isArray(p)) {
    const each = interpret(p[0]);
    return (v, d) => (!Array.isArray(v) || d > MAX_DEPTH ? whole(v, d) : list(v, d, each));
  }
  const members = Object.keys(p).map((m) => [m, interpret(p[m])]);
  return (v, d) => {
    if (!isRecord(v) || d > MAX_DEPTH) return whole(v, d);
    byte(PROJECTED);
    for (let i = 0; i < members.length; i++) {
      const [m, write] = members[i];
      const x = v[m];
      if (skipped(x)) byte(ABSENT);
      else write(x, d + 1);
    }
  };
}

/** Starts a new input at the start of the module's input buffer. */
function begin() {
  out = view();
  at = inputStart;
  input = (input + 1) | 0;
  refs = 0;
  lists = 0; // a writer that threw may have left it raised
}

/** Starts a new projected input. */
function beginProjected() {
  begin();
  raw(TAG);
}

/** The length of the input written since `begin`. */
function submit() {
  return at - inputStart;
}

// ---------------------------------------------------------------------------
// Configuration.

function enabledByEnvironment() {
  const v = process.env[ENV_ENABLED];
  if (v === undefined) return true;
  const t = v.trim().toLowerCase();
  return !(t === 'false' || t === '0');
}

function configText(options) {
  const keys = options == null ? undefined : options.dynamodbPrimaryKeys;
  if (keys == null) return environment.keys;
  if (typeof keys === 'string') return keys; // JSON text, as the environment variable holds it
  let text;
  try {
    text = JSON.stringify(keys);
  } catch (_) {
    // A cycle or a BigInt: what the module gets is no JSON, which it
    // reports as config_invalid.
  }
  return typeof text === 'string' ? text : '!';
}

const environment = { enabled: true, keys: '' };

/**
 * Reads DD_TRACE_AWS_ADD_SPAN_POINTERS and
 * DD_TRACE_DYNAMODB_TABLE_PRIMARY_KEYS again. They are read when the
 * package loads; call this after changing them.
 */
function reloadEnvironment() {
  environment.enabled = enabledByEnvironment();
  environment.keys = process.env[ENV_KEYS] || '';
}
reloadEnvironment();

/** Hands the instance a new key-name configuration. */
function configure(text) {
  configured = undefined; // unknown until the call returns
  // Its issue lines are output too: one longer than any before moves the
  // output buffer, whose new place every later output is read from.
  outputAt(glue.configure(writeInput(text)));
  configured = text;
}

// ---------------------------------------------------------------------------
// The API.

// service -> operation -> what to write of the call, or null for calls that
// write nothing a pointer can name. Projections depend only on the module
// and the call, so they are asked for once.
const calls = new Map();
let cachedCalls = 0;

function callOf(service, operation) {
  let byOperation = calls.get(service);
  if (byOperation === undefined) {
    byOperation = new Map();
    calls.set(service, byOperation);
  }
  let call = byOperation.get(operation);
  if (call === undefined) {
    call = null;
    const json = outputText(glue.responseProjection(writeInput(service + ' ' + operation)));
    if (json !== '') {
      const p = JSON.parse(json);
      if (!Number.isInteger(p.operation) || p.operation < 0 || p.operation > 255) {
        // A module older than this package: its calls cannot be named.
        throw new Error('the module named no operation code for this call');
      }
      call = {
        // The tag and the operation's code: the service and operation are
        // named once, here.
        prefix: Buffer.from([TAG[0], TAG[1], p.operation]),
        request: writerOf(p.request),
        response: writerOf(p.response),
      };
    }
    if (++cachedCalls > 4096) {
      // Callers that invent operation names must not grow this forever.
      calls.clear();
      cachedCalls = 0;
    }
    byOperation.set(operation, call);
  }
  return call;
}

let eventWriter = null;

function none() {
  return { pointers: [], issues: [] };
}

/** What a caller's object gave when reading it threw (a getter, a Proxy). */
function unreadable(what, error) {
  return { pointers: [], issues: [{ code: 'input_invalid', message: `the ${what} could not be read: ${messageOf(error)}` }] };
}

/** A v3 command object carries its parameters in `input`. */
function parameters(request) {
  if (typeof request.resolveMiddleware === 'function' && request.input !== undefined) return request.input;
  return request;
}

/**
 * The producer span pointers of a successful AWS SDK call.
 *
 * @param {string} service 's3' or 'dynamodb', in any case
 * @param {string} operation e.g. 'PutObject', 'putObject', 'PutObjectCommand'
 * @param {object} request the v3 command (or its input), or v2 params
 * @param {object} response the v3 output, or the v2 response (output in `data`)
 * @param {{dynamodbPrimaryKeys?: Record<string, string[]> | string}} [options]
 */
function pointersForResponse(service, operation, request, response, options) {
  if (!environment.enabled || typeof service !== 'string' || typeof operation !== 'string') return none();
  if (loadError !== null) return unavailable();
  let call;
  try {
    call = callOf(service, operation);
  } catch (error) {
    return failed(error);
  }
  if (call === null) return none();
  let keys;
  try {
    keys = configText(options);
  } catch (error) {
    return unreadable('options', error);
  }
  try {
    // Before the call's input is written: configuring takes the input buffer.
    if (keys !== configured) configure(keys);
  } catch (error) {
    return failed(error);
  }
  try {
    begin();
    raw(call.prefix);
    if (typeof request === 'object' && request !== null) call.request(parameters(request), 1);
    else whole(request, 1);
    call.response(response, 1);
  } catch (error) {
    if (error instanceof ModuleFailure) return failed(error.cause);
    return unreadable('request or response', error);
  }
  try {
    return readOutput(glue.pointersForResponse(submit()));
  } catch (error) {
    return failed(error);
  }
}

/**
 * The consumer span pointers of a Lambda event.
 *
 * @param {object} event the event as the handler receives it
 */
function pointersForEvent(event) {
  if (!environment.enabled) return none();
  if (loadError !== null) return unavailable();
  try {
    if (eventWriter === null) eventWriter = writerOf(JSON.parse(outputText(glue.eventProjection())));
  } catch (error) {
    return failed(error);
  }
  try {
    beginProjected();
    eventWriter(event, 1);
  } catch (error) {
    if (error instanceof ModuleFailure) return failed(error.cause);
    return unreadable('event', error);
  }
  try {
    return readOutput(glue.pointersForEvent(submit()));
  } catch (error) {
    return failed(error);
  }
}

const CHANGE_TIME = 'span_autolink.change_time';

/**
 * The span-link attributes of a pointer (SPEC section 2): the four of
 * every pointer link, and the change time where the pointer has one.
 */
function spanLinkAttributes(pointer) {
  try {
    const attributes = {
      'link.kind': 'span-pointer',
      'ptr.kind': pointer.kind,
      'ptr.dir': pointer.direction,
      'ptr.hash': pointer.hash,
    };
    if (typeof pointer.changeTime === 'number') attributes[CHANGE_TIME] = pointer.changeTime;
    return attributes;
  } catch (_) {
    return { 'link.kind': 'span-pointer', 'ptr.kind': undefined, 'ptr.dir': undefined, 'ptr.hash': undefined };
  }
}

/**
 * Whether a span carrying the pointer `hash` asks to keep its trace at
 * `rate` (0 to 1): the same decision on both sides of a hop.
 */
function keepForSampling(hash, rate) {
  if (loadError !== null || typeof hash !== 'string' || typeof rate !== 'number') return false;
  try {
    return glue.keepForSampling(writeInput(hash + ' ' + String(rate))) === 1;
  } catch (error) {
    recover();
    return false;
  }
}

/** Forces a trap inside the module; for tests of the recovery only. */
function testTrap() {
  if (loadError !== null) return unavailable();
  try {
    glue.testTrap();
    return none();
  } catch (error) {
    return failed(error);
  }
}

module.exports = {
  pointersForResponse,
  pointersForEvent,
  spanLinkAttributes,
  keepForSampling,
  reloadEnvironment,
  testTrap,
};
// `import api from 'span-autolink'` in TypeScript without esModuleInterop.
module.exports.default = module.exports;
