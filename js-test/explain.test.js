'use strict';

// explainResponse / explainEvent / explain: the silent cases of issue 21
// explained through the Node.js package, the components with their rules,
// and the same report shape as the Python package's and the command's.

const test = require('node:test');
const assert = require('node:assert/strict');
const api = require('span-autolink');
const { hash } = require('./helpers');

function s3Event(key, eTag = '0123abcd') {
  return {
    Records: [{
      eventVersion: '2.1', eventSource: 'aws:s3', awsRegion: 'us-east-1', eventName: 'ObjectCreated:Put',
      s3: { bucket: { name: 'photos' }, object: { key, size: 1, eTag } },
    }],
  };
}

function streamRecord(table, keys) {
  return {
    eventID: '1', eventName: 'INSERT', eventVersion: '1.1', eventSource: 'aws:dynamodb', awsRegion: 'us-east-1',
    dynamodb: { Keys: keys, SequenceNumber: '1', SizeBytes: 1, StreamViewType: 'KEYS_ONLY' },
    eventSourceARN: `arn:aws:dynamodb:us-east-1:123456789012:table/${table}/stream/2026-01-01T00:00:00.000`,
  };
}

function firstReason(report) {
  assert.ok(report.reasons && report.reasons.length > 0, JSON.stringify(report, null, 1));
  return report.reasons[0];
}

test('service and operation names: did you mean', () => {
  for (const service of ['s3 ', 'AmazonS3']) {
    const report = api.explainResponse(service, 'PutObject', { Bucket: 'b', Key: 'k' }, { ETag: '"e"' });
    assert.deepEqual(report.pointers, []);
    const reason = firstReason(report);
    assert.equal(reason.code, 'service_unknown');
    assert.equal(reason.suggestion, 's3');
  }
  const misspelt = firstReason(api.explainResponse('s3', 'PutObjekt', {}, {}));
  assert.deepEqual([misspelt.code, misspelt.suggestion], ['operation_unknown', 'PutObject']);
  assert.equal(firstReason(api.explainResponse('s3', 'GetObjectCommand', {}, {})).code, 'operation_writes_nothing');
});

test('silent events: ReceiveMessage output, records without eventSource, JSON text', () => {
  const notification = JSON.stringify(s3Event('k.txt'));
  const receive = { Messages: [{ MessageId: 'm', ReceiptHandle: 'r', Body: notification }] };
  assert.equal(firstReason(api.explainEvent(receive)).code, 'sdk_output_as_event');
  const sqs = firstReason(api.explainEvent({ Records: [{ messageId: 'm', receiptHandle: 'r', body: notification }] }));
  assert.deepEqual([sqs.code, sqs.resembles, sqs.missing], ['record_without_event_source', 'an SQS record', ['eventSource']]);
  const record = s3Event('k.txt').Records[0];
  delete record.eventSource;
  assert.equal(firstReason(api.explainEvent({ Records: [record] })).resembles, 'an S3 notification record');
  const text = firstReason(api.explainEvent(notification));
  assert.equal(text.code, 'text_not_object');
  assert.match(text.suggestion, /gives 1 pointer/);
});

test('components and their rules, bytes and NumberValue as the SDKs hand them over', () => {
  const report = api.explainEvent(s3Event('dir/my+file%2B1.txt'));
  const [pointer] = report.pointers;
  assert.equal(pointer.hash, hash('photos', 'dir/my file+1.txt', '0123abcd'));
  assert.deepEqual(
    [pointer.components[1].value, pointer.components[1].given, pointer.components[1].rule],
    ['dir/my file+1.txt', 'dir/my+file%2B1.txt', 'url_decoded'],
  );
  class NumberValue {
    constructor(value) {
      this.value = value;
    }
  }
  const request = {
    TableName: 'arn:aws:dynamodb:us-east-1:123456789012:table/blobs',
    Key: { id: { B: new Uint8Array([0, 255]) }, n: new NumberValue('1.50') },
  };
  const bin = api.explainResponse('dynamodb', 'DeleteItem', request, {});
  const c = bin.pointers[0].components;
  assert.deepEqual(c.map((x) => x.rule), ['table_from_arn', 'key_name_given', 'binary_raw', 'key_name_given', 'number_canonical']);
  assert.deepEqual([c[2].value, c[4].value, c[4].given], ['00ff', '1.5', '1.50']);
  assert.equal(bin.pointers[0].hash, hash('blobs', 'id', Buffer.from([0, 255]), 'n', '1.5'));
  // a v3 command object: its input is the request
  const command = { input: { TableName: 't', Key: { id: { S: 'x' } } }, resolveMiddleware() {} };
  assert.equal(api.explainResponse('dynamodb', 'DeleteItemCommand', command, {}).pointers.length, 1);
});

