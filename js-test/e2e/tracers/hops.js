'use strict';

// Generated hops through dd-trace-js, for pointer sampling: sampling.test.js
// and bench/sampling/survival.py (`node hops.js AGENT_URL RATE HOPS`, which
// prints what survived as one JSON line). The same hops as
// py-test/e2e/sampling_hops.py sends through ddtrace.
//
// Each hop is a producer trace and a consumer trace whose spans carry the
// same pointer, twice: once sampled independently (mode "independent"), once
// with pointer sampling at the rate (mode "pointer"). In each trace a root
// span, tagged with its mode, hop and side, has its sampling decided before
// the pointer is known (as when a trace's context is injected into an
// outgoing call: the decision goes out as the tag `decided`), then a child
// span gets the pointer through span-autolink/dd-trace's addPointers. So
// the decision pointer sampling overrides is already made, and a
// sampled-out one must not win.
//
// The hop's hash is the first 32 hex digits of SHA-256("hop N").

const crypto = require('node:crypto');
const { ruleKeeps } = require('./keep-rule');

const HOPS = 2000;

/** What dd-trace reads, before it is required: sample at `rate`, send every trace. */
function samplingEnvironment(rate, hops) {
  return {
    DD_TRACE_SAMPLE_RATE: String(rate),
    DD_TRACE_RATE_LIMIT: String(hops * 10),
    DD_TRACE_STARTUP_LOGS: 'false',
    DD_TRACE_TELEMETRY_ENABLED: 'false',
    DD_INSTRUMENTATION_TELEMETRY_ENABLED: 'false',
    DD_REMOTE_CONFIGURATION_ENABLED: 'false',
    DD_RUNTIME_METRICS_ENABLED: 'false',
  };
}

const hopHash = (i) => crypto.createHash('sha256').update(`hop ${i}`).digest('hex').slice(0, 32);

function flush(tracer) {
  return new Promise((resolve) => tracer._tracer?._exporter?.flush?.(resolve) ?? resolve());
}

function side(tracer, mode, hop, direction, options) {
  const { addPointers } = require('span-autolink/dd-trace');
  tracer.trace('hop', { resource: `${mode}-${direction}` }, (root) => {
    root.setTag('hop', String(hop));
    root.setTag('mode', mode);
    root.setTag('side', direction);
    const headers = {};
    tracer.inject(root, 'http_headers', headers);
    root.setTag('decided', headers['x-datadog-sampling-priority'] ?? 'none');
    tracer.trace('pointer', (span) => {
      const outcome = addPointers(span, { pointers: [{ kind: 'aws.s3.object', direction, hash: hopHash(hop) }], issues: [] }, options);
      if (outcome.issues.length > 0) throw new Error(`addPointers: ${JSON.stringify(outcome.issues)}`);
    });
  });
}

/** Sends hops `first` to `first + hops - 1` in both modes through `tracer` (dd-trace, initialised with samplingEnvironment). */
async function sendHops(tracer, rate, hops, first = 0) {
  for (let i = first; i < first + hops; i++) {
    for (const [mode, options] of [['independent', {}], ['pointer', { pointerSampling: rate }]]) {
      side(tracer, mode, i, 'd', options);
      side(tracer, mode, i, 'u', options);
    }
    // In batches: the exporter drops what it cannot send before its buffer fills.
    if (i % 50 === 49) await flush(tracer);
  }
  await flush(tracer);
}

/**
 * The traces the agent received, as a Map "mode hop side" -> { priority,
 * decided, mechanism, kept, tagged } (`tagged`: the pointer's span carries
 * span_autolink.keep), read until all 4 x `hops` have arrived (a payload
 * the exporter sent again arrives twice: one entry per side of a hop) or
 * three minutes passed. `traces()` answers the agent's traces.
 */
async function survival(traces, hops, tracer, first = 0) {
  const deadline = Date.now() + 180000;
  for (;;) {
    if (tracer) await flush(tracer);
    const sides = new Map();
    for (const trace of await traces()) {
      const s = trace.find((span) => span.name === 'hop' && span.meta && span.meta.mode !== undefined);
      if (s === undefined || Number(s.meta.hop) < first || Number(s.meta.hop) >= first + hops) continue;
      const priority = s.metrics ? s.metrics._sampling_priority_v1 : undefined;
      const tagged = trace.some((span) => span.name === 'pointer' && span.meta && span.meta['span_autolink.keep'] === 'true');
      sides.set(`${s.meta.mode} ${s.meta.hop} ${s.meta.side}`, { priority, decided: s.meta.decided, mechanism: s.meta['_dd.p.dm'], kept: priority > 0, tagged });
    }
    if (sides.size >= 4 * hops || Date.now() > deadline) return sides;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** The hops whose two sides were both kept. */
function wholePairs(sides, mode, hops, first = 0) {
  const pairs = [];
  for (let i = first; i < first + hops; i++) if (sides.get(`${mode} ${i} d`)?.kept && sides.get(`${mode} ${i} u`)?.kept) pairs.push(i);
  return pairs;
}

function summary(sides, rate, hops) {
  return { rate, hops, independent: wholePairs(sides, 'independent', hops).length, pointer: wholePairs(sides, 'pointer', hops).length };
}

// The CLI sends its hops in batches of HOPS, the agent cleared in between:
// it loses payloads once it holds some tens of thousands of traces.
async function main([url, rateText, hopsText]) {
  const rate = Number(rateText);
  const hops = Number(hopsText || HOPS);
  Object.assign(process.env, samplingEnvironment(rate, HOPS));
  const tracer = require('dd-trace').init({ url, flushInterval: 0, service: 'span-autolink-sampling' });
  const traces = async () => (await fetch(`${url}/test/session/traces`)).json();
  // chosen: the hops the keep rule keeps; chosenWhole: those kept whole.
  const total = { rate, hops, independent: 0, pointer: 0, chosen: 0, chosenWhole: 0 };
  for (let first = 0; first < hops; first += HOPS) {
    const count = Math.min(HOPS, hops - first);
    await fetch(`${url}/test/session/clear`);
    await sendHops(tracer, rate, count, first);
    const sides = await survival(traces, count, tracer, first);
    if (sides.size !== 4 * count) throw new Error(`the agent got ${sides.size} root spans of ${4 * count}`);
    total.independent += wholePairs(sides, 'independent', count, first).length;
    const whole = wholePairs(sides, 'pointer', count, first);
    total.pointer += whole.length;
    total.chosen += Array.from({ length: count }, (_, k) => first + k).filter((i) => ruleKeeps(hopHash(i), rate)).length;
    total.chosenWhole += whole.filter((i) => ruleKeeps(hopHash(i), rate)).length;
  }
  console.log(JSON.stringify(total));
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    }
  );
}

module.exports = { HOPS, samplingEnvironment, hopHash, sendHops, survival, wholePairs, summary };
