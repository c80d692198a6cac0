'use strict';

// span-autolink/dd-trace: our pointers on dd-trace-js's spans, in place of
// dd-trace's and datadog-lambda-js's own.
//
//   const tracer = require('dd-trace').init();
//   require('span-autolink/dd-trace').instrument(tracer);        producer
//   exports.handler = datadog(withPointers(handler), { addSpanPointers: false })  consumer
//
// Producer: dd-trace's aws-sdk plugin calls `hooks.request(span, response)`
// when a call completes, successful or not, after its own addSpanPointers
// (datadog-plugin-aws-sdk/src/base.js). The hook drops the pointer links
// dd-trace added to that span and adds ours, one per pointer, with
// `span.addSpanPointer` (a zero-context link, SPEC 2). instrument() also turns
// dd-trace's own computation off in the tracer's configuration (not through
// DD_TRACE_AWS_ADD_SPAN_POINTERS, which span-autolink reads as its own
// switch). Nothing here throws into the tracer or the handler (SPEC 6).

const autolink = require('../index');
const { withIssue, describe, report, streamArnOf, keptByPointer, withLookups } = require('./hooks');

// dd-trace's tag for a manual keep (ext/tags MANUAL_KEEP): sampling priority user-keep.
const MANUAL_KEEP = 'manual.keep';
// Also on a span whose pointer asks to keep its trace, as on OpenTelemetry
// spans: a retention filter on it keeps both ends of the hop indexed.
const KEEP_TAG = 'span_autolink.keep';

// dd-trace names a v3 command by its class, first letter lowered ('putObject').
// The operations the rules read, and their service: those whose answer can
// hold a pointer, and the DynamoDB calls that show a table's key names (so
// that later puts need no configuration). The rest of a service's calls are
// left alone without entering the module.
const SERVICE_OF = {
  putObject: 's3',
  copyObject: 's3',
  completeMultipartUpload: 's3',
  putItem: 'dynamodb',
  updateItem: 'dynamodb',
  deleteItem: 'dynamodb',
  batchWriteItem: 'dynamodb',
  transactWriteItems: 'dynamodb',
  // The DynamoDB document client's commands (@aws-sdk/lib-dynamodb), native values.
  put: 'dynamodb',
  update: 'dynamodb',
  delete: 'dynamodb',
  batchWrite: 'dynamodb',
  transactWrite: 'dynamodb',
  getItem: 'dynamodb',
  batchGetItem: 'dynamodb',
  transactGetItems: 'dynamodb',
  createTable: 'dynamodb',
  describeTable: 'dynamodb',
  updateTable: 'dynamodb',
  deleteTable: 'dynamodb',
  get: 'dynamodb',
  batchGet: 'dynamodb',
  transactGet: 'dynamodb',
  receiveMessage: 'sqs',
};

const NO_POINTER_API = Object.freeze({
  code: 'span_links_unsupported',
  message: 'the span has no addSpanPointer (dd-trace >= 5.26 has it): no pointer link was added',
});

/**
 * The pointers of one call as dd-trace's aws-sdk plugin hands it to
 * `hooks.request`: `response.request.{operation, params}`, and the output
 * under `data` (SDK v2) or spread into `response` (v3), `error` for a call
 * that failed (which gives no pointer: `response_not_successful`). A put on
 * a table no call has shown starts a DescribeTable lookup where
 * `options.describeTable` (or the setting) asks for one; `span`, the call's,
 * gives its region.
 */
function pointersForDdResponse(response, options, span) {
  const request = response !== null && typeof response === 'object' ? response.request : undefined;
  if (request === null || typeof request !== 'object') return { pointers: [], issues: [] };
  const { operation, params } = request;
  if (operation === 'getRecords') {
    const output = outputOf(response);
    return autolink.pointersForGetRecords(output, { ...options, streamArn: streamArnOf(params, options) });
  }
  const service = typeof operation === 'string' && Object.prototype.hasOwnProperty.call(SERVICE_OF, operation) ? SERVICE_OF[operation] : undefined;
  if (service === undefined) return { pointers: [], issues: [] };
  return withLookups(autolink.callOutcome(service, operation, params, outputOf(response), options), options, regionOf(span));
}

