'use strict';

// The Node-API addon (lib/native.js, built from bindings/js/native): where
// it serves, that it needs no newer C library than Lambda's oldest, that it
// gives every conformance case on an older x64 CPU, that a panic is an
// issue and the next call starts afresh, and that where it cannot load the
// WebAssembly module serves, with the same results.

const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const api = require('span-autolink');
const { hash, internal, streamRecords } = require('./helpers');

const { autolink } = internal(api, 'lib/autolink.js');
const PACKAGE = path.dirname(require.resolve('span-autolink/package.json'));
const ADDON_DIR = path.join(PACKAGE, 'addon');
const PUT = { kind: 'aws.s3.object', direction: 'd', hash: hash('some-bucket', 'some-key.data', 'ab12ef34') };
const putObject = () => api.pointersForResponse('s3', 'PutObject', { Bucket: 'some-bucket', Key: 'some-key.data' }, { ETag: 'ab12ef34' });
// The newest glibc symbol version the addons may need: 2.17, the oldest C
// library of any Lambda runtime.
const GLIBC_MOST = [2, 17];

const switchedOff = /^(off|0|false|no)$/i.test(String(process.env.SPAN_AUTOLINK_EXTENSION || '').trim());
const here = process.platform === 'linux' && (process.arch === 'x64' || process.arch === 'arm64');
const onAddon = { skip: (switchedOff && 'this run switches the addon off') || (!here && 'no addon for this platform') };

