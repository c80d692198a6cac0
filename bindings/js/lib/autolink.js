'use strict';

// The package's one object: the module instance, the writer and reader of
// its buffers, the settings read from the environment, and the operation
// codes of the calls seen. It holds no pointer rule: the walkers come from
// the core at build time (lib/generated.js) and every answer from the
// module (a call's walkers are required at its operation's first call).
// Its methods may throw; index.js keeps every throw from a caller.

const generated = require('./generated');
const { loadAddon, NativeInstance } = require('./native');
const { Writer, BOUNDS, MODULE_FAILED } = require('./writer');
const { Reader } = require('./reader');

const NO_OPERATION = 255; // what the module answers for a call no rule reads: it neither points nor teaches
const OPERATIONS_KEPT = 4096; // callers that invent operation names must not grow the cache forever

class Autolink {
  constructor() {
    const addon = loadAddon();
    // The module's instance (and its glue) is required only where the addon
    // does not serve: a process the addon serves never parses it.
    this.instance = addon === null ? new (require('./instance').ModuleInstance)() : new NativeInstance(addon);
    this.writer = new Writer(this.instance);
    this.reader = new Reader(this.instance);
    this.operations = new Map(); // service -> operation -> code
    this.operationsKept = 0;
    this.settings = null; // read at the first call, and by reloadEnvironment()
  }

  /** After a call whose answer is read: gives back memory an outsized input took. */
  trim() {
    this.instance.trim();
  }

  get loadError() {
    return this.instance.loadError;
  }

  // -- the calls ----------------------------------------------------------

  pointersForResponse(service, operation, request, response, options) {
    this.instance.checkAbandoned();
    const settings = this.currentSettings();
    if (!settings.enabled || typeof service !== 'string' || typeof operation !== 'string') return none();
    const code = this.operation(service, operation);
    if (code === NO_OPERATION) return none();
    return this.pointersForCode(code, withStreamArn(request, options), response, options, settings);
  }

  /** What GetRecords returned, of either service: the module tells which by the records. */
  pointersForGetRecords(response, options) {
    this.instance.checkAbandoned();
    const settings = this.currentSettings();
    if (!settings.enabled) return none();
    return this.pointersForCode(generated.GET_RECORDS, withStreamArn({}, options), response, options, settings);
  }

  pointersForCode(code, request, response, options, settings) {
    const keys = this.keyNames(options, settings);
    // Before the call's input is written: configuring takes the input buffer.
    if (keys !== this.instance.configured) this.configure(keys);
    const walkers = generated.calls[code] || generated.walkersOf(code);
    if (walkers === undefined) {
      // A module built from another core than the walkers: nothing it says can be trusted.
      this.writer.failure = new Error(`the module named operation ${code}, which this package does not know`);
      throw MODULE_FAILED;
    }
    const [writeRequest, writeResponse] = walkers;
    const w = this.writer;
    w.begin();
    w.call(code);
    writeRequest(w, parameters(request), 1);
    writeResponse(w, response, 1);
    return this.inModule(this.outcomeOf, 'pointersForResponse', w.length());
  }

  pointersForEvent(event) {
    this.instance.checkAbandoned();
    if (!this.currentSettings().enabled) return none();
    const w = this.writer;
    w.begin();
    generated.event(w, event, 0);
    return this.inModule(this.outcomeOf, 'pointersForEvent', w.length());
  }

  /** The outcome of the export `name` on the `len` input bytes written. */
  outcomeOf(name, len) {
    return this.reader.outcome(this.instance.call(name, len));
  }

  /** Forgets what the calls so far taught of DynamoDB tables' key names. */
  forgetTables() {
    this.instance.checkAbandoned();
    this.inModule(() => this.instance.glue.forgetTables());
  }

  keepForSampling(hash, rate) {
    this.instance.checkAbandoned();
    return this.inModule(() => {
      this.writer.raw(hash);
      return this.instance.glue.keepForSampling(this.writer.length(), rate) === 1;
    });
  }

  /**
   * Runs `f` as a method with `a` and `b`; it crosses into the module:
   * whatever it throws is the module's failure (a trap, the engine's stack
   * running out inside it), after which the instance is replaced. The
   * pointer calls pass a method rather than make a function per call.
   */
  inModule(f, a, b) {
    try {
      this.instance.entered = true;
      const result = f.call(this, a, b);
      this.instance.entered = false;
      return result;
    } catch (error) {
      // A bound passed while writing, or a failure already told, as it is.
      if (error === BOUNDS.size) {
        this.instance.entered = false; // the module was not entered
        throw error;
      }
      if (error === MODULE_FAILED) throw error;
      this.writer.failure = error;
      throw MODULE_FAILED;
    }
  }

  /**
   * The call's operation code, asked of the module once per spelling, and
   * kept by service, then operation (no name is built on the hot path).
   */
  operation(service, operation) {
    let byOperation = this.operations.get(service);
    const code = byOperation === undefined ? undefined : byOperation.get(operation);
    if (code !== undefined) return code;
    const answer = this.inModule(() => {
      this.writer.raw(service + ' ' + operation);
      return this.instance.glue.operation(this.writer.length());
    });
    if (this.operationsKept >= OPERATIONS_KEPT) {
      this.operations.clear();
      this.operationsKept = 0;
    }
    if (byOperation === undefined || !this.operations.has(service)) {
      byOperation = new Map();
      this.operations.set(service, byOperation);
    }
    byOperation.set(operation, answer);
    this.operationsKept++;
    return answer;
  }

