'use strict';

// Every case of conformance/cases.json through the JavaScript API, as a
// caller hands it over: bytes as Uint8Array (and again as Buffer), `config`
// as the dynamodbPrimaryKeys option, `config_text` as the environment
// variable; a sequence's calls one after the other, each case starting
// from an instance that knows no table's key names.

const test = require('node:test');
const assert = require('node:assert/strict');
const api = require('span-autolink');
const { loadCases, loadSamplingCases, loadSettingsCases, runCase, comparable, expected, expectedTables, nativeBytes, withEnv, internal } = require('./helpers');

const cases = loadCases();

// The variables the settings read (as the core names them): every case
// sets its own and clears the rest.
const { SETTING_VARIABLES: VARIABLES } = internal(api, 'lib/generated.js');

for (const c of loadSettingsCases()) {
  test(`conformance: ${c.name}`, () => {
    const env = Object.fromEntries(VARIABLES.map((name) => [name, c.environment[name]]));
    const got = withEnv(api, env, () => api.settings());
    assert.deepEqual(
      {
        enabled: got.enabled,
        dynamodb_primary_keys: got.dynamodbPrimaryKeys === undefined ? null : got.dynamodbPrimaryKeys,
        pointer_sampling: got.pointerSampling === undefined ? null : got.pointerSampling,
        describe_table: got.describeTable,
      },
      c.settings,
      c.about
    );
    assert.deepEqual(got.issues.map((i) => i.code), c.expect.issues);
  });
}

for (const c of loadSamplingCases()) {
  test(`conformance: ${c.name}`, () => {
    assert.equal(api.keepForSampling(c.hash, c.rate), c.keep, c.about);
  });
}

test('the conformance file has its cases', () => {
  assert.ok(cases.length >= 222, `only ${cases.length} cases`);
});

for (const c of cases) {
  test(`conformance: ${c.name}`, () => {
    const outcomes = runCase(api, c);
    assert.deepEqual(outcomes.map(comparable), expected(c), c.about);
    assert.deepEqual(
      outcomes.map((o) => o.unknownTables || []),
      expectedTables(c),
      'the tables named for a lookup'
    );
    for (const issue of outcomes.flatMap((o) => o.issues)) {
      assert.equal(typeof issue.message, 'string');
      assert.ok(issue.message.length > 0, `issue ${issue.code} has no message`);
    }
  });
}

// pointersForGetRecords names no service: the core tells Kinesis records
// from DynamoDB Streams records, with the case's outcome.
const getRecords = cases.filter((c) => c.kind === 'response' && /^getrecords(command)?$/i.test(c.operation));

test('the GetRecords cases are here', () => {
  assert.ok(getRecords.length >= 8, `only ${getRecords.length} GetRecords cases`);
});

for (const c of getRecords) {
  test(`conformance without the service: ${c.name}`, () => {
    const outcome = api.pointersForGetRecords(nativeBytes(c.response), { streamArn: c.request.StreamArn });
    assert.deepEqual([comparable(outcome)], expected(c), c.about);
  });
}

test('the public pointersForResponse leaves the tables to look up out', () => {
  const put = { TableName: 'orders-public', Item: { id: { S: 'x' } } };
  const outcome = api.pointersForResponse('dynamodb', 'PutItem', put, {});
  assert.deepEqual(Object.keys(outcome), ['pointers', 'issues']);
  assert.deepEqual(api.callOutcome('dynamodb', 'PutItem', put, {}).unknownTables, ['orders-public']);
});

test('conformance with bytes as Buffer', () => {
  const withBytes = cases.filter((c) => JSON.stringify(c).includes('"$bytes"'));
  assert.ok(withBytes.length > 0);
  for (const c of withBytes) {
    assert.deepEqual(runCase(api, c, (b) => b).map(comparable), expected(c), c.name);
  }
});

test('conformance, all cases again in one pass (instance state does not leak between calls)', () => {
  for (const c of [...cases].reverse()) {
    assert.deepEqual(runCase(api, c).map(comparable), expected(c), c.name);
  }
});
