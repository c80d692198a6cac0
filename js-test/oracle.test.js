'use strict';

// span-autolink against the Datadog libraries themselves, on generated
// inputs: where dd-trace and datadog-lambda-js are correct (S and canonical
// N keys, S3 keys that URL encoding leaves alone) the hashes must be equal;
// where SPEC says they are wrong (URL-encoded keys, 1.50, table ARNs,
// binary keys), ours must be the correct pointer and theirs must differ.

const test = require('node:test');
const assert = require('node:assert/strict');
const api = require('span-autolink');
const { hash } = require('./helpers');

const S3 = require('dd-trace/packages/datadog-plugin-aws-sdk/src/services/s3');
const DynamoDb = require('dd-trace/packages/datadog-plugin-aws-sdk/src/services/dynamodb');
const { getSpanPointerAttributes } = require('datadog-lambda-js/dist/utils/span-pointers');

const CASES = 300;

// ---------------------------------------------------------------------------
// The Datadog libraries, called the way they call themselves.

/** dd-trace's aws-sdk plugin for one successful call; its pointers as [kind, dir, hash]. */
function ddTrace(plugin, operation, params, output, primaryKeys) {
  const pointers = [];
  const span = { addSpanPointer: (kind, direction, hash) => pointers.push({ kind, direction, hash }) };
  const self = { getPrimaryKeyConfig: () => primaryKeys };
  // dd-trace's instrumentation hands its plugins this shape, v2 and v3 alike.
  plugin.prototype.addSpanPointers.call(self, span, { request: { operation, params }, ...output });
  return pointers;
}

function ddLambda(source, event) {
  return (getSpanPointerAttributes(source, event) || []).map(({ kind, direction, hash }) => ({ kind, direction, hash }));
}

// ---------------------------------------------------------------------------
// Generated inputs, from a fixed seed.

function random(seed) {
  let s = seed >>> 0;
  const next = () => {
    // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  const pick = (s) => s[int(s.length)];
  const text = (alphabet, min, max) => {
    let out = '';
    const n = min + int(max - min + 1);
    for (let i = 0; i < n; i++) out += pick(alphabet);
    return out;
  };
  return { next, int, pick, text };
}

const LOWER = 'abcdefghijklmnopqrstuvwxyz0123456789';
// Characters a form-urlencoded S3 key carries unchanged.
const KEY_SAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.*/';
const TABLE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-';
const UNICODE = ['a', 'Z', '0', ' ', '-', '#', 'é', 'ß', '中', '文', '😀', '|', '"', '\\', '/', '+', '%'];

function bucketName(r) {
  return r.pick('abcdefghijklmnopqrstuvwxyz') + r.text(LOWER + '-.', 1, 30) + r.pick(LOWER);
}

function etag(r) {
  const hex = r.text('0123456789abcdef', 32, 32);
  return r.next() < 0.3 ? `${hex}-${1 + r.int(20)}` : hex;
}

/** Canonical DynamoDB number text: what DynamoDB stores, and the Datadog libraries hash as given. */
function canonicalNumber(r) {
  const sign = r.next() < 0.3 ? '-' : '';
  const whole = r.next() < 0.3 ? '0' : r.pick('123456789') + r.text('0123456789', 0, 12);
  if (r.next() < 0.5) return whole === '0' ? '0' : sign + whole;
  const fraction = r.text('0123456789', 0, 8) + r.pick('123456789');
  return sign + whole + '.' + fraction;
}

function keyValue(r) {
  return r.next() < 0.5 ? { S: r.text(UNICODE, 1, 12) } : { N: canonicalNumber(r) };
}

function keys(r) {
  const first = r.text(TABLE, 1, 10);
  const out = { [first]: keyValue(r) };
  if (r.next() < 0.6) {
    let second = r.text(TABLE, 1, 10);
    while (second === first) second = r.text(TABLE, 1, 10);
    out[second] = keyValue(r);
  }
  return out;
}

function streamRecord(table, keysObject, eventName = 'INSERT') {
  return {
    eventID: '1',
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    dynamodb: { Keys: keysObject, SequenceNumber: '111', SizeBytes: 26, StreamViewType: 'KEYS_ONLY' },
    eventSourceARN: `arn:aws:dynamodb:us-east-1:123456789012:table/${table}/stream/2024-01-01T00:00:00.000`,
  };
}

function s3Record(bucket, key, eTag) {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'us-east-1',
    eventName: 'ObjectCreated:Put',
    s3: { s3SchemaVersion: '1.0', bucket: { name: bucket }, object: { key, size: 1024, eTag } },
  };
}

