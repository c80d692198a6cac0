'use strict';

// span-autolink (bindings/js) against the JavaScript it replaces, in one
// process, on the same inputs: dd-trace's aws-sdk plugin path for one
// PutObject and one UpdateItem, and datadog-lambda-js's span pointer
// function for a 1,000-record DynamoDB Stream event. Batches of the two
// sides alternate, so that load on the machine hits both alike; each side's
// time is the median over batches. Then cold start (require + first pointer
// in a fresh node process) and the .wasm size.
//
//   node bench/js/bench.js [--quick] [--baseline PKG_DIR] [--against PACKAGE_DIR]...
//
// --baseline: also times the pointer calls against another build of the
// module (a wasm-bindgen output directory like bindings/js/pkg, made from
// another commit), in the same process with this package's JavaScript, so
// the ratio is the module's alone: what a change to the core costs the
// pointer calls.
//
// --against: another whole package (a built bindings/js of another commit,
// JavaScript and module): its pointer calls timed against this package's
// in the same process, and its cold starts interleaved with this one's, so
// that a change to the package's JavaScript is measured on one machine
// state. May be given more than once.

const path = require('node:path');
const fs = require('node:fs');
const { spawnSync } = require('node:child_process');

const PACKAGE = path.resolve(__dirname, '..', '..', 'bindings', 'js');
const WASM = path.join(PACKAGE, 'pkg', 'span_autolink_bg.wasm');
const QUICK = process.argv.includes('--quick');
const BASELINE = process.argv.includes('--baseline') ? path.resolve(process.argv[process.argv.indexOf('--baseline') + 1]) : null;
const AGAINST = process.argv.flatMap((arg, i) => (arg === '--against' ? [path.resolve(process.argv[i + 1])] : []));

const ours = require(PACKAGE);
const S3 = require('dd-trace/packages/datadog-plugin-aws-sdk/src/services/s3');
const DynamoDb = require('dd-trace/packages/datadog-plugin-aws-sdk/src/services/dynamodb');
const { getSpanPointerAttributes } = require('datadog-lambda-js/dist/utils/span-pointers');

// ---------------------------------------------------------------------------
// Timing

function now() {
  return process.hrtime.bigint();
}

