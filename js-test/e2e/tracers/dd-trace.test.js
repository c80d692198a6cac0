'use strict';

// span-autolink/dd-trace end to end: dd-trace-js sending to Datadog's own
// test agent (ddapm-test-agent on a loopback port), its aws-sdk plugin on
// the real AWS SDK v3 clients against moto, and datadog-lambda-js wrapping
// a handler invoked with the events moto delivered. What the agent received
// (/test/session/traces) must carry our pointers as span links exactly once
// per pointer, on the aws call span (producer) and on the span
// datadog-lambda-js puts pointers on (consumer); hashes written out here
// from SPEC 1, 3, 4 (js-test/helpers.js); none on a failed write.

const assert = require('node:assert/strict');
const { PassThrough } = require('node:stream');
const { after, before, describe, test } = require('node:test');
const { hash } = require('../../helpers');
const { KEYS, TABLE, World, NoKeySetting, quietDatadog, startTestAgent, startCountingProxy, freePort, sleep } = require('./world');
const api = require('span-autolink');

quietDatadog();

let agent;
let tracer;
let world;

before(async () => {
  agent = await startTestAgent();
  // What the README tells a user to write (plus where the agent is).
  tracer = require('dd-trace').init({ url: agent.url, flushInterval: 0, service: 'span-autolink-e2e' });
  const { issues } = require('span-autolink/dd-trace').instrument(tracer);
  assert.deepEqual(issues, []);
  world = await World.start();
});

after(async () => {
  await world?.stop();
  await agent?.stop();
});

/** The spans the agent received, flattened, read until `done(spans)` holds (at most 20 s). */
async function receivedSpans(done) {
  const deadline = Date.now() + 20000;
  for (;;) {
    await new Promise((resolve) => tracer._tracer?._exporter?.flush?.(resolve) ?? resolve());
    const spans = (await agent.traces()).flat();
    if (done(spans) || Date.now() > deadline) return spans;
    await sleep(200);
  }
}

/** The pointer links of a span as the agent got it (meta `_dd.span_links`, SPEC 2): `[{dir, kind, hash}]`. */
function pointerLinks(span) {
  const text = span.meta && span.meta['_dd.span_links'];
  if (text === undefined) return [];
  const found = [];
  for (const link of JSON.parse(text)) {
    if (!link.attributes || link.attributes['link.kind'] !== 'span-pointer') continue;
    assert.match(link.trace_id, /^0+$/);
    assert.match(link.span_id, /^0+$/);
    found.push({ dir: link.attributes['ptr.dir'], kind: link.attributes['ptr.kind'], hash: link.attributes['ptr.hash'] });
  }
  return found;
}

/** Runs `f` inside a root span named `name`, so that its aws spans can be found in what the agent received. */
async function traced(name, f) {
  return tracer.trace(name, { resource: name }, () => f());
}

/** The aws spans (operation `aws.request`) with resource `resource` under the root span `rootName`. */
function awsSpans(spans, rootName, resource) {
  const root = spans.find((s) => s.name === rootName);
  if (!root) return [];
  return spans.filter((s) => s.trace_id === root.trace_id && s.parent_id === root.span_id && s.meta['aws.operation'] === resource);
}

