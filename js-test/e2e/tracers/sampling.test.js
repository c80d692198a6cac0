'use strict';

// Pointer sampling end to end (SPEC 10's keep rule through the dd-trace
// integration): dd-trace-js samples its traces at 10% and sends what it
// decided to Datadog's test agent. Over 2,000 generated hops, each a
// producer trace and a consumer trace carrying the same pointer, the pairs
// that survive whole are about 1% when the two traces are sampled
// independently, and about 10% when span-autolink's pointer sampling asks
// dd-trace to keep the traces whose pointer the keep rule keeps; every
// such pair survives on both sides.

const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { after, before, test } = require('node:test');
const { startTestAgent, sleep } = require('./world');

const HOPS = 2000;
const RATE = 0.1;

for (const [name, value] of Object.entries({
  DD_TRACE_SAMPLE_RATE: String(RATE),
  DD_TRACE_RATE_LIMIT: String(HOPS * 10),
  DD_TRACE_STARTUP_LOGS: 'false',
  DD_TRACE_TELEMETRY_ENABLED: 'false',
  DD_INSTRUMENTATION_TELEMETRY_ENABLED: 'false',
  DD_REMOTE_CONFIGURATION_ENABLED: 'false',
  DD_RUNTIME_METRICS_ENABLED: 'false',
})) {
  process.env[name] = value;
}

let agent;
let tracer;

before(async () => {
  agent = await startTestAgent();
  tracer = require('dd-trace').init({ url: agent.url, flushInterval: 0, service: 'span-autolink-sampling' });
});

after(async () => {
  await agent?.stop();
});

/** One side of a hop: a root span carrying the pointer, tagged to be found again. */
function side(mode, hop, direction, hash, options) {
  const { addPointers } = require('span-autolink/dd-trace');
  tracer.trace('hop', { resource: `${mode}-${direction}` }, (span) => {
    span.setTag('hop', String(hop));
    span.setTag('mode', mode);
    span.setTag('side', direction);
    const outcome = addPointers(span, { pointers: [{ kind: 'aws.s3.object', direction, hash }], issues: [] }, options);
    assert.deepEqual(outcome.issues, []);
  });
}

function flush() {
  return new Promise((resolve) => tracer._tracer?._exporter?.flush?.(resolve) ?? resolve());
}

/** The agent's root spans of this suite, read until all 4 x HOPS have arrived. */
async function roots() {
  const deadline = Date.now() + 180000;
  for (;;) {
    await flush();
    // A payload the exporter sent again arrives twice: one span per side of a hop.
    const spans = new Map();
    for (const s of (await agent.traces()).flat()) {
      if (s.meta && s.meta.mode !== undefined) spans.set(`${s.meta.mode} ${s.meta.hop} ${s.meta.side}`, s);
    }
    if (spans.size >= 4 * HOPS || Date.now() > deadline) return spans;
    await sleep(500);
  }
}

test('pointer sampling keeps both sides of a hop together; independent sampling keeps about r x r', async () => {
  const hashes = Array.from({ length: HOPS }, (_, i) => crypto.createHash('sha256').update(`hop ${i}`).digest('hex').slice(0, 32));
  for (let i = 0; i < HOPS; i++) {
    for (const [mode, options] of [['independent', {}], ['pointer', { pointerSampling: RATE }]]) {
      side(mode, i, 'd', hashes[i], options);
      side(mode, i, 'u', hashes[i], options);
    }
    // In batches: the exporter drops what it cannot send before its buffer fills.
    if (i % 50 === 49) await flush();
  }
  const spans = await roots();
  assert.equal(spans.size, 4 * HOPS, `the agent got ${spans.size} root spans`);
  const kept = new Map(); // "mode hop side" -> kept
  for (const [key, s] of spans) kept.set(key, s.metrics._sampling_priority_v1 > 0);
  const pairs = (mode) => hashes.filter((_, i) => kept.get(`${mode} ${i} d`) && kept.get(`${mode} ${i} u`)).length;
  const independent = pairs('independent');
  const pointer = pairs('pointer');
  // Binomial bounds, about five standard deviations: r^2 = 1% of 2,000 is
  // 20 (sd 4.5); r + (1 - r) r^2 = 10.9% is 218 (sd 14).
  assert.ok(independent >= 2 && independent <= 45, `independent sampling kept ${independent} whole pairs of ${HOPS}`);
  assert.ok(pointer >= 150 && pointer <= 290, `pointer sampling kept ${pointer} whole pairs of ${HOPS}`);
  // Every hop whose pointer the rule keeps survives on both sides.
  const { keepForSampling } = require('span-autolink');
  const chosen = hashes.map((h, i) => [h, i]).filter(([h]) => keepForSampling(h, RATE));
  assert.ok(chosen.length > 100, `${chosen.length} hops chosen by the rule`);
  for (const [, i] of chosen) {
    assert.ok(kept.get(`pointer ${i} d`) && kept.get(`pointer ${i} u`), `hop ${i}: the rule keeps its pointer, yet a side was dropped`);
  }
  console.log(`# of ${HOPS} hops at rate ${RATE}: independent sampling kept ${independent} whole pairs, pointer sampling ${pointer}`);
});
