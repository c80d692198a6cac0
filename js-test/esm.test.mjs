// The ESM entry: named and default imports, the same functions as require().

import test from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import api, { pointersForResponse, pointersForEvent, pointersForReceiveMessage, pointersForGetRecords, spanLinkAttributes, keepForSampling, settings } from 'span-autolink';

const require = createRequire(import.meta.url);

test('import works, and gives the CommonJS functions', () => {
  const cjs = require('span-autolink');
  assert.equal(pointersForResponse, cjs.pointersForResponse);
  assert.equal(api.pointersForEvent, cjs.pointersForEvent);
  const { pointers } = pointersForResponse('s3', 'PutObject', { Bucket: 'some-bucket', Key: 'some-key.data' }, { ETag: '"ab12ef34"' });
  assert.deepEqual(pointers, [{ kind: 'aws.s3.object', direction: 'd', hash: 'e721375466d4116ab551213fdea08413' }]);
  assert.deepEqual(spanLinkAttributes(pointers[0]), {
    'link.kind': 'span-pointer',
    'ptr.kind': 'aws.s3.object',
    'ptr.dir': 'd',
    'ptr.hash': 'e721375466d4116ab551213fdea08413',
  });
  for (const f of [pointersForEvent, pointersForReceiveMessage, pointersForGetRecords, keepForSampling, settings]) assert.equal(typeof f, 'function');
  // Nothing test-only or internal is part of the API.
  assert.deepEqual(Object.keys(cjs).sort(), [
    'default', 'explain', 'explainEvent', 'explainResponse', 'forgetTables', 'keepForSampling', 'pointersForEvent',
    'pointersForGetRecords', 'pointersForReceiveMessage', 'pointersForResponse', 'reloadEnvironment', 'settings',
    'spanLinkAttributes',
  ]);
});

test('the package metadata', () => {
  const pkg = require('span-autolink/package.json');
  assert.equal(pkg.name, 'span-autolink');
  assert.equal(pkg.engines.node, '>=18');
  assert.equal(require.resolve('span-autolink').endsWith('/dist/span-autolink.js'), true);
});

test("the first pointer loads one of the package's JavaScript files, and the walkers of its call", () => {
  // Each file costs a fresh process Node's loader work (bindings/js/bundle.js).
  const root = path.dirname(require.resolve('span-autolink/package.json'));
  const code = `
    const api = require('span-autolink');
    api.pointersForResponse('s3', 'PutObject', { Bucket: 'b', Key: 'k' }, { ETag: '"e"' });
    console.log(JSON.stringify(Object.keys(require.cache)));`;
  const run = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', cwd: path.dirname(root) });
  assert.equal(run.status, 0, run.stderr);
  const loaded = JSON.parse(run.stdout).map((file) => path.relative(root, file));
  assert.deepEqual(loaded, [path.join('dist', 'span-autolink.js'), path.join('lib', 'walkers', 'call0.js')]);
});

test("the subpath entries run on the package entry's one instance", () => {
  // Key names that a call seen by the OpenTelemetry hook shows serve the
  // package entry's next put: one instance, or the put has no key names.
  const cjs = require('span-autolink');
  const { makeAwsSdkResponseHook } = require('span-autolink/opentelemetry');
  assert.equal(typeof require('span-autolink/dd-trace').instrument, 'function');
  const put = () => cjs.pointersForResponse('dynamodb', 'PutItem', { TableName: 'shared-instance', Item: { id: { S: 'x' } } }, {});
  cjs.forgetTables();
  assert.deepEqual(put().issues.map((i) => i.code), ['table_not_configured']);
  const description = {
    $metadata: { httpStatusCode: 200 },
    Table: { TableName: 'shared-instance', KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }] },
  };
  const span = { addLink() {}, setAttribute() {} };
  const request = { serviceName: 'DynamoDB', commandName: 'DescribeTable', commandInput: { TableName: 'shared-instance' }, region: 'us-east-1' };
  makeAwsSdkResponseHook()(span, { response: { data: description, request } });
  assert.deepEqual(put().issues, []);
  assert.equal(put().pointers.length, 1);
  cjs.forgetTables();
});

test("the subpath entries' named imports are their modules' exports, and only those", () => {
  // An ES module imports a CommonJS file's names as Node reads them from its
  // text: each subpath must show its own module's names, not every name of
  // the bundle it comes from, so that a name it lacks fails at import.
  const root = path.dirname(require.resolve('span-autolink/package.json'));
  const run = (code) => spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', cwd: path.dirname(root) });
  const good = run(`
    import { makeAwsSdkResponseHook, makeLambdaRequestHook, addLinks, toLinks, KEEP_ATTRIBUTE } from 'span-autolink/opentelemetry';
    import { instrument, withPointers, addPointers, KEEP_TAG } from 'span-autolink/dd-trace';
    import { createRequire } from 'node:module';
    const require = createRequire(process.cwd() + '/');
    const otel = require('span-autolink/opentelemetry');
    const dd = require('span-autolink/dd-trace');
    console.log(JSON.stringify([
      makeAwsSdkResponseHook === otel.makeAwsSdkResponseHook, makeLambdaRequestHook === otel.makeLambdaRequestHook,
      addLinks === otel.addLinks, toLinks === otel.toLinks, KEEP_ATTRIBUTE === otel.KEEP_ATTRIBUTE,
      instrument === dd.instrument, withPointers === dd.withPointers, addPointers === dd.addPointers, KEEP_TAG === dd.KEEP_TAG,
    ]));`);
  assert.equal(good.status, 0, good.stderr);
  assert.deepEqual(JSON.parse(good.stdout), [true, true, true, true, true, true, true, true, true]);
  // instrument is dd-trace's; makeAwsSdkResponseHook is OpenTelemetry's.
  for (const [name, subpath] of [['instrument', 'opentelemetry'], ['makeAwsSdkResponseHook', 'dd-trace']]) {
    const bad = run(`import { ${name} } from 'span-autolink/${subpath}';`);
    assert.notEqual(bad.status, 0, `${name} from span-autolink/${subpath} imported`);
    assert.match(bad.stderr, new RegExp(`SyntaxError: Named export '${name}' not found`));
  }
});