const s3Ptr = (bucket, key, etag) => ({ dir: 'd', kind: 'aws.s3.object', hash: hash(bucket, key, etag.replace(/"/g, '')) });
const itemHash = (customer, order) => hash(TABLE, 'customer', customer, 'order', String(order));
const ddbKey = (customer, order) => ({ customer: { S: customer }, order: { N: String(order) } });

describe('producer: dd-trace aws-sdk spans', () => {
  test('instrument() turned dd-trace own span pointers off in its configuration', () => {
    assert.equal(tracer._pluginManager._tracerConfig.DD_TRACE_AWS_ADD_SPAN_POINTERS, false);
  });

  test('PutObject and CopyObject spans carry exactly one pointer link each, ours; NoSuchBucket none', async () => {
    const bucket = 'e2e-dd-objects';
    await world.s3.send(new world.s3sdk.CreateBucketCommand({ Bucket: bucket }));
    const expected = [];
    await traced('e2e.s3.writes', async () => {
      for (const key of KEYS) {
        const output = await world.s3.send(new world.s3sdk.PutObjectCommand({ Bucket: bucket, Key: key, Body: `body of ${key}` }));
        expected.push(['putObject', [s3Ptr(bucket, key, output.ETag)]]);
      }
      const copied = await world.s3.send(
        new world.s3sdk.CopyObjectCommand({ Bucket: bucket, Key: 'copy of+ü %.txt', CopySource: `${bucket}/${encodeURIComponent(KEYS[1])}` })
      );
      expected.push(['copyObject', [s3Ptr(bucket, 'copy of+ü %.txt', copied.CopyObjectResult.ETag)]]);
      await assert.rejects(world.s3.send(new world.s3sdk.PutObjectCommand({ Bucket: 'e2e-dd-no-such-bucket', Key: 'k', Body: 'x' })), {
        name: 'NoSuchBucket',
      });
      expected.push(['putObject', []]);
    });
    const spans = await receivedSpans((all) => awsSpans(all, 'e2e.s3.writes', 'putObject').length === KEYS.length + 1);
    const got = [...awsSpans(spans, 'e2e.s3.writes', 'putObject'), ...awsSpans(spans, 'e2e.s3.writes', 'copyObject')]
      .sort((a, b) => a.start - b.start)
      .map((s) => [s.meta['aws.operation'], pointerLinks(s)]);
    assert.deepEqual(got, expected);
  });

  test('the five DynamoDB writes carry one link per item, ours; ConditionalCheckFailed none', async () => {
    await world.streamedTable();
    const { PutItemCommand, UpdateItemCommand, DeleteItemCommand, BatchWriteItemCommand, TransactWriteItemsCommand } = world.ddbsdk;
    const d = (customer, order) => ({ dir: 'd', kind: 'aws.dynamodb.item', hash: itemHash(customer, order) });
    const calls = [
      [new PutItemCommand({ TableName: TABLE, Item: ddbKey('b ob+%ü', 1) }), 'putItem', [d('b ob+%ü', 1)]],
      [
        new UpdateItemCommand({ TableName: TABLE, Key: ddbKey('b ob+%ü', 1), UpdateExpression: 'SET #t = :t', ExpressionAttributeNames: { '#t': 'total' }, ExpressionAttributeValues: { ':t': { N: '2' } } }),
        'updateItem',
        [d('b ob+%ü', 1)],
      ],
      [new DeleteItemCommand({ TableName: TABLE, Key: ddbKey('b ob+%ü', 1) }), 'deleteItem', [d('b ob+%ü', 1)]],
      [
        new BatchWriteItemCommand({ RequestItems: { [TABLE]: [{ PutRequest: { Item: ddbKey('carol', 3) } }, { PutRequest: { Item: ddbKey('dave', 4) } }] } }),
        'batchWriteItem',
        [d('carol', 3), d('dave', 4)],
      ],
      [
        new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: TABLE, Item: ddbKey('erin', 5) } }, { Delete: { TableName: TABLE, Key: ddbKey('carol', 3) } }] }),
        'transactWriteItems',
        [d('erin', 5), d('carol', 3)],
      ],
    ];
    await traced('e2e.dynamodb.writes', async () => {
      for (const [command] of calls) await world.ddb.send(command);
      await assert.rejects(world.ddb.send(new PutItemCommand({ TableName: TABLE, Item: ddbKey('erin', 5), ConditionExpression: 'attribute_not_exists(customer)' })), {
        name: 'ConditionalCheckFailedException',
      });
    });
    const expected = [...calls.map(([, op, links]) => [op, links]), ['putItem', []]];
    const ops = [...new Set(expected.map(([op]) => op))];
    const spans = await receivedSpans((all) => awsSpans(all, 'e2e.dynamodb.writes', 'putItem').length === 2 && awsSpans(all, 'e2e.dynamodb.writes', 'transactWriteItems').length === 1);
    const got = ops
      .flatMap((op) => awsSpans(spans, 'e2e.dynamodb.writes', op))
      .sort((a, b) => a.start - b.start)
      .map((s) => [s.meta['aws.operation'], pointerLinks(s)]);
    assert.deepEqual(got, expected);
    const failed = awsSpans(spans, 'e2e.dynamodb.writes', 'putItem').find((s) => s.error === 1);
    assert.ok(failed, 'the ConditionalCheckFailed span is an error');
    assert.deepEqual(pointerLinks(failed), []);
  });
});

