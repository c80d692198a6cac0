'use strict';

// Builds dist/: the package's JavaScript in two files, so that a process
// pays Node's per-file loader cost (resolve, stat, read, wrap, compile)
// once for its first pointer instead of once per module. The sources stay
// split by concern in index.js, lib/ and pkg/; each becomes a function in
// a bundle, run at its first require as Node would run its file, so what
// loads lazily still does. The text is put together here, at build time:
// nothing is evaluated from strings at run time. Each module's text is
// minified (esbuild, a devDependency): V8 scans and parses every byte of a
// bundle at its first require, and the names and spaces it no longer reads
// are what a process's cold start loses (bench/js times the cold start).
// The sources stay as written; `--readable` builds the bundles unminified
// into dist-readable/, to read a stack trace against.
//
//   node bundle.js [--readable]
//
// dist/span-autolink.js   the package entry: index.js, the lib/ modules a
//                         pointer needs, and the wasm-bindgen glue (pkg/)
// dist/integrations.js    the tracer integrations and their lookups, apart:
//                         a process that only computes pointers does not
//                         parse them
// dist/opentelemetry.js   span-autolink/opentelemetry, from the bundle
// dist/dd-trace.js        span-autolink/dd-trace, from the bundle
//
// Written here, not read from a file: addon/sizes.js, the size of each
// addon/*.node file as built, which lib/native.js checks before loading it.
//
// Left as files of their own, required where the sources require them:
// the walkers of each operation (lib/walkers/, one file per operation, so
// that a process parses only the walkers of the calls it makes) and the
// explainer's glue and module (pkg-explain/, loaded by explain() only).

const fs = require('node:fs');
const path = require('node:path');

const READABLE = process.argv.includes('--readable');

/** Module ids are paths in the package; the first of a bundle's modules is what the bundle exports. */
const BUNDLES = {
  'span-autolink.js': [
    'index.js',
    'lib/autolink.js',
    'lib/generated.js',
    'lib/instance.js',
    'lib/native.js',
    'addon/sizes.js',
    'lib/writer.js',
    'lib/reader.js',
    'lib/explain.js',
    'pkg/span_autolink.js',
  ],
  'integrations.js': ['lib/hooks.js', 'lib/lookups.js', 'lib/opentelemetry.js', 'lib/dd-trace.js'],
};

/**
 * The entry bundle's modules that run only after the first pointer
 * (explain), or only where the addon does not load (the module's instance
 * and its glue). Its others are written as parenthesized functions, which
 * V8 compiles with the bundle rather than scanning them once for the bundle
 * and again at their call; the integrations' are left to V8's default.
 */
const LATER = ['lib/explain.js', 'lib/instance.js', 'pkg/span_autolink.js'];

/**
 * The modules bundle.js writes: the size of each addon the build put in
 * addon/ (none where it built none: the module then serves everywhere).
 */
const GENERATED = {
  'addon/sizes.js': (root) => {
    const dir = path.join(root, 'addon');
    const names = fs.existsSync(dir) ? fs.readdirSync(dir).filter((name) => name.endsWith('.node')).sort() : [];
    const sizes = names.map((name) => `  ${JSON.stringify(name)}: ${fs.statSync(path.join(dir, name)).size},`);
    return `'use strict';\n\n// The size of each addon/*.node file as built (bundle.js).\nmodule.exports = {\n${sizes.join('\n')}\n};\n`;
  },
};

/**
 * A module's text as the bundle carries it: minified as a CommonJS file,
 * so that its own names are shortened and `require`, `module`, `exports`
 * and `__dirname` are left as Node gives them. Names and spaces only: the
 * syntax is kept as written, since esbuild's rewriting of it (conditionals
 * into expressions and the like) made the hot calls slower, for little
 * less to parse. The integrations keep their functions' names (`keepNames`):
 * their hooks sit in a tracer's configuration, where a person looks for
 * them by name (spanAutolinkResponseHook); the entry bundle's functions,
 * which no one handles by name, give theirs up, for a cheaper first load.
 */
function shipped(source, file) {
  if (READABLE) return source;
  const options = { minifyWhitespace: true, minifyIdentifiers: true, format: 'cjs', platform: 'node', target: 'node18', legalComments: 'none' };
  return require('esbuild').transformSync(source, { ...options, keepNames: file === 'integrations.js' }).code;
}

/** The text of module `id`: its file's, or what bundle.js writes for it. */
function sourceOf(root, id) {
  return GENERATED[id] === undefined ? fs.readFileSync(path.join(root, id), 'utf8') : GENERATED[id](root);
}

/** The subpath entries (package.json "exports"): each is a bundled module. */
const ENTRIES = { 'opentelemetry.js': 'lib/opentelemetry.js', 'dd-trace.js': 'lib/dd-trace.js' };

/** How tests, fuzz seeding and benchmarks reach the modules the package runs: never for users. */
const INTERNAL_NAME = 'span-autolink.internal';
const INTERNAL = `Symbol.for('${INTERNAL_NAME}')`;

function bundleOf(id) {
  return Object.keys(BUNDLES).find((file) => BUNDLES[file].includes(id));
}

/** The file a relative `spec` names from module `from`, as Node resolves it. */
function resolve(root, from, spec) {
  const base = path.posix.join(path.posix.dirname(from), spec);
  for (const candidate of [base, `${base}.js`]) {
    if (GENERATED[candidate] !== undefined) return candidate;
    const file = path.join(root, candidate);
    if (fs.existsSync(file) && fs.statSync(file).isFile()) return candidate;
  }
  throw new Error(`bundle.js: ${from} requires ${spec}, which is not a file of the package`);
}

