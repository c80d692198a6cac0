'use strict';

// Real SDK shapes: AWS SDK for JavaScript v3 command objects and outputs
// (also through a real client, with the middleware of the package README),
// lib-dynamodb's plain values, v2's `{ data }` responses, and the shape
// dd-trace's aws-sdk hook hands its plugins.

const test = require('node:test');
const assert = require('node:assert/strict');
const { Readable } = require('node:stream');
const api = require('span-autolink');
const { hash } = require('./helpers');

const s3 = require('@aws-sdk/client-s3');
const dynamodb = require('@aws-sdk/client-dynamodb');
const lib = require('@aws-sdk/lib-dynamodb');

const S3_OBJECT = 'aws.s3.object';
const DYNAMODB_ITEM = 'aws.dynamodb.item';
const d = (kind, h) => ({ pointers: [{ kind, direction: 'd', hash: h }], issues: [] });
const metadata = { httpStatusCode: 200, requestId: 'REQ1', extendedRequestId: 'EXT', attempts: 1, totalRetryDelay: 0 };

// ---------------------------------------------------------------------------
// v3 command objects and the outputs the SDK returns for them.

test('v3 S3 commands: the command object or its input, with the output the SDK returns', () => {
  const body = Readable.from(['not read']);
  const put = new s3.PutObjectCommand({ Bucket: 'photos', Key: '2024/cat.jpg', Body: body, ContentType: 'image/jpeg' });
  const putOutput = { $metadata: metadata, ETag: '"9b2cf535f27731c974343645a3985328"', ServerSideEncryption: 'AES256', VersionId: 'v1' };
  const expected = d(S3_OBJECT, hash('photos', '2024/cat.jpg', '9b2cf535f27731c974343645a3985328'));
  assert.deepEqual(api.pointersForResponse('s3', 'PutObjectCommand', put, putOutput), expected);
  assert.deepEqual(api.pointersForResponse('S3', 'PutObject', put.input, putOutput), expected);

  const copy = new s3.CopyObjectCommand({ Bucket: 'backup', Key: 'cat.jpg', CopySource: 'photos/2024/cat.jpg' });
  const copyOutput = {
    $metadata: metadata,
    CopyObjectResult: { ETag: '"9b2cf535f27731c974343645a3985328"', LastModified: new Date('2024-01-01T00:00:00Z') },
  };
  assert.deepEqual(
    api.pointersForResponse('s3', 'CopyObjectCommand', copy, copyOutput),
    d(S3_OBJECT, hash('backup', 'cat.jpg', '9b2cf535f27731c974343645a3985328'))
  );

  const complete = new s3.CompleteMultipartUploadCommand({
    Bucket: 'videos',
    Key: 'big.mp4',
    UploadId: 'up-1',
    MultipartUpload: { Parts: [{ ETag: '"a"', PartNumber: 1 }, { ETag: '"b"', PartNumber: 2 }] },
  });
  const completeOutput = { $metadata: metadata, Bucket: 'videos', Key: 'big.mp4', ETag: '"3858f62230ac3c915f300c664312c11f-2"', Location: 'https://x' };
  assert.deepEqual(
    api.pointersForResponse('s3', 'CompleteMultipartUploadCommand', complete, completeOutput),
    d(S3_OBJECT, hash('videos', 'big.mp4', '3858f62230ac3c915f300c664312c11f-2'))
  );

  // reads write nothing
  const get = new s3.GetObjectCommand({ Bucket: 'photos', Key: '2024/cat.jpg' });
  assert.deepEqual(api.pointersForResponse('s3', 'GetObjectCommand', get, { $metadata: metadata, Body: body, ETag: '"x"' }), {
    pointers: [],
    issues: [],
  });
});

