'use strict';

// span-autolink for Node.js: the rules of the Rust core, compiled to
// WebAssembly. This wrapper holds no pointer rule. It adapts JavaScript
// shapes to the module's input (JSON text in linear memory, limited to what
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
let memoryBuffer = null; // the ArrayBuffer `bytes` views
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
  memoryBuffer = null;
  configured = '';
  inputStart = 0;
  inputEnd = 0;
  outputLongest = -1;
}

/** The current view of linear memory (memory may grow during any call). */
function view() {
  const buffer = memory.buffer;
  if (buffer !== memoryBuffer) {
    memoryBuffer = buffer;
    bytes = Buffer.from(buffer);
  }
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
// bytes, so that a pointer costs one new string (its hash).
const known = [];
const S3_OBJECT = 'aws.s3.object';
const DYNAMODB_ITEM = 'aws.dynamodb.item';

function startsWith(b, at, s) {
  for (let i = 0; i < s.length; i++) if (b[at + i] !== s.charCodeAt(i)) return false;
  return true;
}

function fieldAt(b, start, end) {
  for (let k = 0; k < known.length; k++) {
    const s = known[k];
    if (s.length !== end - start) continue;
    let i = 0;
    while (i < s.length && s.charCodeAt(i) === b[start + i]) i++;
    if (i === s.length) return s;
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

/** Reads the `len` output bytes of the last call as `{pointers, issues}`. */
function readOutput(len) {
  const pointers = [];
  const issues = [];
  if (len === 0) return { pointers, issues };
  let at = outputAt(len);
  const b = view();
  const end = at + len;
  while (at < end && b[at] === 0x70 /* p */) {
    // The common case, checked byte for byte: a known kind, `d` or `u`, and
    // 32 hash characters.
    const kind = b[at + 6] === 0x73 ? S3_OBJECT : DYNAMODB_ITEM;
    const d = at + 2 + kind.length;
    if (b[d] === 0x20 && b[d + 2] === 0x20 && b[d + 35] === 0x0a && d + 35 < end && startsWith(b, at + 2, kind)) {
      const c = b[d + 1];
      if (c === 0x64 || c === 0x75) {
        pointers.push({ kind, direction: c === 0x64 ? 'd' : 'u', hash: latin1Slice.call(b, d + 3, d + 35) });
        at = d + 36;
        continue;
      }
    }
    const stop = next(b, at, end, 0x0a);
    const kindEnd = next(b, at + 2, stop, 0x20);
    const directionEnd = next(b, kindEnd + 1, stop, 0x20);
    pointers.push({
      kind: fieldAt(b, at + 2, kindEnd),
      direction: fieldAt(b, kindEnd + 1, directionEnd),
      hash: b.toString('latin1', directionEnd + 1, stop),
    });
    at = stop + 1;
  }
  if (at < end) {
    // Issues come after every pointer; their messages are UTF-8.
    const text = b.toString('utf8', at, end);
    let start = 0;
    while (start < text.length) {
      let stop = text.indexOf('\n', start);
      if (stop < 0) stop = text.length;
      const space = text.indexOf(' ', start + 2);
      const codeEnd = space < 0 || space > stop ? stop : space;
      issues.push({
        code: text.slice(start + 2, codeEnd),
        message: codeEnd < stop ? text.slice(codeEnd + 1, stop) : '',
      });
      start = stop + 1;
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
// Serializing what the projections name.
//
// A projection (ABI.md) is `true` (the whole value), an object of member
// projections (of an object, only those members), or a one-element list
// (of a list, every element). Each one becomes a writer, which appends the
// JSON text of a value to `out` as UTF-8. Writers read only the members
// their projection names, so an S3 `Body` or an item image is never read,
// copied or encoded. Bytes are written directly (no intermediate strings,
// which the engine would have to flatten).

// Deeper than this, writers stop and write `null`: the text then nests
// deeper than the module accepts (128), so the module reports the input as
// unreadable instead of reading a shortened copy. Cyclic objects end here.
const MAX_DEPTH = 140;

// Buffer's encoders without the encoding argument's dispatch, where Node
// has them (every version so far), else the documented `write`.
const latin1Write =
  Buffer.prototype.latin1Write ||
  function (s, offset) {
    return this.write(s, offset, 'latin1');
  };
const utf8Write =
  Buffer.prototype.utf8Write ||
  function (s, offset) {
    return this.write(s, offset, 'utf8');
  };

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

/** Appends ASCII text without escaping (member names, numbers, base64). */
function ascii(s) {
  const n = s.length;
  room(n);
  if (n > 32) {
    at += latin1Write.call(out, s, at);
    return;
  }
  const o = out;
  let p = at;
  for (let i = 0; i < n; i++) o[p++] = s.charCodeAt(i);
  at = p;
}

const HEX = '0123456789abcdef';

const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;

/** Appends a string as a JSON string, UTF-8 encoded. */
function string(s) {
  const n = s.length;
  // Three bytes a UTF-16 unit and the quotes; an escape (up to six bytes)
  // makes more room where it is met, so that a long string does not make
  // the module's input buffer (which never shrinks) six times its size.
  room(n * 3 + 2);
  if (n > 48 && !NEEDS_ESCAPE.test(s)) {
    // Long strings without escapes: the engine's own encoder is faster.
    out[at] = 0x22;
    at += 1 + utf8Write.call(out, s, at + 1);
    out[at++] = 0x22;
    return;
  }
  let o = out;
  let p = at;
  o[p++] = 0x22;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      if (c >= 0x20 && c !== 0x22 && c !== 0x5c) {
        o[p++] = c;
      } else {
        const needed = 6 + (n - i - 1) * 3 + 1;
        if (p + needed > inputEnd) {
          at = p;
          room(needed);
          o = out;
          p = at;
        }
        o[p++] = 0x5c;
        if (c === 0x22 || c === 0x5c) {
          o[p++] = c;
        } else {
          o[p++] = 0x75; // \u00XX
          o[p++] = 0x30;
          o[p++] = 0x30;
          o[p++] = HEX.charCodeAt(c >> 4);
          o[p++] = HEX.charCodeAt(c & 15);
        }
      }
    } else if (c < 0x800) {
      o[p++] = 0xc0 | (c >> 6);
      o[p++] = 0x80 | (c & 63);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < n ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
          o[p++] = 0xf0 | (c >> 18);
          o[p++] = 0x80 | ((c >> 12) & 63);
          o[p++] = 0x80 | ((c >> 6) & 63);
          o[p++] = 0x80 | (c & 63);
          continue;
        }
        c = 0xfffd; // a lone surrogate, as TextEncoder and the SDKs write it
      }
      o[p++] = 0xe0 | (c >> 12);
      o[p++] = 0x80 | ((c >> 6) & 63);
      o[p++] = 0x80 | (c & 63);
    }
  }
  o[p++] = 0x22;
  at = p;
}

function isBytes(v) {
  return ArrayBuffer.isView(v) || v instanceof ArrayBuffer;
}

/** Raw bytes (Uint8Array, Buffer, any view, ArrayBuffer) as `{"$bytes": base64}`. */
function bytes64(v) {
  const b = v instanceof ArrayBuffer ? Buffer.from(v) : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  ascii('{"$bytes":"');
  ascii(b.toString('base64'));
  ascii('"}');
}

// The document client's exact number (@aws-sdk/util-dynamodb NumberValue,
// what `wrapNumbers` and `NumberValue.from('1.50')` give): its text, not a
// float, is what the key holds.
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?$/;

function isNumberValue(v) {
  return typeof v.value === 'string' && typeof v.toAttributeValue === 'function' && v.constructor !== undefined && v.constructor.name === 'NumberValue';
}

function skipped(x) {
  return x === undefined || typeof x === 'function' || typeof x === 'symbol';
}

/** Appends the list `v`, each element written by `write`. */
function list(v, depth, write) {
  ascii('[');
  for (let i = 0; i < v.length; i++) {
    if (i > 0) ascii(',');
    const x = v[i];
    if (skipped(x)) ascii('null');
    else write(x, depth + 1);
  }
  ascii(']');
}

/** Appends the whole value `v`. */
function whole(v, depth) {
  switch (typeof v) {
    case 'string':
      string(v);
      return;
    case 'number':
      ascii(Number.isFinite(v) ? String(v) : 'null');
      return;
    case 'boolean':
      ascii(v ? 'true' : 'false');
      return;
    case 'bigint':
      ascii(v.toString());
      return;
    case 'object':
      if (v !== null && depth <= MAX_DEPTH) break;
    // falls through
    default:
      ascii('null');
      return;
  }
  if (Array.isArray(v)) {
    list(v, depth, whole);
    return;
  }
  if (isBytes(v)) {
    bytes64(v);
    return;
  }
  if (isNumberValue(v)) {
    // The exact text, as a JSON number; text JSON cannot hold as a number
    // is written as null, which the module reports as the wrong type.
    ascii(JSON_NUMBER.test(v.value) ? v.value : 'null');
    return;
  }
  ascii('{');
  let first = true;
  const names = Object.keys(v);
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    const x = v[name];
    if (skipped(x)) continue;
    if (first) first = false;
    else ascii(',');
    string(name);
    ascii(':');
    whole(x, depth + 1);
  }
  ascii('}');
}

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
  return new Function('whole', 'list', 'isRecord', 'skipped', 'ascii', 'MAX_DEPTH', source)(
    whole,
    list,
    isRecord,
    skipped,
    ascii,
    MAX_DEPTH
  );
}