/**
 * The require module `id` runs with: each literal require of its source
 * answered by a literal require here, in the bundle's own scope, so that
 * tools that follow requires (bundlers, packers) still see every file. A
 * module of the same bundle is loaded from it, one of another bundle
 * through that bundle, anything else required as the source names it
 * (relative paths from dist/).
 */
function requireOf(root, id, source) {
  const cases = new Map();
  // Requires in comments (usage examples) are no dependency.
  const code = source
    .split('\n')
    .filter((line) => !/^\s*(\/\/|\/?\*)/.test(line))
    .join('\n');
  for (const [, , spec] of code.matchAll(/\brequire\((['"])([^'"]+)\1\)/g)) {
    let answer;
    if (!spec.startsWith('.')) answer = `require(${JSON.stringify(spec)})`;
    else {
      const target = resolve(root, id, spec);
      const file = bundleOf(target);
      if (file === bundleOf(id)) answer = `load(${JSON.stringify(target)})`;
      else if (file !== undefined) answer = `require(${JSON.stringify(`./${file}`)})[${INTERNAL}](${JSON.stringify(target)})`;
      else answer = `require(${JSON.stringify(path.posix.relative('dist', target))})`;
    }
    cases.set(spec, `    case ${JSON.stringify(spec)}: return ${answer};\n`);
  }
  // A require of a computed name (lookups.js asks for the AWS SDK by name).
  return `function (spec) {\n  switch (spec) {\n${[...cases.values()].join('')}    default: return require(spec);\n  }\n}`;
}

function bundle(root, file) {
  const ids = BUNDLES[file];
  const parts = [
    `'use strict';

// Built by bindings/js/bundle.js (make js-package) from ${ids.join(', ')};
// do not edit: edit those and build again.

// By module: its body, as Node would wrap its file, and the require it
// runs with.
const modules = {
`,
  ];
  for (const id of ids) {
    const source = sourceOf(root, id);
    if (/\b__filename\b/.test(source)) throw new Error(`bundle.js: ${id} uses __filename, which the bundle does not give`);
    // The glue reads its .wasm beside itself.
    const dir = /\b__dirname\b/.test(source) ? `const __dirname = \`\${bundleDirectory}/${path.posix.relative('dist', path.posix.dirname(id))}\`;\n` : '';
    const [open, close] = LATER.includes(id) || file !== 'span-autolink.js' ? ['', ''] : ['(', ')'];
    parts.push(
      `// ---- ${id}\n${JSON.stringify(id)}: [\n${open}function (exports, require, module) {\n${dir}${shipped(source, file).replace(/\s+$/, '')}\n}${close},\n` +
        `${requireOf(root, id, source)}],\n\n`
    );
  }
  parts.push(`};

const bundleDirectory = __dirname;
const loaded = new Map();

/** The exports of module \`id\` of this bundle, running its body at the first require. */
function load(id) {
  let module = loaded.get(id);
  if (module === undefined) {
    const [body, requireFrom] = modules[id];
    module = { exports: {} };
    loaded.set(id, module);
    body.call(module.exports, module.exports, requireFrom, module);
  }
  return module.exports;
}

${file === 'span-autolink.js' ? `module.exports = load(${JSON.stringify(ids[0])});\n` : ''}Object.defineProperty(module.exports, ${INTERNAL}, { value: load });
`);
  return parts.join('');
}

/** The bundles' files and their text. */
function build(root) {
  const files = {};
  for (const file of Object.keys(BUNDLES)) files[file] = bundle(root, file);
  return files;
}

/**
 * A subpath entry's text. Node gives an ES module's `import { name }` of a
 * CommonJS file the names it finds in the file's text: the entry names its
 * module's exports (`names`, read from the built module) in a statement
 * that never runs, and assigns the module through a variable, so that
 * Node does not take it as a re-export of the whole bundle's names.
 */
function entry(id, names) {
  return `'use strict';

// Built by bindings/js/bundle.js; do not edit. ${id}, from its bundle, with
// the package's one instance.
const exported = require('./${bundleOf(id)}')[${INTERNAL}](${JSON.stringify(id)});
module.exports = exported;
// The names an ES module may import (read by Node; never run, so the names
// need no binding).
0 && (module.exports = { ${names.join(', ')} });
`;
}

function main() {
  const root = __dirname;
  // A readable build goes beside the shipped one, never over it: make
  // would take it for the bundle and pack it.
  const out = path.join(root, READABLE ? 'dist-readable' : 'dist');
  // The package ships lib/ only as bundled, so a new module must have a bundle.
  const unbundled = fs
    .readdirSync(path.join(root, 'lib'))
    .filter((f) => f.endsWith('.js') && bundleOf(`lib/${f}`) === undefined);
  if (unbundled.length) throw new Error(`bundle.js: lib/${unbundled.join(', lib/')} in no bundle: name it in BUNDLES`);
  const files = build(root);
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out);
  for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(out, file), text);
  // The entries' export names come from the modules as built (at build time).
  for (const [file, id] of Object.entries(ENTRIES)) {
    const exported = require(path.join(out, bundleOf(id)))[Symbol.for(INTERNAL_NAME)](id);
    const names = Object.keys(exported).filter((name) => name !== 'default');
    fs.writeFileSync(path.join(out, file), entry(id, names));
  }
}

main();