/** The region dd-trace tagged the call's span with, if any. */
function regionOf(span) {
  try {
    const tags = span.context()._tags;
    const region = tags['aws.region'];
    return typeof region === 'string' ? region : undefined;
  } catch (_) {
    return undefined;
  }
}

// v2: the AWS.Response itself (output in `data`, `error` on failure). v3:
// what the command returned, spread beside `request`; on failure the error.
function outputOf(response) {
  if (Object.prototype.hasOwnProperty.call(response, 'data')) return response;
  const { request: _request, error, requestId: _requestId, ...output } = response;
  if (error !== undefined && error !== null) return { error };
  return output;
}

/**
 * Puts the outcome's pointers on a dd-trace span, one link each, in place
 * of any pointer link already there (dd-trace's or datadog-lambda-js's own
 * for the same call). Answers the outcome; an issue where the span cannot
 * carry them. Never throws.
 */
function addPointers(span, outcome, options) {
  try {
    const pointers = outcome !== null && typeof outcome === 'object' && Array.isArray(outcome.pointers) ? outcome.pointers : [];
    if (span === null || typeof span !== 'object') return outcome;
    dropPointerLinks(span);
    if (pointers.length === 0) return outcome;
    if (typeof span.addSpanPointer !== 'function') return withIssue(outcome, NO_POINTER_API);
    for (const pointer of pointers) {
      const attributes = autolink.spanLinkAttributes(pointer);
      if (attributes === null) continue;
      span.addSpanPointer(attributes['ptr.kind'], attributes['ptr.dir'], attributes['ptr.hash']);
      if (attributes['span_autolink.change_time'] !== undefined) addChangeTime(span, attributes);
    }
    // Pointer sampling: dd-trace's manual keep (sampling priority user-keep),
    // honoured until the trace is flushed.
    if (typeof span.setTag === 'function' && keptByPointer(outcome, options)) {
      span.setTag(MANUAL_KEEP, true);
      span.setTag(KEEP_TAG, 'true');
    }
    return outcome;
  } catch (error) {
    return withIssue(outcome, { code: 'internal_error', message: `adding span pointers threw: ${describe(error)}` });
  }
}

// The links dd-trace keeps on the span (`_links`, what it sends as span_links).
function dropPointerLinks(span) {
  const links = span._links;
  if (!Array.isArray(links)) return;
  for (let i = links.length - 1; i >= 0; i--) {
    const attributes = links[i] !== null && typeof links[i] === 'object' ? links[i].attributes : undefined;
    if (attributes !== null && typeof attributes === 'object' && attributes['link.kind'] === 'span-pointer') links.splice(i, 1);
  }
}

// addSpanPointer takes the four attributes only: the change time goes on
// the link it just added (SPEC 2 allows extra attributes), as text like the
// rest of dd-trace's sanitised link attributes.
function addChangeTime(span, attributes) {
  const links = span._links;
  if (!Array.isArray(links) || links.length === 0) return;
  const last = links[links.length - 1];
  if (last && last.attributes && last.attributes['ptr.hash'] === attributes['ptr.hash']) {
    last.attributes['span_autolink.change_time'] = String(attributes['span_autolink.change_time']);
  }
}

/**
 * A `hooks.request` for dd-trace's aws-sdk plugin.
 *
 * @param {{dynamodbPrimaryKeys?: object|string, streamArn?: string,
 *   describeTable?: boolean|object,
 *   onOutcome?: (outcome: object, span: object) => void,
 *   request?: (span: object, response: object) => void}} [options]
 *   `request`: another hook, called after ours.
 */
function makeRequestHook(options) {
  const { onOutcome, request: next, ...callOptions } = options || {};
  const hook = function spanAutolinkRequestHook(span, response) {
    try {
      report(onOutcome, addPointers(span, pointersForDdResponse(response, callOptions, span), callOptions), span);
    } catch (_) {
      // Never into the tracer.
    }
    if (typeof next === 'function') next(span, response);
  };
  // The hook it runs after, for instrument() called again: that one
  // replaces this hook rather than running it too.
  Object.defineProperty(hook, RUNS_AFTER, { value: next });
  return hook;
}