// Emits the functions of projection `p` into `parts`; returns the name of
// its writer. Member names come from the module; they are written as JSON
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
  for (const member of Object.keys(p)) {
    const literal = JSON.stringify(member);
    const inner = emit(p[member], parts);
    members +=
      `  x = v[${literal}];\n` +
      `  if (!skipped(x)) {\n` +
      `    ascii(first ? ${JSON.stringify(literal + ':')} : ${JSON.stringify(',' + literal + ':')});\n` +
      `    first = false;\n` +
      `    ${inner}(x, d + 1);\n` +
      `  }\n`;
  }
  parts[slot] =
    `function ${name}(v, d) {\n` +
    `  if (!isRecord(v) || d > MAX_DEPTH) return whole(v, d);\n` +
    `  let first = true;\n` +
    `  let x;\n` +
    `  ascii('{');\n` +
    members +
    `  ascii('}');\n` +
    `}`;
  return name;
}

function interpret(p) {
  if (p === true) return whole;
  if (Array.isArray(p)) {
    const each = interpret(p[0]);
    return (v, d) => (!Array.isArray(v) || d > MAX_DEPTH ? whole(v, d) : list(v, d, each));
  }
  const members = Object.keys(p).map((m) => [m, JSON.stringify(m) + ':', interpret(p[m])]);
  return (v, d) => {
    if (!isRecord(v) || d > MAX_DEPTH) return whole(v, d);
    let first = true;
    ascii('{');
    for (let i = 0; i < members.length; i++) {
      const [m, literal, write] = members[i];
      const x = v[m];
      if (skipped(x)) continue;
      if (!first) ascii(',');
      first = false;
      ascii(literal);
      write(x, d + 1);
    }
    ascii('}');
  };
}

