'use strict';

// span-autolink serve as dd-trace-js's agent (DD_TRACE_AGENT_URL, here the
// tracer's `url`): dd-trace's aws-sdk plugin with span-autolink/dd-trace on
// the real AWS SDK v3 clients against moto, and a datadog-lambda-js handler
// wrapped with withPointers invoked with what moto delivered. Every written
// object and item must be in GET /links with its producer in the trace the
// writes ran in and its consumer in the trace of the invocation that
// received it; an object also with the test's own ReceiveMessage, a
// consumer as a worker's is (trace ids as dd-trace gave them to the code,
// hashes from SPEC 1, 3 and 4).

const assert = require('node:assert/strict');
const { after, before, test } = require('node:test');
const { hash } = require('../../helpers');
const { TABLE, World, quietDatadog, startServe, sleep } = require('./world');

quietDatadog();

let serve;
let tracer;
let world;

before(async () => {
  serve = await startServe();
  tracer = require('dd-trace').init({ url: serve.url, flushInterval: 0, service: 'span-autolink-serve-e2e' });
  assert.deepEqual(require('span-autolink/dd-trace').instrument(tracer).issues, []);
  world = await World.start();
});

after(async () => {
  await world?.stop();
  await serve?.stop();
});

/** The trace id (32 hex) of the span active while `f` runs inside a new root span `name`. */
async function inRootSpan(name, f) {
  return tracer.trace(name, { resource: name }, async (span) => {
    await f();
    return span.context().toTraceId(true);
  });
}

/** Invokes a datadog-lambda-js handler wrapped with withPointers; answers the trace id its code ran in. */
async function invoke(event, functionName) {
  const { datadog } = require('datadog-lambda-js');
  const { withPointers } = require('span-autolink/dd-trace');
  let traceId;
  const handler = datadog(
    withPointers(async () => {
      traceId = tracer.scope().active().context().toTraceId(true);
      return {};
    }),
    { addSpanPointers: false }
  );
  await handler(event, {
    functionName,
    functionVersion: '$LATEST',
    awsRequestId: `req-${functionName}`,
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '128',
    getRemainingTimeInMillis: () => 30000,
  });
  assert.match(traceId, /^[0-9a-f]{32}$/);
  return traceId;
}

test('every object and item written under dd-trace links to the invocation that received it, in GET /links', async () => {
  const bucket = 'e2e-serve-dd';
  const queue = await world.notifyingBucket(bucket);
  const streamArn = await world.streamedTable();
  const objects = [];
  const items = [];
  const writesTrace = await inRootSpan('e2e.serve.writes', async () => {
    for (const key of ['dd serve.txt', 'dd+serve%.txt']) {
      const output = await world.s3.send(new world.s3sdk.PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
      objects.push(hash(bucket, key, output.ETag.replace(/"/g, '')));
    }
    await world.ddb.send(new world.ddbsdk.PutItemCommand({ TableName: TABLE, Item: { customer: { S: 'dd-carol' }, order: { N: '3' } } }));
    items.push(hash(TABLE, 'customer', 'dd-carol', 'order', '3'));
  });
  let messages;
  const receiveTrace = await inRootSpan('e2e.serve.receive', async () => {
    messages = await world.receive(queue, objects.length);
  });
  const objectsTrace = await invoke(world.sqsEvent(messages, queue), 'serve-dd-objects');
  const records = (await world.getRecordsOutputs(streamArn)).flatMap((o) => o.Records);
  const itemsTrace = await invoke(world.streamEvent(records, streamArn), 'serve-dd-items');

  const expected = [
    ...objects.map((h) => ['aws.s3.object', h, writesTrace, objectsTrace]),
    ...objects.map((h) => ['aws.s3.object', h, writesTrace, receiveTrace]),
    ...items.map((h) => ['aws.dynamodb.item', h, writesTrace, itemsTrace]),
  ];
  let links;
  for (let tries = 0; tries < 100; tries++) {
    await new Promise((resolve) => tracer._tracer?._exporter?.flush?.(resolve) ?? resolve());
    links = await serve.links();
    if (links.links.length >= expected.length) break;
    await sleep(200);
  }
  assert.deepEqual(links.links.map((l) => [l.kind, l.hash, l.producer.trace_id, l.consumer.trace_id]).sort(), expected.sort());
  assert.ok(links.links.every((l) => /^[0-9a-f]{16}$/.test(l.producer.span_id) && l.producer.span_id !== l.consumer.span_id));
  assert.deepEqual(links.unmatched, []);
});