const d = (hash, kind) => ({ kind, direction: 'd', hash });
const u = (hash, kind) => ({ kind, direction: 'u', hash });

// ---------------------------------------------------------------------------
// Where the Datadog libraries are correct: the same hashes.

test('S3 producer (PutObject, CopyObject, CompleteMultipartUpload) agrees with dd-trace', () => {
  const r = random(1);
  for (let i = 0; i < CASES; i++) {
    const params = { Bucket: bucketName(r), Key: r.text(KEY_SAFE, 1, 60), Body: 'data' };
    const tag = `"${etag(r)}"`;
    const [operation, output] = r.pick([
      ['putObject', { ETag: tag }],
      ['completeMultipartUpload', { ETag: tag, Location: 'x' }],
      ['copyObject', { CopyObjectResult: { ETag: tag, LastModified: new Date() } }],
    ]);
    const theirs = ddTrace(S3, operation, params, output);
    assert.equal(theirs.length, 1);
    const ours = api.pointersForResponse('s3', operation, params, output);
    assert.deepEqual(ours, { pointers: theirs, issues: [] }, JSON.stringify(params));
    // the v2 shape, output under `data`
    const v2 = api.pointersForResponse('s3', operation, params, { data: output });
    assert.deepEqual(v2.pointers, ddTrace(S3, operation, params, { data: output }));
  }
});

/** Events of one to four generated records: ours and datadog-lambda-js's pointers are the same. */
function consumerAgrees(source, seed, record) {
  const r = random(seed);
  for (let i = 0; i < CASES; i++) {
    const records = [];
    for (let n = 1 + r.int(4); n > 0; n--) records.push(record(r));
    const event = { Records: records };
    const theirs = ddLambda(source, event);
    assert.equal(theirs.length, records.length);
    assert.deepEqual(api.pointersForEvent(event), { pointers: theirs, issues: [] });
  }
}

test('S3 consumer (notification records) agrees with datadog-lambda-js', () => {
  consumerAgrees('s3', 2, (r) => s3Record(bucketName(r), r.text(KEY_SAFE, 1, 60), etag(r)));
});

test('DynamoDB producer (UpdateItem, DeleteItem, PutItem) agrees with dd-trace on S and canonical N keys', () => {
  const r = random(3);
  for (let i = 0; i < CASES; i++) {
    const table = r.text(TABLE, 3, 30);
    const key = keys(r);
    const operation = r.pick(['updateItem', 'deleteItem', 'putItem']);
    let params;
    let primaryKeys;
    if (operation === 'putItem') {
      params = { TableName: table, Item: { ...key, payload: { S: 'x'.repeat(r.int(50)) } } };
      primaryKeys = { [table]: Object.keys(key) };
    } else {
      params = { TableName: table, Key: key, UpdateExpression: 'SET a = :a' };
    }
    const theirs = ddTrace(DynamoDb, operation, params, { $metadata: {} }, primaryKeys);
    assert.equal(theirs.length, 1);
    const ours = api.pointersForResponse('dynamodb', operation, params, { $metadata: {} }, { dynamodbPrimaryKeys: primaryKeys });
    assert.deepEqual(ours, { pointers: theirs, issues: [] }, JSON.stringify(params));
  }
});

test('DynamoDB batch and transact writes agree with dd-trace', () => {
  const r = random(4);
  for (let i = 0; i < CASES / 3; i++) {
    const table = r.text(TABLE, 3, 20);
    const names = Object.keys(keys(r));
    const item = () => Object.fromEntries(names.map((n) => [n, keyValue(r)]));
    const primaryKeys = { [table]: names };
    const batch = { RequestItems: { [table]: [{ PutRequest: { Item: item() } }, { DeleteRequest: { Key: item() } }] } };
    const transact = {
      TransactItems: [
        { Put: { TableName: table, Item: item() } },
        { Update: { TableName: table, Key: item(), UpdateExpression: 'SET a = :a' } },
        { Delete: { TableName: table, Key: item() } },
      ],
    };
    for (const [operation, params] of [['batchWriteItem', batch], ['transactWriteItems', transact]]) {
      const theirs = ddTrace(DynamoDb, operation, params, {}, primaryKeys);
      const ours = api.pointersForResponse('dynamodb', operation, params, {}, { dynamodbPrimaryKeys: primaryKeys });
      assert.equal(theirs.length, operation === 'batchWriteItem' ? 2 : 3);
      assert.deepEqual(ours, { pointers: theirs, issues: [] });
    }
  }
});

