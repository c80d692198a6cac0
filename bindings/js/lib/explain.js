'use strict';

// The explainer (wasm/ABI.md, "Explain"): why a call or an event gave the
// pointers it gave, and why two spans did or did not link. It runs in a
// module of its own (pkg-explain), loaded at the first explain call, so
// the pointer calls' module stays as small and as fast as without it. The
// report crosses as JavaScript objects (serde-wasm-bindgen).

const { ABI_VERSION } = require('./generated');

const GREW = 0x80000000;

class Explainer {
  constructor() {
    this.glue = null;
  }

  module() {
    if (this.glue === null) {
      const glue = require('../pkg-explain/span_autolink.js');
      const version = glue.abiVersion();
      if (version !== ABI_VERSION) {
        throw new Error(`the explain module speaks ABI version ${version}, this package ${ABI_VERSION}`);
      }
      this.glue = glue;
    }
    return this.glue;
  }

  /** The module's answer to one explain request (a plain object, see ABI.md). */
  ask(request) {
    const glue = this.module();
    const input = Buffer.from(json(request), 'utf8');
    const at = glue.inputBuffer(input.length) & ~GREW;
    new Uint8Array(glue.linearMemory().buffer, at, input.length).set(input);
    return glue.explain(input.length);
  }
}

/**
 * JSON text of a call or event as the module reads it: bytes as
 * `{"$bytes": base64}`, a lib-dynamodb NumberValue and a BigInt as the
 * number they hold (exact text, not a double).
 */
function json(value) {
  const numbers = [];
  const marker = `\u0000n${Math.random().toString(36).slice(2)}:`;
  const text = JSON.stringify(value, function replace(key, v) {
    const original = this[key];
    if (original instanceof Uint8Array) return { $bytes: Buffer.from(original.buffer, original.byteOffset, original.byteLength).toString('base64') };
    if (typeof original === 'bigint') return numberText(original.toString(), numbers, marker);
    if (original !== null && typeof original === 'object' && original.constructor && original.constructor.name === 'NumberValue' && typeof original.value === 'string') {
      return numberText(original.value, numbers, marker);
    }
    return v;
  });
  if (numbers.length === 0) return text;
  const quoted = JSON.stringify(marker).slice(1, -1);
  return text.replace(new RegExp(`"${escapeRegExp(quoted)}(\\d+)"`, 'g'), (_, i) => numbers[Number(i)]);
}

function numberText(text, numbers, marker) {
  // Only number text goes into the JSON unquoted.
  if (!/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(text)) return text;
  numbers.push(text);
  return `${marker}${numbers.length - 1}`;
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

module.exports = { Explainer, json };
