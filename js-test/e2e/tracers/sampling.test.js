'use strict';

// Pointer sampling end to end (the core's keep rule through the dd-trace
// integration): dd-trace-js samples its traces at 10% and sends what it
// decided to Datadog's test agent. Over 2,000 generated hops (hops.js), the
// pairs that survive whole are about 1% when the two traces are sampled
// independently, and about 10% when span-autolink's pointer sampling asks
// dd-trace to keep the traces whose pointer the keep rule keeps; every such
// pair survives on both sides, also where dd-trace had already sampled the
// trace out, and pointer sampling keeps nothing else.
//
// Which pointers the rule keeps is derived from the hash's hex digits
// (keep-rule.js, as core/src/sampling.rs states the rule), checked here
// against the conformance sampling cases, never by the package.

const assert = require('node:assert/strict');
const { after, before, test } = require('node:test');
const { startTestAgent } = require('./world');
const { HOPS, samplingEnvironment, hopHash, sendHops, survival, wholePairs, summary } = require('./hops');
const { ruleKeeps, SAMPLING_CASES } = require('./keep-rule');

const RATE = 0.1;
Object.assign(process.env, samplingEnvironment(RATE, HOPS));

/** Counts within `sds` standard deviations of n draws at p. */
function binomialBounds(n, p, sds = 5) {
  const mean = n * p;
  const sd = Math.sqrt(n * p * (1 - p));
  return [Math.max(0, Math.floor(mean - sds * sd)), Math.ceil(mean + sds * sd)];
}

function assertWithin(count, [low, high], what) {
  assert.ok(count >= low && count <= high, `${what}: ${count}, expected ${low} to ${high}`);
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

test('the rule as written here agrees with the conformance cases', () => {
  assert.ok(SAMPLING_CASES.length >= 10);
  for (const c of SAMPLING_CASES) assert.equal(ruleKeeps(c.hash, c.rate), c.keep, c.name);
});

test('pointer sampling keeps both sides of a hop together; independent sampling keeps about r x r', async () => {
  await sendHops(tracer, RATE, HOPS);
  const sides = await survival(() => agent.traces(), HOPS, tracer);
  assert.equal(sides.size, 4 * HOPS, `the agent got ${sides.size} root spans`);
  for (const s of sides.values()) assert.ok(s.decided === '2' || s.decided === '-1', `dd-trace decided ${s.decided} before the pointer`);

  // Independent: both sides at r, r^2 (20 of 2,000). Pointer sampling: the
  // rule keeps r of the hops, and the rest still survive at r^2.
  const independent = wholePairs(sides, 'independent', HOPS).length;
  const pointer = wholePairs(sides, 'pointer', HOPS).length;
  assertWithin(independent, binomialBounds(HOPS, RATE ** 2), `independent sampling kept whole pairs of ${HOPS}`);
  assertWithin(pointer, binomialBounds(HOPS, RATE + (1 - RATE) * RATE ** 2), `pointer sampling kept whole pairs of ${HOPS}`);

  const chosen = new Set();
  for (let i = 0; i < HOPS; i++) if (ruleKeeps(hopHash(i), RATE)) chosen.add(i);
  assertWithin(chosen.size, binomialBounds(HOPS, RATE), 'hops chosen by the rule');
  let overridden = 0;
  for (let i = 0; i < HOPS; i++) {
    for (const direction of ['d', 'u']) {
      const s = sides.get(`pointer ${i} ${direction}`);
      assert.equal(s.tagged, chosen.has(i), `hop ${i} ${direction}: span_autolink.keep`);
      if (chosen.has(i)) {
        // Kept by a manual keep, whatever dd-trace had decided.
        assert.ok(s.kept && s.priority === 2, `hop ${i} ${direction}: the rule keeps it, priority ${s.priority}`);
        if (s.decided === '-1') {
          assert.equal(s.mechanism, '-4', `hop ${i} ${direction}: kept, but not by a manual keep`);
          overridden++;
        }
      } else {
        // Nothing but dd-trace's own decision.
        assert.equal(s.kept, s.decided === '2', `hop ${i} ${direction}: not chosen, yet priority ${s.priority}`);
      }
      const independentSide = sides.get(`independent ${i} ${direction}`);
      assert.equal(independentSide.kept, independentSide.decided === '2');
      assert.equal(independentSide.tagged, false);
    }
  }
  assert.ok(overridden > chosen.size, `only ${overridden} chosen sides had been sampled out before their pointer`);
  console.log(`# dd-trace: ${JSON.stringify(summary(sides, RATE, HOPS))}`);
});