  /** Hands the instance a new key-name configuration. */
  configure(text) {
    this.instance.configured = undefined; // unknown until the call returns
    this.inModule(() => {
      this.writer.raw(text);
      // Its issue lines are output too: one longer than any before moves
      // the output buffer, whose new place every later output is read from.
      this.instance.outputAt(this.instance.call('configure', this.writer.length()));
    });
    this.instance.configured = text;
  }

  /** The key-name configuration text of a call: the option's, or the setting's. */
  keyNames(options, settings) {
    const keys = options == null ? undefined : options.dynamodbPrimaryKeys;
    if (keys == null) return settings.dynamodbPrimaryKeys === undefined ? '' : settings.dynamodbPrimaryKeys;
    if (typeof keys === 'string') return keys; // JSON text, as the environment variable holds it
    let text;
    let values = 0;
    try {
      // Counted, since a value that shares its parts would otherwise be
      // written out in full, exponentially.
      text = JSON.stringify(keys, (_, value) => {
        if (++values > generated.MAX_CONFIGURATION_VALUES) throw BOUNDS.items;
        return value;
      });
    } catch (_) {
      // A cycle, a BigInt, a value that throws or one too large: what the
      // module gets is no JSON, which it reports as config_invalid.
    }
    return typeof text === 'string' ? text : '!';
  }

  // -- settings -----------------------------------------------------------

  currentSettings() {
    if (this.settings === null) this.settings = this.readSettings();
    return this.settings;
  }

  reloadEnvironment() {
    this.settings = null;
  }

  /**
   * The settings of the environment, as the module reads the variables
   * the core names (SETTING_VARIABLES): the same rule in every package.
   */
  readSettings() {
    const env = {};
    let entries = '';
    for (const name of generated.SETTING_VARIABLES) {
      const value = environmentVariable(name);
      if (value === undefined) continue;
      env[name] = value;
      entries += `${name}=${value}\0`;
    }
    // With none of the variables set the module's answer is known at build
    // time: the first call then need not cross into the module for it.
    const lines =
      entries === ''
        ? generated.UNSET_SETTINGS.join('\n')
        : this.inModule(() => {
            this.writer.raw(entries);
            const len = this.instance.call('settings', this.writer.length());
            const at = this.instance.outputAt(len);
            return this.instance.view().toString('utf8', at, at + len);
          });
    const settings = { enabled: true, dynamodbPrimaryKeys: undefined, pointerSampling: undefined, describeTable: false, issues: [] };
    for (const line of lines.split('\n')) {
      if (line.startsWith('s ')) {
        const space = line.indexOf(' ', 2);
        const name = line.slice(2, space);
        const value = line.slice(space + 1);
        if (name === 'enabled') settings.enabled = value === 'true';
        else if (name === 'describe_table') settings.describeTable = value === 'true';
        else if (name === 'pointer_sampling') settings.pointerSampling = Number(value);
        else if (name === 'dynamodb_primary_keys') settings.dynamodbPrimaryKeys = env[value];
      } else if (line.startsWith('i ')) {
        const space = line.indexOf(' ', 2);
        settings.issues.push({ code: line.slice(2, space), message: line.slice(space + 1) });
      }
    }
    return Object.freeze(settings);
  }

  // -- failures -----------------------------------------------------------

  /** The outcome of a call that threw: the caller's value, a bound, or the module. */
  failure(error, what) {
    if (error === BOUNDS.depth || error === BOUNDS.size || error === BOUNDS.items) {
      return issue('input_invalid', `span-autolink could not read the ${what}: ${error.message}`);
    }
    if (error === MODULE_FAILED) return this.moduleFailed(this.writer.failure);
    return issue('input_invalid', `the ${what} could not be read: ${messageOf(error)}`);
  }

  moduleFailed(error) {
    this.instance.recover();
    this.operations.clear();
    this.operationsKept = 0;
    return issue('internal_error', `the span-autolink module failed: ${messageOf(error)}`);
  }

  unavailable() {
    return issue('internal_error', `the span-autolink module could not be loaded: ${messageOf(this.instance.loadError)}`);
  }

  /** Forces a trap inside the module; for tests of the recovery only. */
  testTrap() {
    try {
      this.instance.glue.testTrap();
      return none();
    } catch (error) {
      return this.moduleFailed(error);
    }
  }
}

/** A v3 command object carries its parameters in `input`. */
function parameters(request) {
  if (typeof request === 'object' && request !== null && typeof request.resolveMiddleware === 'function' && request.input !== undefined) {
    return request.input;
  }
  return request;
}

/** The request's parameters as an object: `{}` for anything that is not one. */
function parametersOf(request) {
  const params = parameters(request);
  return params !== null && typeof params === 'object' ? params : {};
}

/** The request, with the stream ARN a DynamoDB Streams GetRecords read where the caller names it. */
function withStreamArn(request, options) {
  const streamArn = options == null ? undefined : options.streamArn;
  return typeof streamArn === 'string' ? { ...parametersOf(request), StreamArn: streamArn } : request;
}

/** A variable's value, or undefined: `process.env` may be replaced, hold non-strings, or throw. */
function environmentVariable(name) {
  try {
    const value = process.env[name];
    return typeof value === 'string' ? value : undefined;
  } catch (_) {
    return undefined;
  }
}

function messageOf(error) {
  try {
    const message = error !== null && typeof error === 'object' ? error.message : undefined;
    return typeof message === 'string' ? message : String(error);
  } catch (_) {
    return 'an error that cannot be shown';
  }
}

function none() {
  return { pointers: [], issues: [] };
}

function issue(code, message) {
  return { pointers: [], issues: [{ code, message: message.replace(/[\u0000-\u001f\u007f]+/g, ' ') }] };
}

// The one instance the package's API serves (its tests reach it through
// this file's path).
const autolink = new Autolink();

module.exports = { Autolink, autolink, parametersOf };
