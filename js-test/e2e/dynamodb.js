'use strict';

// DynamoDB end to end against moto's server (the twin of
// py-test/e2e/test_dynamodb_e2e.py): @aws-sdk/client-dynamodb writes items
// with typed values, @aws-sdk/lib-dynamodb's DocumentClient with plain ones
// (numbers, BigInt, Buffer, Uint8Array); the tables' streams are read with
// DescribeStream, GetShardIterator and GetRecords, and the records become
// the DynamoDB Streams event Lambda hands to a function. The consumer
// pointers (pointersForEvent) must equal the producer pointers
// (pointersForResponse on the real request and output) for every write.
// dd-trace and datadog-lambda-js run on the same calls and events; their
// results are recorded, not asserted. Every flow that puts items is also
// computed with no key-name setting at all: span-autolink then knows the
// tables' key names only from the application's own calls (each table's
// CreateTable), passed to it in order as an integration passes them.

const assert = require('node:assert/strict');
const { before, test } = require('node:test');
const api = require('span-autolink');
const ddb = require('@aws-sdk/client-dynamodb');
const lib = require('@aws-sdk/lib-dynamodb');
const streams = require('@aws-sdk/client-dynamodb-streams');
const e2e = require('./support');

// name: [key attributes [name, type], the first being the partition key; stream view]
const TABLES = {
  'e2e-s': [[['id', 'S']], 'NEW_AND_OLD_IMAGES'],
  'e2e-n': [[['num', 'N']], 'KEYS_ONLY'],
  'e2e-b': [[['blob', 'B']], 'NEW_AND_OLD_IMAGES'],
  'e2e-s-n': [[['customerId', 'S'], ['orderId', 'N']], 'NEW_IMAGE'],
  'e2e-n-b': [[['zone', 'N'], ['digest', 'B']], 'NEW_AND_OLD_IMAGES'],
};
// What DD_TRACE_DYNAMODB_TABLE_PRIMARY_KEYS would say; PutItem needs it.
const PRIMARY_KEYS = Object.fromEntries(Object.entries(TABLES).map(([table, [keys]]) => [table, keys.map(([name]) => name)]));
const KEY_NAMES = new Set(Object.values(PRIMARY_KEYS).flat());
const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'BatchWriteItemCommand', 'TransactWriteItemsCommand']);

const S = (v) => ({ S: v });
const N = (v) => ({ N: v });
const B = (v) => ({ B: v });
/** Bytes from a string of code points 0-255, as Uint8Array (what the SDK's types say). */
const bytes = (text) => new Uint8Array(Buffer.from(text, 'latin1'));

class DynamoWorld {
  constructor(endpoint) {
    this.calls = [];
    this.client = new ddb.DynamoDBClient({ endpoint });
    e2e.capture(this.client, this.calls); // the document client shares the stack
    this.doc = lib.DynamoDBDocumentClient.from(this.client);
    this.streams = new streams.DynamoDBStreamsClient({ endpoint });
    this.streamArns = {};
    this.iterators = {};
    this.fed = 0; // the calls passed to span-autolink with no key setting so far
  }

  /**
   * Passes every DynamoDB call made since the last time to span-autolink,
   * in order and with no key-name setting, as an integration does; answers
   * each call's outcome.
   */
  feed() {
    const outcomes = new Map();
    for (const c of this.calls.slice(this.fed)) {
      if (c.service === 'DynamoDB') outcomes.set(c, api.pointersForResponse(c.service, c.commandName, c.input, c.output));
    }
    this.fed = this.calls.length;
    return outcomes;
  }

  async setUp() {
    for (const [table, [keys, view]] of Object.entries(TABLES)) {
      const { TableDescription } = await this.client.send(
        new ddb.CreateTableCommand({
          TableName: table,
          KeySchema: keys.map(([name], i) => ({ AttributeName: name, KeyType: i === 0 ? 'HASH' : 'RANGE' })),
          AttributeDefinitions: keys.map(([name, type]) => ({ AttributeName: name, AttributeType: type })),
          BillingMode: 'PAY_PER_REQUEST',
          StreamSpecification: { StreamEnabled: true, StreamViewType: view },
        })
      );
      const arn = TableDescription.LatestStreamArn;
      const { StreamDescription: stream } = await this.streams.send(new streams.DescribeStreamCommand({ StreamArn: arn }));
      assert.equal(stream.StreamStatus, 'ENABLED');
      assert.equal(stream.StreamViewType, view);
      this.streamArns[table] = arn;
      const iterator = new streams.GetShardIteratorCommand({ StreamArn: arn, ShardId: stream.Shards[0].ShardId, ShardIteratorType: 'TRIM_HORIZON' });
      this.iterators[table] = (await this.streams.send(iterator)).ShardIterator;
    }
  }

