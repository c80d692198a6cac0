'use strict';

// The subpaths' types as a TypeScript user meets them: types/usage.ts
// (the README's set-ups) compiled with tsc against the installed package and
// the real @opentelemetry/*, dd-trace and datadog-lambda-js types. It failed
// with TS2322 (SpanLinkAttributes not assignable to Attributes) before
// opentelemetry.d.ts gave links a mapped attribute type.

const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const { test } = require('node:test');

test('types/usage.ts compiles under strict (tsc --noEmit)', () => {
  const tsc = path.join(__dirname, 'node_modules', 'typescript', 'bin', 'tsc');
  let output = '';
  try {
    output = execFileSync(process.execPath, [tsc, '-p', path.join(__dirname, 'types', 'tsconfig.json')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    assert.fail(`tsc failed:\n${error.stdout}${error.stderr}`);
  }
  assert.equal(output.trim(), '');
});