/** Runs `code` in a fresh node; its stdout as JSON. */
function node(code, env = {}, prefix = []) {
  const command = [...prefix, process.execPath, '-e', code];
  const r = spawnSync(command[0], command.slice(1), { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 600000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

test('the package carries an addon for each architecture', onAddon, () => {
  assert.deepEqual(fs.readdirSync(ADDON_DIR).sort(), ['linux-arm64.node', 'linux-x64.node']);
});

test('the addon serves here', onAddon, () => {
  assert.ok(autolink.instance.addon !== undefined, 'the package runs the addon');
  assert.deepEqual(putObject().pointers, [PUT]);
});

test('the addons need no newer glibc than 2.17', onAddon, () => {
  for (const arch of ['x64', 'arm64']) {
    const r = spawnSync('objdump', ['-T', path.join(ADDON_DIR, `linux-${arch}.node`)], { encoding: 'utf8' });
    assert.equal(r.status, 0, `objdump (binutils) reads the addon's symbol versions: ${r.stderr}`);
    const versions = [...r.stdout.matchAll(/GLIBC_(\d+)\.(\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    assert.ok(versions.length > 0, arch);
    const newest = versions.reduce((a, b) => (a[0] > b[0] || (a[0] === b[0] && a[1] >= b[1]) ? a : b));
    assert.ok(newest[0] < GLIBC_MOST[0] || (newest[0] === GLIBC_MOST[0] && newest[1] <= GLIBC_MOST[1]), `${arch}: GLIBC_${newest.join('.')}`);
  }
});

test('every conformance case through the addon on an older x64 CPU (Nehalem, under qemu)', onAddon, (t) => {
  const qemu = spawnSync('sh', ['-c', 'command -v qemu-x86_64-static'], { encoding: 'utf8' }).stdout.trim();
  if (process.arch !== 'x64' || !qemu) return t.skip('needs x64 and qemu-x86_64-static (make test-python installs it)');
  const code = `
    const api = require('span-autolink');
    const { loadCases, runCase, comparable, expected, internal } = require(${JSON.stringify(path.join(__dirname, 'helpers'))});
    const failed = loadCases().filter((c) => JSON.stringify(runCase(api, c).map(comparable)) !== JSON.stringify(expected(c))).map((c) => c.name);
    console.log(JSON.stringify({ addon: internal(api, 'lib/autolink.js').autolink.instance.addon !== undefined, failed }));`;
  const r = spawnSync(qemu, ['-cpu', 'Nehalem', process.execPath, '-e', code], { encoding: 'utf8', cwd: __dirname, timeout: 600000 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').pop()), { addon: true, failed: [] });
});

// An arm64 Node.js unpacked by make test-js (bindings/js/js.mk), run by
// qemu-user on Graviton 1's and 2's CPUs.
const AARCH64 = process.env.SPAN_AUTOLINK_NODE_AARCH64;
for (const cpu of ['cortex-a72', 'neoverse-n1']) {
  test(`every conformance case through the arm64 addon on ${cpu} (under qemu)`, onAddon, (t) => {
    if (!AARCH64) return t.skip('needs the arm64 Node.js that make test-js unpacks');
    const code = `
      const api = require('span-autolink');
      const { loadCases, runCase, comparable, expected, internal } = require(${JSON.stringify(path.join(__dirname, 'helpers'))});
      const failed = loadCases().filter((c) => JSON.stringify(runCase(api, c).map(comparable)) !== JSON.stringify(expected(c))).map((c) => c.name);
      console.log(JSON.stringify({ arch: process.arch, addon: internal(api, 'lib/autolink.js').autolink.instance.addon !== undefined, failed }));`;
    const root = path.join(AARCH64, 'root');
    const r = spawnSync('qemu-aarch64-static', ['-cpu', cpu, '-L', root, path.join(root, 'usr', 'bin', 'node'), '-e', code], { encoding: 'utf8', cwd: __dirname, timeout: 600000 });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').pop()), { arch: 'arm64', addon: true, failed: [] });
  });
}

test('a panic in the addon is an issue, and the next call starts from a new instance', onAddon, () => {
  const keys = { dynamodbPrimaryKeys: { orders: ['id'] } };
  const putItem = () => api.pointersForResponse('dynamodb', 'PutItem', { TableName: 'orders', Item: { id: { S: 'x' } } }, {}, keys);
  const expected = putItem();
  assert.equal(expected.pointers.length, 1);
  api.pointersForResponse('dynamodb', 'DescribeTable', { TableName: 'addon-t' }, { Table: { TableName: 'addon-t', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }] } });
  const learned = () => api.pointersForResponse('dynamodb', 'PutItem', { TableName: 'addon-t', Item: { pk: { S: 'a' } } }, {});
  assert.equal(learned().pointers.length, 1);
  const trapped = autolink.testTrap();
  assert.deepEqual(trapped.pointers, []);
  assert.equal(trapped.issues[0].code, 'internal_error');
  assert.match(trapped.issues[0].message, /panicked: testTrap/);
  assert.deepEqual(putItem(), expected); // the configuration is handed to the new instance again
  assert.deepEqual(learned().issues.map((i) => i.code), ['table_not_configured']); // what the old one learned is gone
  assert.deepEqual(putObject().pointers, [PUT]);
});

test('outputs longer than the room the package made are read whole, and the room given back', onAddon, () => {
  const records = streamRecords(30000, (i) => `order-${i}`);
  const outcome = api.pointersForEvent({ Records: records });
  assert.equal(outcome.pointers.length, records.length);
  assert.equal(outcome.pointers[29999].hash, hash('t', 'id', 'order-29999', '', ''));
  assert.ok(autolink.instance.bytes.length <= 2 << 20, `${autolink.instance.bytes.length} bytes kept after an outsized output`);
  assert.deepEqual(putObject().pointers, [PUT]);
});

/** A copy of the installed package whose addon `damage` changed: what a pointer call there found. */
function withDamagedAddon(damage) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'span-autolink-addon-'));
  try {
    const copy = path.join(dir, 'node_modules', 'span-autolink');
    fs.cpSync(PACKAGE, copy, { recursive: true });
    damage(path.join(copy, 'addon'));
    return node(`
      const api = require(${JSON.stringify(copy)});
      const internal = api[Symbol.for('span-autolink.internal')];
      const o = api.pointersForResponse('s3', 'PutObject', { Bucket: 'some-bucket', Key: 'some-key.data' }, { ETag: 'ab12ef34' });
      console.log(JSON.stringify({ addon: internal('lib/autolink.js').autolink.instance.addon !== undefined, pointers: o.pointers, issues: o.issues }));`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const own = (dir) => path.join(dir, `linux-${process.arch}.node`);
const other = (dir) => path.join(dir, `linux-${process.arch === 'x64' ? 'arm64' : 'x64'}.node`);
const cut = (dir, keep) => fs.writeFileSync(own(dir), fs.readFileSync(own(dir)).subarray(0, keep(fs.statSync(own(dir)).size)));
const DAMAGES = {
  missing: (dir) => fs.rmSync(dir, { recursive: true }),
  // An ELF header, then nothing the loader can use: refused by its size
  // before the loader sees it.
  garbage: (dir) => fs.writeFileSync(own(dir), Buffer.concat([fs.readFileSync(own(dir)).subarray(0, 64), crypto.randomBytes(4000)])),
  // Of the size built, but no ELF file: the size lets it through, and the
  // loader refuses it (dlopen throws).
  'not an ELF file, of its size': (dir) => fs.writeFileSync(own(dir), crypto.randomBytes(fs.statSync(own(dir)).size)),
  // Loaded, these would crash the process (SIGBUS): their size keeps them out.
  'cut in its code': (dir) => cut(dir, () => 50000),
  'cut by one byte': (dir) => cut(dir, (size) => size - 1),
  // Not the file the package was built with, though it would load.
  'one byte longer': (dir) => fs.appendFileSync(own(dir), Buffer.from([0])),
  'another architecture': (dir) => fs.copyFileSync(other(dir), own(dir)),
};

for (const [name, damage] of Object.entries(DAMAGES)) {
  test(`where the addon cannot load (${name}) the module serves`, onAddon, () => {
    assert.deepEqual(withDamagedAddon(damage), { addon: false, pointers: [PUT], issues: [] });
  });
}

test('switched off, the module serves', onAddon, () => {
  const got = node(`
    const api = require('span-autolink');
    const internal = api[Symbol.for('span-autolink.internal')];
    const o = api.pointersForResponse('s3', 'PutObject', { Bucket: 'some-bucket', Key: 'some-key.data' }, { ETag: 'ab12ef34' });
    console.log(JSON.stringify({ addon: internal('lib/autolink.js').autolink.instance.addon !== undefined, pointers: o.pointers }));`,
    { SPAN_AUTOLINK_EXTENSION: 'off' });
  assert.deepEqual(got, { addon: false, pointers: [PUT] });
});
