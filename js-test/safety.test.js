'use strict';

// Failing safe: large inputs are never read, nothing throws, a trap inside
// the module leaves the package working, and the environment variables.

const test = require('node:test');
const assert = require('node:assert/strict');
const { Readable } = require('node:stream');
const { spawnSync } = require('node:child_process');
const api = require('span-autolink');
const { streamRecords, hash, withEnv, loadCases, runCase, comparable, expected: expectedOf, ENV_KEYS, ENV_ENABLED, internal } = require('./helpers');
// The package's one object, for the tests of what the API never exposes (a forced trap).
const { autolink } = internal(api, 'lib/autolink.js');

const S3_OBJECT = 'aws.s3.object';
const PUT = { kind: S3_OBJECT, direction: 'd', hash: hash('some-bucket', 'some-key.data', 'ab12ef34') };

/** An object every read of which fails the test (and is counted). */
function untouchable(name, counter) {
  return new Proxy(
    {},
    {
      get(_, property) {
        counter.reads++;
        throw new Error(`${name}.${String(property)} was read`);
      },
      has() {
        counter.reads++;
        throw new Error(`${name} was inspected`);
      },
      ownKeys() {
        counter.reads++;
        throw new Error(`${name}'s members were listed`);
      },
      getOwnPropertyDescriptor() {
        counter.reads++;
        throw new Error(`${name} was inspected`);
      },
    }
  );
}

// ---------------------------------------------------------------------------
// What is never read.

test('an S3 Body (stream, Buffer, Blob, or a trap) is never read, copied or serialized', () => {
  const counter = { reads: 0 };
  let bodyGets = 0;
  const bodies = [
    Readable.from(['a'.repeat(1000)]),
    Buffer.alloc(8 << 20, 1),
    new Blob(['blob']),
    untouchable('Body', counter),
  ];
  for (const body of bodies) {
    const request = { Bucket: 'some-bucket', Key: 'some-key.data' };
    Object.defineProperty(request, 'Body', {
      enumerable: true,
      get() {
        bodyGets++;
        throw new Error('Body was read');
      },
    });
    void body;
    const response = { ETag: '"ab12ef34"', Body: untouchable('response Body', counter) };
    assert.deepEqual(api.pointersForResponse('s3', 'PutObject', request, response), { pointers: [PUT], issues: [] });
    // the body as a plain member
    const plain = { Bucket: 'some-bucket', Key: 'some-key.data', Body: body };
    assert.deepEqual(api.pointersForResponse('s3', 'PutObject', plain, { ETag: '"ab12ef34"' }), { pointers: [PUT], issues: [] });
  }
  assert.equal(bodyGets, 0);
  assert.equal(counter.reads, 0);
});

test('only the members the projection names are read', () => {
  const read = [];
  const watch = (target, name) =>
    new Proxy(target, {
      get(t, property, receiver) {
        read.push(`${name}.${String(property)}`);
        return Reflect.get(t, property, receiver);
      },
    });
  const request = watch({ Bucket: 'some-bucket', Key: 'some-key.data', Body: 'x', Metadata: { a: 'b' } }, 'request');
  const response = watch({ ETag: '"ab12ef34"', VersionId: 'v', $metadata: watch({ httpStatusCode: 200, requestId: 'r' }, 'metadata') }, 'response');
  assert.deepEqual(api.pointersForResponse('s3', 'PutObject', request, response).pointers, [PUT]);
  const names = new Set(read.map((r) => r.split('.').slice(1).join('.')));
  // What says whether the call succeeded is read too (SPEC section 8).
  const success = ['Error', 'error', 'ResponseMetadata', '$metadata', 'httpStatusCode'];
  for (const name of names) assert.ok(['Bucket', 'Key', 'ETag', 'data', 'resolveMiddleware', 'input', ...success].includes(name), `read ${name}`);
  assert.ok(!names.has('Body') && !names.has('Metadata') && !names.has('VersionId') && !names.has('requestId'));
});

