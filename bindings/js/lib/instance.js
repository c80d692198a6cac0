'use strict';

// One instance of the WebAssembly module and what the package knows of its
// linear memory: where the input and output buffers are (ABI.md, "One
// call" and "Buffers"), so that a call crosses into the module once.

const { ABI_VERSION, MEMORY_KEPT, RETAINED } = require('./generated');

/** Set in what an export returns when linear memory grew (ABI.md). */
const GREW = 0x80000000;

class ModuleInstance {
  constructor() {
    this.glue = null;
    this.loadError = null;
    try {
      this.glue = require('../pkg/span_autolink.js');
      const version = this.glue.abiVersion();
      if (version !== ABI_VERSION) {
        throw new Error(`the module speaks ABI version ${version}, this package ${ABI_VERSION}`);
      }
      this.attach();
    } catch (error) {
      // Reported by every call as internal_error, never thrown at require time.
      this.loadError = error;
    }
  }

  attach() {
    this.memory = this.glue.linearMemory();
    this.bytes = null; // a Buffer over the whole linear memory
    this.inputStart = 0;
    this.inputEnd = 0;
    this.outputStart = 0;
    this.outputLongest = -1;
    // The key-name configuration the instance holds: a new one holds none,
    // as configuring it with empty text would give (ABI.md), so the first
    // call without key names does not cross into the module to say so.
    this.configured = '';
    // Set while a call runs inside the module: a call that never came back
    // (the engine's stack ran out before the package could recover) leaves
    // it set, and the instance is replaced before the next call.
    this.entered = false;
    this.grown = false; // memory grew since the last trim()
  }

  /**
   * The current view of linear memory. Growing detaches the old buffer
   * (its views then have no bytes) and sets GREW in what the export that
   * grew it returns: the buffer is asked for only then.
   */
  view() {
    if (this.bytes === null || this.bytes.length === 0) this.bytes = Buffer.from(this.memory.buffer);
    return this.bytes;
  }

  /** What an export returned, without GREW, which drops a stale view. */
  answer(value) {
    if (value >= GREW) {
      this.bytes = null;
      this.grown = true;
      return value - GREW;
    }
    return value;
  }

  /** Makes room for `size` input bytes; returns where the buffer starts. */
  growInput(size) {
    this.inputStart = this.answer(this.glue.inputBuffer(size));
    this.inputEnd = this.inputStart + size;
    return this.inputStart;
  }

  /** Runs the export `name` on the `len` input bytes written; returns its output length. */
  call(name, len) {
    const n = this.answer(this.glue[name](len));
    // An outsized input's buffer is given back: the next input asks anew.
    if (len > RETAINED) this.inputStart = this.inputEnd = 0;
    return n;
  }

  /** Where the `len` output bytes of the last call start. */
  outputAt(len) {
    if (len > this.outputLongest) {
      this.outputStart = this.answer(this.glue.outputBuffer());
      this.outputLongest = len;
    }
    const at = this.outputStart;
    // An outsized output's buffer is given back by the next call, whose
    // output is then somewhere else.
    if (len > RETAINED) this.outputLongest = -1;
    return at;
  }

  /**
   * Replaces an instance whose memory an outsized input grew beyond what is
   * kept (ABI.md, "Buffers"): linear memory never shrinks, and the old
   * instance's is collected with it. Called once a call's output is read.
   */
  trim() {
    if (!this.grown) return;
    this.grown = false;
    if (this.glue !== null && this.memory.buffer.byteLength > MEMORY_KEPT) this.recover();
  }

  /** Replaces an instance that a call left in the middle of its work. */
  checkAbandoned() {
    if (this.entered) this.recover();
  }

  /** A new instance after a trap; the compiled module is reused. */
  recover() {
    try {
      this.glue.__wbg_reset_state();
      this.attach();
    } catch (_) {
      // Nothing more to do: the next call reports whatever happens then.
    }
  }
}

module.exports = { ModuleInstance };
