'use strict';

// span-autolink/opentelemetry end to end: the real OpenTelemetry SDK with an
// in-memory exporter, the real @opentelemetry/instrumentation-aws-sdk (with
// our responseHook) and -aws-lambda (with our requestHook), the real AWS SDK
// v3 clients against moto. Every exported producer span carries exactly one
// pointer link per object or item it wrote, with the hash written out here
// from SPEC 1, 3 and 4 (js-test/helpers.js); the Lambda invocation span of
// the event moto delivered carries the same hashes as consumer links; a
// failed write carries none.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { after, before, describe, test } = require('node:test');

const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
const { InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { hash } = require('../../helpers');
const { KEYS, TABLE, PRIMARY_KEYS, World, NoKeySetting, freePort, startCountingProxy, sleep } = require('./world');
const { ruleKeeps } = require('./keep-rule');

// The Lambda instrumentation patches the handler module named by these two
// variables when it is constructed, as in the Lambda runtime.
const TASK_ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'span-autolink-otel-'));
fs.writeFileSync(path.join(TASK_ROOT, 'handler.js'), "'use strict';\nexports.handler = async (event) => ({ records: (event.Records || []).length });\n");
process.env.LAMBDA_TASK_ROOT = TASK_ROOT;
process.env._HANDLER = 'handler.handler';
process.env.DD_TRACE_DYNAMODB_TABLE_PRIMARY_KEYS = PRIMARY_KEYS;

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
provider.register();

// What the README tells a user to write.
const { AwsInstrumentation } = require('@opentelemetry/instrumentation-aws-sdk');
const { AwsLambdaInstrumentation } = require('@opentelemetry/instrumentation-aws-lambda');
const { awsSdkResponseHook, lambdaRequestHook, makeAwsSdkResponseHook, makeLambdaRequestHook, toLinks, addLinks, KEEP_ATTRIBUTE } = require('span-autolink/opentelemetry');
const instrumentations = [new AwsInstrumentation({ responseHook: awsSdkResponseHook }), new AwsLambdaInstrumentation({ requestHook: lambdaRequestHook })];
for (const instrumentation of instrumentations) {
  instrumentation.setTracerProvider(provider);
  instrumentation.enable();
}

const api = require('span-autolink');

const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/** The pointer links of an exported span: `[{dir, kind, hash}]`, each checked to be a well-formed pointer link. */
function pointerLinks(span) {
  const found = [];
  for (const link of span.links) {
    if (link.attributes['link.kind'] !== 'span-pointer') continue;
    assert.equal(link.context.traceId, ZERO_TRACE);
    assert.equal(link.context.spanId, ZERO_SPAN);
    const { 'ptr.kind': kind, 'ptr.dir': dir, 'ptr.hash': h } = link.attributes;
    assert.match(h, /^[0-9a-f]{32}$/);
    found.push({ dir, kind, hash: h });
  }
  return found;
}

/** The finished spans named `name` since `from` (an index into the exporter's list). */
const spansSince = (from, name) =>
  exporter
    .getFinishedSpans()
    .slice(from)
    .filter((s) => s.name === name);

const mark = () => exporter.getFinishedSpans().length;

/** Invokes the instrumented handler as the Lambda runtime does (event, context, callback); answers its result. */
async function invokeLambda(event, name = 'consumer') {
  const { handler } = require(path.join(TASK_ROOT, 'handler.js'));
  const context = {
    functionName: name,
    functionVersion: '$LATEST',
    awsRequestId: `req-${Math.random().toString(16).slice(2)}`,
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
    getRemainingTimeInMillis: () => 30000,
  };
  return new Promise((resolve, reject) => {
    const result = handler(event, context, (err, value) => (err ? reject(err) : resolve(value)));
    if (result && typeof result.then === 'function') result.then(resolve, reject);
  });
}

/** The one exported span of the Lambda invocation `invoke` made, and its pointer links. */
async function lambdaSpan(event, name) {
  const from = mark();
  await invokeLambda(event, name);
  const spans = spansSince(from, name);
  assert.equal(spans.length, 1, `one invocation span named ${name}`);
  return pointerLinks(spans[0]);
}

let world;

before(async () => {
  world = await World.start();
});

