'use strict';

// What the end-to-end tests share (the Node.js twin of
// py-test/e2e/e2e_support.py): moto's server, AWS SDK calls recorded as a
// tracer sees them, Lambda events built from what the emulator delivered,
// the Datadog libraries, and the results file target/compat/node.json, in
// the shape e2e_support.py describes, which docs/compatibility.py reads.

const assert = require('node:assert/strict');
const { test } = require('node:test');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const DdS3 = require('dd-trace/packages/datadog-plugin-aws-sdk/src/services/s3');
const DdDynamoDb = require('dd-trace/packages/datadog-plugin-aws-sdk/src/services/dynamodb');
const { getSpanPointerAttributes } = require('datadog-lambda-js/dist/utils/span-pointers');
const { parseEventSource } = require('datadog-lambda-js/dist/trace/trigger');
const { hash } = require('../helpers');
const { ROOT, REGION, startMoto, useDummyAwsEnvironment, sleep, mapValues, sqsLambdaEvent, streamLambdaEvent } = require('./emulator');

const RESULTS_PATH = path.join(ROOT, 'target', 'compat', 'node.json');
const OURS = 'span-autolink';
const DATADOG = 'dd-trace + datadog-lambda-js';

// moto's server, the dummy AWS environment and the Lambda events built from
// what moto delivered live in emulator.js (which the tracer suites share).

// -- AWS SDK calls, as the tracers see them ------------------------------------

/**
 * Records every call that `client` (and a DynamoDBDocumentClient made from
 * it, which shares its middleware stack) makes: the command name, input and
 * output as a v3 middleware sees them (span-autolink's README wires it this
 * way), and `sent`, the command given to `send` (set by `send` below), which
 * is what dd-trace's instrumentation of `Client.send` sees.
 */
function capture(client, calls) {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      calls.push({ service: context.clientName.replace(/Client$/, ''), commandName: context.commandName, input: args.input, output: result.output });
      return result;
    },
    { step: 'initialize', name: 'e2eCapture' }
  );
}

/** `client.send(command)`, recording the command sent on the call `capture` recorded. */
async function send(calls, client, command) {
  const before = calls.length;
  const output = await client.send(command);
  assert.equal(calls.length, before + 1, 'one recorded call per send');
  calls[before].sent = command;
  return output;
}


// Where moto 5.2.5 delivers something that AWS does not, and that the rules
// read: the same notes as py-test/e2e/e2e_support.py, so that both suites'
// rows share them. The functions below return the delivery as AWS makes it,
// and the notes that say what they changed (none when moto's was right).

const MOTO_MULTIPART =
  'moto notifies a completed multipart upload twice (ObjectCreated:Put, then ObjectCreated:CompleteMultipartUpload); S3 sends only the second';
const MOTO_SLASH = 'moto URL-encodes `/` in notification keys as `%2F` (quote_plus with no safe characters); S3 leaves `/` as it is';
const MOTO_NUMBERS =
  "moto's stream records repeat a number as the caller wrote it (`1.50`, `007`, `1e2`); DynamoDB stores and streams its canonical text (`1.5`, `7`, `100`)";
const MOTO_BINARY_KEYS = "moto's stream records base64-encode a binary key attribute twice in `Keys` (once in the images); DynamoDB once";
const MOTO_UPSERT = 'moto streams an UpdateItem that creates the item as two INSERT records (the bare key, then the item); DynamoDB streams one';

function s3NotificationAsAws(notification) {
  const changed = structuredClone(notification);
  for (const record of changed.Records || []) {
    const object = record.s3?.object;
    // "%" itself is encoded as "%25", so "%2F" always stands for "/".
    if (object?.key?.includes('%2F')) object.key = object.key.replaceAll('%2F', '/');
  }
  return { notification: changed, notes: JSON.stringify(changed) === JSON.stringify(notification) ? [] : [MOTO_SLASH] };
}

/**
 * A DynamoDB Streams Lambda event built from moto's records, corrected where
 * moto streams what DynamoDB does not (each correction checked against the
 * rest of the record where it can be), and the notes saying what was.
 */