test('producer: the document client (@aws-sdk/lib-dynamodb): put and update spans carry one link each, ours', async () => {
  const { DynamoDBDocumentClient, PutCommand, UpdateCommand } = require('@aws-sdk/lib-dynamodb');
  const doc = DynamoDBDocumentClient.from(world.ddb);
  const h = { dir: 'd', kind: 'aws.dynamodb.item', hash: itemHash('doc user+% ü', 7) };
  await traced('e2e.document', async () => {
    await doc.send(new PutCommand({ TableName: TABLE, Item: { customer: 'doc user+% ü', order: 7 } }));
    await doc.send(
      new UpdateCommand({ TableName: TABLE, Key: { customer: 'doc user+% ü', order: 7 }, UpdateExpression: 'SET #t = :t', ExpressionAttributeNames: { '#t': 'total' }, ExpressionAttributeValues: { ':t': 2 } })
    );
  });
  const spans = await receivedSpans((all) => all.some((s) => s.name === 'e2e.document'));
  const root = spans.find((s) => s.name === 'e2e.document');
  const aws = spans.filter((s) => s.trace_id === root.trace_id && s.parent_id === root.span_id).sort((a, b) => a.start - b.start);
  assert.deepEqual(
    aws.map((s) => [s.meta['aws.operation'], pointerLinks(s)]),
    [
      ['put', [h]],
      ['update', [h]],
    ]
  );
});

test('producer: a write that never reached a server (connection refused) carries no pointer link', async () => {
  // A loopback port nothing listens on (freed just before).
  const client = new world.ddbsdk.DynamoDBClient({ endpoint: `http://127.0.0.1:${await freePort()}`, maxAttempts: 1 });
  await traced('e2e.refused', () =>
    assert.rejects(client.send(new world.ddbsdk.PutItemCommand({ TableName: TABLE, Item: ddbKey('x', 1) })), { code: 'ECONNREFUSED' })
  );
  const spans = await receivedSpans((all) => awsSpans(all, 'e2e.refused', 'putItem').length === 1);
  const [span] = awsSpans(spans, 'e2e.refused', 'putItem');
  assert.equal(span.error, 1);
  assert.deepEqual(pointerLinks(span), []);
});

// Tables each known from one kind of call, no key setting (world.js).
const noKeys = new NoKeySetting('e2e-dd-nokeys');
const PUT_OPERATIONS = ['putItem', 'batchWriteItem', 'transactWriteItems'];

