'use strict';

// Wrong and lost pointers found by hostile and merely unusual input (issue
// 17), each test failing on the package before its fix, and a property test
// over generated hostile shapes with a time and a memory bound per input.

const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const api = require('span-autolink');
const { hash, ENV_KEYS, internal } = require('./helpers');

const { autolink } = internal(api, 'lib/autolink.js');

const PUT = { kind: 'aws.s3.object', direction: 'd', hash: 'e721375466d4116ab551213fdea08413' };
const putObject = () => api.pointersForResponse('s3', 'PutObject', { Bucket: 'some-bucket', Key: 'some-key.data' }, { ETag: '"ab12ef34"' });
const streamRecord = (table, id) => ({
  eventSource: 'aws:dynamodb',
  eventName: 'INSERT',
  eventSourceARN: `arn:aws:dynamodb:us-east-1:123456789012:table/${table}/stream/2026-11-01T00:00:00.000`,
  dynamodb: { Keys: { id: { S: id } } },
});

/** The outcome of `f`, which must return one (never throw), within `seconds`. */
function answered(f, what, seconds = 5) {
  const start = process.hrtime.bigint();
  let outcome;
  assert.doesNotThrow(() => {
    outcome = f();
  }, what);
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  assert.ok(elapsed < seconds, `${what}: ${elapsed.toFixed(2)} s`);
  assert.ok(Array.isArray(outcome.pointers) && Array.isArray(outcome.issues), what);
  return outcome;
}

const codes = (outcome) => outcome.issues.map((i) => i.code);
// What a call leaves the package holding: the module's linear memory, which
// never shrinks; with the addon (lib/native.js), whose heap a call gives
// back as it returns, the memory the package shares with it.
const linearMemory = () => (autolink.instance.memory ? autolink.instance.memory.buffer.byteLength : autolink.instance.bytes.length);

test('a configuration with issues, then short outputs: every pointer is read where the module wrote it', () => {
  // The configuration's issue lines are the longest output yet, which
  // moves the module's output buffer; the next PutObjects' outputs are
  // shorter than the longest seen before it.
  const script = `
    const api = require('span-autolink');
    const call = () => api.pointersForResponse('s3', 'PutObject', { Bucket: 'some-bucket', Key: 'some-key.data' }, { ETag: '"ab12ef34"' });
    const before = call().pointers.map((p) => p.hash);
    process.env.${ENV_KEYS} = process.argv[1];
    api.reloadEnvironment();
    const after = [];
    for (let i = 0; i < 1000; i++) after.push(call());
    const put = api.pointersForResponse('dynamodb', 'PutItem', { TableName: 'orders', Item: { id: { S: 'x' } } }, {});
    console.log(JSON.stringify({ before, after: after.map((o) => o.pointers.map((p) => p.hash).join(',')), put: put.issues.map((i) => i.code) }));`;
  const huge = JSON.stringify(Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`t${i}`, 'x'.repeat(i)])));
  for (const bad of ['{"orders": "id"}', 'orders=id', huge]) {
    const r = spawnSync(process.execPath, ['-e', script, bad], { cwd: __dirname, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const { before, after, put } = JSON.parse(r.stdout);
    assert.deepEqual(before, [PUT.hash]);
    assert.deepEqual(new Set(after), new Set([PUT.hash]), bad);
    assert.ok(put.every((code) => /^[a-z_]+$/.test(code)), JSON.stringify(put));
  }
});

test('throws from a caller\'s values never escape, whatever is thrown', () => {
  const { proxy: revoked, revoke } = Proxy.revocable({}, {});
  revoke();
  const prototypeTrap = new Proxy({}, { getPrototypeOf() { throw new Error('no prototype'); } });
  for (const [what, thrown] of [['a revoked Proxy', revoked], ['a Proxy whose getPrototypeOf throws', prototypeTrap], ['undefined', undefined], ['a symbol', Symbol('s')]]) {
    const request = { Bucket: 'b' };
    Object.defineProperty(request, 'Key', { enumerable: true, get() { throw thrown; } });
    const response = answered(() => api.pointersForResponse('s3', 'PutObject', request, { ETag: 'e' }), what);
    assert.deepEqual(codes(response), ['input_invalid'], what);
    const record = { eventSource: 'aws:s3' };
    Object.defineProperty(record, 'eventName', { enumerable: true, get() { throw thrown; } });
    assert.deepEqual(codes(answered(() => api.pointersForEvent({ Records: [record] }), what)), ['input_invalid'], what);
    // Values that are themselves such objects.
    answered(() => api.pointersForResponse('s3', 'PutObject', revoked, revoked), what);
    answered(() => api.pointersForEvent(revoked), what);
    answered(() => api.pointersForGetRecords(revoked), what);
    answered(() => api.pointersForEvent({ Records: [prototypeTrap] }), what);
  }
  assert.deepEqual(putObject().pointers, [PUT]);
});