test('v3 DynamoDB commands: typed attribute values', () => {
  const key = { customerId: { S: 'c-42' }, orderId: { N: '7' } };
  const expected = d(DYNAMODB_ITEM, hash('orders', 'customerId', 'c-42', 'orderId', '7'));
  const update = new dynamodb.UpdateItemCommand({
    TableName: 'orders',
    Key: key,
    UpdateExpression: 'SET #s = :s',
    ExpressionAttributeNames: { '#s': 'status' },
    ExpressionAttributeValues: { ':s': { S: 'shipped' } },
    ReturnValues: 'ALL_NEW',
  });
  const updateOutput = { $metadata: metadata, Attributes: { ...key, status: { S: 'shipped' } } };
  assert.deepEqual(api.pointersForResponse('dynamodb', 'UpdateItemCommand', update, updateOutput), expected);
  assert.deepEqual(api.pointersForResponse('DynamoDB', 'DeleteItem', new dynamodb.DeleteItemCommand({ TableName: 'orders', Key: key }), { $metadata: metadata }), expected);

  const options = { dynamodbPrimaryKeys: { orders: ['customerId', 'orderId'] } };
  const put = new dynamodb.PutItemCommand({ TableName: 'orders', Item: { ...key, total: { N: '12.50' }, lines: { L: [{ S: 'a' }] } } });
  assert.deepEqual(api.pointersForResponse('dynamodb', 'PutItemCommand', put, { $metadata: metadata }, options), expected);

  const batch = new dynamodb.BatchWriteItemCommand({
    RequestItems: {
      orders: [{ PutRequest: { Item: { ...key, total: { N: '1' } } } }, { DeleteRequest: { Key: { customerId: { S: 'c-1' }, orderId: { N: '1' } } } }],
    },
  });
  const batchOutput = { $metadata: metadata, UnprocessedItems: { orders: [{ DeleteRequest: { Key: { customerId: { S: 'c-1' }, orderId: { N: '1' } } } }] } };
  assert.deepEqual(api.pointersForResponse('dynamodb', 'BatchWriteItemCommand', batch, batchOutput, options), expected);

  const transact = new dynamodb.TransactWriteItemsCommand({
    TransactItems: [
      { ConditionCheck: { TableName: 'orders', Key: key, ConditionExpression: 'attribute_exists(customerId)' } },
      { Update: { TableName: 'orders', Key: key, UpdateExpression: 'SET a = :a', ExpressionAttributeValues: { ':a': { N: '1' } } } },
    ],
  });
  assert.deepEqual(api.pointersForResponse('dynamodb', 'TransactWriteItemsCommand', transact, { $metadata: metadata }), expected);

  // binary keys as the SDK hands them over: Uint8Array
  const bin = new Uint8Array([0, 1, 2, 250, 255]);
  assert.deepEqual(
    api.pointersForResponse('dynamodb', 'UpdateItemCommand', new dynamodb.UpdateItemCommand({ TableName: 'blobs', Key: { id: { B: bin } } }), {}),
    d(DYNAMODB_ITEM, hash('blobs', 'id', bin, '', ''))
  );
});

test('lib-dynamodb commands: plain values (string, number, bytes)', () => {
  const options = { dynamodbPrimaryKeys: { orders: ['customerId', 'orderId'] } };
  const expected = d(DYNAMODB_ITEM, hash('orders', 'customerId', 'c-42', 'orderId', '7'));
  const put = new lib.PutCommand({ TableName: 'orders', Item: { customerId: 'c-42', orderId: 7, total: 12.5, tags: new Set(['a']) } });
  assert.deepEqual(api.pointersForResponse('dynamodb', 'PutItem', put, { $metadata: metadata }, options), expected);
  const update = new lib.UpdateCommand({ TableName: 'orders', Key: { customerId: 'c-42', orderId: 7 }, UpdateExpression: 'SET a = :a', ExpressionAttributeValues: { ':a': 1 } });
  assert.deepEqual(api.pointersForResponse('dynamodb', 'UpdateItem', update, { $metadata: metadata }), expected);
  // a large integer as BigInt, bytes as Buffer
  assert.deepEqual(
    api.pointersForResponse('dynamodb', 'DeleteItem', new lib.DeleteCommand({ TableName: 't', Key: { id: 12345678901234567890123n } }), {}),
    d(DYNAMODB_ITEM, hash('t', 'id', '12345678901234567890123', '', ''))
  );
  assert.deepEqual(
    api.pointersForResponse('dynamodb', 'DeleteItem', new lib.DeleteCommand({ TableName: 't', Key: { id: Buffer.from([9, 8, 7]) } }), {}),
    d(DYNAMODB_ITEM, hash('t', 'id', Buffer.from([9, 8, 7]), '', ''))
  );
});

test('lib-dynamodb NumberValue keys are their exact number; the document clients\' operation names are the item writes', () => {
  // NumberValue.from('1.50') holds the text 1.50, which DynamoDB stores as 1.5.
  const key = { customerId: 'c-42', orderId: lib.NumberValue.from('7.00') };
  const expected = d(DYNAMODB_ITEM, hash('orders', 'customerId', 'c-42', 'orderId', '7'));
  for (const operation of ['UpdateItem', 'update', 'UpdateCommand']) {
    const update = new lib.UpdateCommand({ TableName: 'orders', Key: key, UpdateExpression: 'SET a = :a', ExpressionAttributeValues: { ':a': 1 } });
    assert.deepEqual(api.pointersForResponse('dynamodb', operation, update, { $metadata: metadata }), expected, operation);
  }
  const put = new lib.PutCommand({ TableName: 'orders', Item: { ...key, note: 'x' } });
  assert.deepEqual(api.pointersForResponse('dynamodb', 'put', put, {}, { dynamodbPrimaryKeys: { orders: ['customerId', 'orderId'] } }), expected);
  // A NumberValue is not checked on construction: text that is no number
  // gives no pointer (never a pointer for the text as a string), and says
  // so as a number that is not one, as a Python Decimal('NaN') does.
  const bad = new lib.DeleteCommand({ TableName: 't', Key: { id: lib.NumberValue.from('abc') } });
  const outcome = api.pointersForResponse('dynamodb', 'DeleteCommand', bad, {});
  assert.deepEqual(outcome.pointers, []);
  assert.deepEqual(outcome.issues.map((i) => i.code), ['number_invalid']);
});

