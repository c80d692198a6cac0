'use strict';

// What the tracer integrations (opentelemetry.js, dd-trace.js) share: an
// issue added to an outcome, a caller's callback that may throw, the
// stream ARN of a DynamoDB Streams GetRecords call, the pointer sampling
// decision, and the DescribeTable lookups of tables no call has shown
// (one set per process, whichever integration asks).

const autolink = require('../index');
const { TableLookups } = require('./lookups');

const lookups = new TableLookups(autolink);

/** The outcome with one more issue (a new object: outcomes may be frozen). */
function withIssue(outcome, issue) {
  const pointers = outcome !== null && typeof outcome === 'object' && Array.isArray(outcome.pointers) ? outcome.pointers : [];
  const issues = outcome !== null && typeof outcome === 'object' && Array.isArray(outcome.issues) ? outcome.issues : [];
  return { pointers, issues: [...issues, issue] };
}

function describe(error) {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch (_) {
    return 'unknown error';
  }
}

/** Hands the outcome to the caller's `onOutcome`, whose throw is not ours to pass on. */
function report(onOutcome, outcome, span) {
  if (typeof onOutcome !== 'function') return;
  try {
    onOutcome(outcome, span);
  } catch (_) {
    // ignored
  }
}

/**
 * The stream ARN of a GetRecords call: `options.streamArn` where the caller
 * knows it, else the head of the shard iterator, which starts with the
 * stream's ARN and a `|`.
 */
function streamArnOf(input, options) {
  if (options != null && typeof options.streamArn === 'string') return options.streamArn;
  const iterator = input !== null && typeof input === 'object' ? input.ShardIterator : undefined;
  if (typeof iterator !== 'string' || !iterator.startsWith('arn:')) return undefined;
  const end = iterator.indexOf('|');
  return end > 0 ? iterator.slice(0, end) : undefined;
}

/**
 * Whether a span carrying the outcome's pointers asks to keep its trace:
 * with a pointer sampling rate (the option `pointerSampling`, else the
 * setting SPAN_AUTOLINK_POINTER_SAMPLING), when the core's keep rule holds
 * for one of its pointers. Both sides of a hop hash the same pointer, so
 * they decide alike and a linked pair survives sampling together.
 */
function keptByPointer(outcome, options) {
  try {
    const given = options != null ? options.pointerSampling : undefined;
    const rate = typeof given === 'number' ? given : autolink.settings().pointerSampling;
    if (typeof rate !== 'number') return false;
    const pointers = outcome !== null && typeof outcome === 'object' && Array.isArray(outcome.pointers) ? outcome.pointers : [];
    return pointers.some((p) => p !== null && typeof p === 'object' && autolink.keepForSampling(p.hash, rate));
  } catch (_) {
    return false;
  }
}

/**
 * A call's outcome as an integration reports it. Where its puts named
 * tables whose key names no call has shown (`unknownTables`) and lookups
 * are on (`options.describeTable`: true, or a DynamoDB client to use; else
 * the setting SPAN_AUTOLINK_DYNAMODB_DESCRIBE_TABLE), each table's
 * DescribeTable lookup starts, or is told of, in an issue. `region`: the
 * call's, for a client made for the lookup.
 */
function withLookups(outcome, options, region) {
  if (outcome === null || typeof outcome !== 'object' || outcome.unknownTables === undefined) return outcome;
  const plain = { pointers: outcome.pointers, issues: outcome.issues };
  try {
    const option = options != null ? options.describeTable : undefined;
    const on = option === undefined || option === null ? autolink.settings().describeTable === true : option !== false;
    if (!on) return plain;
    const client = option !== null && typeof option === 'object' ? option : undefined;
    return lookups.lookUp(outcome, client, typeof region === 'string' ? region : undefined);
  } catch (_) {
    return plain;
  }
}

module.exports = { withIssue, describe, report, streamArnOf, keptByPointer, withLookups, lookups };
