'use strict';

// moto's server, the AWS environment the SDKs read, and Lambda events built
// from what the emulator delivered: what every end-to-end suite shares, with
// no dependency beyond Node.js, so that the suites with other node_modules
// (tracers/, make test-js-e2e) load it too.

const assert = require('node:assert/strict');
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');

const ROOT = path.resolve(__dirname, '..', '..');
const REGION = 'us-east-1';
// -- moto's server -----------------------------------------------------------

// The Python of the virtual environment where `make py-venv` installs moto.
const PYTHON = process.env.SPAN_AUTOLINK_E2E_PYTHON || path.join(ROOT, 'target', 'py-venv', 'bin', 'python');
const MOTO_SERVER = path.join(ROOT, 'py-test', 'e2e', 'moto_server.py');

/**
 * Starts py-test/e2e/moto_server.py, which serves on a free port of
 * 127.0.0.1, prints the port, and serves until its standard input closes:
 * if this process dies, the server goes with it. Resolves to
 * `{ endpoint, version, stop }`.
 */
async function startMoto() {
  assert.ok(fs.existsSync(PYTHON), `no ${PYTHON}: moto's server runs in the Python package's virtual environment (make py-venv)`);
  const proc = spawn(PYTHON, [MOTO_SERVER], { stdio: ['pipe', 'pipe', 'pipe'] });
  let log = '';
  proc.stderr.on('data', (chunk) => {
    log = (log + chunk).slice(-20000);
  });
  const exited = new Promise((resolve) => proc.once('exit', resolve).once('error', resolve));
  const exitedWithin = (ms) => Promise.race([exited.then(() => true), new Promise((resolve) => setTimeout(resolve, ms, false).unref())]);
  const stop = async () => {
    proc.stdin.end(); // the server's signal to stop
    if (!(await exitedWithin(10000))) {
      proc.kill('SIGTERM');
      if (!(await exitedWithin(5000))) proc.kill('SIGKILL');
    }
  };
  // The first line is the port; nothing within a minute, or an exit, is a failure.
  let timer;
  const port = await Promise.race([
    new Promise((resolve) => readline.createInterface({ input: proc.stdout }).once('line', (line) => resolve(line.trim()))),
    new Promise((resolve) => (timer = setTimeout(resolve, 60000, null))),
    exited.then(() => null),
  ]).finally(() => clearTimeout(timer));
  if (!/^\d+$/.test(port || '')) {
    await stop();
    assert.fail(`moto server did not start (${JSON.stringify(port)}):\n${log}`);
  }
  const endpoint = `http://127.0.0.1:${port}`;
  await waitUntilServing(endpoint);
  return { endpoint, version: motoVersion(), stop };
}

async function waitUntilServing(endpoint, timeout = 15000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      await fetch(`${endpoint}/moto-api/`);
      return; // it answered
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(50);
    }
  }
}

function motoVersion() {
  return execFileSync(PYTHON, ['-c', 'from importlib.metadata import version; print(version("moto"))'], { encoding: 'utf8' }).trim();
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// What the SDK's default credential chain reads: dummy credentials and
// us-east-1, nothing from the user's files. Returns a function that restores
// the environment.
function useDummyAwsEnvironment() {
  const settings = {
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: REGION,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PROFILE: undefined,
    AWS_SESSION_TOKEN: undefined,
  };
  const saved = Object.fromEntries(Object.keys(settings).map((name) => [name, process.env[name]]));
  const apply = (values) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  apply(settings);
  return () => apply(saved);
}


// -- Lambda events from what the emulator delivered ----------------------------

/** SQS messages (ReceiveMessage, all system attributes) as Lambda's SQS event source mapping hands them to a function. */
function sqsLambdaEvent(messages, queueArn) {
  return {
    Records: messages.map((m) => ({
      messageId: m.MessageId,
      receiptHandle: m.ReceiptHandle,
      body: m.Body,
      attributes: { ...m.Attributes },
      messageAttributes: {},
      md5OfBody: m.MD5OfBody,
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: REGION,
    })),
  };
}

/** An AttributeValue as the SDK parsed it (binary as Uint8Array) in the JSON Lambda delivers (binary as base64 text). */
function attributeValueJson(value) {
  const [[type, inner]] = Object.entries(value);
  const base64 = (bytes) => Buffer.from(bytes).toString('base64');
  switch (type) {
    case 'B':
      return { B: base64(inner) };
    case 'BS':
      return { BS: inner.map(base64) };
    case 'M':
      return { M: mapValues(inner, attributeValueJson) };
    case 'L':
      return { L: inner.map(attributeValueJson) };
    default:
      return { [type]: inner };
  }
}

const mapValues = (object, fn) => Object.fromEntries(Object.entries(object).map(([k, v]) => [k, fn(v)]));

/**
 * GetRecords records (as the SDK parsed them) as Lambda's DynamoDB Streams
 * event source mapping hands them to a function: eventSourceARN added,
 * binary values as base64 text, the creation time in epoch seconds.
 */
function streamLambdaEvent(records, streamArn) {
  return {
    Records: records.map((record) => {
      const ddb = {};
      for (const [name, value] of Object.entries(record.dynamodb)) {
        if (['Keys', 'NewImage', 'OldImage'].includes(name)) ddb[name] = mapValues(value, attributeValueJson);
        else ddb[name] = value instanceof Date ? Math.floor(value.getTime() / 1000) : value;
      }
      const { eventID, eventName, eventVersion, eventSource, awsRegion } = record;
      return { eventID, eventName, eventVersion, eventSource, awsRegion, dynamodb: ddb, eventSourceARN: streamArn };
    }),
  };
}

module.exports = { ROOT, REGION, PYTHON, startMoto, useDummyAwsEnvironment, sleep, mapValues, sqsLambdaEvent, streamLambdaEvent };
