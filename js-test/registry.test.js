'use strict';

// What the calls show of DynamoDB tables' key names, through the public
// API: learned from a DescribeTable, a read, an update, used by later
// puts; forgotten on request; bounded when 100,000 tables pass through.
// Expected hashes are written out from SPEC 1 and 4 (helpers.hash).

const test = require('node:test');
const assert = require('node:assert/strict');
const api = require('span-autolink');
const { hash, internal } = require('./helpers');

// The package's one instance, reached through its bundle (not part of the API).
const { autolink } = internal(api, 'lib/autolink.js');

const described = (table, ...schema) => ({
  Table: { TableName: table, KeySchema: schema.map(([name, type]) => ({ AttributeName: name, KeyType: type })) },
  $metadata: { httpStatusCode: 200 },
});
const put = (table, item) => api.pointersForResponse('dynamodb', 'PutItemCommand', { TableName: table, Item: item }, { $metadata: { httpStatusCode: 200 } });
const hashes = (outcome) => outcome.pointers.map((p) => p.hash);
const codes = (outcome) => outcome.issues.map((i) => i.code);

test('a put links once a DescribeTable, a read or an update showed its table', () => {
  api.forgetTables();
  const item = { pk: { S: 'p-1' }, sk: { N: '1.50' }, other: { S: 'x' } };
  assert.deepEqual(codes(put('reg-described', item)), ['table_not_configured']);
  api.pointersForResponse('dynamodb', 'DescribeTableCommand', { TableName: 'reg-described' }, described('reg-described', ['pk', 'HASH'], ['sk', 'RANGE']));
  assert.deepEqual(hashes(put('reg-described', item)), [hash('reg-described', 'pk', 'p-1', 'sk', '1.5')]);

  // The document client's get (dd-trace's name for lib-dynamodb's GetCommand), plain values.
  api.pointersForResponse('dynamodb', 'get', { TableName: 'reg-read', Key: { id: 'a' } }, { Item: { id: 'a' } });
  assert.deepEqual(hashes(api.pointersForResponse('dynamodb', 'put', { TableName: 'reg-read', Item: { id: 'b', n: 1 } }, {})), [
    hash('reg-read', 'id', 'b', '', ''),
  ]);

  const updated = api.pointersForResponse('dynamodb', 'UpdateItem', { TableName: 'reg-updated', Key: { k: { S: 'u' } } }, {});
  assert.deepEqual(hashes(updated), [hash('reg-updated', 'k', 'u', '', '')]);
  assert.deepEqual(hashes(put('reg-updated', { k: { S: 'v' } })), [hash('reg-updated', 'k', 'v', '', '')]);

  api.forgetTables();
  assert.deepEqual(codes(put('reg-described', item)), ['table_not_configured']);
});

test('a key-name setting that contradicts the service is reported, and the service wins', () => {
  api.forgetTables();
  api.pointersForResponse('dynamodb', 'DescribeTable', { TableName: 'reg-conflict' }, described('reg-conflict', ['pk', 'HASH'], ['sk', 'RANGE']));
  const outcome = api.pointersForResponse(
    'dynamodb',
    'PutItem',
    { TableName: 'reg-conflict', Item: { pk: { S: 'a' }, sk: { S: 'b' } } },
    {},
    { dynamodbPrimaryKeys: { 'reg-conflict': ['pk'] } }
  );
  assert.deepEqual(hashes(outcome), [hash('reg-conflict', 'pk', 'a', 'sk', 'b')]);
  assert.deepEqual(codes(outcome), ['key_config_conflict']);
  assert.match(outcome.issues[0].message, /\["pk"\].*\["pk", "sk"\]/);
});

// Linear memory is the module's: make test-js runs the suite again with the
// addon switched off (SPAN_AUTOLINK_EXTENSION=off), and the core's own tests
// hold the registry's bound.
const onModule = { skip: autolink.instance.memory === undefined && 'the addon serves: no linear memory to measure' };

test('100,000 tables pass through: the newest are kept, linear memory stays as it is once the registry is full', onModule, () => {
  api.forgetTables();
  const memory = () => autolink.instance.memory.buffer.byteLength;
  const samples = [];
  for (let n = 0; n < 100000; n++) {
    const table = `reg-bound-${String(n).padStart(6, '0')}`;
    api.pointersForResponse('dynamodb', 'DescribeTable', { TableName: table }, described(table, [`pk-${n}`, 'HASH'], [`sk-${n}`, 'RANGE']));
    if ((n + 1) % 10000 === 0) samples.push(memory());
  }
  assert.ok(samples.every((m) => m === samples[0]), `linear memory after every 10,000 tables: ${samples}`);
  assert.deepEqual(hashes(put('reg-bound-099999', { 'pk-99999': { S: 'a' }, 'sk-99999': { S: 'b' } })), [
    hash('reg-bound-099999', 'pk-99999', 'a', 'sk-99999', 'b'),
  ]);
  assert.deepEqual(codes(put('reg-bound-000000', { 'pk-0': { S: 'a' }, 'sk-0': { S: 'b' } })), ['table_not_configured']);
  api.forgetTables();
});