after(async () => {
  for (const instrumentation of instrumentations) instrumentation.disable();
  await world?.stop();
  await provider.shutdown();
  fs.rmSync(TASK_ROOT, { recursive: true, force: true });
});

test('the instrumentations load the hooks: the aws-sdk client is patched', async () => {
  const from = mark();
  await world.s3.send(new world.s3sdk.ListBucketsCommand({}));
  const [span] = spansSince(from, 'S3.ListBuckets');
  assert.ok(span, 'the instrumentation made a span for ListBuckets');
  assert.deepEqual(pointerLinks(span), []);
});

describe('S3: PutObject, CopyObject, multipart; notification via SQS to a Lambda', () => {
  const bucket = 'e2e-otel-objects';
  let queue;
  const written = []; // {key, hash} in write order, the hash from SPEC 3

  before(async () => {
    queue = await world.notifyingBucket(bucket);
  });

  test('each PutObject span carries exactly one d pointer link, hash(bucket, key, etag)', async () => {
    for (const key of KEYS) {
      const from = mark();
      const output = await world.s3.send(new world.s3sdk.PutObjectCommand({ Bucket: bucket, Key: key, Body: `body of ${key}` }));
      const [span, ...more] = spansSince(from, 'S3.PutObject');
      assert.equal(more.length, 0);
      const expected = hash(bucket, key, output.ETag.replace(/"/g, ''));
      assert.deepEqual(pointerLinks(span), [{ dir: 'd', kind: 'aws.s3.object', hash: expected }], key);
      written.push({ key, hash: expected });
    }
  });

  test('a CopyObject span carries one d pointer link for the new object', async () => {
    const key = 'copy of my report+1%.txt';
    const from = mark();
    const output = await world.s3.send(
      new world.s3sdk.CopyObjectCommand({ Bucket: bucket, Key: key, CopySource: `${bucket}/${encodeURIComponent(KEYS[1])}` })
    );
    const [span] = spansSince(from, 'S3.CopyObject');
    const expected = hash(bucket, key, output.CopyObjectResult.ETag.replace(/"/g, ''));
    assert.deepEqual(pointerLinks(span), [{ dir: 'd', kind: 'aws.s3.object', hash: expected }]);
    written.push({ key, hash: expected });
  });

  test('the Lambda span of the SQS event moto delivered carries the same hashes as u links, one per object', async () => {
    const messages = await world.receive(queue, written.length);
    const links = await lambdaSpan(world.sqsEvent(messages, queue), 'objects-consumer');
    assert.deepEqual(
      links.map((l) => [l.dir, l.kind]),
      written.map(() => ['u', 'aws.s3.object'])
    );
    assert.deepEqual(links.map((l) => l.hash).sort(), written.map((w) => w.hash).sort());
  });

  test('a multipart upload: CompleteMultipartUpload carries one link, and the notification S3 sends links to it', async () => {
    const key = 'multi part+ü %.bin';
    const { s3sdk } = world;
    const { UploadId } = await world.s3.send(new s3sdk.CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    const from = mark();
    const Parts = [];
    for (const [PartNumber, Body] of [
      [1, Buffer.alloc(5 * 1024 * 1024, 'a')],
      [2, 'last part'],
    ]) {
      const { ETag } = await world.s3.send(new s3sdk.UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber, Body }));
      Parts.push({ PartNumber, ETag });
    }
    const output = await world.s3.send(new s3sdk.CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts } }));
    for (const part of spansSince(from, 'S3.UploadPart')) assert.deepEqual(pointerLinks(part), [], 'UploadPart writes no object');
    const [span] = spansSince(from, 'S3.CompleteMultipartUpload');
    const expected = hash(bucket, key, output.ETag.replace(/"/g, ''));
    assert.deepEqual(pointerLinks(span), [{ dir: 'd', kind: 'aws.s3.object', hash: expected }]);

    // moto notifies twice (ObjectCreated:Put, then :CompleteMultipartUpload); S3 only the second.
    const messages = await world.receive(queue, 2);
    const sent = messages.find((m) => JSON.parse(m.Body).Records[0].eventName === 'ObjectCreated:CompleteMultipartUpload');
    const links = await lambdaSpan(world.sqsEvent([sent], queue), 'multipart-consumer');
    assert.deepEqual(links, [{ dir: 'u', kind: 'aws.s3.object', hash: expected }]);
  });

  test('a worker: the ReceiveMessage span carries the consumer link of the notification it received', async () => {
    const key = 'worker+item %.txt';
    const output = await world.s3.send(new world.s3sdk.PutObjectCommand({ Bucket: bucket, Key: key, Body: 'w' }));
    const expected = hash(bucket, key, output.ETag.replace(/"/g, ''));
    const from = mark();
    const outputs = await world.receiveOutputs(queue, 1);
    // The SQS extension names the span after the queue (`<queue> receive`).
    const received = exporter
      .getFinishedSpans()
      .slice(from)
      .filter((s) => s.attributes['rpc.method'] === 'ReceiveMessage')
      .map(pointerLinks)
      .filter((l) => l.length > 0);
    assert.deepEqual(received, [[{ dir: 'u', kind: 'aws.s3.object', hash: expected }]]);
    assert.deepEqual(api.pointersForReceiveMessage(outputs[0]).pointers.map((p) => p.hash), [expected]);
  });

  test('PutObject to a bucket that does not exist (NoSuchBucket) carries no pointer link', async () => {
    const from = mark();
    await assert.rejects(world.s3.send(new world.s3sdk.PutObjectCommand({ Bucket: 'e2e-otel-no-such-bucket', Key: 'k', Body: 'x' })), {
      name: 'NoSuchBucket',
    });
    const [span] = spansSince(from, 'S3.PutObject');
    assert.equal(span.status.code, 2, 'the span is an error');
    assert.deepEqual(pointerLinks(span), []);
  });
});

test('a write that never reached a server (connection refused) carries no pointer link', async () => {
  // A loopback port nothing listens on (freed just before).
  const client = new world.ddbsdk.DynamoDBClient({ endpoint: `http://127.0.0.1:${await freePort()}`, maxAttempts: 1 });
  const from = mark();
  await assert.rejects(client.send(new world.ddbsdk.PutItemCommand({ TableName: TABLE, Item: { customer: { S: 'x' }, order: { N: '1' } } })), { code: 'ECONNREFUSED' });
  const [span] = spansSince(from, 'DynamoDB.PutItem');
  assert.equal(span.status.code, 2);
  assert.deepEqual(pointerLinks(span), []);
});

describe('DynamoDB: the five writes; stream records via GetRecords to a Lambda', () => {
  let streamArn;
  const written = []; // hashes from SPEC 4, one per item written, in order
  const itemHash = (customer, order) => hash(TABLE, 'customer', customer, 'order', String(order));
  const key = (customer, order) => ({ customer: { S: customer }, order: { N: String(order) } });

  before(async () => {
    streamArn = await world.streamedTable();
  });

  /** Sends `command`; answers the pointer links of its one exported span `name`. */
  async function linksOf(command, name) {
    const from = mark();
    await world.ddb.send(command);
    const spans = spansSince(from, name);
    assert.equal(spans.length, 1, name);
    return pointerLinks(spans[0]);
  }
  const d = (h) => ({ dir: 'd', kind: 'aws.dynamodb.item', hash: h });

  test('PutItem (key names from DD_TRACE_DYNAMODB_TABLE_PRIMARY_KEYS)', async () => {
    const { PutItemCommand } = world.ddbsdk;
    for (const [customer, order] of [
      ['alice', 1],
      ['b ob+%ü', 2],
    ]) {
      const links = await linksOf(new PutItemCommand({ TableName: TABLE, Item: { ...key(customer, order), total: { N: '10' } } }), 'DynamoDB.PutItem');
      assert.deepEqual(links, [d(itemHash(customer, order))]);
      written.push(itemHash(customer, order));
    }
  });

  test('UpdateItem and DeleteItem', async () => {
    const { UpdateItemCommand, DeleteItemCommand } = world.ddbsdk;
    const updated = await linksOf(
      new UpdateItemCommand({ TableName: TABLE, Key: key('alice', 1), UpdateExpression: 'SET #t = :t', ExpressionAttributeNames: { '#t': 'total' }, ExpressionAttributeValues: { ':t': { N: '11' } } }),
      'DynamoDB.UpdateItem'
    );
    assert.deepEqual(updated, [d(itemHash('alice', 1))]);
    written.push(itemHash('alice', 1));
    const deleted = await linksOf(new DeleteItemCommand({ TableName: TABLE, Key: key('b ob+%ü', 2) }), 'DynamoDB.DeleteItem');
    assert.deepEqual(deleted, [d(itemHash('b ob+%ü', 2))]);
    written.push(itemHash('b ob+%ü', 2));
  });

  test('BatchWriteItem and TransactWriteItems: one link per item, in request order', async () => {
    const { BatchWriteItemCommand, TransactWriteItemsCommand } = world.ddbsdk;
    const batch = await linksOf(
      new BatchWriteItemCommand({
        RequestItems: {
          [TABLE]: [{ PutRequest: { Item: key('carol', 3) } }, { PutRequest: { Item: key('dave', 4) } }, { DeleteRequest: { Key: key('alice', 1) } }],
        },
      }),
      'DynamoDB.BatchWriteItem'
    );
    const batchHashes = [itemHash('carol', 3), itemHash('dave', 4), itemHash('alice', 1)];
    assert.deepEqual(batch, batchHashes.map(d));
    written.push(...batchHashes);
    const transact = await linksOf(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: TABLE, Item: key('erin', 5) } },
          { Update: { TableName: TABLE, Key: key('carol', 3), UpdateExpression: 'SET #t = :t', ExpressionAttributeNames: { '#t': 'total' }, ExpressionAttributeValues: { ':t': { N: '1' } } } },
          { Delete: { TableName: TABLE, Key: key('dave', 4) } },
        ],
      }),
      'DynamoDB.TransactWriteItems'
    );
    const transactHashes = [itemHash('erin', 5), itemHash('carol', 3), itemHash('dave', 4)];
    assert.deepEqual(transact, transactHashes.map(d));
    written.push(...transactHashes);
  });

  // The instrumentation sees a document client's command as the PutItem/UpdateItem it sends (marshalled input).
  test('the document client (@aws-sdk/lib-dynamodb, native values): Put and Update carry one link each', async () => {
    const { DynamoDBDocumentClient, PutCommand, UpdateCommand } = require('@aws-sdk/lib-dynamodb');
    const doc = DynamoDBDocumentClient.from(world.ddb);
    const linksOfDoc = async (command, method) => {
      const from = mark();
      await doc.send(command);
      const spans = exporter
        .getFinishedSpans()
        .slice(from)
        .filter((s) => s.attributes['rpc.method'] === method);
      assert.equal(spans.length, 1, method);
      return pointerLinks(spans[0]);
    };
    const h = itemHash('doc user+% ü', 7);
    assert.deepEqual(await linksOfDoc(new PutCommand({ TableName: TABLE, Item: { customer: 'doc user+% ü', order: 7, total: 1 } }), 'PutItem'), [d(h)]);
    assert.deepEqual(
      await linksOfDoc(
        new UpdateCommand({ TableName: TABLE, Key: { customer: 'doc user+% ü', order: 7 }, UpdateExpression: 'SET #t = :t', ExpressionAttributeNames: { '#t': 'total' }, ExpressionAttributeValues: { ':t': 2 } }),
        'UpdateItem'
      ),
      [d(h)]
    );
    written.push(h, h);
  });

  test('a failed write (ConditionalCheckFailed) carries no pointer link', async () => {
    const { PutItemCommand, DeleteItemCommand } = world.ddbsdk;
    for (const [command, name] of [
      [new PutItemCommand({ TableName: TABLE, Item: key('erin', 5), ConditionExpression: 'attribute_not_exists(customer)' }), 'DynamoDB.PutItem'],
      [new DeleteItemCommand({ TableName: TABLE, Key: key('nobody', 9), ConditionExpression: 'attribute_exists(customer)' }), 'DynamoDB.DeleteItem'],
    ]) {
      const from = mark();
      await assert.rejects(world.ddb.send(command), { name: 'ConditionalCheckFailedException' });
      const [span] = spansSince(from, name);
      assert.equal(span.status.code, 2);
      assert.deepEqual(pointerLinks(span), []);
    }
  });

  test('the Lambda span of the stream records carries one u link per record, the producers hashes', async () => {
    const outputs = await world.getRecordsOutputs(streamArn);
    const records = outputs.flatMap((o) => o.Records);
    // moto streams an UpdateItem that creates an item as two records; every write here changed an existing item or made a new one with PutItem.
    assert.equal(records.length, written.length, JSON.stringify(records.map((r) => [r.eventName, r.dynamodb.Keys])));
    const links = await lambdaSpan(world.streamEvent(records, streamArn), 'stream-consumer');
    assert.ok(links.every((l) => l.dir === 'u' && l.kind === 'aws.dynamodb.item'));
    assert.deepEqual(
      links.map((l) => l.hash),
      written
    );
  });

  test('a worker: each GetRecords span carries the consumer links of the records it read', async () => {
    const from = mark();
    const outputs = await world.getRecordsOutputs(streamArn);
    const fromSpans = spansSince(from, 'DynamoDBStreams.GetRecords').flatMap(pointerLinks);
    assert.deepEqual(
      fromSpans.map((l) => l.hash),
      written
    );
    const fromApi = outputs.flatMap((o) => api.pointersForGetRecords(o, { streamArn }).pointers.map((p) => p.hash));
    assert.deepEqual(fromApi, written);
  });
});