test('key names: one configured for a table keyed by two, side by side with the stream', () => {
  const item = { pk: { S: 'c-1' }, sk: { N: '2' } };
  const producer = {
    service: 'dynamodb', operation: 'PutItem', request: { TableName: 'orders', Item: item }, response: {},
    dynamodbPrimaryKeys: { orders: ['pk'] },
  };
  const consumer = { event: { Records: [streamRecord('orders', item)] } };
  const comparison = api.explain(producer, consumer);
  assert.equal(comparison.meet, false);
  assert.deepEqual([comparison.pairs[0].difference.name, comparison.pairs[0].difference.rule], ['key_name_2', 'key_names']);
  assert.equal(comparison.producer.key_names[0].source, 'option');
  assert.equal(api.explain({ ...producer, dynamodbPrimaryKeys: { orders: ['pk', 'sk'] } }, consumer).meet, true);
});

test('never throws', () => {
  const cyclic = {};
  cyclic.self = cyclic;
  const answer = api.explainEvent(cyclic);
  assert.equal(answer.error.code, 'input_invalid');
  const bad = api.explainResponse('dynamodb', 'PutItem', {}, {}, { dynamodbPrimaryKeys: '{not json' });
  assert.equal(bad.error.code, 'input_invalid');
});

test('key names learned from the calls before: source, rule, and the tracers that do not learn', () => {
  const { GetItemCommand, PutItemCommand } = require('@aws-sdk/client-dynamodb');
  const get = new GetItemCommand({ TableName: 'users', Key: { id: { S: 'u-0' } } });
  const put = new PutItemCommand({ TableName: 'users', Item: { id: { S: 'u-1' }, name: { S: 'Ada' } } });
  const calls = [{ service: 'dynamodb', operation: 'GetItemCommand', request: get, response: { Item: { id: { S: 'u-0' } } } }];
  const report = api.explainResponse('dynamodb', 'PutItemCommand', put, {}, { calls });
  assert.deepEqual(report.pointers.map((p) => p.hash), [hash('users', 'id', 'u-1', '', '')]);
  assert.deepEqual(report.key_names[0], {
    table: 'users',
    names: ['id'],
    source: 'learned',
    learned_from: 'key',
    fits: true,
    note: report.key_names[0].note,
  });
  assert.equal(report.pointers[0].components[1].rule, 'key_name_learned');
  const ddTrace = report.datadog.find((a) => a.library === 'dd-trace-js');
  assert.deepEqual(ddTrace.pointers, []);
  assert.ok(ddTrace.divergences.some((d) => d.rule === 'key_names_not_learned'), JSON.stringify(ddTrace));
  // Without the call before: no pointer, and the reason.
  const alone = api.explainResponse('dynamodb', 'PutItemCommand', put, {});
  assert.deepEqual(alone.pointers, []);
  assert.equal(alone.issues[0].code, 'table_not_configured');
  assert.equal(alone.key_names[0].fits, false);
  // Side by side with the stream record: they meet.
  const comparison = api.explain(
    { service: 'dynamodb', operation: 'PutItem', request: put, response: {}, calls },
    { event: { Records: [streamRecord('users', { id: { S: 'u-1' } })] } },
  );
  assert.equal(comparison.meet, true, comparison.message);
});