  /** The records every table's stream got since the last read: { table: [record, ...] }. */
  async read() {
    const out = {};
    for (const table of Object.keys(TABLES)) {
      const page = await this.streams.send(new streams.GetRecordsCommand({ ShardIterator: this.iterators[table] }));
      this.iterators[table] = page.NextShardIterator;
      if (page.Records.length) out[table] = page.Records;
    }
    return out;
  }

  /** Items a flow needs to exist (to delete them, say); their stream records are read and dropped. */
  async setUpItems(items) {
    for (const [table, item] of items) await this.client.send(new ddb.PutItemCommand({ TableName: table, Item: item }));
    await this.read();
  }

  /** Sends a client command, or a DocumentClient one (from lib-dynamodb), recording the call. */
  send(command) {
    return e2e.send(this.calls, command instanceof lib.DynamoDBDocumentClientCommand ? this.doc : this.client, command);
  }
}

/**
 * One flow: `run(world)` makes its writes; `expect` lists the items written
 * as [table, { key attribute: bytes or canonical number text or string }],
 * the pointers computed independently; `setup` items must exist first.
 */
const flow = (id, what, run, expect, setup = []) => ({ id, what, run, expect, setup });

const put = (table, item) => (w) => w.send(new ddb.PutItemCommand({ TableName: table, Item: item }));
const update = (table, key) => (w) =>
  w.send(
    new ddb.UpdateItemCommand({
      TableName: table,
      Key: key,
      UpdateExpression: 'SET #note = :note',
      ExpressionAttributeNames: { '#note': 'note' },
      ExpressionAttributeValues: { ':note': S('updated') },
    })
  );
const del = (table, key) => (w) => w.send(new ddb.DeleteItemCommand({ TableName: table, Key: key }));
const batch = (requests) => async (w) => {
  const output = await w.send(new ddb.BatchWriteItemCommand({ RequestItems: requests }));
  assert.deepEqual(output.UnprocessedItems, {});
};
const transact = (items) => (w) => w.send(new ddb.TransactWriteItemsCommand({ TransactItems: items }));
const tPut = (table, item) => ({ Put: { TableName: table, Item: item } });
const tUpdate = (table, key) => ({
  Update: {
    TableName: table,
    Key: key,
    UpdateExpression: 'SET #note = :note',
    ExpressionAttributeNames: { '#note': 'note' },
    ExpressionAttributeValues: { ':note': S('in a transaction') },
  },
});
const tDelete = (table, key) => ({ Delete: { TableName: table, Key: key } });
const tCheck = (table, key) => ({
  ConditionCheck: { TableName: table, Key: key, ConditionExpression: 'attribute_exists(#k)', ExpressionAttributeNames: { '#k': Object.keys(key)[0] } },
});
const doc = (Command, input) => (w) => w.send(new Command(input));
const docUpdate = (table, key) => doc(lib.UpdateCommand, { TableName: table, Key: key, UpdateExpression: 'SET note = :n', ExpressionAttributeValues: { ':n': 'plain' } });

const NOTE = { note: S('x') };