test('DynamoDB consumer (stream records) agrees with datadog-lambda-js on S and canonical N keys', () => {
  consumerAgrees('dynamodb', 5, (r) => streamRecord(r.text(TABLE, 3, 30), keys(r), r.pick(['INSERT', 'MODIFY', 'REMOVE'])));
});

test('large events whose strings repeat (sent once, then by reference) agree with datadog-lambda-js', () => {
  // The package sends a string an event repeats once and refers back to it
  // after that; it remembers one string of each length. Tables, key names
  // and values here come from small sets of strings of one length each, so
  // that references and strings of the same length that differ alternate.
  const r = random(12);
  const sameLength = (alphabet, n, count) => Array.from({ length: count }, () => r.text(alphabet, n, n));
  for (let round = 0; round < 20; round++) {
    const tables = sameLength(TABLE, 8 + r.int(40), 1 + r.int(3));
    const names = sameLength(TABLE, 8 + r.int(8), 3);
    const values = sameLength(UNICODE, 8 + r.int(30), 3);
    const records = [];
    for (let i = 100 + r.int(200); i > 0; i--) {
      const first = r.pick(names);
      const keysObject = { [first]: { S: r.pick(values) } };
      const second = r.pick(names);
      if (second !== first) keysObject[second] = r.next() < 0.5 ? { S: r.pick(values) } : { N: canonicalNumber(r) };
      records.push(streamRecord(r.pick(tables), keysObject, r.pick(['INSERT', 'MODIFY', 'REMOVE'])));
    }
    const event = { Records: records };
    assert.deepEqual(api.pointersForEvent(event), { pointers: ddLambda('dynamodb', event), issues: [] });
    const buckets = sameLength(LOWER, 8 + r.int(20), 2);
    const objectKeys = sameLength(KEY_SAFE, 8 + r.int(50), 4);
    const s3 = { Records: Array.from({ length: 50 + r.int(100) }, () => s3Record(r.pick(buckets), r.pick(objectKeys), etag(r))) };
    assert.deepEqual(api.pointersForEvent(s3), { pointers: ddLambda('s3', s3), issues: [] });
  }
});

test('both sides of a hop meet: producer hash == consumer hash', () => {
  const r = random(6);
  for (let i = 0; i < CASES; i++) {
    const table = r.text(TABLE, 3, 30);
    const key = keys(r);
    const put = api.pointersForResponse('dynamodb', 'UpdateItem', { TableName: table, Key: key }, {});
    const stream = api.pointersForEvent({ Records: [streamRecord(table, key)] });
    assert.equal(put.pointers[0].hash, stream.pointers[0].hash);
  }
});

// ---------------------------------------------------------------------------
// Where SPEC says the Datadog libraries are wrong: ours is correct, and
// theirs differs.

const S3_OBJECT = 'aws.s3.object';
const DYNAMODB_ITEM = 'aws.dynamodb.item';

