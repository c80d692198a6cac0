'use strict';

// span-autolink for Node.js: the rules of the Rust core, compiled to
// WebAssembly. Nothing here throws into the caller (SPEC 6): every call
// answers an outcome, and whatever goes wrong is an issue in it.
//
//   lib/autolink.js   the package's one object: module, buffers, settings
//   lib/instance.js   the module instance and its linear memory
//   lib/writer.js     values into the module's input (marshal format)
//   lib/reader.js     the module's output lines into outcomes
//   lib/generated.js  the bounds and the event's walker, from the core
//   lib/walkers/      each operation's walkers, required at its first call

const { autolink, parametersOf } = require('./lib/autolink');

// Required at the first explain call: a process that only computes
// pointers never loads it.
let explainer = null;
function explainerOf() {
  if (explainer === null) {
    const { Explainer } = require('./lib/explain');
    explainer = new Explainer();
  }
  return explainer;
}

// What every call answers when even building an answer fails (the engine's
// stack ran out in the caller's deepest frame): built once, up front. Each
// public function also answers it when the stack runs out as it calls the
// next function in: the engine throws that in the public function's own
// frame, where only its own catch can keep it from the caller.
const EXHAUSTED = Object.freeze({
  pointers: Object.freeze([]),
  issues: Object.freeze([Object.freeze({ code: 'internal_error', message: 'span-autolink could not run: no stack or memory was left' })]),
});

/**
 * Calls `method` on autolink with `a` to `e`; whatever it throws becomes
 * the outcome `failure` makes of it, reading `what`. The method and its
 * arguments are passed rather than a function made per call: this runs on
 * the caller's hot path.
 */
function safely(what, method, a, b, c, d, e) {
  let outcome;
  try {
    if (autolink.loadError !== null) return autolink.unavailable();
    outcome = method.call(autolink, a, b, c, d, e);
  } catch (error) {
    try {
      outcome = autolink.failure(error, what);
    } catch (_) {
      return EXHAUSTED;
    }
  }
  try {
    autolink.trim();
  } catch (_) {
    // The next call replaces the instance if it must.
  }
  return outcome;
}

/**
 * The pointers of an AWS SDK call: producer pointers of an S3 or DynamoDB
 * write, consumer pointers of what a worker outside Lambda receives (SQS
 * ReceiveMessage, Kinesis and DynamoDB Streams GetRecords). A call that did
 * not succeed gives none (`response_not_successful`).
 *
 * @param {string} service 's3', 'dynamodb', 'sqs', 'kinesis', 'dynamodbstreams', in any case
 * @param {string} operation e.g. 'PutObject', 'putObject', 'PutObjectCommand'
 * @param {object} request the v3 command (or its input), or v2 params
 * @param {object} response the v3 output, or the v2 response (output in `data`)
 * @param {{dynamodbPrimaryKeys?: Record<string, string[]> | string, streamArn?: string}} [options]
 */
function pointersForResponse(service, operation, request, response, options) {
  try {
    const outcome = callOutcome(service, operation, request, response, options);
    // The tables to look up are the integrations' business (callOutcome).
    return outcome.unknownTables === undefined ? outcome : { pointers: outcome.pointers, issues: outcome.issues };
  } catch (_) {
    return EXHAUSTED;
  }
}

/**
 * pointersForResponse's outcome, with `unknownTables` where puts needed key
 * names no call showed: for the integrations' DescribeTable lookups.
 */
function callOutcome(service, operation, request, response, options) {
  try {
    return safely('request or response', autolink.pointersForResponse, service, operation, request, response, options);
  } catch (_) {
    return EXHAUSTED;
  }
}

/** The consumer pointers of a Lambda event, however it was delivered. */
function pointersForEvent(event) {
  try {
    return safely('event', autolink.pointersForEvent, event);
  } catch (_) {
    return EXHAUSTED;
  }
}

/** The consumer pointers of what SQS ReceiveMessage returned to a worker. */
function pointersForReceiveMessage(output) {
  try {
    return pointersForResponse('sqs', 'ReceiveMessage', {}, output);
  } catch (_) {
    return EXHAUSTED;
  }
}

/**
 * The consumer pointers of what GetRecords returned: from Kinesis (records
 * with `Data`) or from DynamoDB Streams (records with `dynamodb`, whose
 * stream `streamArn` names the table).
 *
 * @param {object} output the GetRecords output
 * @param {{streamArn?: string}} [options]
 */
function pointersForGetRecords(output, options) {
  // Which service answered is the core's to tell, by the records.
  try {
    return safely('GetRecords output', autolink.pointersForGetRecords, output, options);
  } catch (_) {
    return EXHAUSTED;
  }
}

/**
 * The span-link attributes of a pointer (SPEC section 2): the four of every
 * pointer link, and `span_autolink.change_time` where the pointer has one.
 * `null` for anything that is not a pointer.
 */
function spanLinkAttributes(pointer) {
  try {
    if (pointer === null || typeof pointer !== 'object') return null;
    const { kind, direction, hash, changeTime } = pointer;
    if (typeof kind !== 'string' || typeof direction !== 'string' || typeof hash !== 'string') return null;
    const attributes = { 'link.kind': 'span-pointer', 'ptr.kind': kind, 'ptr.dir': direction, 'ptr.hash': hash };
    if (typeof changeTime === 'number') attributes['span_autolink.change_time'] = changeTime;
    return attributes;
  } catch (_) {
    return null;
  }
}