function streamEventAsAws(event) {
  const notes = new Set();
  const records = structuredClone(event.Records);
  const kept = records.filter((record, i) => {
    const next = records[i + 1];
    const upsert =
      next !== undefined &&
      record.eventName === 'INSERT' &&
      next.eventName === 'INSERT' &&
      record.eventSourceARN === next.eventSourceARN &&
      JSON.stringify(record.dynamodb.Keys) === JSON.stringify(next.dynamodb.Keys);
    if (upsert) notes.add(MOTO_UPSERT);
    return !upsert;
  });
  for (const { dynamodb: ddb } of kept) {
    for (const [name, value] of Object.entries(ddb.Keys)) {
      if (!('B' in value)) continue;
      const once = strictBase64(value.B).toString('latin1');
      strictBase64(once);
      for (const image of ['NewImage', 'OldImage']) {
        if (ddb[image]) assert.deepEqual(ddb[image][name], { B: once }, `${image}.${name}`);
      }
      value.B = once;
      notes.add(MOTO_BINARY_KEYS);
    }
    for (const part of ['Keys', 'NewImage', 'OldImage']) {
      if (!ddb[part]) continue;
      const canonical = mapValues(ddb[part], (v) => ('N' in v ? { N: dynamodbNumberText(v.N) } : v));
      if (JSON.stringify(canonical) !== JSON.stringify(ddb[part])) notes.add(MOTO_NUMBERS);
      ddb[part] = canonical;
    }
  }
  return { event: { Records: kept }, notes: [...notes] };
}

/** Base64 text to bytes; fails unless it is exactly that (Buffer.from skips what it cannot read). */
function strictBase64(text) {
  const bytes = Buffer.from(text, 'base64');
  assert.equal(bytes.toString('base64'), text, `not base64: ${text}`);
  return bytes;
}

// -- hashes, computed independently (SPEC sections 1 and 4) --------------------

/** The pointer hash of an item: `key` is { name: bytes or text }, one or two attributes. */
function ddbHash(table, key) {
  const names = Object.keys(key).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const flat = names.flatMap((name) => [name, key[name]]);
  while (flat.length < 4) flat.push('');
  return hash(table, ...flat);
}

/**
 * The text DynamoDB stores and returns for a number: no exponent, no
 * leading or trailing zeros (for the plain values these tests write).
 */
function dynamodbNumberText(text) {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  assert.ok(m && (m[2] || m[3]), `not a number: ${text}`);
  const [, sign, whole, fraction = '', exponent = '0'] = m;
  let digits = whole + fraction;
  let point = whole.length + Number(exponent); // where the decimal point goes in `digits`
  const leading = digits.length - digits.replace(/^0+/, '').length;
  digits = digits.slice(leading).replace(/0+$/, '');
  point -= leading;
  if (!digits) return '0';
  let out;
  if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return sign === '-' ? `-${out}` : out;
}

/** Our outcome's hashes, each in `direction`; any issue fails the test. */
function hashes(outcome, direction) {
  assert.deepEqual(outcome.issues, []);
  for (const p of outcome.pointers) assert.equal(p.direction, direction);
  return outcome.pointers.map((p) => p.hash);
}

/** Both sides have pointers, and the same set of hashes (a pointer delivered twice still links). */
const links = (producer, consumer) =>
  producer.length > 0 && consumer.length > 0 && producer.every((h) => consumer.includes(h)) && consumer.every((h) => producer.includes(h));

// -- the Datadog libraries, called the way their integrations call them --------

const DD_PLUGINS = { S3: DdS3, DynamoDB: DdDynamoDb };

/**
 * dd-trace's producer hashes for a recorded call. Its instrumentation of
 * `Client.send` hands the plugin `{ request: { operation, params }, error,
 * ...output }`, the operation being the sent command's class name in
 * lowerCamel without `Command` (`putObject`; `put` for lib-dynamodb's
 * PutCommand); the plugin reads the key names for puts from
 * DD_TRACE_DYNAMODB_TABLE_PRIMARY_KEYS, given here as `primaryKeys`.
 */