function formEncode(key) {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/[!'()~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

test('URL-encoded S3 keys in notifications: ours decodes, datadog-lambda-js hashes the encoded text', () => {
  const r = random(7);
  const special = ['my file+1.txt', 'dir/a b/c.txt', 'ümlaut ß.txt', '中文 文件.png', 'a%b&c=d?e.txt', 'emoji 😀.jpg'];
  for (let i = 0; i < CASES; i++) {
    const bucket = bucketName(r);
    const key = r.pick(special) + r.text(KEY_SAFE, 0, 10);
    const tag = etag(r);
    const event = { Records: [s3Record(bucket, formEncode(key), tag)] };
    const expected = hash(bucket, key, tag);
    assert.deepEqual(api.pointersForEvent(event).pointers, [u(expected, S3_OBJECT)]);
    // the producer, which sees the key itself, gives the same hash
    const put = api.pointersForResponse('s3', 'PutObject', { Bucket: bucket, Key: key }, { ETag: `"${tag}"` });
    assert.deepEqual(put.pointers, [d(expected, S3_OBJECT)]);
    const theirs = ddLambda('s3', event);
    assert.equal(theirs.length, 1);
    assert.notEqual(theirs[0].hash, expected, key);
  }
});

test('non-canonical N (1.50, 007, 1e2): ours hashes the canonical text, dd-trace the caller text', () => {
  const written = [
    ['1.50', '1.5'],
    ['007', '7'],
    ['1e2', '100'],
    ['+5', '5'],
    ['1.5E-3', '0.0015'],
    ['-0.0', '0'],
    ['12.3400', '12.34'],
  ];
  const r = random(8);
  for (let i = 0; i < CASES / 3; i++) {
    const table = r.text(TABLE, 3, 30);
    const [text, canonical] = r.pick(written);
    const params = { TableName: table, Key: { id: { N: text } } };
    const expected = hash(table, 'id', canonical, '', '');
    const ours = api.pointersForResponse('dynamodb', 'UpdateItem', params, {});
    assert.deepEqual(ours.pointers, [d(expected, DYNAMODB_ITEM)]);
    // the stream record shows DynamoDB's canonical text: the hop links
    const stream = api.pointersForEvent({ Records: [streamRecord(table, { id: { N: canonical } })] });
    assert.equal(stream.pointers[0].hash, expected);
    const theirs = ddTrace(DynamoDb, 'updateItem', params, {});
    assert.notEqual(theirs[0].hash, expected, text);
  }
});

test('TableName given as an ARN: ours hashes the table name, dd-trace the ARN', () => {
  const r = random(9);
  for (let i = 0; i < CASES / 3; i++) {
    const table = r.text(TABLE, 3, 30);
    const key = keys(r);
    const params = { TableName: `arn:aws:dynamodb:us-east-1:123456789012:table/${table}`, Key: key };
    const byName = api.pointersForResponse('dynamodb', 'DeleteItem', { TableName: table, Key: key }, {});
    const byArn = api.pointersForResponse('dynamodb', 'DeleteItem', params, {});
    assert.deepEqual(byArn, byName);
    const theirs = ddTrace(DynamoDb, 'deleteItem', params, {});
    assert.notEqual(theirs[0].hash, byName.pointers[0].hash);
  }
});

test('binary keys: ours hashes the raw bytes on both sides; dd-trace and datadog-lambda-js do not', () => {
  const r = random(10);
  for (let i = 0; i < CASES / 3; i++) {
    const table = r.text(TABLE, 3, 30);
    // bytes that are not UTF-8 (dd-trace renders them lossily)
    const raw = Buffer.from([0xff, 0xfe, ...Array.from({ length: r.int(16) }, () => r.int(256))]);
    const expected = hash(table, 'bin', raw, '', '');
    for (const value of [raw, new Uint8Array(raw)]) {
      const params = { TableName: table, Key: { bin: { B: value } } };
      assert.deepEqual(api.pointersForResponse('dynamodb', 'UpdateItem', params, {}).pointers, [d(expected, DYNAMODB_ITEM)]);
      assert.notEqual(ddTrace(DynamoDb, 'updateItem', params, {})[0].hash, expected);
    }
    // stream records carry B as base64 text
    const event = { Records: [streamRecord(table, { bin: { B: raw.toString('base64') } })] };
    assert.deepEqual(api.pointersForEvent(event).pointers, [u(expected, DYNAMODB_ITEM)]);
    assert.notEqual(ddLambda('dynamodb', event)[0].hash, expected);
  }
});

// ---------------------------------------------------------------------------
// The explainer's "Datadog would hash" answers, against the libraries.

const { parseEventSource } = require('datadog-lambda-js/dist/trace/trigger');

function explained(report, library) {
  const answer = report.datadog.find((a) => a.library === library);
  return { hashes: answer.pointers.map((p) => p.hash), answer };
}

test('the explainer says what dd-trace hashes, where it agrees and where it does not', () => {
  const r = random(11);
  const calls = [];
  for (let i = 0; i < 40; i++) {
    const params = { Bucket: bucketName(r), Key: r.text(UNICODE, 1, 20), Body: 'data' };
    calls.push([S3, 'putObject', params, { ETag: `"${etag(r)}"` }]);
    calls.push([DynamoDb, 'updateItem', { TableName: r.text(TABLE, 3, 20), Key: keys(r) }, {}]);
  }
  const raw = Buffer.from([0xff, 0xfe, 0x41]);
  calls.push(
    [S3, 'putObject', { Bucket: 'b', Key: 'k' }, { ETag: '""' }],
    [S3, 'copyObject', { Bucket: 'b', Key: 'k' }, { CopyObjectResult: { ETag: '"abc"' } }],
    [S3, 'getObject', { Bucket: 'b', Key: 'k' }, { ETag: '"abc"' }],
    [DynamoDb, 'put', { TableName: 'orders', Item: { id: 'x' } }, {}, { orders: ['id'] }],
    [DynamoDb, 'updateItem', { TableName: '', Key: { id: { S: '1' } } }, {}],
    [DynamoDb, 'updateItem', { TableName: 'arn:aws:dynamodb:us-east-1:123456789012:table/orders', Key: { id: { S: '1' } } }, {}],
    [DynamoDb, 'deleteItem', { TableName: 'blobs', Key: { id: { B: raw } } }, {}],
    [DynamoDb, 'deleteItem', { TableName: 'blobs', Key: { id: { B: new Uint8Array([104, 105]) } } }, {}],
    [DynamoDb, 'deleteItem', { TableName: 'blobs', Key: { id: { B: 'aGVsbG8=' } } }, {}],
    [DynamoDb, 'putItem', { TableName: 'blobs', Item: { id: { B: raw } } }, {}, { blobs: ['id'] }],
    [DynamoDb, 'putItem', { TableName: 'arn:aws:dynamodb:us-east-1:1:table/orders', Item: { id: { S: '1' } } }, {}, { orders: ['id'] }],
    [DynamoDb, 'updateItem', { TableName: 't', Key: { n: 42 } }, {}],
    [DynamoDb, 'batchWriteItem', {
      RequestItems: { sessions: [{ PutRequest: { Item: { sessionId: { S: 's-1' } } } }, { DeleteRequest: { Key: { sessionId: { S: 's-2' } } } }] },
    }, {}],
  );
  for (const written of ['1.50', '007', '1e2', 'NaN', '1e999', '']) {
    calls.push([DynamoDb, 'deleteItem', { TableName: 'scores', Key: { n: { N: written } } }, {}]);
  }
  let diverging = 0;
  for (const [plugin, operation, params, output, primaryKeys] of calls) {
    const service = plugin === S3 ? 's3' : 'dynamodb';
    const report = api.explainResponse(service, operation, params, output, { dynamodbPrimaryKeys: primaryKeys || {} });
    const { hashes, answer } = explained(report, 'dd-trace-js');
    const theirs = ddTrace(plugin, operation, params, output, primaryKeys).map((p) => p.hash);
    assert.deepEqual(hashes, theirs, `${operation} ${JSON.stringify(params)} ${JSON.stringify(answer)}`);
    if (answer.divergences.length > 0) diverging++;
  }
  assert.ok(diverging >= 12, String(diverging));
});

test('the explainer says what datadog-lambda-js hashes, where it agrees and where it does not', () => {
  const r = random(12);
  const events = [];
  const special = ['my file+1.txt', 'a%b&c=d?e.txt', 'emoji 😀.jpg'];
  for (let i = 0; i < 40; i++) {
    const key = r.next() < 0.5 ? r.text(KEY_SAFE, 1, 30) : formEncode(r.pick(special));
    events.push({ Records: [s3Record(bucketName(r), key, etag(r))] });
    events.push({ Records: [streamRecord(r.text(TABLE, 3, 20), keys(r), r.pick(['INSERT', 'MODIFY', 'REMOVE']))] });
  }
  const cn = streamRecord('users', { id: { S: 'u-1' } });
  cn.eventSourceARN = cn.eventSourceARN.replace('arn:aws:', 'arn:aws-cn:');
  const removed = s3Record('b', 'k', 'e');
  removed.eventName = 'ObjectRemoved:Delete';
  events.push(
    { Records: [cn] },
    { Records: [removed] },
    { Records: [streamRecord('users', { id: { S: 'u-1' } }, 'TRUNCATE')] },
    { Records: [streamRecord('blobs', { id: { B: 'aGVsbG8=' } })] },
    { Records: [streamRecord('scores', { n: { N: '1.50' } })] },
    { Records: [{ eventSource: 'aws:sqs', body: JSON.stringify({ Records: [s3Record('b', 'k', 'e')] }) }] },
  );
  let diverging = 0;
  for (const event of events) {
    const { hashes, answer } = explained(api.explainEvent(event), 'datadog-lambda-js');
    const theirs = ddLambda(parseEventSource(event), event).map((p) => p.hash);
    assert.deepEqual(hashes, theirs, `${JSON.stringify(event)} ${JSON.stringify(answer)}`);
    if (answer.divergences.length > 0) diverging++;
  }
  assert.ok(diverging >= 10, String(diverging));
});
