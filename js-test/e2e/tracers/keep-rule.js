'use strict';

// The pointer sampling keep rule as the tracer suites derive their
// expectations from it, independently of the package: from its statement
// in core/src/sampling.rs, checked against the conformance sampling cases
// (sampling.test.js).

const fs = require('node:fs');
const path = require('node:path');
const { ROOT } = require('../emulator');

const SAMPLING_CASES = JSON.parse(fs.readFileSync(path.join(ROOT, 'conformance', 'cases.json'), 'utf8')).cases.filter((c) => c.kind === 'sampling');

/**
 * R is the number the hash's last 14 hex digits spell, T = (1 - rate) * 2^56
 * in doubles, truncated, a rate above 1 being 1; keep when R >= T. A rate of
 * 0 or below keeps nothing, nor does text that is not 32 lowercase hex digits.
 */
function ruleKeeps(hash, rate) {
  if (!/^[0-9a-f]{32}$/.test(hash) || !(rate > 0)) return false;
  return BigInt(`0x${hash.slice(18)}`) >= BigInt(Math.trunc((1 - Math.min(rate, 1)) * 2 ** 56));
}

module.exports = { ruleKeeps, SAMPLING_CASES };