test('calls that write nothing never cross into the module, and read nothing', () => {
  const counter = { reads: 0 };
  for (const [service, operation] of [['s3', 'GetObject'], ['s3', 'ListObjectsV2'], ['dynamodb', 'Query'], ['sqs', 'SendMessage'], ['dynamodb', 'NoSuchCall']]) {
    const outcome = api.pointersForResponse(service, operation, untouchable('request', counter), untouchable('response', counter));
    assert.deepEqual(outcome, { pointers: [], issues: [] });
  }
  assert.equal(counter.reads, 0);
});

test('a DynamoDB stream record image (NewImage, OldImage) is never read', () => {
  const counter = { reads: 0 };
  const record = {
    eventSource: 'aws:dynamodb',
    eventName: 'MODIFY',
    eventSourceARN: 'arn:aws:dynamodb:us-east-1:123456789012:table/some-table/stream/2024',
    dynamodb: { Keys: { 'some-key': { S: 'some-value' } }, NewImage: untouchable('NewImage', counter), OldImage: untouchable('OldImage', counter) },
  };
  const outcome = api.pointersForEvent({ Records: [record] });
  assert.deepEqual(outcome.pointers, [{ kind: 'aws.dynamodb.item', direction: 'u', hash: '7f1aee721472bcb48701d45c7c7f7821' }]);
  assert.equal(counter.reads, 0);
});

// ---------------------------------------------------------------------------
// Never throws.

test('the API never throws, whatever it is handed', () => {
  const cyclic = { Bucket: 'b', Key: 'k' };
  cyclic.self = cyclic;
  const deep = {};
  let at = deep;
  for (let i = 0; i < 10000; i++) at = at.next = {};
  const throwing = new Proxy({}, { get() { throw new Error('boom'); } });
  const weird = [undefined, null, 0, -1, NaN, Infinity, 1n, '', 'x', true, Symbol('s'), () => {}, [], [1, [2]], {}, cyclic, deep, throwing, new Map(), new Date(), Buffer.from('x'), new Uint16Array(3), new ArrayBuffer(4), Object.create(null)];
  for (const a of weird) {
    for (const b of weird) {
      for (const [service, operation] of [['s3', 'PutObject'], ['dynamodb', 'PutItem'], ['dynamodb', 'TransactWriteItems'], [a, b]]) {
        const outcome = api.pointersForResponse(service, operation, a, b, { dynamodbPrimaryKeys: b });
        assert.ok(Array.isArray(outcome.pointers) && Array.isArray(outcome.issues));
      }
      assert.ok(Array.isArray(api.pointersForEvent({ Records: [a, b] }).issues));
    }
    assert.ok(Array.isArray(api.pointersForEvent(a).pointers));
    assert.equal(typeof api.spanLinkAttributes(a), 'object');
  }
  // A reading that throws is reported, not thrown.
  const outcome = api.pointersForResponse('s3', 'PutObject', throwing, {});
  assert.deepEqual(outcome.issues.map((i) => i.code), ['input_invalid']);
  // Nesting deeper than the module reads is reported as unreadable input.
  const nested = { Records: [{ eventSource: 'aws:dynamodb', eventName: 'INSERT', eventSourceARN: 'arn:aws:dynamodb:us-east-1:1:table/t/stream/s', dynamodb: { Keys: deep } }] };
  assert.deepEqual(api.pointersForEvent(nested).issues.map((i) => i.code), ['input_invalid']);
  // and the package still works
  assert.deepEqual(api.pointersForResponse('s3', 'PutObject', { Bucket: 'some-bucket', Key: 'some-key.data' }, { ETag: 'ab12ef34' }).pointers, [PUT]);
});

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