/** Starts a new input at the start of the module's input buffer. */
function begin() {
  out = view();
  at = inputStart;
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
  glue.configure(writeInput(text));
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
      call = {
        prefix: prefixOf(service, operation),
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

/** `{"service":S,"operation":O,"request":` as text that `ascii` can append. */
function prefixOf(service, operation) {
  begin();
  ascii('{"service":');
  string(service);
  ascii(',"operation":');
  string(operation);
  ascii(',"request":');
  // Bytes as latin1 characters: `ascii` appends each one back as that byte.
  return out.toString('latin1', inputStart, at);
}

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
    ascii(call.prefix);
    if (typeof request === 'object' && request !== null) call.request(parameters(request), 2);
    else whole(request, 2);
    ascii(',"response":');
    call.response(response, 2);
    ascii('}');
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
    begin();
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

/** The four span-link attributes of a pointer (SPEC section 2). */
function spanLinkAttributes(pointer) {
  try {
    return {
      'link.kind': 'span-pointer',
      'ptr.kind': pointer.kind,
      'ptr.dir': pointer.direction,
      'ptr.hash': pointer.hash,
    };
  } catch (_) {
    return { 'link.kind': 'span-pointer', 'ptr.kind': undefined, 'ptr.dir': undefined, 'ptr.hash': undefined };
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
  reloadEnvironment,
  testTrap,
};
// `import api from 'span-autolink'` in TypeScript without esModuleInterop.
module.exports.default = module.exports;