describe('producer, no key setting: key names from the calls the application made', () => {
  let saved;

  before(async () => {
    saved = process.env.DD_TRACE_DYNAMODB_TABLE_PRIMARY_KEYS;
    delete process.env.DD_TRACE_DYNAMODB_TABLE_PRIMARY_KEYS;
    api.reloadEnvironment();
    await noKeys.setUp(world, api);
  });

  after(() => {
    if (saved !== undefined) process.env.DD_TRACE_DYNAMODB_TABLE_PRIMARY_KEYS = saved;
    api.reloadEnvironment();
  });

  test('every PutItem, BatchWriteItem put and TransactWriteItems put carries its pointer, ours', async () => {
    const expected = [];
    await traced('e2e.nokeys.writes', async () => {
      for (const table of noKeys.tables) {
        for (const [command, name, hashes] of noKeys.puts(world, table)) {
          await world.ddb.send(command);
          expected.push([name[0].toLowerCase() + name.slice(1), hashes.map((h) => ({ dir: 'd', kind: 'aws.dynamodb.item', hash: h }))]);
        }
      }
    });
    const spans = await receivedSpans((all) => awsSpans(all, 'e2e.nokeys.writes', 'transactWriteItems').length === noKeys.tables.length);
    const got = PUT_OPERATIONS.flatMap((op) => awsSpans(spans, 'e2e.nokeys.writes', op))
      .sort((a, b) => a.start - b.start)
      .map((s) => [s.meta['aws.operation'], pointerLinks(s)]);
    assert.deepEqual(got, expected);
  });

  test('the opt-in lookup with the application client: one DescribeTable however many puts run at once; the first put says so, the puts after the answer link', async () => {
    const table = 'e2e-dd-nokeys-lookup';
    await world.streamedTable(table, [['pk', 'S'], ['sk', 'N']]);
    api.forgetTables(); // made elsewhere: no call of this process shows it
    const proxy = await startCountingProxy(world.moto.endpoint);
    const client = new world.ddbsdk.DynamoDBClient({ endpoint: proxy.endpoint });
    const outcomes = [];
    const { instrument } = require('span-autolink/dd-trace');
    assert.deepEqual(instrument(tracer, { describeTable: client, onOutcome: (o) => outcomes.push(o) }).issues, []);
    const item = (n) => ({ pk: { S: `p-${n}` }, sk: { N: String(n) } });
    try {
      await traced('e2e.nokeys.lookup', () => Promise.all(Array.from({ length: 20 }, (_, n) => client.send(new world.ddbsdk.PutItemCommand({ TableName: table, Item: item(n) })))));
      const puts = outcomes.filter((o) => o.issues.some((i) => i.code === 'table_not_configured'));
      const first = puts.filter((o) => o.issues.some((i) => i.code === 'key_lookup_pending' && i.message.includes('asked DynamoDB')));
      assert.equal(first.length, 1, JSON.stringify(outcomes.map((o) => o.issues)));
      for (const o of puts) assert.deepEqual(o.issues.map((i) => i.code), ['table_not_configured', 'key_lookup_pending']);
      let answered = false;
      for (let tries = 0; tries < 100 && !answered; tries++) {
        await client.send(new world.ddbsdk.PutItemCommand({ TableName: table, Item: item(100 + tries) }));
        answered = outcomes.at(-1).pointers.length === 1;
        if (!answered) await sleep(50);
      }
      assert.ok(answered, 'no put linked after the lookup');
      for (let n = 200; n < 205; n++) {
        await client.send(new world.ddbsdk.PutItemCommand({ TableName: table, Item: item(n) }));
        assert.deepEqual(outcomes.at(-1).pointers.map((p) => p.hash), [hash(table, 'pk', `p-${n}`, 'sk', String(n))]);
      }
      await sleep(200);
      assert.equal(proxy.count('DescribeTable'), 1);
    } finally {
      instrument(tracer);
      await proxy.stop();
    }
  });

  test('a lookup that fails is told to the puts after it, and not tried again for a minute', async () => {
    const table = 'e2e-dd-nokeys-unreachable';
    await world.streamedTable(table, [['pk', 'S']]);
    api.forgetTables();
    // The lookup's client reaches nothing: a loopback port nothing listens on.
    const unreachable = new world.ddbsdk.DynamoDBClient({ endpoint: `http://127.0.0.1:${await freePort()}`, maxAttempts: 1 });
    const outcomes = [];
    const { instrument } = require('span-autolink/dd-trace');
    instrument(tracer, { describeTable: unreachable, onOutcome: (o) => outcomes.push(o) });
    try {
      await world.ddb.send(new world.ddbsdk.PutItemCommand({ TableName: table, Item: { pk: { S: 'a' } } }));
      assert.deepEqual(outcomes.at(-1).issues.map((i) => i.code), ['table_not_configured', 'key_lookup_pending']);
      let failed;
      for (let tries = 0; tries < 100 && failed === undefined; tries++) {
        await sleep(50);
        await world.ddb.send(new world.ddbsdk.PutItemCommand({ TableName: table, Item: { pk: { S: `b${tries}` } } }));
        failed = outcomes.at(-1).issues.find((i) => i.code === 'key_lookup_failed');
      }
      assert.ok(failed, JSON.stringify(outcomes.map((o) => o.issues)));
      assert.match(failed.message, /ECONNREFUSED|connect/);
      assert.match(failed.message, /asks again when a put needs it in (59|60) s/);
    } finally {
      instrument(tracer);
    }
  });
});