test('strings are written as UTF-8 JSON whatever they hold', () => {
  // The last two are longer than any input before them and all escapes, so
  // the module's input buffer grows part way through writing them.
  const keys = ['a"b', 'back\\slash', 'x\udc00y', 'é中😀' + 'z'.repeat(30) + '\ud83d', 'line\nbreak\t\u0000\u001f', 'é中😀', 'x'.repeat(5000) + '"', '\ud800lone', 'a'.repeat(100) + 'é', '\u0001'.repeat(3_000_000), '"\\'.repeat(2_000_000)];
  for (const key of keys) {
    const outcome = api.pointersForResponse('s3', 'PutObject', { Bucket: 'some-bucket', Key: key }, { ETag: 'ab12ef34' });
    // a lone surrogate is written as U+FFFD, as TextEncoder and the SDKs write it
    assert.deepEqual(outcome.pointers, [{ kind: S3_OBJECT, direction: 'd', hash: hash('some-bucket', key.replace(LONE_SURROGATE, '\ufffd'), 'ab12ef34') }], key);
  }
});

// ---------------------------------------------------------------------------
// A trap inside the module.

test('a trap inside the module is reported, and the next call works on a new instance', () => {
  const keys = { dynamodbPrimaryKeys: { orders: ['id'] } };
  const putItem = () => api.pointersForResponse('dynamodb', 'PutItem', { TableName: 'orders', Item: { id: { S: 'x' } } }, {}, keys);
  const expected = putItem();
  assert.equal(expected.pointers.length, 1);
  const trapped = autolink.testTrap();
  assert.deepEqual(trapped.pointers, []);
  assert.equal(trapped.issues.length, 1);
  assert.equal(trapped.issues[0].code, 'internal_error');
  // The module's trap, or the addon's panic (lib/native.js).
  assert.match(trapped.issues[0].message, /unreachable|panicked: testTrap/);
  // the configuration is handed to the new instance again
  assert.deepEqual(putItem(), expected);
  assert.deepEqual(api.pointersForResponse('s3', 'PutObject', { Bucket: 'some-bucket', Key: 'some-key.data' }, { ETag: 'ab12ef34' }).pointers, [PUT]);
  // many traps: no leak ends the package
  for (let i = 0; i < 2000; i++) {
    assert.equal(autolink.testTrap().issues[0].code, 'internal_error');
    if (i % 100 === 0) assert.deepEqual(putItem(), expected);
  }
  // and everything still conforms
  for (const c of loadCases()) assert.deepEqual(runCase(api, c).map(comparable), expectedOf(c), c.name);
});

test('memory growth between calls is followed (a large event, then small calls)', () => {
  const records = streamRecords(20000, (i) => 'k'.repeat(200) + i);
  const outcome = api.pointersForEvent({ Records: records });
  assert.equal(outcome.pointers.length, records.length);
  assert.equal(outcome.pointers[19999].hash, hash('t', 'id', 'k'.repeat(200) + 19999, '', ''));
  assert.deepEqual(api.pointersForResponse('s3', 'PutObject', { Bucket: 'some-bucket', Key: 'some-key.data' }, { ETag: 'ab12ef34' }).pointers, [PUT]);
});

/**
 * Runs `f` while the module's export `name` still runs but answers `text`
 * as its output: what a module that writes lines this one never writes
 * (or an older module) would give the package.
 */
// The module's output format, replaced inside its glue: make test-js runs the
// suite again with the addon switched off (SPAN_AUTOLINK_EXTENSION=off).
const onModule = { skip: autolink.instance.memory === undefined && 'the addon serves: the module is not loaded' };

function withModuleAnswer(name, text, f) {
  const glue = internal(api, 'pkg/span_autolink.js');
  const original = glue[name];
  glue[name] = (len) => {
    original(len);
    // Bit 31 of what an export returns says memory grew (ABI.md).
    Buffer.from(glue.linearMemory().buffer).write(text, glue.outputBuffer() & 0x7fffffff, 'utf8');
    return Buffer.byteLength(text);
  };
  try {
    return f();
  } finally {
    glue[name] = original;
  }
}