const RUNS_AFTER = Symbol('span-autolink.runsAfter');

/** The hook a request hook stands for: a hook of ours, the one it runs after. */
function userHook(hook) {
  return typeof hook === 'function' && Object.prototype.hasOwnProperty.call(hook, RUNS_AFTER) ? hook[RUNS_AFTER] : hook;
}

/** The tracer's configuration object, which its plugins read (after init()). */
function tracerConfig(tracer) {
  const manager = tracer !== null && typeof tracer === 'object' ? tracer._pluginManager : undefined;
  const config = (manager && manager._tracerConfig) || (tracer && tracer._tracer && tracer._tracer._config);
  return config !== null && typeof config === 'object' ? config : undefined;
}

/** `value` when it is an object, else an empty one. */
function objectOr(value) {
  return value !== null && typeof value === 'object' ? value : {};
}

/**
 * The aws-sdk plugin's configuration as the application left it: what an
 * earlier `tracer.use('aws-sdk', ...)` gave (dd-trace keeps it as
 * `{ ...options, enabled }`), else, when `init({ plugins: false })` turned
 * plugins off, `{ enabled: false }`. tracer.use replaces the whole
 * configuration, so instrument() starts from this one rather than drop it.
 */
function awsSdkConfig(tracer, config) {
  try {
    const manager = tracer._pluginManager;
    const given = manager && manager._configsByName ? manager._configsByName['aws-sdk'] : undefined;
    if (given !== null && typeof given === 'object') return given;
  } catch (_) {
    // As if nothing was given.
  }
  return config !== undefined && config.plugins === false ? { enabled: false } : {};
}

/**
 * Makes dd-trace's aws-sdk spans carry span-autolink's pointers, and only
 * them: `instrument(require('dd-trace').init())`. Call it after init().
 *
 * @param {object} tracer dd-trace's tracer
 * @param {{dynamodbPrimaryKeys?: object|string, describeTable?: boolean|object,
 *   onOutcome?: Function, awsSdk?: object}} [options] `awsSdk`: the rest of the aws-sdk plugin's
 *   configuration (`tracer.use('aws-sdk', awsSdk)`), over the one an earlier
 *   tracer.use gave, which is kept; a `hooks.request` in either still runs,
 *   after ours.
 * @returns {{issues: object[]}} what could not be done
 */
function instrument(tracer, options) {
  const issues = [];
  try {
    const { awsSdk, ...hookOptions } = options || {};
    const config = tracerConfig(tracer);
    const current = awsSdkConfig(tracer, config);
    const given = objectOr(awsSdk);
    const plugin = { ...current, ...given };
    const hooks = { ...objectOr(current.hooks), ...objectOr(given.hooks) };
    if (config === undefined) {
      issues.push({ code: 'tracer_not_initialized', message: "dd-trace's configuration was not found (call instrument after tracer.init()): its own pointers are dropped span by span" });
    } else {
      // dd-trace 5.132, 6 and 7 read DD_TRACE_AWS_ADD_SPAN_POINTERS here; earlier 5.x trace.aws.addSpanPointers.
      config.DD_TRACE_AWS_ADD_SPAN_POINTERS = false;
      if (config.trace && config.trace.aws && typeof config.trace.aws === 'object') config.trace.aws.addSpanPointers = false;
    }
    if (tracer === null || typeof tracer !== 'object' || typeof tracer.use !== 'function') {
      issues.push({ code: 'input_invalid', message: 'not a dd-trace tracer (no use())' });
      return { issues };
    }
    tracer.use('aws-sdk', { ...plugin, hooks: { ...hooks, request: makeRequestHook({ ...hookOptions, request: userHook(hooks.request) }) } });
  } catch (error) {
    issues.push({ code: 'internal_error', message: `instrument failed: ${describe(error)}` });
  }
  return { issues };
}