test('spanLinkAttributes of what is not a pointer is null, never a malformed link', () => {
  for (const value of [undefined, null, 42, 'p', {}, { kind: 'aws.s3.object' }, Proxy.revocable({}, {}).proxy]) {
    assert.equal(api.spanLinkAttributes(value), null);
  }
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  assert.equal(api.spanLinkAttributes(proxy), null);
  assert.deepEqual(api.spanLinkAttributes(PUT), { 'link.kind': 'span-pointer', 'ptr.kind': PUT.kind, 'ptr.dir': 'd', 'ptr.hash': PUT.hash });
});

test('an odd process.env (replaced, holding non-strings, or throwing) breaks neither require nor a call', () => {
  const script = `
    const real = process.env;
    process.env = { ...process.env, DD_TRACE_AWS_ADD_SPAN_POINTERS: false, SPAN_AUTOLINK_POINTER_SAMPLING: 0.5 };
    const api = require('span-autolink');
    const first = api.pointersForResponse('s3', 'PutObject', { Bucket: 'b', Key: 'k' }, { ETag: 'e' }).pointers.length;
    process.env = new Proxy({}, { get() { throw new Error('no environment'); }, has() { throw new Error('no'); } });
    api.reloadEnvironment();
    const second = api.pointersForResponse('s3', 'PutObject', { Bucket: 'b', Key: 'k' }, { ETag: 'e' }).pointers.length;
    const enabled = api.settings().enabled;
    process.env = real; // console.log reads the environment too
    console.log(JSON.stringify([first, second, enabled]));`;
  const r = spawnSync(process.execPath, ['-e', script], { cwd: __dirname, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  // Non-string values are not strings a variable holds: the defaults apply.
  assert.deepEqual(JSON.parse(r.stdout), [1, 1, true]);
});

test('calls made with little stack left answer, at every depth', () => {
  const event = { Records: [streamRecord('t', 'x')] };
  const threw = [];
  const inside = []; // depths whose throw came from inside the package, past its entry
  const entry = entryOf('pointersForEvent');
  let depths = 0;
  function dive(depth) {
    depths = depth + 1;
    try {
      const outcome = api.pointersForEvent(event);
      if (!Array.isArray(outcome.pointers)) threw.push(depth);
    } catch (error) {
      threw.push(depth);
      const top = String((error && error.stack) || '').split('\n')[1] || '';
      if (top.includes('span-autolink') && !entry(top)) inside.push(`${depth}: ${top.trim()}`);
    }
    try {
      dive(depth + 1);
    } catch (_) {
      // The probe's own recursion ran out of stack: the bottom is reached.
    }
  }
  dive(0);
  assert.ok(depths > 1000, `${depths} depths`);
  // At the last few depths not even the call into the package can be
  // made: the engine throws in the caller's frame, or as the public
  // function's own frame is set up (at its first line), before any of the
  // package's code runs. How many depths that is depends on how V8 compiled
  // that function; whatever throws from further in is an escape.
  assert.deepEqual(inside, [], `thrown from inside the package`);
  const escapes = threw.filter((d) => d < depths - ENTRY_DEPTHS);
  assert.deepEqual(escapes, [], `${threw.length} of ${depths} depths threw, at ${threw.join(', ')}`);
  assert.equal(api.pointersForEvent(event).pointers.length, 1);
});

// How many of the deepest frames may fail to enter the package at all: the
// public function's frame, with V8's own margin, over the probe's frame.
const ENTRY_DEPTHS = 16;

/**
 * Whether a stack frame's place is the head of the public function `name`
 * in the package's entry bundle: from the function's start to its body's
 * opening brace, found by the function's own text (the bundle is minified,
 * so the head is part of a line, not a line of its own).
 */
function entryOf(name) {
  const file = require.resolve('span-autolink');
  const text = require('node:fs').readFileSync(file, 'utf8');
  const source = api[name].toString();
  const at = text.indexOf(source);
  assert.ok(at >= 0 && text.indexOf(source, at + 1) < 0, `${name} once in ${file}`);
  const line = text.slice(0, at).split('\n').length;
  const from = at - text.lastIndexOf('\n', at - 1); // 1-based, as stack frames count columns
  const to = from + source.indexOf('{');
  return (frame) => {
    const place = frame.match(/:(\d+):(\d+)\)?$/);
    if (place === null || !frame.includes(file)) return false;
    const [, l, c] = place.map(Number);
    return l === line && c >= from && c <= to;
  };
}

// ---------------------------------------------------------------------------
// Generated hostile shapes.

/** xorshift32: the same shapes on every run. */
function random(seed) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  return { int: (n) => Math.floor(next() * n), pick: (xs) => xs[Math.floor(next() * xs.length)] };
}

