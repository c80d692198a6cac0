'use strict';

// Wrong and lost pointers found by hostile and merely unusual input (issue
// 17): each test fails on the package before its fix.

const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const { ENV_KEYS } = require('./helpers');

test('a configuration with issues, then short outputs: every pointer is read where the module wrote it', () => {
  // The configuration's issue lines are the longest output yet, which
  // moves the module's output buffer; the next PutObjects' outputs are
  // shorter than the longest seen before it.
  const script = `
    const api = require('span-autolink');
    const call = () => api.pointersForResponse('s3', 'PutObject', { Bucket: 'some-bucket', Key: 'some-key.data' }, { ETag: '"ab12ef34"' });
    const before = call().pointers.map((p) => p.hash);
    process.env.${ENV_KEYS} = process.argv[1];
    api.reloadEnvironment();
    const after = [];
    for (let i = 0; i < 1000; i++) after.push(call());
    const put = api.pointersForResponse('dynamodb', 'PutItem', { TableName: 'orders', Item: { id: { S: 'x' } } }, {});
    console.log(JSON.stringify({ before, after: after.map((o) => o.pointers.map((p) => p.hash).join(',')), put: put.issues.map((i) => i.code) }));`;
  for (const bad of ['{"orders": "id"}', 'orders=id', JSON.stringify(Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`t${i}`, 'x'.repeat(i)])))]) {
    const r = spawnSync(process.execPath, ['-e', script, bad], { cwd: __dirname, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const { before, after, put } = JSON.parse(r.stdout);
    assert.deepEqual(before, ['e721375466d4116ab551213fdea08413']);
    assert.deepEqual(new Set(after), new Set(['e721375466d4116ab551213fdea08413']), bad);
    assert.ok(put.every((code) => /^[a-z_]+$/.test(code)), JSON.stringify(put));
  }
});
