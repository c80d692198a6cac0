'use strict';

// span-autolink/opentelemetry: pointers as OpenTelemetry span links.
//
//   new AwsInstrumentation({ responseHook: awsSdkResponseHook })      producer
//   new AwsLambdaInstrumentation({ requestHook: lambdaRequestHook })  consumer
//
// A pointer link has an all-zero (invalid) span context and the attributes
// of spanLinkAttributes (SPEC 2). Nothing here needs @opentelemetry/api: a
// Link is a plain object, so the package keeps no dependency. Nothing here
// throws into the instrumentation (SPEC 6); what went wrong is an issue in
// the outcome, handed to `onOutcome` where the caller asked for it.

const autolink = require('../index');
const { withIssue, describe, report, streamArnOf, keptByPointer, withLookups } = require('./hooks');

// Set on a span whose pointer asks to keep its trace (pointer sampling), for
// a tail-sampling stage: OpenTelemetry's head decision is made before the
// pointer is known.
const KEEP_ATTRIBUTE = 'span_autolink.keep';

// The all-zero span context of a pointer link (INVALID_SPAN_CONTEXT in the API).
const ZERO_SPAN_CONTEXT = Object.freeze({
  traceId: '00000000000000000000000000000000',
  spanId: '0000000000000000',
  traceFlags: 0,
});

const NO_ADD_LINK = Object.freeze({
  code: 'span_links_unsupported',
  message: 'the span has no addLink (OpenTelemetry API and SDK >= 1.9 have it): no pointer link was added',
});

/** OpenTelemetry Link objects for an outcome's pointers, for `tracer.startSpan(name, { links })`. */
function toLinks(outcome) {
  const links = [];
  try {
    const pointers = outcome !== null && typeof outcome === 'object' ? outcome.pointers : undefined;
    if (!Array.isArray(pointers)) return links;
    for (const pointer of pointers) {
      const attributes = autolink.spanLinkAttributes(pointer);
      if (attributes !== null) links.push({ context: ZERO_SPAN_CONTEXT, attributes });
    }
  } catch (_) {
    // What was built so far.
  }
  return links;
}

/**
 * Adds one link per pointer of `outcome` to `span` (span.addLink), and
 * with pointer sampling (`options.pointerSampling` or the setting) marks a
 * span whose pointer asks to keep its trace with `span_autolink.keep`.
 * Answers the outcome, with the issue `span_links_unsupported` added when
 * the span has pointers to carry but no addLink, `span_links_dropped` when
 * the SDK's limit of links per span made it drop links. Never throws.
 */
function addLinks(span, outcome, options) {
  const links = toLinks(outcome);
  try {
    if (links.length === 0) return outcome;
    if (span === null || typeof span !== 'object' || typeof span.addLink !== 'function') {
      return withIssue(outcome, NO_ADD_LINK);
    }
    const droppedBefore = droppedLinks(span);
    for (const link of links) span.addLink(link);
    if (typeof span.setAttribute === 'function' && keptByPointer(outcome, options)) span.setAttribute(KEEP_ATTRIBUTE, true);
    const dropped = droppedLinks(span) - droppedBefore;
    return dropped > 0 ? withIssue(outcome, linksDropped(dropped, links.length)) : outcome;
  } catch (error) {
    return withIssue(outcome, { code: 'internal_error', message: `span.addLink threw: ${describe(error)}` });
  }
}

// The SDK's span counts the links its limit made it drop (ReadableSpan's
// droppedLinksCount); other spans, 0.
function droppedLinks(span) {
  const count = span.droppedLinksCount;
  return typeof count === 'number' ? count : 0;
}

function linksDropped(dropped, added) {
  return {
    code: 'span_links_dropped',
    message: `the tracer dropped ${dropped} link(s) of the span that got ${added} pointer link(s): its limit of links per span (OTEL_SPAN_LINK_COUNT_LIMIT, 128 by default) was reached; raise it above the largest batch of records a consumer gets`,
  };
}

/**
 * The outcome of one call as @opentelemetry/instrumentation-aws-sdk hands it
 * to its responseHook: `response.request.serviceName` ('S3', 'DynamoDB',
 * 'SQS', 'DynamoDBStreams', 'Kinesis'), `commandName` ('PutObject'),
 * `commandInput`, `region`, and `response.data`, the command's output. The
 * instrumentation calls the hook for successful calls only; a failed one
 * given here anyway gives no pointer (`response_not_successful`). Every
 * DynamoDB call is passed on: reads and table descriptions teach the key
 * names later puts use. A put on a table no call has shown starts a
 * DescribeTable lookup where `options.describeTable` (or the setting) asks
 * for one.
 */
function pointersForAwsSdkResponse(response, options) {
  const request = response !== null && typeof response === 'object' ? response.request : undefined;
  if (request === null || typeof request !== 'object') {
    return { pointers: [], issues: [{ code: 'input_invalid', message: 'the responseHook information has no response.request' }] };
  }
  const { serviceName, commandName, commandInput } = request;
  const data = response.data;
  if (typeof serviceName === 'string' && serviceName.toLowerCase() === 'dynamodbstreams' && commandName === 'GetRecords') {
    return autolink.pointersForGetRecords(data, { ...options, streamArn: streamArnOf(commandInput, options) });
  }
  return withLookups(autolink.callOutcome(serviceName, commandName, commandInput, data, options), options, request.region);
}

/**
 * A responseHook for @opentelemetry/instrumentation-aws-sdk.
 *
 * @param {{dynamodbPrimaryKeys?: object|string, streamArn?: string,
 *   describeTable?: boolean|object,
 *   onOutcome?: (outcome: object, span: object) => void,
 *   responseHook?: (span: object, info: object) => void}} [options]
 *   `responseHook`: another hook, called after ours (with the same arguments).
 */
function makeAwsSdkResponseHook(options) {
  const { onOutcome, responseHook: next, ...callOptions } = options || {};
  return function spanAutolinkResponseHook(span, info) {
    try {
      const outcome = addLinks(span, pointersForAwsSdkResponse(info !== null && typeof info === 'object' ? info.response : undefined, callOptions), callOptions);
      report(onOutcome, outcome, span);
    } catch (_) {
      // Never into the instrumentation.
    }
    if (typeof next === 'function') next(span, info);
  };
}

/**
 * A requestHook for @opentelemetry/instrumentation-aws-lambda: the consumer
 * links of the event on the invocation span.
 *
 * @param {{onOutcome?: (outcome: object, span: object) => void,
 *   requestHook?: (span: object, info: object) => void}} [options]
 */
function makeLambdaRequestHook(options) {
  const { onOutcome, requestHook: next, ...callOptions } = options || {};
  return function spanAutolinkRequestHook(span, info) {
    try {
      const event = info !== null && typeof info === 'object' ? info.event : undefined;
      const outcome = addLinks(span, autolink.pointersForEvent(event), callOptions);
      report(onOutcome, outcome, span);
    } catch (_) {
      // Never into the instrumentation.
    }
    if (typeof next === 'function') next(span, info);
  };
}

const awsSdkResponseHook = makeAwsSdkResponseHook();
const lambdaRequestHook = makeLambdaRequestHook();

module.exports = {
  awsSdkResponseHook,
  lambdaRequestHook,
  makeAwsSdkResponseHook,
  makeLambdaRequestHook,
  pointersForAwsSdkResponse,
  toLinks,
  addLinks,
  ZERO_SPAN_CONTEXT,
  KEEP_ATTRIBUTE,
};
module.exports.default = module.exports;