// -- no key setting ------------------------------------------------------------

describe('DynamoDB with no key setting: key names from the calls the application made', () => {
  const tables = new NoKeySetting('e2e-otel-nokeys');
  const created = tables.tables[0];
  let saved;

  before(async () => {
    saved = process.env.DD_TRACE_DYNAMODB_TABLE_PRIMARY_KEYS;
    delete process.env.DD_TRACE_DYNAMODB_TABLE_PRIMARY_KEYS;
    api.reloadEnvironment();
    await tables.setUp(world, api);
  });

  after(() => {
    if (saved !== undefined) process.env.DD_TRACE_DYNAMODB_TABLE_PRIMARY_KEYS = saved;
    api.reloadEnvironment();
  });

  test('every PutItem, BatchWriteItem put and TransactWriteItems put carries its pointer, and the stream records link to it', async () => {
    for (const table of tables.tables) {
      for (const [command, name, hashes] of tables.puts(world, table)) {
        const from = mark();
        await world.ddb.send(command);
        const [span, ...more] = spansSince(from, `DynamoDB.${name}`);
        assert.equal(more.length, 0);
        assert.deepEqual(pointerLinks(span), hashes.map((h) => ({ dir: 'd', kind: 'aws.dynamodb.item', hash: h })), `${table} ${name}`);
      }
      const records = (await world.getRecordsOutputs(tables.streamArns[table])).flatMap((o) => o.Records);
      const consumer = await lambdaSpan(world.streamEvent(records, tables.streamArns[table]), `nokeys-${table}`);
      assert.ok(consumer.every((l) => l.dir === 'u' && l.kind === 'aws.dynamodb.item'));
      assert.deepEqual([...new Set(consumer.map((l) => l.hash))].sort(), tables.streamed(table), table);
    }
  });

  test('a setting that contradicts the service is reported, and the service key names give the pointer', async () => {
    const outcomes = [];
    const instrumentation = instrumentations[0];
    instrumentation.setConfig({ responseHook: makeAwsSdkResponseHook({ dynamodbPrimaryKeys: { [created]: ['pk'] }, onOutcome: (o) => outcomes.push(o) }) });
    try {
      const five = tables.itemOf(created, 5);
      const from = mark();
      await world.ddb.send(new world.ddbsdk.PutItemCommand({ TableName: created, Item: five.item }));
      assert.deepEqual(pointerLinks(spansSince(from, 'DynamoDB.PutItem')[0]), [{ dir: 'd', kind: 'aws.dynamodb.item', hash: five.hash }]);
      assert.deepEqual(outcomes.at(-1).issues.map((i) => i.code), ['key_config_conflict']);
    } finally {
      instrumentation.setConfig({ responseHook: awsSdkResponseHook });
    }
  });

  test('the opt-in lookup: one DescribeTable however many puts run at once; the first put says so, the puts after the answer link', async () => {
    const table = 'e2e-otel-nokeys-lookup';
    const streamArn = await world.streamedTable(table, [['pk', 'S'], ['sk', 'N']]);
    api.forgetTables(); // made elsewhere: no call of this process shows it
    const proxy = await startCountingProxy(world.moto.endpoint);
    const env = { SPAN_AUTOLINK_DYNAMODB_DESCRIBE_TABLE: 'true', AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint };
    const previous = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    api.reloadEnvironment();
    const outcomes = [];
    const instrumentation = instrumentations[0];
    instrumentation.setConfig({ responseHook: makeAwsSdkResponseHook({ onOutcome: (o) => outcomes.push(o) }) });
    const item = (n) => ({ pk: { S: `p-${n}` }, sk: { N: String(n) } });
    const h = (n) => hash(table, 'pk', `p-${n}`, 'sk', String(n));
    try {
      const client = new world.ddbsdk.DynamoDBClient({ endpoint: proxy.endpoint });
      await Promise.all(Array.from({ length: 20 }, (_, n) => client.send(new world.ddbsdk.PutItemCommand({ TableName: table, Item: item(n) }))));
      const first = outcomes.filter((o) => o.issues.some((i) => i.code === 'key_lookup_pending' && i.message.includes('asked DynamoDB')));
      assert.equal(first.length, 1, JSON.stringify(outcomes.map((o) => o.issues)));
      assert.deepEqual(first[0].issues.map((i) => i.code), ['table_not_configured', 'key_lookup_pending']);
      // The lookup's own DescribeTable has a span and an empty outcome too.
      const waiting = outcomes.filter((o) => o.issues.length > 0);
      for (const o of waiting) assert.deepEqual(o.issues.map((i) => i.code), ['table_not_configured', 'key_lookup_pending']);
      assert.equal(waiting.length + outcomes.filter((o) => o.pointers.length === 1).length, 20);
      // The answer arrives off the request path; then every put links.
      let answered = false;
      for (let tries = 0; tries < 100 && !answered; tries++) {
        const from = mark();
        await client.send(new world.ddbsdk.PutItemCommand({ TableName: table, Item: item(100 + tries) }));
        answered = pointerLinks(spansSince(from, 'DynamoDB.PutItem')[0]).length === 1;
        if (!answered) await sleep(50);
      }
      assert.ok(answered, 'no put linked after the lookup');
      const linked = [];
      for (let n = 200; n < 205; n++) {
        const from = mark();
        await client.send(new world.ddbsdk.PutItemCommand({ TableName: table, Item: item(n) }));
        assert.deepEqual(pointerLinks(spansSince(from, 'DynamoDB.PutItem')[0]), [{ dir: 'd', kind: 'aws.dynamodb.item', hash: h(n) }]);
        linked.push(h(n));
      }
      await sleep(200);
      assert.equal(proxy.count('DescribeTable'), 1);
      assert.ok(proxy.count('PutItem') >= 26);
      const records = (await world.getRecordsOutputs(streamArn)).flatMap((o) => o.Records);
      const consumer = await lambdaSpan(world.streamEvent(records, streamArn), 'lookup-consumer');
      for (const linkedHash of linked) assert.ok(consumer.some((l) => l.hash === linkedHash), linkedHash);
    } finally {
      instrumentation.setConfig({ responseHook: awsSdkResponseHook });
      for (const [k, v] of Object.entries(previous)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      api.reloadEnvironment();
      await proxy.stop();
    }
  });
});

describe('toLinks and addLinks', () => {
  test('toLinks gives startSpan links the exporter keeps, with the change time of a consumer pointer', async () => {
    const event = {
      Records: [
        {
          eventSource: 'aws:s3',
          eventName: 'ObjectCreated:Put',
          eventTime: '2026-01-02T03:04:05.678Z',
          s3: { bucket: { name: 'b' }, object: { key: 'my+report.txt', eTag: 'abc' } },
        },
      ],
    };
    const outcome = api.pointersForEvent(event);
    const tracer = provider.getTracer('e2e');
    const from = mark();
    tracer.startSpan('with-links', { links: toLinks(outcome) }).end();
    const [span] = spansSince(from, 'with-links');
    assert.deepEqual(pointerLinks(span), [{ dir: 'u', kind: 'aws.s3.object', hash: hash('b', 'my report.txt', 'abc') }]);
    assert.equal(span.links[0].attributes['span_autolink.change_time'], Date.UTC(2026, 0, 2, 3, 4, 5, 678) * 1e6);
  });

  test('addLinks on a span without addLink answers an issue and does not throw', () => {
    const outcome = api.pointersForEvent({
      Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'b' }, object: { key: 'k', eTag: 'e' } } }],
    });
    assert.equal(outcome.pointers.length, 1);
    const answered = addLinks({ setAttribute() {} }, outcome);
    assert.deepEqual(
      answered.issues.map((i) => i.code),
      ['span_links_unsupported']
    );
    assert.deepEqual(addLinks(undefined, outcome).pointers, outcome.pointers);
  });

  test('a batch of more records than the SDK keeps links per span (128 by default): the outcome says links were dropped', async () => {
    const streamArn = 'arn:aws:dynamodb:us-east-1:123456789012:table/batch-table/stream/2026-01-01T00:00:00.000';
    const ids = Array.from({ length: 150 }, (_, i) => `item ${i}`);
    const event = {
      Records: ids.map((id, i) => ({
        eventID: String(i),
        eventName: 'INSERT',
        eventSource: 'aws:dynamodb',
        eventSourceARN: streamArn,
        awsRegion: 'us-east-1',
        dynamodb: { Keys: { id: { S: id } }, SequenceNumber: String(100 + i), StreamViewType: 'KEYS_ONLY' },
      })),
    };
    const expected = ids.map((id) => hash('batch-table', 'id', id, '', ''));
    const outcomes = [];
    const lambda = instrumentations[1];
    lambda.setConfig({ requestHook: makeLambdaRequestHook({ onOutcome: (o) => outcomes.push(o) }) });
    try {
      const from = mark();
      await invokeLambda(event, 'big-batch-consumer');
      const [span] = spansSince(from, 'big-batch-consumer');
      const links = pointerLinks(span);
      assert.equal(links.length, 128);
      assert.equal(span.droppedLinksCount, 22);
      assert.ok(links.every((l) => expected.includes(l.hash)));
      const [outcome] = outcomes;
      assert.equal(outcome.pointers.length, 150);
      assert.deepEqual(
        outcome.issues.map((i) => i.code),
        ['span_links_dropped']
      );
      assert.match(outcome.issues[0].message, /dropped 22 link\(s\).*OTEL_SPAN_LINK_COUNT_LIMIT/);
    } finally {
      lambda.setConfig({ requestHook: lambdaRequestHook });
    }
  });
});

