// The ESM entry: named and default imports, the same functions as require().

import test from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
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
  assert.equal(require.resolve('span-autolink').endsWith('index.js'), true);
});