/**
 * Whether a span carrying the pointer `hash` asks to keep its trace when
 * sampling at `rate` (0 to 1): both sides of a hop compute the same hash,
 * so they make the same decision.
 */
function keepForSampling(hash, rate) {
  try {
    if (typeof hash !== 'string' || typeof rate !== 'number' || autolink.loadError !== null) return false;
    return autolink.keepForSampling(hash, rate);
  } catch (error) {
    try {
      autolink.failure(error, 'hash');
    } catch (_) {
      // Nothing more to do: the answer is no.
    }
    return false;
  }
}

/**
 * The settings read from the environment (read when first needed, and
 * again by reloadEnvironment()).
 */
function settings() {
  try {
    if (autolink.loadError === null) return autolink.currentSettings();
  } catch (_) {
    // The defaults, below.
  }
  return DEFAULT_SETTINGS;
}

const DEFAULT_SETTINGS = Object.freeze({
  enabled: true,
  dynamodbPrimaryKeys: undefined,
  pointerSampling: undefined,
  describeTable: false,
  issues: Object.freeze([]),
});

/**
 * Forgets what the calls so far showed of DynamoDB tables' key names (for
 * tests, or after tables were made again with other keys elsewhere). Never
 * throws.
 */
function forgetTables() {
  try {
    if (autolink.loadError === null) autolink.forgetTables();
  } catch (error) {
    try {
      autolink.failure(error, 'call');
    } catch (_) {
      // The next call replaces the instance if it must.
    }
  }
}

/** Reads the settings' environment variables again; call it after changing them. */
function reloadEnvironment() {
  try {
    autolink.reloadEnvironment();
  } catch (_) {
    // Never throws; the next call reads them.
  }
}

/**
 * Why an AWS call gives the pointers it gives: each pointer's hashed
 * components and the rule applied to each; when none comes out, the shape
 * the input resembles and what it lacks ("did you mean 's3'?"); the
 * DynamoDB key names in use and their source; and what dd-trace and
 * ddtrace would hash. The same report as the Python package's and
 * `span-autolink pointers --explain --json`. Runs on a module of its own,
 * loaded at the first call: for debugging, not for every call. Never
 * throws: a failure is `{error: {code, message}}`.
 *
 * `options.calls`: the application's calls before this one, in order
 * (DescribeTable, GetItem, ...), whose key names puts learn, as the
 * package's own instance learns them from the calls it sees.
 *
 * @param {{dynamodbPrimaryKeys?: Record<string, string[]> | string, calls?: {service: string, operation: string, request: unknown, response: unknown}[]}} [options]
 */
function explainResponse(service, operation, request, response, options) {
  return explaining(() => explainerOf().ask(callRequest(service, operation, request, response, options)));
}

/** Why a Lambda event gives the pointers it gives, with what datadog-lambda-js would hash. */
function explainEvent(event) {
  return explaining(() => explainerOf().ask({ event }));
}

/**
 * Why two spans did or did not link. `producer` and `consumer` are each a
 * call `{service, operation, request, response, dynamodbPrimaryKeys?, calls?}` or
 * `{event}`: both sides' components side by side, the first that differs
 * and the rule behind it, and whether the Datadog libraries would meet.
 */
function explain(producer, consumer) {
  return explaining(() => {
    const side = (given) =>
      given !== null && typeof given === 'object' && 'event' in given
        ? { event: given.event }
        : callRequest(given.service, given.operation, given.request, given.response, given);
    return explainerOf().ask({ producer: side(producer), consumer: side(consumer) });
  });
}

/**
 * An explain request for a call; key names learned from `options.calls`
 * (the calls before it), else from the option, else from the environment's setting.
 */
function callRequest(service, operation, request, response, options) {
  const out = { service, operation, request: parametersOf(request), response };
  const calls = options == null ? undefined : options.calls;
  if (Array.isArray(calls)) {
    out.calls = calls.map((c) => ({ service: c.service, operation: c.operation, request: parametersOf(c.request), response: c.response }));
  }
  const keys = options == null ? undefined : options.dynamodbPrimaryKeys;
  if (typeof keys === 'string') out.config = JSON.parse(keys);
  else if (keys != null) out.config = keys;
  else {
    const setting = settings().dynamodbPrimaryKeys;
    if (typeof setting === 'string') out.setting = setting;
  }
  return out;
}

function explaining(f) {
  try {
    return f();
  } catch (error) {
    const code = error instanceof SyntaxError || error instanceof TypeError ? 'input_invalid' : 'internal_error';
    let message;
    try {
      message = `span-autolink could not explain: ${error && error.message}`;
    } catch (_) {
      message = 'span-autolink could not explain';
    }
    return { error: { code, message } };
  }
}

module.exports = {
  pointersForResponse,
  pointersForEvent,
  pointersForReceiveMessage,
  pointersForGetRecords,
  spanLinkAttributes,
  keepForSampling,
  settings,
  reloadEnvironment,
  explainResponse,
  explainEvent,
  explain,
  forgetTables,
};
// For span-autolink/opentelemetry and span-autolink/dd-trace only.
Object.defineProperty(module.exports, 'callOutcome', { value: callOutcome, enumerable: false });
// `import api from 'span-autolink'` in TypeScript without esModuleInterop.
module.exports.default = module.exports;
