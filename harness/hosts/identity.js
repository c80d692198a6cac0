// The Node.js host of the cross-host identity check: replays the corpus
// through the installed npm package and prints one line per case in the
// format of harness/src/render.rs.
//
//   node identity.js PACKAGE_DIR CORPUS.json OUT.txt [HOST]
//
// HOST, when given, is what the package must have run: "addon" (the
// Node-API addon) or "module" (the WebAssembly module).
'use strict';
const fs = require('fs');
const path = require('path');

const [packageDir, corpusPath, outPath, host] = process.argv.slice(2);
delete process.env.DD_TRACE_DYNAMODB_TABLE_PRIMARY_KEYS;
delete process.env.DD_TRACE_AWS_ADD_SPAN_POINTERS;
const autolink = require(path.resolve(packageDir));

// {"$bytes": base64} stands for the bytes an SDK hands over.
function native(value) {
  if (Array.isArray(value)) return value.map(native);
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === '$bytes' && typeof value.$bytes === 'string') {
      return new Uint8Array(Buffer.from(value.$bytes, 'base64'));
    }
    const out = {};
    for (const k of keys) out[k] = native(value[k]);
    return out;
  }
  return value;
}

const { cases } = JSON.parse(fs.readFileSync(corpusPath, 'utf8'));
const lines = cases.map((c) => {
  const outcome = c.kind === 'event'
    ? autolink.pointersForEvent(c.event)
    : autolink.pointersForResponse(c.service, c.operation, native(c.request), native(c.response),
      c.config === undefined ? {} : { dynamodbPrimaryKeys: c.config });
  // A change time as the integer of the double that holds it (render.rs).
  const pointers = outcome.pointers
    .map((p) => `${p.kind}:${p.direction}:${p.hash}` + (p.changeTime === undefined ? '' : `@${BigInt(p.changeTime)}`))
    .join(',');
  const codes = outcome.issues.map((i) => i.code).join(',');
  return `${c.name}\t${pointers}\t${codes}`;
});
fs.writeFileSync(outPath, lines.join('\n') + '\n');
if (host !== undefined) {
  const { autolink: state } = autolink[Symbol.for('span-autolink.internal')]('lib/autolink.js');
  const used = state.instance.addon !== undefined ? 'addon' : 'module';
  if (used !== host) {
    console.error(`identity.js: the package ran the ${used}, not the ${host}`);
    process.exit(1);
  }
}