// ---------------------------------------------------------------------------
// v2: params, and the response with the output under `data`.

test('v2: params and an AWS.Response-shaped response ({ data })', () => {
  const params = { Bucket: 'photos', Key: 'a b.txt', Body: Buffer.from('x') };
  const request = { operation: 'putObject', params, service: { serviceIdentifier: 's3' } };
  const response = { request, data: { ETag: '"abc"', VersionId: 'v' }, error: null, requestId: 'r', retryCount: 0, httpResponse: { statusCode: 200, body: Buffer.from('') } };
  assert.deepEqual(api.pointersForResponse('s3', 'putObject', params, response), d(S3_OBJECT, hash('photos', 'a b.txt', 'abc')));
  const copy = { request, data: { CopyObjectResult: { ETag: '"abc"' } } };
  assert.deepEqual(api.pointersForResponse('s3', 'copyObject', params, copy), d(S3_OBJECT, hash('photos', 'a b.txt', 'abc')));
  const ddb = { data: {} };
  assert.deepEqual(
    api.pointersForResponse('dynamodb', 'updateItem', { TableName: 'orders', Key: { id: { S: 'x' } } }, ddb),
    d(DYNAMODB_ITEM, hash('orders', 'id', 'x', '', ''))
  );
});

// ---------------------------------------------------------------------------
// As the README wires it: a v3 middleware, and a dd-trace style hook.