/**
 * The span datadog-lambda-js puts an invocation's pointers on: the inferred
 * span of the trigger (aws.sqs, aws.s3, aws.dynamodb, ...) where it made
 * one, else the aws.lambda span. Inside the handler the aws.lambda span is
 * active; its inferred parent is among the trace's started spans.
 */
function consumerRootSpan(tracer) {
  const active = tracer && tracer.scope && typeof tracer.scope === 'function' ? tracer.scope().active() : null;
  if (active === null || active === undefined) return null;
  try {
    const context = active.context();
    const parentId = context._parentId;
    const started = context._trace && Array.isArray(context._trace.started) ? context._trace.started : [];
    if (parentId) {
      const parent = started.find((s) => s !== active && s.context && sameId(s.context()._spanId, parentId));
      if (parent && isInferred(parent)) return parent;
    }
  } catch (_) {
    // The aws.lambda span, below.
  }
  return active;
}

const sameId = (a, b) => a !== undefined && b !== undefined && String(a) === String(b);

// datadog-lambda-js tags its inferred spans `_inferred_span: { tag_source: 'self', ... }`,
// which dd-trace keeps nested until it formats the span.
function isInferred(span) {
  const tags = span.context()._tags || {};
  const nested = tags._inferred_span;
  return (nested !== null && typeof nested === 'object') || tags['_inferred_span.tag_source'] !== undefined;
}

// datadog-lambda-js adds its own pointers to the same span once the handler
// returned (unless `addSpanPointers: false`): from here on that span takes
// no other pointer, so it carries ours alone.
function keepOurs(span) {
  if (typeof span.addSpanPointer !== 'function') return;
  try {
    Object.defineProperty(span, 'addSpanPointer', { value: function addSpanPointer() {}, configurable: true, writable: true });
  } catch (_) {
    // A frozen span keeps its method; addSpanPointers: false is then needed.
  }
}

/**
 * Wraps a Lambda handler so that the invocation carries the event's
 * consumer pointers, for datadog-lambda-js: `datadog(withPointers(handler),
 * { addSpanPointers: false })`. That span then takes no other pointer, so
 * datadog-lambda-js's own (possibly wrong) ones for the same event are not
 * added even without `addSpanPointers: false`, which only saves their
 * computation. Works with async, callback and response-streaming handlers
 * (the wrapper declares the handler's parameters and carries its own
 * properties); the handler's result and errors pass through unchanged.
 *
 * @param {Function} handler
 * @param {{tracer?: object, onOutcome?: Function}} [options] `tracer`:
 *   dd-trace's (default: require('dd-trace'))
 */
function withPointers(handler, options) {
  const { tracer: given, onOutcome, ...callOptions } = options || {};
  return sameShape(function spanAutolinkHandler(event, ...rest) {
    try {
      const tracer = given || require('dd-trace');
      const span = consumerRootSpan(tracer);
      if (span !== null) {
        report(onOutcome, addPointers(span, autolink.pointersForEvent(event), callOptions), span);
        keepOurs(span);
      }
      else report(onOutcome, withIssue(autolink.pointersForEvent(event), { code: 'no_active_span', message: 'no active dd-trace span in the handler' }), null);
    } catch (_) {
      // Never into the handler.
    }
    return handler.call(this, event, ...rest);
  }, handler);
}

// The Lambda runtime and datadog-lambda-js tell a handler's kind from the
// function they are given: a callback handler by its three declared
// parameters (datadog-lambda-js waits for the callback only then, when the
// handler returns something other than a promise), a response-streaming
// one by the symbol awslambda.streamifyResponse sets on it. The wrapper
// answers both as the handler does, as functools.wraps does in Python.
function sameShape(wrapper, handler) {
  try {
    if (typeof handler !== 'function') return wrapper;
    Object.defineProperty(wrapper, 'length', { value: handler.length, configurable: true });
    Object.assign(wrapper, handler);
  } catch (_) {
    // The wrapper as it is: the handler still runs.
  }
  return wrapper;
}

module.exports = { instrument, makeRequestHook, withPointers, addPointers, pointersForDdResponse, consumerRootSpan, KEEP_TAG };
module.exports.default = module.exports;
