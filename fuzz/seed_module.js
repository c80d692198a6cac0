'use strict';

// Seeds the `module` fuzz target (module_entry.rs) with what the Node.js
// package writes into linear memory for every conformance case: projected
// input, and the key-name configuration in front of a response.
//
//   make js-package && node fuzz/seed_module.js

const fs = require('node:fs');
const path = require('node:path');
const glue = require('../bindings/js/pkg/span_autolink.js');
const { loadCases, runCase } = require('../js-test/helpers.js');

const CORPUS = path.join(__dirname, 'corpus', 'module');

let start = 0;
let config = Buffer.alloc(0);
let seed = null;
const memory = () => Buffer.from(glue.linearMemory().buffer);
const wrap = (name, f) => {
  const original = glue[name];
  glue[name] = (...args) => f(original(...args), ...args);
};
wrap('inputBuffer', (pointer) => (start = pointer));
wrap('configure', (out, len) => {
  config = Buffer.from(memory().subarray(start, start + len));
  return out;
});
wrap('pointersForResponse', (out, len) => {
  if (config.length > 255) throw new Error('configuration longer than the seed format allows');
  seed = Buffer.concat([Buffer.from([0, config.length]), config, memory().subarray(start, start + len)]);
  return out;
});
wrap('pointersForEvent', (out, len) => {
  seed = Buffer.concat([Buffer.from([1]), memory().subarray(start, start + len)]);
  return out;
});

const api = require('../bindings/js');
fs.mkdirSync(CORPUS, { recursive: true });
let count = 0;
for (const c of loadCases()) {
  seed = null;
  runCase(api, c);
  if (seed === null) continue; // a call that writes nothing a pointer names
  fs.writeFileSync(path.join(CORPUS, `seed-js-${c.name}`), seed);
  count++;
}
for (const [service, operation] of [['s3', 'PutObjectCommand'], ['dynamodb', 'transactWriteItems'], ['sqs', 'SendMessage']]) {
  fs.writeFileSync(path.join(CORPUS, `seed-projection-${service}-${operation}`), `\x02${service} ${operation}`);
  count++;
}
console.log(`${count} seeds in ${path.relative(process.cwd(), CORPUS)}`);