describe('pointer sampling (SPAN_AUTOLINK_POINTER_SAMPLING): span_autolink.keep on exactly the spans whose pointer the rule keeps', () => {
  const bucket = 'e2e-otel-sampled';
  const rate = 0.5; // keeps about half: both sets are large
  let queue;

  before(async () => {
    queue = await world.notifyingBucket(bucket);
    process.env.SPAN_AUTOLINK_POINTER_SAMPLING = String(rate);
    api.reloadEnvironment();
  });

  after(() => {
    delete process.env.SPAN_AUTOLINK_POINTER_SAMPLING;
    api.reloadEnvironment();
  });

  /** Whether the span carries the attribute; anything but true or nothing fails. */
  function marked(span) {
    const value = span.attributes[KEEP_ATTRIBUTE];
    assert.ok(value === undefined || value === true, `span_autolink.keep is ${value}`);
    return value === true;
  }

  test('PutObject spans, and the Lambda invocation of each notification', async () => {
    const expected = new Map();
    const produced = new Map();
    for (let i = 0; i < 24; i++) {
      const key = `sampled object ${i}.txt`;
      const from = mark();
      const output = await world.s3.send(new world.s3sdk.PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
      const [span] = spansSince(from, 'S3.PutObject');
      const h = hash(bucket, key, output.ETag.replace(/"/g, ''));
      assert.deepEqual(pointerLinks(span).map((l) => l.hash), [h]);
      expected.set(h, ruleKeeps(h, rate));
      produced.set(h, marked(span));
    }
    const kept = [...expected.values()].filter(Boolean).length;
    assert.ok(kept > 0 && kept < expected.size, `the rule keeps ${kept} of ${expected.size}`);
    assert.deepEqual(produced, expected);

    const consumed = new Map();
    for (const message of await world.receive(queue, expected.size)) {
      const from = mark();
      await invokeLambda(world.sqsEvent([message], queue), 'sampled-consumer');
      const [span] = spansSince(from, 'sampled-consumer');
      const [link] = pointerLinks(span);
      consumed.set(link.hash, marked(span));
    }
    assert.deepEqual(consumed, expected);
  });
});