test('output lines are read exactly, whether their kind is recognised or not', onModule, () => {
  // The module's own output, replaced by lines it never writes: kinds one
  // letter away from the two the wrapper recognises must keep their name.
  const records = [];
  for (let i = 0; i < 200; i++) {
    records.push({ eventSource: 'aws:dynamodb', eventName: 'INSERT', eventSourceARN: 'arn:aws:dynamodb:us-east-1:1:table/t/stream/s', dynamodb: { Keys: { id: { S: `k${i}` } } } });
  }
  // Makes the output buffer longer than any line below.
  assert.equal(api.pointersForEvent({ Records: records }).pointers.length, records.length);
  const h = '0123456789abcdef0123456789abcdef';
  const kinds = ['aws.s3.object', 'aws.s3.objecx', 'bws.s3.object', 'aws.dynamodb.item', 'aws.dynamodb.iteM', 'aws.dynamodx.item', 'aws.sqs.message', 'aws.d3.object', 'x'];
  const lines = kinds.map((kind, i) => `p ${kind} ${i % 2 ? 'u' : 'd'} ${h}\n`).join('') + 'i some_code a message, é\n';
  withModuleAnswer('pointersForEvent', lines, () => {
    for (let n = 0; n < 2; n++) {
      const outcome = api.pointersForEvent({ Records: records.slice(0, 1) });
      assert.deepEqual(
        outcome.pointers,
        kinds.map((kind, i) => ({ kind, direction: i % 2 ? 'u' : 'd', hash: h }))
      );
      assert.deepEqual(outcome.issues, [{ code: 'some_code', message: 'a message, é' }]);
    }
  });
  assert.equal(api.pointersForEvent({ Records: records }).pointers[7].hash, hash('t', 'id', 'k7', '', ''));
});

test('an operation code the package does not know is reported, never guessed at', () => {
  // A module (or an addon) built from another core than the package's walkers.
  const glue = autolink.instance.glue;
  const original = glue.operation;
  glue.operation = () => 99;
  let outcome;
  try {
    outcome = api.pointersForResponse('S3', 'copyObjectCommand', { Bucket: 'b', Key: 'k' }, { CopyObjectResult: { ETag: '"e"' } });
  } finally {
    glue.operation = original;
  }
  assert.deepEqual(outcome.pointers, []);
  assert.equal(outcome.issues[0].code, 'internal_error');
  assert.match(outcome.issues[0].message, /operation 99/);
  const copy = api.pointersForResponse('S3', 'copyObjectCommand', { Bucket: 'b', Key: 'k' }, { CopyObjectResult: { ETag: '"e"' } });
  assert.deepEqual(copy.pointers, [{ kind: 'aws.s3.object', direction: 'd', hash: hash('b', 'k', 'e') }]);
});

// ---------------------------------------------------------------------------
// The environment.

const putItem = (options) => api.pointersForResponse('dynamodb', 'PutItem', { TableName: 'orders', Item: { id: { S: 'x' }, other: { N: '1' } } }, {}, options);
const ORDERS = hash('orders', 'id', 'x', '', '');

test('DD_TRACE_DYNAMODB_TABLE_PRIMARY_KEYS gives the key names; the option overrides it', () => {
  withEnv(api, { [ENV_KEYS]: '{"orders": ["id"]}' }, () => {
    assert.equal(putItem().pointers[0].hash, ORDERS);
    // the option wins, even when it names no such table
    assert.deepEqual(putItem({ dynamodbPrimaryKeys: { users: ['id'] } }).issues.map((i) => i.code), ['table_not_configured']);
    assert.equal(putItem({ dynamodbPrimaryKeys: { orders: ['id', 'other'] } }).pointers[0].hash, hash('orders', 'id', 'x', 'other', '1'));
    // and back to the environment
    assert.equal(putItem().pointers[0].hash, ORDERS);
    assert.equal(putItem({ dynamodbPrimaryKeys: undefined }).pointers[0].hash, ORDERS);
  });
  withEnv(api, { [ENV_KEYS]: undefined }, () => {
    assert.deepEqual(putItem().issues.map((i) => i.code), ['table_not_configured']);
  });
  withEnv(api, { [ENV_KEYS]: 'not json' }, () => {
    assert.deepEqual(putItem().issues.map((i) => i.code), ['config_invalid', 'table_not_configured']);
  });
  withEnv(api, { [ENV_KEYS]: '{"orders": ["id"], "bad": []}' }, () => {
    assert.deepEqual(putItem().pointers[0].hash, ORDERS);
  });
  // JSON text, as the environment variable holds it
  assert.equal(putItem({ dynamodbPrimaryKeys: '{"orders": ["id"]}' }).pointers[0].hash, ORDERS);
  const cyclic = {};
  cyclic.self = cyclic;
  assert.deepEqual(putItem({ dynamodbPrimaryKeys: cyclic }).issues.map((i) => i.code), ['config_invalid', 'table_not_configured']);
});