/** ns per call of `fn` over one batch of `n` calls. */
function batch(fn, n) {
  const start = now();
  for (let i = 0; i < n; i++) fn(i);
  return Number(now() - start) / n;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Medians (ns per call) of `a` and `b`, measured in alternating batches
 * after a warm-up long enough for the engine to optimize both.
 */
function compare(a, b, { perBatch, batches, warmup }) {
  for (let i = 0; i < warmup; i++) {
    a(i);
    b(i);
  }
  const ta = [];
  const tb = [];
  for (let r = 0; r < batches; r++) {
    if (r % 2 === 0) {
      ta.push(batch(a, perBatch));
      tb.push(batch(b, perBatch));
    } else {
      tb.push(batch(b, perBatch));
      ta.push(batch(a, perBatch));
    }
  }
  return [median(ta), median(tb)];
}

function format(ns) {
  if (Math.abs(ns) >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (Math.abs(ns) >= 1e3) return `${(ns / 1e3).toFixed(2)} us`;
  return `${ns.toFixed(0)} ns`;
}

const results = [];

function report(name, oursNs, theirsNs, theirsName, target) {
  const ratio = oursNs / theirsNs;
  results.push({ name, ours: oursNs, theirs: theirsNs, ratio, target });
  const verdict = ratio <= target ? 'meets' : 'misses';
  console.log(
    `${name.padEnd(34)} ours ${format(oursNs).padStart(10)}   ${theirsName} ${format(theirsNs).padStart(10)}   ` +
      `ratio ${ratio.toFixed(2)} (target <= ${target}: ${verdict})`
  );
}

function check(condition, message) {
  if (!condition) {
    console.error(`bench: ${message}`);
    process.exit(1);
  }
}

// ---------------------------------------------------------------------------
// Inputs: what the SDK and dd-trace hand over for one call.

const metadata = { httpStatusCode: 200, requestId: 'QWERTYUIOP', extendedRequestId: 'x', attempts: 1, totalRetryDelay: 0 };

// A span that keeps its pointers, as dd-trace's does.
const span = {
  pointers: [],
  addSpanPointer(kind, direction, hash) {
    if (this.pointers.length > 64) this.pointers.length = 0;
    this.pointers.push({ kind, direction, hash });
  },
};

function dynamoDbPlugin() {
  return { getPrimaryKeyConfig: () => undefined };
}

const putParams = {
  Bucket: 'example-bucket-logs',
  Key: 'uploads/2024/05/17/report-0001.json',
  Body: Buffer.alloc(64 * 1024, 7),
  ContentType: 'application/json',
};
const putOutput = { $metadata: metadata, ETag: '"9b2cf535f27731c974343645a3985328"', ServerSideEncryption: 'AES256', VersionId: 'v1' };
// dd-trace's instrumentation builds this for its plugins, pointers or not.
const putResponse = { request: { operation: 'putObject', params: putParams }, error: undefined, ...putOutput, requestId: metadata.requestId };

const updateParams = {
  TableName: 'orders',
  Key: { customerId: { S: 'customer-000042' }, orderId: { N: '1001' } },
  UpdateExpression: 'SET #s = :s, updatedAt = :t',
  ExpressionAttributeNames: { '#s': 'status' },
  ExpressionAttributeValues: { ':s': { S: 'shipped' }, ':t': { N: '1715900000' } },
  ReturnValues: 'NONE',
};
const updateOutput = { $metadata: metadata };
const updateResponse = { request: { operation: 'updateItem', params: updateParams }, error: undefined, ...updateOutput, requestId: metadata.requestId };

function streamEvent(n) {
  const records = [];
  for (let i = 0; i < n; i++) {
    const keys = { customerId: { S: `customer-${String(i % 97).padStart(6, '0')}` }, orderId: { N: String(1000 + i) } };
    records.push({
      eventID: `c4ca4238a0b923820dcc509a6f75849${i}`,
      eventName: ['INSERT', 'MODIFY', 'REMOVE'][i % 3],
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      dynamodb: {
        ApproximateCreationDateTime: 1715900000 + i,
        Keys: keys,
        NewImage: { ...keys, status: { S: 'shipped' }, total: { N: '42.50' }, lines: { L: [{ M: { sku: { S: 'A-1' }, qty: { N: '2' } } }] } },
        OldImage: { ...keys, status: { S: 'paid' }, total: { N: '42.50' } },
        SequenceNumber: String(111000000000000000000 + i),
        SizeBytes: 180,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
      eventSourceARN: 'arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2024-05-17T00:00:00.000',
    });
  }
  // As the Lambda runtime hands it over: parsed from JSON.
  return JSON.parse(JSON.stringify({ Records: records }));
}

// ---------------------------------------------------------------------------
// The same pointers first, then the timings.

function theirsPut() {
  S3.prototype.addSpanPointers.call({}, span, putResponse);
  return span.pointers[span.pointers.length - 1];
}
function oursPut() {
  return ours.pointersForResponse('s3', 'putObject', putParams, putResponse);
}
function theirsUpdate() {
  DynamoDb.prototype.addSpanPointers.call(dynamoDbPlugin(), span, updateResponse);
  return span.pointers[span.pointers.length - 1];
}
function oursUpdate() {
  return ours.pointersForResponse('dynamodb', 'updateItem', updateParams, updateResponse);
}

const event = streamEvent(1000);
check(JSON.stringify(oursPut().pointers) === JSON.stringify([theirsPut()]), 'PutObject pointers differ from dd-trace');
check(JSON.stringify(oursUpdate().pointers) === JSON.stringify([theirsUpdate()]), 'UpdateItem pointers differ from dd-trace');
const theirsEvent = getSpanPointerAttributes('dynamodb', event);
const oursEvent = ours.pointersForEvent(event);
// Ours carry the change time too (SPEC 10), which datadog-lambda-js does not compute.
const hashed = (pointers) => pointers.map(({ kind, direction, hash }) => ({ kind, direction, hash }));
check(theirsEvent.length === 1000 && JSON.stringify(hashed(oursEvent.pointers)) === JSON.stringify(hashed(theirsEvent)), 'stream pointers differ from datadog-lambda-js');

console.log(`span-autolink ${require(path.join(PACKAGE, 'package.json')).version} on node ${process.version}, ${ours[Symbol.for('span-autolink.internal')]('lib/autolink.js').autolink.instance.addon !== undefined ? 'the addon' : 'the WebAssembly module'} serving`);
console.log(`dd-trace ${require('dd-trace/package.json').version}, datadog-lambda-js ${require('datadog-lambda-js/package.json').version}`);
console.log('medians over alternating batches; ratio = ours / theirs\n');

const single = QUICK ? { perBatch: 500, batches: 40, warmup: 20000 } : { perBatch: 2000, batches: 200, warmup: 300000 };
{
  const [a, b] = compare(oursPut, theirsPut, single);
  report('PutObject, one call', a, b, 'dd-trace', 1.0);
}
{
  const [a, b] = compare(oursUpdate, theirsUpdate, single);
  report('UpdateItem, one call', a, b, 'dd-trace', 1.0);
}
{
  const [a, b] = compare(
    () => ours.pointersForEvent(event),
    () => getSpanPointerAttributes('dynamodb', event),
    QUICK ? { perBatch: 2, batches: 20, warmup: 50 } : { perBatch: 5, batches: 200, warmup: 500 }
  );
  report('DynamoDB Stream, 1,000 records', a, b, 'datadog-lambda-js', 0.5);
}

/** The three pointer calls of this package against `other`'s (another package, or this one on another module). */
function sideBySide(other, otherName) {
  const side = (name, a, b, options) => {
    const [x, y] = compare(a, b, options);
    console.log(`${name.padEnd(34)} this ${format(x).padStart(10)}   ${otherName} ${format(y).padStart(10)}   ratio ${(x / y).toFixed(3)}`);
  };
  side('PutObject, one call', oursPut, () => other.pointersForResponse('s3', 'putObject', putParams, putResponse), single);
  side('UpdateItem, one call', oursUpdate, () => other.pointersForResponse('dynamodb', 'updateItem', updateParams, updateResponse), single);
  side(
    'DynamoDB Stream, 1,000 records',
    () => ours.pointersForEvent(event),
    () => other.pointersForEvent(event),
    QUICK ? { perBatch: 2, batches: 20, warmup: 50 } : { perBatch: 5, batches: 200, warmup: 500 }
  );
}

if (BASELINE !== null) {
  // This package's JavaScript over the baseline module, in a copy of its own.
  const copy = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'span-autolink-baseline-'));
  for (const entry of ['package.json', 'index.js', 'lib', 'bundle.js', 'pkg-explain']) {
    fs.cpSync(path.join(PACKAGE, entry), path.join(copy, entry), { recursive: true });
  }
  fs.cpSync(BASELINE, path.join(copy, 'pkg'), { recursive: true });
  // The bundle holds the glue, which must be the baseline module's. The
  // copy has no node_modules: the bundler finds its own (esbuild) through
  // the package's.
  const bundled = spawnSync(process.execPath, [path.join(copy, 'bundle.js')], {
    encoding: 'utf8',
    env: { ...process.env, NODE_PATH: path.join(PACKAGE, 'node_modules') },
  });
  check(bundled.status === 0, `the baseline copy could not be bundled: ${bundled.stderr}`);
  const baseline = require(copy);
  check(
    JSON.stringify(baseline.pointersForResponse('s3', 'putObject', putParams, putResponse)) === JSON.stringify(oursPut()) &&
      JSON.stringify(baseline.pointersForEvent(event)) === JSON.stringify(ours.pointersForEvent(event)),
    'the baseline module gives other pointers'
  );
  console.log(`
this module against the baseline module ${BASELINE} (ratio = this / baseline)`);
  sideBySide(baseline, 'baseline');
  fs.rmSync(copy, { recursive: true, force: true });
}

for (const other of AGAINST) {
  const them = require(other);
  const version = require(path.join(other, 'package.json')).version;
  check(
    JSON.stringify(hashed(them.pointersForResponse('s3', 'putObject', putParams, putResponse).pointers)) === JSON.stringify(hashed(oursPut().pointers)) &&
      JSON.stringify(hashed(them.pointersForEvent(event).pointers)) === JSON.stringify(hashed(ours.pointersForEvent(event).pointers)),
    `the package in ${other} gives other pointers`
  );
  console.log(`\nthis package against the package in ${other} (${version}; ratio = this / that)`);
  sideBySide(them, 'that');
}

// ---------------------------------------------------------------------------
// Feeding the key-name registry (#22): the integrations pass every DynamoDB
// call. A call no rule reads must cost the package no more than the lookup of
// its operation code; a read that teaches key names goes into the module.

console.log('\nfeeding the key-name registry (a table\'s key names learned from the calls)');
{
  const queryParams = {
    TableName: 'orders',
    KeyConditionExpression: 'customerId = :c',
    ExpressionAttributeValues: { ':c': { S: 'customer-000042' } },
  };
  const queryOutput = { $metadata: metadata, Count: 1, ScannedCount: 1, Items: [{ customerId: { S: 'customer-000042' }, orderId: { N: '1001' }, status: { S: 'shipped' } }] };
  const getParams = { TableName: 'orders', Key: updateParams.Key, ProjectionExpression: '#s', ExpressionAttributeNames: { '#s': 'status' } };
  const getOutput = { $metadata: metadata, Item: { status: { S: 'shipped' } } };
  const description = {
    $metadata: metadata,
    Table: {
      TableName: 'orders-described',
      KeySchema: [
        { AttributeName: 'customerId', KeyType: 'HASH' },
        { AttributeName: 'orderId', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'customerId', AttributeType: 'S' },
        { AttributeName: 'orderId', AttributeType: 'N' },
      ],
      TableStatus: 'ACTIVE',
      ItemCount: 0,
    },
  };
  const item = { customerId: { S: 'customer-000042' }, orderId: { N: '1001' }, status: { S: 'shipped' }, total: { N: '42.50' } };
  // The package's own answer for a call no rule reads: two Map lookups.
  const codes = new Map([['dynamodb', new Map([['QueryCommand', 255]])]]);
  const lookup = () => codes.get('dynamodb').get('QueryCommand');
  const query = () => ours.pointersForResponse('dynamodb', 'QueryCommand', queryParams, queryOutput);
  check(query().pointers.length === 0 && query().issues.length === 0, 'a Query gives something');
  const [q, m] = compare(query, lookup, single);
  console.log(`a call no rule reads (QueryCommand), public API: ${format(q)}; the two Map lookups alone ${format(m)}`);
  const { makeAwsSdkResponseHook } = require(path.join(PACKAGE, 'dist', 'opentelemetry.js'));
  const hook = makeAwsSdkResponseHook();
  const otelSpan = { addLink() {}, setAttribute() {} };
  const queryInfo = { response: { data: queryOutput, request: { serviceName: 'DynamoDB', commandName: 'Query', commandInput: queryParams, region: 'us-east-1' } } };
  const [h] = compare(() => hook(otelSpan, queryInfo), lookup, single);
  console.log(`the same call through the OpenTelemetry responseHook: ${format(h)}`);
  const get = () => ours.pointersForResponse('dynamodb', 'GetItemCommand', getParams, getOutput);
  check(get().pointers.length === 0, 'a GetItem gives a pointer');
  const [g, u] = compare(get, oursUpdate, single);
  console.log(`a read that teaches (GetItemCommand): ${format(g)}; UpdateItem (one pointer) ${format(u)}; ratio ${(g / u).toFixed(2)}`);
  const [d] = compare(() => ours.pointersForResponse('dynamodb', 'DescribeTableCommand', { TableName: 'orders-described' }, description), lookup, single);
  console.log(`a table description that teaches (DescribeTableCommand): ${format(d)}`);
  const learned = () => ours.pointersForResponse('dynamodb', 'PutItemCommand', { TableName: 'orders-described', Item: item }, updateOutput);
  // A table no call showed ('orders' was, by the reads above), configured
  // as the environment variable gives it: JSON text, which the package
  // compares rather than serializes.
  const setting = JSON.stringify({ 'orders-configured': ['customerId', 'orderId'] });
  const configured = () => ours.pointersForResponse('dynamodb', 'PutItemCommand', { TableName: 'orders-configured', Item: item }, updateOutput, { dynamodbPrimaryKeys: setting });
  const one = (outcome) => outcome.pointers.length === 1 && outcome.issues.length === 0;
  check(one(learned()) && one(configured()), 'a put gives no pointer, or an issue');
  const [pl, pc] = compare(learned, configured, single);
  console.log(`PutItem, key names learned: ${format(pl)}; configured: ${format(pc)}; ratio ${(pl / pc).toFixed(2)}`);
}

// ---------------------------------------------------------------------------
// Where the time of one call goes: the module alone (the package's own
// input left in linear memory, read again), against the whole call.

// The instance the package runs (the addon's, or the module's), from its bundle.
const { autolink } = ours[Symbol.for('span-autolink.internal')]('lib/autolink.js');
const HOST = autolink.instance.addon !== undefined ? 'the addon' : 'the module';

/**
 * The package's next call of `name`, which runs once: a function that runs
 * that call again on the input it left in memory, and the input's length.
 */
function inputOf(name, call) {
  const instance = autolink.instance;
  const original = instance.call;
  let len = -1;
  instance.call = function (n, l) {
    if (n === name) len = l;
    return original.call(this, n, l);
  };
  try {
    call();
  } finally {
    delete instance.call; // the prototype's again
  }
  return [(l) => instance.call(name, l), len];
}
console.log(`\nwhere the time goes (${HOST} alone: its input already in memory, as projected marshal data; reading, rules, SHA-256, output lines)`);
{
  const [module, len] = inputOf('pointersForResponse', oursPut);
  const inside = compare(() => module(len), () => {}, single)[0];
  const whole = compare(oursPut, () => {}, single)[0];
  console.log(`PutObject: ${HOST} ${format(inside)} of ${format(whole)} per call (${len} bytes of input)`);
  const { generatePointerHash } = require('dd-trace/packages/datadog-plugin-aws-sdk/src/util');
  const components = [putParams.Bucket, putParams.Key, '9b2cf535f27731c974343645a3985328'];
  const helper = compare(() => generatePointerHash(components), () => {}, single)[0];
  console.log(`PutObject: dd-trace's hash helper alone (node crypto SHA-256) ${format(helper)}`);
}
{
  const stream = QUICK ? { perBatch: 2, batches: 20, warmup: 50 } : { perBatch: 5, batches: 100, warmup: 200 };
  const [module, len] = inputOf('pointersForEvent', () => ours.pointersForEvent(event));
  const inside = compare(() => module(len), () => {}, stream)[0];
  const whole = compare(() => ours.pointersForEvent(event), () => {}, stream)[0];
  console.log(`DynamoDB Stream, 1,000 records: ${HOST} ${format(inside)} of ${format(whole)} (${len} bytes of input)`);
}

// ---------------------------------------------------------------------------
// Cold start: a fresh node process requires the package and computes its
// first pointer; the time is taken inside the process. The packages of
// --against take turns with this one.

// This package as it runs here (the addon, where built), the same package
// on its WebAssembly module (as on other platforms), then --against.
const MODULE = `${PACKAGE} `; // the same directory, run with the addon switched off
const COLDS = [PACKAGE, MODULE, ...AGAINST];
const nameOf = (dir) => (dir === PACKAGE ? '' : dir === MODULE ? ' [module: SPAN_AUTOLINK_EXTENSION=off]' : ` [${dir}]`);
const envOf = (dir) => (dir === MODULE ? { ...process.env, SPAN_AUTOLINK_EXTENSION: 'off' } : process.env);
const cold = (dir) => `
const start = process.hrtime.bigint();
const api = require(${JSON.stringify(dir.trim())});
const loaded = process.hrtime.bigint();
const { pointers } = api.pointersForResponse('s3', 'PutObject', { Bucket: 'some-bucket', Key: 'some-key.data' }, { ETag: '"ab12ef34"' });
const end = process.hrtime.bigint();
if (pointers[0].hash !== 'e721375466d4116ab551213fdea08413') process.exit(1);
console.log(JSON.stringify([Number(loaded - start), Number(end - loaded)]));`;
{
  const runs = QUICK ? 5 : 21;
  const times = COLDS.map(() => ({ total: [], load: [], first: [] }));
  for (let i = 0; i < runs; i++) {
    COLDS.forEach((dir, k) => {
      const r = spawnSync(process.execPath, ['-e', cold(dir)], { encoding: 'utf8', env: envOf(dir) });
      check(r.status === 0, `cold start run failed: ${r.stderr}`);
      const [a, b] = JSON.parse(r.stdout);
      times[k].load.push(a);
      times[k].first.push(b);
      times[k].total.push(a + b);
    });
  }
  console.log('');
  COLDS.forEach((dir, k) => {
    const { total, load, first } = times[k];
    const t = median(total);
    console.log(
      `cold start${nameOf(dir)} (require + first pointer, fresh process, median of ${runs}): ${format(t)} ` +
        `(require ${format(median(load))}, first call ${format(median(first))}); target <= 10 ms: ${t <= 10e6 ? 'meets' : 'misses'}`
    );
  });
}

// The same on one CPU (taskset -c 0, as a small Lambda has), whole process
// minus a bare node's, cases interleaved; RSS after the call. The issue
// asks for a median of 7; on a shared machine a bare node's start varies
// by a few milliseconds from one process to the next, so that a median of
// 7 moves by about a millisecond between runs of the same build: the
// median is taken of 21, and the quartiles of the differences to the bare
// node run just before are printed beside it.
{
  const which = spawnSync('sh', ['-c', 'command -v taskset'], { encoding: 'utf8' });
  const pin = which.status === 0 ? ['taskset', '-c', '0'] : [];
  // The lowest real-time priority (SCHED_FIFO 1) for this process and the
  // ones it starts, where permitted: on a machine shared with other work
  // the wall clock otherwise also counts the time a fresh process waits
  // for its CPU, and a Lambda function's CPU runs no one else's work.
  const realTime = spawnSync('chrt', ['-f', '-p', '1', String(process.pid)], { encoding: 'utf8' }).status === 0;
  // RSS and the CPU time (user + system) the process has used, at its end:
  // CPU time is what a machine loaded by others changes least.
  const END = `;{const u=process.resourceUsage();console.error(JSON.stringify([process.memoryUsage().rss,(u.userCPUTime+u.systemCPUTime)*1000]))}`;
  const once = (code, env = process.env) => {
    const t0 = process.hrtime.bigint();
    const r = pin.length
      ? spawnSync(pin[0], [...pin.slice(1), process.execPath, '-e', code], { encoding: 'utf8', env })
      : spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', env });
    const wall = Number(process.hrtime.bigint() - t0);
    check(r.status === 0, `cold start run failed: ${r.stderr}`);
    const [rss, cpu] = JSON.parse(r.stderr.trim().split('\n').pop());
    return [wall, rss, cpu];
  };
  const COLD_RUNS = QUICK ? 7 : 21;
  const bare = [];
  const runs = COLDS.map(() => []);
  try {
    for (let i = 0; i < COLD_RUNS; i++) {
      bare.push(once(`0${END}`));
      COLDS.forEach((dir, k) => runs[k].push(once(cold(dir) + END, envOf(dir))));
    }
  } finally {
    if (realTime) spawnSync('chrt', ['-o', '-p', '0', String(process.pid)]);
  }
  const base = median(bare.map((r) => r[0]));
  const baseCpu = median(bare.map((r) => r[2]));
  const verdict = (ns) => (ns <= 6e6 ? 'meets' : 'misses');
  COLDS.forEach((dir, k) => {
    const extra = median(runs[k].map((r) => r[0])) - base;
    const extraCpu = median(runs[k].map((r) => r[2])) - baseCpu;
    const rss = median(runs[k].map((r) => r[1])) - median(bare.map((r) => r[1]));
    const paired = runs[k].map((r, i) => r[0] - bare[i][0]).sort((a, b) => a - b);
    const quartiles = [0.25, 0.5, 0.75].map((q) => format(paired[Math.round(q * (paired.length - 1))])).join(' / ');
    console.log(
      `cold start${nameOf(dir)}, ${pin.length ? 'taskset -c 0' : 'NOT pinned (no taskset)'}, ` +
        `${realTime ? 'SCHED_FIFO' : 'not real-time (not permitted)'}, median of ${COLD_RUNS}, whole process minus a bare node ` +
        `(wall ${format(base)}, CPU ${format(baseCpu)}): wall ${format(extra)} (paired quartiles ${quartiles}), CPU ${format(extraCpu)}; ` +
        `target <= 6 ms: ${verdict(extra)}/${verdict(extraCpu)}; RSS after the call +${(rss / 1048576).toFixed(1)} MB`
    );
  });
  const du = (dir) => {
    let n = 0;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) n += e.name === 'node_modules' ? 0 : du(p);
      else n += fs.statSync(p).size;
    }
    return n;
  };
  const tarballs = fs.existsSync(path.resolve(__dirname, '..', '..', 'target', 'js-package'))
    ? fs.readdirSync(path.resolve(__dirname, '..', '..', 'target', 'js-package')).filter((f) => f.endsWith('.tgz'))
    : [];
  const tarball = tarballs.length ? fs.statSync(path.resolve(__dirname, '..', '..', 'target', 'js-package', tarballs[0])).size : 0;
  console.log(
    `sizes: package directory ${(du(PACKAGE) / 1e6).toFixed(2)} MB (no dependencies)` +
      (tarball ? `, npm tarball ${(tarball / 1e6).toFixed(2)} MB` : '')
  );
}

const size = fs.statSync(WASM).size;
console.log(`.wasm size: ${size} bytes (${(size / 1024).toFixed(1)} KiB); target <= 150 KB (153,600 bytes): ${size <= 150 * 1024 ? 'meets' : 'misses'}`);