/** A request handler that answers every call from `reply`, without a network. */
function fakeHandler(reply) {
  return {
    async handle(request) {
      const { headers = {}, body = '' } = reply(request);
      return { response: { statusCode: 200, headers, body: Readable.from([Buffer.from(body)]) } };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs() {
      return {};
    },
  };
}

/** The middleware of bindings/js/README.md. */
function spanPointerMiddleware(onPointers, options) {
  return (next, context) => async (args) => {
    const result = await next(args);
    const service = context.clientName.replace(/Client$/, '');
    const { pointers } = api.pointersForResponse(service, context.commandName, args.input, result.output, options);
    if (pointers.length > 0) onPointers(pointers.map(api.spanLinkAttributes));
    return result;
  };
}

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

test('a v3 middleware on real clients gives the pointers of every successful write', async () => {
  const seen = [];
  const client = new s3.S3Client({
    region: 'us-east-1',
    credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    requestHandler: fakeHandler(() => ({ headers: { etag: '"0123456789abcdef0123456789abcdef"' } })),
  });
  client.middlewareStack.add(spanPointerMiddleware((links) => seen.push(...links)), { step: 'initialize', name: 'spanPointers' });
  await client.send(new s3.PutObjectCommand({ Bucket: 'photos', Key: 'x y.txt', Body: 'hello' }));
  assert.deepEqual(seen, [
    { 'link.kind': 'span-pointer', 'ptr.kind': S3_OBJECT, 'ptr.dir': 'd', 'ptr.hash': hash('photos', 'x y.txt', '0123456789abcdef0123456789abcdef') },
  ]);

  const xml =
    '<?xml version="1.0" encoding="UTF-8"?><CopyObjectResult><LastModified>2024-01-01T00:00:00.000Z</LastModified>' +
    '<ETag>&quot;fedcba9876543210fedcba9876543210&quot;</ETag></CopyObjectResult>';
  const copier = new s3.S3Client({ region: 'us-east-1', credentials, requestHandler: fakeHandler(() => ({ headers: { 'content-type': 'application/xml' }, body: xml })) });
  copier.middlewareStack.add(spanPointerMiddleware((links) => seen.push(...links)), { step: 'initialize', name: 'spanPointers' });
  await copier.send(new s3.CopyObjectCommand({ Bucket: 'backup', Key: 'x y.txt', CopySource: 'photos/x%20y.txt' }));
  assert.equal(seen[1]['ptr.hash'], hash('backup', 'x y.txt', 'fedcba9876543210fedcba9876543210'));

  const ddbSeen = [];
  const ddb = new dynamodb.DynamoDBClient({
    region: 'us-east-1',
    credentials,
    requestHandler: fakeHandler(() => ({ headers: { 'content-type': 'application/x-amz-json-1.0' }, body: '{}' })),
  });
  ddb.middlewareStack.add(spanPointerMiddleware((links) => ddbSeen.push(...links), { dynamodbPrimaryKeys: { orders: ['customerId', 'orderId'] } }), {
    step: 'initialize',
    name: 'spanPointers',
  });
  const expected = hash('orders', 'customerId', 'c-42', 'orderId', '7');
  await ddb.send(new dynamodb.UpdateItemCommand({ TableName: 'orders', Key: { customerId: { S: 'c-42' }, orderId: { N: '7' } }, UpdateExpression: 'SET a = :a', ExpressionAttributeValues: { ':a': { N: '1' } } }));
  // the document client runs its commands through the same stack, with plain values
  const doc = lib.DynamoDBDocumentClient.from(ddb);
  await doc.send(new lib.PutCommand({ TableName: 'orders', Item: { customerId: 'c-42', orderId: 7, note: 'hi' } }));
  assert.deepEqual(
    ddbSeen.map((l) => l['ptr.hash']),
    [expected, expected]
  );
});

test('a dd-trace style plugin hook (README): the shape dd-trace hands its aws-sdk plugins, v3 and v2', () => {
  const log = { messages: [], debug(...args) { this.messages.push(args); } };
  // The hook of bindings/js/README.md, in a stand-in for dd-trace's plugin class.
  class Plugin {
    constructor(serviceIdentifier) {
      this.serviceIdentifier = serviceIdentifier;
    }

    addSpanPointers(span, response) {
      const { operation, params } = response.request;
      const { pointers, issues } = api.pointersForResponse(this.serviceIdentifier, operation, params, response);
      for (const p of pointers) span.addSpanPointer(p.kind, p.direction, p.hash);
      for (const i of issues) log.debug('span pointer not added: %s (%s)', i.message, i.code);
    }
  }
  const span = () => ({ links: [], addSpanPointer(kind, dir, hash) { this.links.push([kind, dir, hash]); } });
  // dd-trace's instrumentation: { request: { operation, params }, error, ...output } for v3,
  // the AWS.Response (output in `data`) for v2; operation names are lowerCamel.
  const params = { Bucket: 'photos', Key: 'cat.jpg', Body: Readable.from(['x']) };
  const v3 = { request: { operation: 'putObject', params }, error: undefined, ETag: '"abc"', $metadata: metadata, requestId: 'REQ1' };
  const v2 = { request: { operation: 'putObject', params }, error: null, data: { ETag: '"abc"' }, requestId: 'REQ1' };
  for (const response of [v3, v2]) {
    const s = span();
    new Plugin('s3').addSpanPointers(s, response);
    assert.deepEqual(s.links, [[S3_OBJECT, 'd', hash('photos', 'cat.jpg', 'abc')]]);
  }
  const s = span();
  // A table no call of this process has shown (the earlier tests taught `orders`).
  new Plugin('dynamodb').addSpanPointers(s, { request: { operation: 'putItem', params: { TableName: 'orders-unseen', Item: { id: { S: 'x' } } } } });
  assert.deepEqual(s.links, []);
  assert.equal(log.messages.length, 1);
  assert.equal(log.messages[0][2], 'table_not_configured');
});

test('change times read as the nearest double of their nanoseconds, short and long', () => {
  // ApproximateCreationDateTime in seconds; the nanoseconds written out by hand.
  const cases = [
    ['2', '2000000000'],
    ['1.5', '1500000000'],
    ['0.25', '250000000'],
    ['1715900000', '1715900000000000000'],
    ['1715900000.123', '1715900000123000000'],
    ['9007198.5', '9007198500000000'],
    ['9007199.5', '9007199500000000'],
    ['12345678901.234567', '12345678901234567000'],
  ];
  for (const [seconds, nanos] of cases) {
    const record = `{"eventSource":"aws:dynamodb","eventName":"INSERT","eventSourceARN":"arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2024-05-17T00:00:00.000","dynamodb":{"ApproximateCreationDateTime":${seconds},"Keys":{"id":{"S":"a"}}}}`;
    const { pointers, issues } = api.pointersForEvent(JSON.parse(`{"Records":[${record},${record}]}`));
    assert.deepEqual(issues, [], seconds);
    assert.equal(pointers.length, 2, seconds);
    // One pointer alone and a second one are read along different paths.
    for (const p of pointers) assert.equal(p.changeTime, Number(nanos), seconds);
  }
});