function ddTraceProducer(call, primaryKeys) {
  const request = { operation: ddTraceOperation(call.sent.constructor.name), params: call.sent.input };
  const response = { request, error: undefined, ...call.output, requestId: call.output.$metadata?.requestId };
  const found = [];
  const span = { addSpanPointer: (kind, direction, hash) => found.push({ kind, direction, hash }) };
  DD_PLUGINS[call.service].prototype.addSpanPointers.call({ getPrimaryKeyConfig: () => primaryKeys }, span, response);
  assert.ok(found.every((p) => p.direction === 'd'));
  return found.map((p) => p.hash);
}

/** The operation dd-trace names after a command class: `PutObjectCommand` is `putObject`. */
const ddTraceOperation = (commandName) => commandName[0].toLowerCase() + commandName.slice(1).replace(/Command$/, '');

/** datadog-lambda-js's consumer hashes for a Lambda event, as its trace listener computes them. */
function datadogLambdaConsumer(event) {
  const found = getSpanPointerAttributes(parseEventSource(event), event) || [];
  assert.ok(found.every((p) => p.direction === 'u'));
  return found.map((p) => p.hash);
}

// -- results ---------------------------------------------------------------------

class Recorder {
  constructor() {
    this.started = new Date();
    this.flows = [];
    this.failed = []; // names of end-to-end tests that failed
    this.registered = 0; // how many flow tests there are
    this.ran = 0; // how many of them began
  }

  /**
   * results: { library: { producer, consumer, consumerUnderEmulator?, why?,
   * producerNoKeySetting?, whyNoKeySetting? } }: the last two for a flow
   * with puts, what the producer computes with no key-name setting at all.
   * Works out `links`; returns the entry.
   */
  record(id, flow, results, emulatorNotes = []) {
    assert.ok(!this.flows.some((f) => f.id === id), `flow id ${id} recorded twice`);
    const entry = { id, flow, results: {} };
    for (const [library, r] of Object.entries(results)) {
      const out = { producer: [...r.producer], consumer: [...r.consumer] };
      out.links = links(out.producer, out.consumer);
      if (!out.links) out.why = r.why || 'producer and consumer hashes differ';
      if (r.producerNoKeySetting !== undefined) {
        const producer = [...r.producerNoKeySetting];
        out.no_key_setting = { producer, links: links(producer, out.consumer) };
        if (!out.no_key_setting.links) out.no_key_setting.why = r.whyNoKeySetting || 'producer and consumer hashes differ';
      }
      if (emulatorNotes.length) {
        const under = [...r.consumerUnderEmulator];
        out.under_emulator = { consumer: under, links: links(out.producer, under) };
      }
      entry.results[library] = out;
    }
    if (emulatorNotes.length) entry.emulator_notes = [...emulatorNotes];
    this.flows.push(entry);
    return entry;
  }

  /** A flow test: counted when it starts, named in `failed` when it fails. */
  test(name, fn) {
    this.registered += 1;
    test(name, async (t) => {
      this.ran += 1;
      try {
        await fn(t);
      } catch (err) {
        this.failed.push(name);
        throw err;
      }
    });
  }

  document(versions) {
    return {
      language: 'node',
      libraries: [OURS, DATADOG],
      versions,
      run: {
        date: this.started.toISOString().replace(/\.\d+Z$/, 'Z'),
        commit: commit(),
        emulator: `moto ${versions.moto} (server mode)`,
        command: 'make test-js',
        failed: [...this.failed],
      },
      flows: this.flows,
    };
  }

  write(versions, file = RESULTS_PATH) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(this.document(versions), null, 1) + '\n');
    fs.renameSync(`${file}.tmp`, file);
    return file;
  }
}

function commit() {
  try {
    return execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || null;
  } catch {
    return null;
  }
}

/** The version of a package installed in js-test/node_modules (some export no package.json). */
function packageVersion(name) {
  try {
    return JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

module.exports = {
  OURS,
  DATADOG,
  REGION,
  RESULTS_PATH,
  MOTO_MULTIPART,
  startMoto,
  useDummyAwsEnvironment,
  capture,
  send,
  sleep,
  sqsLambdaEvent,
  streamLambdaEvent,
  s3NotificationAsAws,
  streamEventAsAws,
  strictBase64,
  ddbHash,
  dynamodbNumberText,
  hashes,
  ddTraceProducer,
  ddTraceOperation,
  datadogLambdaConsumer,
  Recorder,
  packageVersion,
};
