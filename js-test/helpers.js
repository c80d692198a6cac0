'use strict';

// Shared by the test files: the conformance cases, and their conversion to
// what a JavaScript caller hands over.

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const CASES = path.join(__dirname, '..', 'conformance', 'cases.json');
const ENV_KEYS = 'DD_TRACE_DYNAMODB_TABLE_PRIMARY_KEYS';
const ENV_ENABLED = 'DD_TRACE_AWS_ADD_SPAN_POINTERS';

/** The cases of pointers (the sampling and settings cases apart). */
function loadCases() {
  return allCases().filter((c) => c.kind === 'response' || c.kind === 'event' || c.kind === 'sequence');
}

/** A case's calls in order: a response or an event case is one call. */
function stepsOf(c) {
  return c.kind === 'sequence' ? c.calls : [c];
}

/** What each of a case's calls gives: `{pointers, issues}` as cases.json states it. */
function expected(c) {
  return stepsOf(c).map((step) => step.expect);
}

/** The tables each of a case's calls names for a DescribeTable lookup. */
function expectedTables(c) {
  return stepsOf(c).map((step) => step.unknown_tables || []);
}

function loadSamplingCases() {
  return allCases().filter((c) => c.kind === 'sampling');
}

function loadSettingsCases() {
  return allCases().filter((c) => c.kind === 'settings');
}

function allCases() {
  return JSON.parse(fs.readFileSync(CASES, 'utf8')).cases;
}

/** `{"$bytes": base64}` anywhere becomes native bytes (made by `bytes`). */
function nativeBytes(value, bytes = (b) => new Uint8Array(b)) {
  if (Array.isArray(value)) return value.map((v) => nativeBytes(v, bytes));
  if (value !== null && typeof value === 'object') {
    const names = Object.keys(value);
    if (names.length === 1 && names[0] === '$bytes' && typeof value.$bytes === 'string') {
      return bytes(Buffer.from(value.$bytes, 'base64'));
    }
    const out = {};
    for (const name of names) out[name] = nativeBytes(value[name], bytes);
    return out;
  }
  return value;
}

/**
 * Runs `fn` with the environment variables set to `env` (undefined unsets)
 * and the package told to read them again; restores both afterwards.
 */
function withEnv(api, env, fn) {
  const saved = {};
  for (const name of Object.keys(env)) {
    saved[name] = process.env[name];
    if (env[name] === undefined) delete process.env[name];
    else process.env[name] = env[name];
  }
  api.reloadEnvironment();
  try {
    return fn();
  } finally {
    for (const name of Object.keys(saved)) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    api.reloadEnvironment();
  }
}

/**
 * The outcomes of a conformance case's calls through the JavaScript API, in
 * order, starting from an instance that knows no table's key names; each
 * as the integrations get it (with `unknownTables` where puts named tables
 * to look up).
 */
function runCase(api, c, bytes) {
  if (c.kind === 'event') return [api.pointersForEvent(nativeBytes(c.event, bytes))];
  const options = c.config !== undefined ? { dynamodbPrimaryKeys: c.config } : undefined;
  const env = { [ENV_KEYS]: c.config_text, [ENV_ENABLED]: undefined };
  api.forgetTables();
  return withEnv(api, env, () =>
    stepsOf(c).map((step) =>
      api.callOutcome(step.service, step.operation, nativeBytes(step.request, bytes), nativeBytes(step.response, bytes), options)
    )
  );
}

/** What a case compares: the pointers (change times as cases.json spells them), and the issue codes. */
function comparable(outcome) {
  return {
    pointers: outcome.pointers.map((p) => {
      const pointer = { kind: p.kind, direction: p.direction, hash: p.hash };
      if (p.changeTime !== undefined) pointer.change_time = p.changeTime;
      return pointer;
    }),
    issues: outcome.issues.map((i) => i.code),
  };
}

/**
 * The standard pointer hash (SPEC section 1), written out independently of
 * the package: SHA-256 of the components joined by `|`, 32 hex characters.
 */
function hash(...components) {
  const parts = [];
  components.forEach((c, i) => {
    if (i > 0) parts.push(Buffer.from('|'));
    parts.push(typeof c === 'string' ? Buffer.from(c, 'utf8') : Buffer.from(c));
  });
  return crypto.createHash('sha256').update(Buffer.concat(parts)).digest('hex').slice(0, 32);
}

/**
 * Module `id` (a path in the package, e.g. 'lib/autolink.js') as the
 * package `api` runs it: from its bundle, the instance callers use.
 */
function internal(api, id) {
  return api[Symbol.for('span-autolink.internal')](id);
}

/** `n` DynamoDB Stream INSERT records of table `t`, each with the key `id` that `idOf(i)` gives. */
function streamRecords(n, idOf) {
  const records = [];
  for (let i = 0; i < n; i++) {
    records.push({ eventSource: 'aws:dynamodb', eventName: 'INSERT', eventSourceARN: 'arn:aws:dynamodb:us-east-1:1:table/t/stream/s', dynamodb: { Keys: { id: { S: idOf(i) } } } });
  }
  return records;
}

module.exports = {
  streamRecords,
  internal,
  loadCases,
  loadSamplingCases,
  loadSettingsCases,
  stepsOf,
  expected,
  expectedTables,
  nativeBytes,
  withEnv,
  runCase,
  comparable,
  hash,
  ENV_KEYS,
  ENV_ENABLED,
};