describe('consumer: a datadog-lambda-js handler wrapped with withPointers', () => {
  let handler;
  let withDefaults;

  before(() => {
    // What the README tells a user to write.
    const { datadog } = require('datadog-lambda-js');
    const { withPointers } = require('span-autolink/dd-trace');
    handler = datadog(
      withPointers(async (event) => ({ records: event.Records.length })),
      { addSpanPointers: false }
    );
    // Without addSpanPointers: false, datadog-lambda-js computes its own pointers too.
    withDefaults = datadog(withPointers(async (event) => ({ records: event.Records.length })));
  });

  /**
   * Invokes the handler as the Lambda runtime does (`call`: how, for a
   * response-streaming one); answers the pointer links of the span that has them, and its name.
   */
  async function invoke(event, functionName, wrapped = handler, call = (f, e, c) => f(e, c)) {
    const context = {
      functionName,
      functionVersion: '$LATEST',
      awsRequestId: `req-${Math.random().toString(16).slice(2)}`,
      invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
      memoryLimitInMB: '128',
      getRemainingTimeInMillis: () => 30000,
    };
    assert.deepEqual(await call(wrapped, event, context), { records: event.Records.length });
    const lambdaOf = (all) => all.find((s) => s.name === 'aws.lambda' && s.resource === functionName);
    const spans = await receivedSpans((all) => lambdaOf(all) !== undefined);
    const lambda = lambdaOf(spans);
    assert.ok(lambda, `the aws.lambda span of ${functionName} reached the agent`);
    const trace = spans.filter((s) => s.trace_id === lambda.trace_id);
    const carrying = trace.filter((s) => pointerLinks(s).length > 0);
    assert.ok(carrying.length <= 1, `one span of the trace carries the pointers: ${carrying.map((s) => s.name)}`);
    const parent = trace.find((s) => s.span_id === lambda.parent_id);
    return { lambda, parent, carrier: carrying[0], links: carrying.length ? pointerLinks(carrying[0]) : [] };
  }

  test('S3 notification via SQS: the inferred aws.sqs span carries one u link per object, the producers hashes', async () => {
    const bucket = 'e2e-dd-consumer';
    const queue = await world.notifyingBucket(bucket);
    const expected = [];
    for (const key of KEYS) {
      const output = await world.s3.send(new world.s3sdk.PutObjectCommand({ Bucket: bucket, Key: key, Body: `consumed ${key}` }));
      expected.push(hash(bucket, key, output.ETag.replace(/"/g, '')));
    }
    const messages = await world.receive(queue, KEYS.length);
    const { parent, carrier, links } = await invoke(world.sqsEvent(messages, queue), 'dd-objects-consumer');
    assert.equal(parent?.name, 'aws.sqs', 'datadog-lambda-js made an inferred aws.sqs span');
    assert.equal(carrier?.span_id, parent.span_id, 'the pointers are on the inferred span');
    assert.ok(links.every((l) => l.dir === 'u' && l.kind === 'aws.s3.object'));
    assert.deepEqual(links.map((l) => l.hash).sort(), [...expected].sort());
  });

  test('a callback handler and a response-streaming handler stay what they are under datadog-lambda-js', async () => {
    const { datadog } = require('datadog-lambda-js');
    const { withPointers } = require('span-autolink/dd-trace');
    const bucket = 'e2e-dd-handler-kinds';
    const key = 'kinds of+ü %.txt';
    const queue = await world.notifyingBucket(bucket);
    const output = await world.s3.send(new world.s3sdk.PutObjectCommand({ Bucket: bucket, Key: key, Body: 'kinds' }));
    const expected = [{ dir: 'u', kind: 'aws.s3.object', hash: hash(bucket, key, output.ETag.replace(/"/g, '')) }];
    const event = world.sqsEvent(await world.receive(queue, 1), queue);

    // A callback handler whose body returns something other than a promise
    // (here its timer): datadog-lambda-js waits for the callback because
    // the handler declares three parameters.
    const callbackHandler = (event, context, callback) => setTimeout(() => callback(null, { records: event.Records.length }), 50);
    const viaCallback = withPointers(callbackHandler);
    const called = await invoke(event, 'dd-callback-consumer', datadog(viaCallback, { addSpanPointers: false }));
    assert.deepEqual(called.links, expected);
    assert.equal(viaCallback.length, 3, 'the wrapper declares the parameters the handler declares');

    // A response-streaming handler: the runtime and datadog-lambda-js tell
    // it by the symbol awslambda.streamifyResponse sets, and call it with
    // (event, responseStream, context).
    const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
    const streamingHandler = async (event, responseStream, context) => {
      responseStream.end(`records: ${event.Records.length} for ${context.functionName}`);
      return { records: event.Records.length };
    };
    streamingHandler[STREAMING] = 'response';
    const streaming = datadog(withPointers(streamingHandler), { addSpanPointers: false });
    assert.equal(streaming[STREAMING], 'response', 'datadog-lambda-js still sees a response-streaming handler');
    const responseStream = new PassThrough();
    const chunks = [];
    responseStream.on('data', (chunk) => chunks.push(chunk));
    const streamed = await invoke(event, 'dd-streaming-consumer', streaming, (f, e, c) => f(e, responseStream, c));
    assert.equal(Buffer.concat(chunks).toString(), 'records: 1 for dd-streaming-consumer');
    assert.deepEqual(streamed.links, expected);
  });

  test('no key setting: the stream records of each table link to its puts', async () => {
    for (const table of noKeys.tables) {
      const records = (await world.getRecordsOutputs(noKeys.streamArns[table])).flatMap((o) => o.Records);
      const { links } = await invoke(world.streamEvent(records, noKeys.streamArns[table]), `nokeys-${table}`);
      assert.ok(links.every((l) => l.dir === 'u' && l.kind === 'aws.dynamodb.item'));
      assert.deepEqual([...new Set(links.map((l) => l.hash))].sort(), noKeys.streamed(table), table);
    }
  });

  for (const [variant, table, functionName, wrapped] of [
    ['addSpanPointers: false', 'e2e-dd-consumer-items', 'dd-items-consumer', () => handler],
    ["datadog-lambda-js' defaults", 'e2e-dd-consumer-defaults', 'dd-items-defaults', () => withDefaults],
  ]) {
    test(`DynamoDB stream records (${variant}): one u link per record on the inferred aws.dynamodb span, the producers hashes`, async () => {
      const streamArn = await world.streamedTable(table);
      const items = [
        ['alice', 1],
        ['b ob+%ü', 2],
      ];
      for (const [customer, order] of items) {
        await world.ddb.send(new world.ddbsdk.PutItemCommand({ TableName: table, Item: ddbKey(customer, order) }));
      }
      await world.ddb.send(new world.ddbsdk.DeleteItemCommand({ TableName: table, Key: ddbKey('alice', 1) }));
      const expected = [...items, ['alice', 1]].map(([customer, order]) => hash(table, 'customer', customer, 'order', String(order)));
      const records = (await world.getRecordsOutputs(streamArn)).flatMap((o) => o.Records);
      const { parent, carrier, links } = await invoke(world.streamEvent(records, streamArn), functionName, wrapped());
      assert.equal(parent?.name, 'aws.dynamodb', 'datadog-lambda-js made an inferred aws.dynamodb span');
      assert.equal(carrier?.span_id, parent.span_id, 'the pointers are on the inferred span');
      assert.deepEqual(
        links.map((l) => [l.dir, l.kind, l.hash]),
        expected.map((h) => ['u', 'aws.dynamodb.item', h])
      );
    });
  }
});

// Last: it configures the aws-sdk plugin again.
describe('instrument() keeps the aws-sdk configuration the application gave tracer.use before it', () => {
  const bucket = 'e2e-dd-config';
  let output;

  before(async () => {
    await world.s3.send(new world.s3sdk.CreateBucketCommand({ Bucket: bucket }));
  });

  after(() => {
    tracer.use('aws-sdk', {});
    require('span-autolink/dd-trace').instrument(tracer);
  });

  /** One PutObject under a root span `name`; answers its aws spans as the agent got them (none expected when `none`). */
  async function putUnder(name, key, none = false) {
    await traced(name, async () => {
      output = await world.s3.send(new world.s3sdk.PutObjectCommand({ Bucket: bucket, Key: key, Body: `body of ${key}` }));
    });
    const spans = await receivedSpans((all) => (none ? all.some((s) => s.name === name) : awsSpans(all, name, 'putObject').length > 0));
    assert.ok(spans.some((s) => s.name === name), `the root span ${name} reached the agent`);
    return awsSpans(spans, name, 'putObject');
  }

  test('a plugin the application turned off stays off', async () => {
    tracer.use('aws-sdk', false);
    assert.deepEqual(require('span-autolink/dd-trace').instrument(tracer).issues, []);
    assert.deepEqual(await putUnder('e2e.config.off', 'off.txt', true), []);
  });

  test('its options stay, its own hooks.request runs after ours once per call, also after a second instrument()', async () => {
    const seen = [];
    tracer.use('aws-sdk', { service: 'e2e-my-aws', hooks: { request: (span, response) => seen.push(response.request.operation) } });
    const { instrument } = require('span-autolink/dd-trace');
    assert.deepEqual(instrument(tracer).issues, []);
    assert.deepEqual(instrument(tracer).issues, []);
    const [span, ...more] = await putUnder('e2e.config.kept', 'kept+ü.txt');
    assert.deepEqual(more, []);
    assert.equal(span.service, 'e2e-my-aws');
    assert.deepEqual(pointerLinks(span), [s3Ptr(bucket, 'kept+ü.txt', output.ETag)]);
    assert.deepEqual(seen, ['putObject']);
  });
});
