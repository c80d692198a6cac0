'use strict';

// Every case of conformance/cases.json through the JavaScript API, as a
// caller hands it over: bytes as Uint8Array (and again as Buffer), `config`
// as the dynamodbPrimaryKeys option, `config_text` as the environment
// variable.

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const api = require('span-autolink');
const { loadCases, loadSamplingCases, loadSettingsCases, runCase, comparable, withEnv } = require('./helpers');

const cases = loadCases();

// The variables the settings read (as the core names them): every case
// sets its own and clears the rest.
const { SETTING_VARIABLES: VARIABLES } = require(path.join(path.dirname(require.resolve('span-autolink')), 'lib', 'generated.js'));

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
    const outcome = runCase(api, c);
    assert.deepEqual(comparable(outcome), c.expect, c.about);
    for (const issue of outcome.issues) {
      assert.equal(typeof issue.message, 'string');
      assert.ok(issue.message.length > 0, `issue ${issue.code} has no message`);
    }
  });
}

test('conformance with bytes as Buffer', () => {
  const withBytes = cases.filter((c) => JSON.stringify(c).includes('"$bytes"'));
  assert.ok(withBytes.length > 0);
  for (const c of withBytes) {
    assert.deepEqual(comparable(runCase(api, c, (b) => b)), c.expect, c.name);
  }
});

test('conformance, all cases again in one pass (instance state does not leak between calls)', () => {
  for (const c of [...cases].reverse()) {
    assert.deepEqual(comparable(runCase(api, c)), c.expect, c.name);
  }
});
