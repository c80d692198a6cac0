'use strict';

// Seeds the `module` fuzz target (module_entry.rs) with what the Node.js
// package writes into linear memory for every conformance case: projected
// input, and the key-name configuration in front of a response.
//
//   make js-package && node fuzz/seed_module.js
//
// The package must be the one in bindings/js (its dist/ and pkg/, built by
// make js-package).

const fs = require('node:fs');
const path = require('node:path');
const api = require('../bindings/js');
const { loadCases, runCase, nativeBytes, internal } = require('../js-test/helpers.js');
const { autolink } = internal(api, 'lib/autolink.js');

const CORPUS = path.join(__dirname, 'corpus', 'module');

// Stands between the package and its module, keeping the last input of
// each call (the input is at inputStart when the call is made).
const instance = autolink.instance;
let config = Buffer.alloc(0);
let seed = null;
const call = instance.call.bind(instance);
instance.call = (name, len) => {
  const input = Buffer.from(instance.view().subarray(instance.inputStart, instance.inputStart + len));
  if (name === 'configure') config = input;
  if (name === 'pointersForResponse') {
    if (config.length > 255) throw new Error('configuration longer than the seed format allows');
    seed = Buffer.concat([Buffer.from([0, config.length]), config, input]);
  }
  if (name === 'pointersForEvent') seed = Buffer.concat([Buffer.from([1]), input]);
  return call(name, len);
};

fs.mkdirSync(CORPUS, { recursive: true });
let count = 0;
for (const c of loadCases()) {
  seed = null;
  runCase(api, c);
  if (seed === null) continue; // a call that writes nothing a pointer names
  fs.writeFileSync(path.join(CORPUS, `seed-js-${c.name}`), seed);
  count++;
  // GetRecords again with no service named (its own operation code).
  if (c.kind === 'response' && /^getrecords(command)?$/i.test(c.operation)) {
    seed = null;
    api.pointersForGetRecords(nativeBytes(c.response), { streamArn: c.request.StreamArn });
    fs.writeFileSync(path.join(CORPUS, `seed-js-any-${c.name}`), seed);
    count++;
  }
}
for (const [service, operation] of [['s3', 'PutObjectCommand'], ['dynamodb', 'transactWriteItems'], ['sqs', 'SendMessage']]) {
  fs.writeFileSync(path.join(CORPUS, `seed-operation-${service}-${operation}`), `\x02${service} ${operation}`);
  count++;
}
console.log(`${count} seeds in ${path.relative(process.cwd(), CORPUS)}`);