// The client flows are py-test/e2e's (same ids, values and descriptions), so
// that both languages share their rows in docs/compatibility.md; the
// DocumentClient flows stand where Python has boto3's resource API.
const FLOWS = [
  // -- the client, typed values ----------------------------------------------
  flow('ddb-put-s', 'PutItem, string partition key', put('e2e-s', { id: S('user#1 ü🎉'), ...NOTE }), [['e2e-s', { id: 'user#1 ü🎉' }]]),
  flow('ddb-put-n', 'PutItem, number partition key `42`', put('e2e-n', { num: N('42') }), [['e2e-n', { num: '42' }]]),
  flow('ddb-put-n-1.50', 'PutItem, number partition key written `1.50`', put('e2e-n', { num: N('1.50') }), [['e2e-n', { num: '1.5' }]]),
  flow('ddb-put-n-007', 'PutItem, number partition key written `007`', put('e2e-n', { num: N('007') }), [['e2e-n', { num: '7' }]]),
  flow('ddb-put-n-1e2', 'PutItem, number partition key written `1e2`', put('e2e-n', { num: N('1e2') }), [['e2e-n', { num: '100' }]]),
  flow('ddb-put-b', 'PutItem, binary partition key', put('e2e-b', { blob: B(bytes('\x00\xffput')), ...NOTE }), [['e2e-b', { blob: bytes('\x00\xffput') }]]),
  flow(
    'ddb-put-s-n',
    'PutItem, string partition key and number sort key',
    put('e2e-s-n', { customerId: S('c-1'), orderId: N('17'), ...NOTE }),
    [['e2e-s-n', { customerId: 'c-1', orderId: '17' }]]
  ),
  flow(
    'ddb-put-n-b',
    'PutItem, number partition key and binary sort key',
    put('e2e-n-b', { zone: N('3'), digest: B(bytes('\x01\x02\x03')), ...NOTE }),
    [['e2e-n-b', { zone: '3', digest: bytes('\x01\x02\x03') }]]
  ),
  flow('ddb-update-s', 'UpdateItem, string partition key', update('e2e-s', { id: S('user#2 (updated)') }), [['e2e-s', { id: 'user#2 (updated)' }]]),
  flow('ddb-update-n-1.50', 'UpdateItem, number partition key written `1.50`', update('e2e-n', { num: N('1.50') }), [['e2e-n', { num: '1.5' }]]),
  flow('ddb-update-b', 'UpdateItem, binary partition key', update('e2e-b', { blob: B(bytes('\xfe\x00update')) }), [['e2e-b', { blob: bytes('\xfe\x00update') }]]),
  flow(
    'ddb-update-s-n',
    'UpdateItem, string partition key and number sort key',
    update('e2e-s-n', { customerId: S('c-2'), orderId: N('-0.25') }),
    [['e2e-s-n', { customerId: 'c-2', orderId: '-0.25' }]]
  ),
  flow(
    'ddb-update-n-b',
    'UpdateItem, number partition key and binary sort key',
    update('e2e-n-b', { zone: N('4'), digest: B(bytes('\x04')) }),
    [['e2e-n-b', { zone: '4', digest: bytes('\x04') }]]
  ),
  flow('ddb-delete-s', 'DeleteItem, string partition key', del('e2e-s', { id: S('gone') }), [['e2e-s', { id: 'gone' }]], [['e2e-s', { id: S('gone') }]]),
  flow(
    'ddb-delete-n-007',
    'DeleteItem, number partition key written `007` (stored as `7`)',
    del('e2e-n', { num: N('007') }),
    [['e2e-n', { num: '7' }]],
    [['e2e-n', { num: N('7') }]]
  ),
  flow(
    'ddb-delete-b',
    'DeleteItem, binary partition key',
    del('e2e-b', { blob: B(bytes('\x00gone')) }),
    [['e2e-b', { blob: bytes('\x00gone') }]],
    [['e2e-b', { blob: B(bytes('\x00gone')) }]]
  ),
  flow(
    'ddb-delete-s-n',
    'DeleteItem, string partition key and number sort key',
    del('e2e-s-n', { customerId: S('c-3'), orderId: N('3') }),
    [['e2e-s-n', { customerId: 'c-3', orderId: '3' }]],
    [['e2e-s-n', { customerId: S('c-3'), orderId: N('3') }]]
  ),
  flow(
    'ddb-delete-n-b',
    'DeleteItem, number partition key and binary sort key',
    del('e2e-n-b', { zone: N('5'), digest: B(bytes('\x05')) }),
    [['e2e-n-b', { zone: '5', digest: bytes('\x05') }]],
    [['e2e-n-b', { zone: N('5'), digest: B(bytes('\x05')) }]]
  ),
  flow(
    'ddb-batchwrite-s-n',
    'BatchWriteItem, two puts and a delete, string and number keys',
    batch({
      'e2e-s-n': [
        { PutRequest: { Item: { customerId: S('c-4'), orderId: N('1'), ...NOTE } } },
        { PutRequest: { Item: { customerId: S('c-4'), orderId: N('2'), ...NOTE } } },
        { DeleteRequest: { Key: { customerId: S('c-4'), orderId: N('3') } } },
      ],
    }),
    ['1', '2', '3'].map((n) => ['e2e-s-n', { customerId: 'c-4', orderId: n }]),
    [['e2e-s-n', { customerId: S('c-4'), orderId: N('3') }]]
  ),
  flow(
    'ddb-batchwrite-n-1e2',
    'BatchWriteItem, puts of numbers written `1e2` and `0.50`, a delete of `007`',
    batch({ 'e2e-n': [{ PutRequest: { Item: { num: N('1e2') } } }, { PutRequest: { Item: { num: N('0.50') } } }, { DeleteRequest: { Key: { num: N('007') } } }] }),
    ['100', '0.5', '7'].map((n) => ['e2e-n', { num: n }]),
    [['e2e-n', { num: N('7') }]]
  ),
  flow(
    'ddb-batchwrite-b',
    'BatchWriteItem, a put and a delete, binary keys',
    batch({ 'e2e-b': [{ PutRequest: { Item: { blob: B(bytes('batch\x00put')) } } }, { DeleteRequest: { Key: { blob: B(bytes('batch\x00delete')) } } }] }),
    ['batch\x00put', 'batch\x00delete'].map((b) => ['e2e-b', { blob: bytes(b) }]),
    [['e2e-b', { blob: B(bytes('batch\x00delete')) }]]
  ),
  flow(
    'ddb-batchwrite-n-b',
    'BatchWriteItem, a put and a delete, number and binary keys',
    batch({
      'e2e-n-b': [{ PutRequest: { Item: { zone: N('6'), digest: B(bytes('\x06')) } } }, { DeleteRequest: { Key: { zone: N('7'), digest: B(bytes('\x07')) } } }],
    }),
    [['e2e-n-b', { zone: '6', digest: bytes('\x06') }], ['e2e-n-b', { zone: '7', digest: bytes('\x07') }]],
    [['e2e-n-b', { zone: N('7'), digest: B(bytes('\x07')) }]]
  ),
  flow(
    'ddb-transact-s-n',
    'TransactWriteItems, Put, Update, Delete and a ConditionCheck, string and number keys',
    transact([
      tPut('e2e-s-n', { customerId: S('c-5'), orderId: N('5'), ...NOTE }),
      tUpdate('e2e-s-n', { customerId: S('c-6'), orderId: N('6') }),
      tDelete('e2e-s-n', { customerId: S('c-7'), orderId: N('7') }),
      tCheck('e2e-s-n', { customerId: S('c-8'), orderId: N('8') }),
    ]),
    ['5', '6', '7'].map((n) => ['e2e-s-n', { customerId: `c-${n}`, orderId: n }]),
    ['7', '8'].map((n) => ['e2e-s-n', { customerId: S(`c-${n}`), orderId: N(n) }])
  ),
  flow(
    'ddb-transact-n-1.50',
    'TransactWriteItems, numbers written `1e2` (Put), `1.50` (Update), `007` (Delete)',
    transact([tPut('e2e-n', { num: N('1e2') }), tUpdate('e2e-n', { num: N('1.50') }), tDelete('e2e-n', { num: N('007') })]),
    ['100', '1.5', '7'].map((n) => ['e2e-n', { num: n }]),
    [['e2e-n', { num: N('7') }]]
  ),
  flow(
    'ddb-transact-b',
    'TransactWriteItems, Put, Update and Delete, binary keys',
    transact([tPut('e2e-b', { blob: B(bytes('tx\x01')) }), tUpdate('e2e-b', { blob: B(bytes('tx\x02')) }), tDelete('e2e-b', { blob: B(bytes('tx\x03')) })]),
    ['tx\x01', 'tx\x02', 'tx\x03'].map((b) => ['e2e-b', { blob: bytes(b) }]),
    [['e2e-b', { blob: B(bytes('tx\x03')) }]]
  ),
  flow(
    'ddb-transact-n-b',
    'TransactWriteItems, Put, Update and Delete, number and binary keys',
    transact([
      tPut('e2e-n-b', { zone: N('8'), digest: B(bytes('\x08')) }),
      tUpdate('e2e-n-b', { zone: N('9'), digest: B(bytes('\x09')) }),
      tDelete('e2e-n-b', { zone: N('10'), digest: B(bytes('\x0a')) }),
    ]),
    ['8', '9', '10'].map((z) => ['e2e-n-b', { zone: z, digest: bytes(String.fromCharCode(Number(z))) }]),
    [['e2e-n-b', { zone: N('10'), digest: B(bytes('\x0a')) }]]
  ),
  // -- the DocumentClient: plain numbers, BigInt, Buffer, Uint8Array -----------
  // lib-dynamodb's NumberValue carries a number's exact text, as Decimal
  // does in Python.
  flow(
    'ddb-doc-put-n-numbervalue',
    'DocumentClient PutCommand, `NumberValue.from("1.50")` key',
    doc(lib.PutCommand, { TableName: 'e2e-n', Item: { num: lib.NumberValue.from('1.50') } }),
    [['e2e-n', { num: '1.5' }]]
  ),
  flow(
    'ddb-doc-put-s-n',
    'DocumentClient PutCommand, string and number keys, the number `1.5`',
    doc(lib.PutCommand, { TableName: 'e2e-s-n', Item: { customerId: 'c-p1', orderId: 1.5, note: 'x' } }),
    [['e2e-s-n', { customerId: 'c-p1', orderId: '1.5' }]]
  ),
  flow(
    'ddb-doc-put-n-b',
    'DocumentClient PutCommand, number and Uint8Array keys',
    doc(lib.PutCommand, { TableName: 'e2e-n-b', Item: { zone: 11, digest: bytes('\x00\x11') } }),
    [['e2e-n-b', { zone: '11', digest: bytes('\x00\x11') }]]
  ),
  flow(
    'ddb-doc-put-b',
    'DocumentClient PutCommand, Buffer key',
    doc(lib.PutCommand, { TableName: 'e2e-b', Item: { blob: Buffer.from('\xffplain', 'latin1'), note: 'x' } }),
    [['e2e-b', { blob: bytes('\xffplain') }]]
  ),
  flow(
    'ddb-doc-update-n-bigint',
    'DocumentClient UpdateCommand, BigInt key `12345678901234567890n`',
    docUpdate('e2e-n', { num: 12345678901234567890n }),
    [['e2e-n', { num: '12345678901234567890' }]]
  ),
  flow('ddb-doc-update-s', 'DocumentClient UpdateCommand, string key', docUpdate('e2e-s', { id: 'plain ü' }), [['e2e-s', { id: 'plain ü' }]]),
  flow(
    'ddb-doc-delete-b',
    'DocumentClient DeleteCommand, Uint8Array key',
    doc(lib.DeleteCommand, { TableName: 'e2e-b', Key: { blob: bytes('plain\x00gone') } }),
    [['e2e-b', { blob: bytes('plain\x00gone') }]],
    [['e2e-b', { blob: B(bytes('plain\x00gone')) }]]
  ),
  flow(
    'ddb-doc-delete-s-n',
    'DocumentClient DeleteCommand, string and number keys',
    doc(lib.DeleteCommand, { TableName: 'e2e-s-n', Key: { customerId: 'c-p2', orderId: 12 } }),
    [['e2e-s-n', { customerId: 'c-p2', orderId: '12' }]],
    [['e2e-s-n', { customerId: S('c-p2'), orderId: N('12') }]]
  ),
  flow(
    'ddb-doc-batchwrite-s-n',
    'DocumentClient BatchWriteCommand, two puts (one `2.5`) and a delete',
    doc(lib.BatchWriteCommand, {
      RequestItems: {
        'e2e-s-n': [
          { PutRequest: { Item: { customerId: 'c-p3', orderId: 2.5 } } },
          { PutRequest: { Item: { customerId: 'c-p3', orderId: 3 } } },
          { DeleteRequest: { Key: { customerId: 'c-p3', orderId: 4 } } },
        ],
      },
    }),
    ['2.5', '3', '4'].map((n) => ['e2e-s-n', { customerId: 'c-p3', orderId: n }]),
    [['e2e-s-n', { customerId: S('c-p3'), orderId: N('4') }]]
  ),
  flow(
    'ddb-doc-transact-n-b',
    'DocumentClient TransactWriteCommand, Put, Update and Delete, number and binary keys',
    doc(lib.TransactWriteCommand, {
      TransactItems: [
        { Put: { TableName: 'e2e-n-b', Item: { zone: 12, digest: bytes('\x0c') } } },
        { Update: { TableName: 'e2e-n-b', Key: { zone: 13, digest: bytes('\x0d') }, UpdateExpression: 'SET note = :n', ExpressionAttributeValues: { ':n': 'tx' } } },
        { Delete: { TableName: 'e2e-n-b', Key: { zone: 14, digest: bytes('\x0e') } } },
      ],
    }),
    ['12', '13', '14'].map((z) => ['e2e-n-b', { zone: z, digest: bytes(String.fromCharCode(Number(z))) }]),
    [['e2e-n-b', { zone: N('14'), digest: B(bytes('\x0e')) }]]
  ),
];


