'use strict';

// span-autolink serve fed by the real OpenTelemetry exporter: the SDK's
// batch processor with @opentelemetry/exporter-trace-otlp-proto posting to
// serve, the real aws-sdk and aws-lambda instrumentations with our hooks,
// the real AWS SDK v3 clients against moto. Every producer/consumer pair of
// the flow (objects through an S3 notification and SQS to a Lambda, items
// through the table's stream to a Lambda; and the test's own ReceiveMessage
// and GetRecords spans, which are consumers too, as a worker's are) must be
// in GET /links, with the span ids an in-memory exporter beside it recorded
// and the hashes written out here from SPEC 1, 3 and 4.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { after, before, test } = require('node:test');

const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
const { BatchSpanProcessor, InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto');
const { hash } = require('../../helpers');
const { PRIMARY_KEYS, TABLE, World, startServe, sleep } = require('./world');

const TASK_ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'span-autolink-serve-'));
fs.writeFileSync(path.join(TASK_ROOT, 'handler.js'), "'use strict';\nexports.handler = async (event) => ({ records: event.Records.length });\n");
process.env.LAMBDA_TASK_ROOT = TASK_ROOT;
process.env._HANDLER = 'handler.handler';
process.env.DD_TRACE_DYNAMODB_TABLE_PRIMARY_KEYS = PRIMARY_KEYS;

let serve;
let provider;
let memory;
let instrumentations = [];
let world;

before(async () => {
  serve = await startServe();
  memory = new InMemorySpanExporter();
  provider = new NodeTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(memory), new BatchSpanProcessor(new OTLPTraceExporter({ url: `${serve.url}/v1/traces` }))],
  });
  provider.register();
  // What the README tells a user to write.
  const { AwsInstrumentation } = require('@opentelemetry/instrumentation-aws-sdk');
  const { AwsLambdaInstrumentation } = require('@opentelemetry/instrumentation-aws-lambda');
  const { awsSdkResponseHook, lambdaRequestHook } = require('span-autolink/opentelemetry');
  instrumentations = [new AwsInstrumentation({ responseHook: awsSdkResponseHook }), new AwsLambdaInstrumentation({ requestHook: lambdaRequestHook })];
  for (const instrumentation of instrumentations) {
    instrumentation.setTracerProvider(provider);
    instrumentation.enable();
  }
  world = await World.start();
});

after(async () => {
  for (const instrumentation of instrumentations) instrumentation.disable();
  await world?.stop();
  await provider?.shutdown();
  await serve?.stop();
  fs.rmSync(TASK_ROOT, { recursive: true, force: true });
});

/** Invokes the instrumented handler as the Lambda runtime does; answers the ids of its invocation span. */
async function invokeLambda(event, name) {
  const { handler } = require(path.join(TASK_ROOT, 'handler.js'));
  const from = memory.getFinishedSpans().length;
  const context = {
    functionName: name,
    functionVersion: '$LATEST',
    awsRequestId: `req-${name}`,
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
    getRemainingTimeInMillis: () => 30000,
  };
  await new Promise((resolve, reject) => {
    const result = handler(event, context, (err, value) => (err ? reject(err) : resolve(value)));
    if (result && typeof result.then === 'function') result.then(resolve, reject);
  });
  const spans = memory.getFinishedSpans().slice(from).filter((s) => s.name === name);
  assert.equal(spans.length, 1, `one invocation span named ${name}`);
  return ids(spans[0]);
}

const ids = (span) => ({ trace_id: span.spanContext().traceId, span_id: span.spanContext().spanId });

/** The ids of the spans finished since `from` carrying a consumer pointer with hash `h` (a worker's reads). */
function readersOf(from, h) {
  return memory
    .getFinishedSpans()
    .slice(from)
    .filter((s) => s.links.some((l) => l.attributes['ptr.dir'] === 'u' && l.attributes['ptr.hash'] === h))
    .map(ids);
}

/** The ids of the one span named `name` that finished since `from`. */
function onlySpan(from, name) {
  const spans = memory
    .getFinishedSpans()
    .slice(from)
    .filter((s) => s.name === name);
  assert.equal(spans.length, 1, name);
  return ids(spans[0]);
}

test('every producer/consumer pair of the S3 and DynamoDB flows is in GET /links', async () => {
  const expected = [];
  const bucket = 'e2e-serve-otel';
  const queue = await world.notifyingBucket(bucket);
  const written = [];
  for (const key of ['serve one.txt', 'serve+two%.txt']) {
    const from = memory.getFinishedSpans().length;
    const output = await world.s3.send(new world.s3sdk.PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
    written.push({ kind: 'aws.s3.object', hash: hash(bucket, key, output.ETag.replace(/"/g, '')), producer: onlySpan(from, 'S3.PutObject') });
  }
  let from = memory.getFinishedSpans().length;
  const messages = await world.receive(queue, written.length);
  for (const w of written) {
    const readers = readersOf(from, w.hash);
    assert.equal(readers.length, 1, 'one ReceiveMessage span got the notification');
    expected.push({ ...w, consumer: readers[0] });
  }
  const objectsConsumer = await invokeLambda(world.sqsEvent(messages, queue), 'serve-objects');
  expected.push(...written.map((w) => ({ ...w, consumer: objectsConsumer })));

  const streamArn = await world.streamedTable();
  const items = [];
  for (const [customer, order] of [
    ['serve-alice', 1],
    ['serve-bob', 2],
  ]) {
    const from = memory.getFinishedSpans().length;
    await world.ddb.send(new world.ddbsdk.PutItemCommand({ TableName: TABLE, Item: { customer: { S: customer }, order: { N: String(order) } } }));
    items.push({ kind: 'aws.dynamodb.item', hash: hash(TABLE, 'customer', customer, 'order', String(order)), producer: onlySpan(from, 'DynamoDB.PutItem') });
  }
  from = memory.getFinishedSpans().length;
  const records = (await world.getRecordsOutputs(streamArn)).flatMap((o) => o.Records);
  assert.equal(records.length, items.length);
  for (const w of items) {
    const readers = readersOf(from, w.hash);
    assert.equal(readers.length, 1, 'one GetRecords span read the record');
    expected.push({ ...w, consumer: readers[0] });
  }
  const itemsConsumer = await invokeLambda(world.streamEvent(records, streamArn), 'serve-items');
  expected.push(...items.map((w) => ({ ...w, consumer: itemsConsumer })));

  await provider.forceFlush();
  const key = (l) => JSON.stringify([l.kind, l.hash, l.producer.trace_id, l.producer.span_id, l.consumer.trace_id, l.consumer.span_id]);
  let links;
  for (let tries = 0; tries < 50; tries++) {
    links = await serve.links();
    if (links.links.length >= expected.length) break;
    await sleep(100);
  }
  assert.deepEqual(links.links.map(key).sort(), expected.map(key).sort());
  assert.deepEqual(links.unmatched, []);
  // One consumer trace's links: exactly its own.
  const one = await serve.links(`?trace_id=${objectsConsumer.trace_id}`);
  assert.deepEqual(one.links.map(key).sort(), expected.filter((l) => l.consumer === objectsConsumer).map(key).sort());
});