function hostile(r, depth) {
  const leaf = () =>
    r.pick([
      () => 'x',
      () => 'caf\udce9',
      () => 1.5,
      () => NaN,
      () => 10n ** 40n,
      () => Symbol('s'),
      () => () => 1,
      () => new Date(NaN),
      () => new Uint8Array(r.int(64)),
      () => new ArrayBuffer(3),
      () => null,
      () => undefined,
      () => 'y'.repeat(r.int(100000)),
    ])();
  if (depth <= 0) return leaf();
  return r.pick([
    leaf,
    () => {
      const o = {};
      for (let i = r.int(6); i > 0; i--) o[r.pick(['Bucket', 'Key', 'ETag', 'Records', 'TableName', 'Item', 'Key', 'S', 'N', 'B', 'dynamodb', 'Keys', 'eventSource', 'x'])] = hostile(r, depth - 1);
      return o;
    },
    () => Array.from({ length: r.int(5) }, () => hostile(r, depth - 1)),
    () => {
      const wide = {};
      for (let i = r.int(50000); i > 0; i--) wide[`k${i}`] = { S: 'v' };
      return wide;
    },
    () => {
      const a = [];
      a.length = r.pick([10, 2 ** 20 + 1, 2 ** 32 - 1]);
      return a;
    },
    () => new Proxy({}, { get() { throw new Error('get'); }, ownKeys() { throw new Error('keys'); } }),
    () => new Proxy([hostile(r, depth - 1)], { get: (t, p) => (p === 'length' ? r.pick([-1, 1.5, 2 ** 40, 'x']) : Reflect.get(t, p)) }),
    () => {
      const o = {};
      Object.defineProperty(o, 'Records', { enumerable: true, get() { throw o; } });
      return o;
    },
    () => {
      let s = { S: 'z' };
      for (let i = r.int(30); i > 0; i--) s = { a: s, b: s, M: s };
      return s;
    },
  ])();
}

test('generated hostile shapes: every call answers within its time and memory bounds, and the next is right', () => {
  const r = random(20261202);
  const before = linearMemory();
  const calls = [
    (v) => api.pointersForEvent(v),
    (v) => api.pointersForEvent({ Records: [v, streamRecord('t', 'x')] }),
    (v) => api.pointersForResponse('s3', 'PutObject', v, v),
    (v) => api.pointersForResponse('dynamodb', 'PutItem', { TableName: 't', Item: v }, {}, { dynamodbPrimaryKeys: { t: ['id'] } }),
    (v) => api.pointersForResponse('dynamodb', 'BatchWriteItem', { RequestItems: { t: [{ PutRequest: { Item: v } }] } }, v),
    (v) => api.pointersForResponse('dynamodb', 'UpdateItem', { TableName: 't', Key: v }, {}, { dynamodbPrimaryKeys: v }),
    (v) => api.pointersForReceiveMessage(v),
    (v) => api.pointersForGetRecords(v, { streamArn: v }),
  ];
  for (let i = 0; i < 300; i++) {
    const value = hostile(r, 1 + r.int(4));
    const call = calls[i % calls.length];
    answered(() => call(value), `shape ${i}`);
    assert.ok(linearMemory() - before <= 128 << 20, `shape ${i}: linear memory grew by ${(linearMemory() - before) >> 20} MiB`);
    if (i % 10 === 0) assert.deepEqual(putObject().pointers, [PUT], `after shape ${i}`);
  }
  assert.equal(typeof api.keepForSampling(Proxy.revocable({}, {}).proxy, 0.5), 'boolean');
});

test('an answer after a long first answer is read where the module wrote it', () => {
  // A fresh process's first call answers 12,000 pointers (within the 1 MiB
  // the module keeps, in a buffer that grew past it): the next answer must
  // be read where the module put it, not where the last one was.
  const script = `
    const api = require('span-autolink');
    const records = [];
    for (let i = 0; i < 12000; i++) {
      const keys = { id: { S: i + '-' + 'x'.repeat(20) } };
      records.push({ eventSource: 'aws:dynamodb', eventName: 'INSERT', eventSourceARN: 'arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2024-06-10T19:26:16.525', dynamodb: { Keys: keys, NewImage: keys } });
    }
    const n = api.pointersForEvent({ Records: records }).pointers.length;
    const put = api.pointersForResponse('s3', 'PutObject', { Bucket: 'some-bucket', Key: 'some-key.data' }, { ETag: '"ab12ef34"' });
    console.log(JSON.stringify([n, put.pointers]));`;
  const r = spawnSync(process.execPath, ['-e', script], { cwd: __dirname, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), [12000, [PUT]]);
});