/** [written, canonical] for every key attribute's N text in a typed request that is not DynamoDB's canonical text. */
function writtenNumbers(value, name) {
  if (Array.isArray(value)) return value.flatMap((v) => writtenNumbers(v, name));
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return [];
  if (KEY_NAMES.has(name) && Object.keys(value).length === 1 && typeof value.N === 'string') {
    const canonical = e2e.dynamodbNumberText(value.N);
    return canonical === value.N ? [] : [[value.N, canonical]];
  }
  return Object.entries(value).flatMap(([k, v]) => writtenNumbers(v, k));
}

/** The hashes of the records' keys with B taken as its base64 text. */
const base64TextHashes = (event) =>
  event.Records.map((r) => e2e.ddbHash(r.eventSourceARN.split('/')[1], Object.fromEntries(Object.entries(r.dynamodb.Keys).map(([k, v]) => [k, Object.values(v)[0]]))));

/** The hashes of the items written with B taken as text decoded from its bytes as UTF-8, invalid bytes replaced. */
const utf8TextHashes = (expect) =>
  expect.map(([table, key]) => e2e.ddbHash(table, Object.fromEntries(Object.entries(key).map(([k, v]) => [k, typeof v === 'string' ? v : Buffer.from(v).toString('utf8')]))));

function whyDatadogMisses(f, calls, producer, consumer, ours, event) {
  const reasons = [];
  const binary = event.Records.some((r) => Object.values(r.dynamodb.Keys).some((v) => 'B' in v));
  if (producer.length < ours.length) {
    // A DocumentClient command runs as a client command (PutCommand as
    // PutItemCommand), but dd-trace names the operation after the one sent.
    const unknown = calls.filter((c) => c.sent.constructor.name !== c.commandName);
    if (unknown.length) {
      const names = [...new Set(unknown.map((c) => `\`${e2e.ddTraceOperation(c.sent.constructor.name)}\`, not \`${e2e.ddTraceOperation(c.commandName)}\``))];
      reasons.push(`no producer pointer for a DocumentClient command (dd-trace sees operation ${names.join('; ')})`);
    } else {
      reasons.push('missing producer pointers');
    }
  }
  const wrong = producer.filter((h) => !ours.includes(h));
  if (binary && wrong.length && wrong.every((h) => utf8TextHashes(f.expect).includes(h))) {
    reasons.push('producer hashes B as UTF-8 text (bytes that are not UTF-8 become U+FFFD)');
  }
  const base64 = base64TextHashes(event);
  if (binary && consumer.length && sameList(consumer, base64) && !sameList(consumer, ours)) {
    reasons.push('consumer hashes B as its base64 text (not the bytes)');
  }
  const numbers = [...new Map(calls.flatMap((c) => writtenNumbers(c.sent.input)).map((pair) => [pair.join(), pair])).values()];
  if (numbers.length && producer.some((h) => !consumer.includes(h))) {
    reasons.push(`producer hashes N as written: ${numbers.map(([w, c]) => `\`${w}\` (stream: \`${c}\`)`).join(', ')}`);
  }
  return reasons.join('; ') || 'producer and consumer hashes differ';
}

/** Whether a recorded call puts an item (whose key names its request does not say). */
function putsItems(c) {
  if (c.commandName === 'PutItemCommand') return true;
  if (c.commandName === 'BatchWriteItemCommand') return Object.values(c.input.RequestItems).flat().some((r) => r.PutRequest);
  if (c.commandName === 'TransactWriteItemsCommand') return c.input.TransactItems.some((t) => t.Put);
  return false;
}

const sameList = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const sorted = (list) => [...list].sort();

/** Runs a flow's writes, reads the streams, and computes every side's hashes; asserts that ours link. */
async function runFlow(world, f) {
  await world.setUpItems(f.setup);
  const start = world.calls.length;
  await f.run(world);
  const calls = world.calls.slice(start).filter((c) => c.service === 'DynamoDB' && WRITES.has(c.commandName));
  assert.ok(calls.length, 'the flow made no write');

  // Producer: the real requests and outputs, as a v3 middleware sees them.
  const ours = calls.flatMap((c) => e2e.hashes(api.pointersForResponse(c.service, c.commandName, c.input, c.output, { dynamodbPrimaryKeys: PRIMARY_KEYS }), 'd'));
  assert.deepEqual(ours, f.expect.map(([table, key]) => e2e.ddbHash(table, key)));
  const ddProducer = calls.flatMap((c) => e2e.ddTraceProducer(c, PRIMARY_KEYS));
  // The same calls with no key setting: what the application's calls taught.
  const fed = world.feed();
  const puts = calls.some(putsItems);
  const oursNoKeys = puts ? calls.flatMap((c) => e2e.hashes(fed.get(c), 'd')) : undefined;
  if (puts) assert.deepEqual(oursNoKeys, ours);
  const ddNoKeys = puts ? calls.flatMap((c) => e2e.ddTraceProducer(c, undefined)) : undefined;

  // Consumer: the stream records, one Lambda event for all the tables'
  // streams; moto's records, and the records as DynamoDB streams them (they
  // differ where moto streams what DynamoDB does not; the notes say what).
  const records = await world.read();
  const emulated = { Records: Object.entries(records).flatMap(([table, list]) => e2e.streamLambdaEvent(list, world.streamArns[table]).Records) };
  const { event, notes } = e2e.streamEventAsAws(emulated);
  assert.equal(event.Records.length, f.expect.length, JSON.stringify(event));
  for (const record of event.Records) {
    for (const value of Object.values(record.dynamodb.Keys)) if ('B' in value) e2e.strictBase64(value.B);
  }
  const consumer = e2e.hashes(api.pointersForEvent(event), 'u');
  const consumerEmulated = e2e.hashes(api.pointersForEvent(emulated), 'u');
  // The point of it all: every write's consumer meets its producer.
  assert.deepEqual(sorted(consumer), sorted(ours));
  if (!notes.length) assert.deepEqual(consumerEmulated, consumer);
  return { calls, ours, ddProducer, oursNoKeys, ddNoKeys, event, emulated, notes, consumer, consumerEmulated };
}

/** Registers the DynamoDB tests; `ctx.endpoint` is moto's once the tests run. */
function suite(ctx) {
  const { recorder } = ctx;
  let world;

  before(async () => {
    world = new DynamoWorld(ctx.endpoint);
    await world.setUp();
  });

  for (const f of FLOWS) {
    recorder.test(`${f.id}: ${f.what}`, async () => {
      const { calls, ours, ddProducer, oursNoKeys, ddNoKeys, event, emulated, notes, consumer, consumerEmulated } = await runFlow(world, f);
      const ddConsumer = e2e.datadogLambdaConsumer(event);
      const why = whyDatadogMisses(f, calls, ddProducer, ddConsumer, consumer, event);
      const entry = recorder.record(
        f.id,
        `DynamoDB ${f.what}, via the table's stream`,
        {
          [e2e.OURS]: { producer: ours, consumer, consumerUnderEmulator: consumerEmulated, producerNoKeySetting: oursNoKeys },
          [e2e.DATADOG]: {
            producer: ddProducer,
            consumer: ddConsumer,
            consumerUnderEmulator: e2e.datadogLambdaConsumer(emulated),
            why,
            producerNoKeySetting: ddNoKeys,
            whyNoKeySetting: ddNoKeys !== undefined && ddNoKeys.length < ours.length ? 'no producer pointer for a put without DD_TRACE_DYNAMODB_TABLE_PRIMARY_KEYS' : why,
          },
        },
        notes
      );
      // Where a Datadog library links, it must link with our hashes.
      if (entry.results[e2e.DATADOG].links) {
        assert.deepEqual(sorted(ddProducer), sorted(ours));
        assert.deepEqual(sorted(ddConsumer), sorted(consumer));
      }
    });
  }
}

module.exports = { suite };