test("a key-name configuration object of the core's most values is written, one value more is not", () => {
  const { MAX_CONFIGURATION_VALUES: most } = internal(api, 'lib/generated.js');
  // The object, its two lists and the one name of `orders`: four values besides the padding.
  const keys = (padding) => ({ orders: ['id'], pad: new Array(padding).fill('p') });
  api.forgetTables();
  assert.equal(putItem({ dynamodbPrimaryKeys: keys(most - 4) }).pointers[0].hash, ORDERS);
  api.forgetTables();
  const refused = putItem({ dynamodbPrimaryKeys: keys(most - 3) });
  assert.deepEqual(refused.issues.map((i) => i.code), ['config_invalid', 'table_not_configured']);
});

test('DD_TRACE_AWS_ADD_SPAN_POINTERS=false turns pointers off', () => {
  const event = { Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'some-bucket' }, object: { key: 'some-key.data', eTag: 'ab12ef34' } } }] };
  for (const off of ['false', 'FALSE', ' false ', '0']) {
    withEnv(api, { [ENV_ENABLED]: off }, () => {
      assert.deepEqual(api.pointersForResponse('s3', 'PutObject', { Bucket: 'some-bucket', Key: 'some-key.data' }, { ETag: 'ab12ef34' }), { pointers: [], issues: [] });
      assert.deepEqual(api.pointersForEvent(event), { pointers: [], issues: [] });
    });
  }
  for (const on of ['true', '1', '', undefined]) {
    withEnv(api, { [ENV_ENABLED]: on }, () => {
      assert.equal(api.pointersForEvent(event).pointers.length, 1, String(on));
    });
  }
});

test('the environment is read when the package loads', () => {
  const script = `
    const api = require('span-autolink');
    const put = api.pointersForResponse('dynamodb', 'PutItem', { TableName: 'orders', Item: { id: { S: 'x' } } }, {});
    const s3 = api.pointersForResponse('s3', 'PutObject', { Bucket: 'b', Key: 'k' }, { ETag: 'e' });
    console.log(JSON.stringify([put.pointers.length, s3.pointers.length]));`;
  const run = (env) => {
    const r = spawnSync(process.execPath, ['-e', script], { cwd: __dirname, env: { ...process.env, ...env }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
  };
  assert.deepEqual(run({ [ENV_KEYS]: '{"orders":["id"]}', [ENV_ENABLED]: 'true' }), [1, 1]);
  assert.deepEqual(run({ [ENV_KEYS]: '{"orders":["id"]}', [ENV_ENABLED]: 'false' }), [0, 0]);
});

test('without code generation (--disallow-code-generation-from-strings) the same results', () => {
  const script = `
    const api = require('span-autolink');
    const { loadCases, runCase, comparable, expected } = require('./helpers');
    let failed = 0;
    for (const c of loadCases()) if (JSON.stringify(runCase(api, c).map(comparable)) !== JSON.stringify(expected(c))) { failed++; console.error(c.name); }
    console.log(failed);`;
  const r = spawnSync(process.execPath, ['--disallow-code-generation-from-strings', '-e', script], { cwd: __dirname, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '0', r.stderr);
});
