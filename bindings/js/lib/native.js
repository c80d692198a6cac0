'use strict';

// The rules compiled for this machine: the Node-API addon built from
// bindings/js/native, which answers the same calls as the WebAssembly
// module (ABI.md) through the same Rust code, without a WebAssembly engine
// between. The package carries it for Linux on x64 and arm64 (addon/).
// Before loading it, its size is checked against the size the bundle was
// built with (addon/sizes.js, written into the bundle by bundle.js): the
// dynamic loader maps what the file's headers name, and a truncated file
// would crash the process (SIGBUS) instead of failing. (A digest of the
// whole file, as the Python package checks, would need node:crypto, whose
// require alone costs more than the WebAssembly module it replaces.) On any
// other platform, where the file is missing, of another size or refused
// (another C library), or with SPAN_AUTOLINK_EXTENSION=off, the package
// runs the WebAssembly module (instance.js) instead, with the same results.
//
// The package owns the memory both sides see, one Buffer: the input at its
// start, as the writer fills it, and the output's room after it.

const fs = require('fs');
const path = require('path');
const { ABI_VERSION, RETAINED } = require('./generated');
const ADDON_SIZES = require('../addon/sizes');

const ADDON_DIR = path.join(__dirname, '..', 'addon');
const EXTENSION_ENV = 'SPAN_AUTOLINK_EXTENSION';
const OUTPUT_ROOM = 4096;

function switchedOff() {
  const value = String(process.env[EXTENSION_ENV] || '').trim().toLowerCase();
  return value === 'off' || value === '0' || value === 'false' || value === 'no';
}

/** The addon's file for this platform and the size it was built with, when the package has one. */
function addonOf() {
  if (process.platform !== 'linux') return null;
  const name = `linux-${process.arch}.node`;
  const size = ADDON_SIZES[name];
  return typeof size === 'number' ? { file: path.join(ADDON_DIR, name), size } : null;
}

/**
 * Whether the file is the one the package was built with, by its size: the
 * dynamic loader maps what the file's headers name, and a file cut short
 * would crash the process (SIGBUS) instead of failing to load.
 */
function whole(file, size) {
  try {
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    return stat !== undefined && stat.size === size;
  } catch (_) {
    return false;
  }
}

/**
 * The addon's exports, or null where this platform has none that loads and
 * speaks this package's ABI. Loaded once per process (the require cache
 * keeps every module once too): a second dlopen of the same file gives the
 * same library.
 */
function loadAddon() {
  if (switchedOff()) return null;
  if (loadAddon.loaded === undefined) {
    loadAddon.loaded = null;
    const addon = addonOf();
    if (addon !== null && whole(addon.file, addon.size)) {
      try {
        const module = { exports: {} };
        process.dlopen(module, addon.file);
        if (module.exports.abiVersion() === ABI_VERSION) loadAddon.loaded = module.exports;
      } catch (_) {
        // Another C library or CPU than it was built for: the module serves.
      }
    }
  }
  return loadAddon.loaded;
}

/** The calls autolink.js makes of an instance's glue, on the addon. */
class NativeGlue {
  constructor(instance) {
    this.instance = instance;
  }

  operation(len) {
    const { addon, native, bytes } = this.instance;
    return addon.operation(native, bytes, len);
  }

  keepForSampling(len, rate) {
    const { addon, native, bytes } = this.instance;
    return addon.keepForSampling(native, bytes, len, rate);
  }

  forgetTables() {
    this.instance.addon.forgetTables(this.instance.native);
  }

  testTrap() {
    this.instance.addon.testTrap(this.instance.native);
  }
}

/** An instance of the addon, with the interface of a ModuleInstance. */
class NativeInstance {
  constructor(addon) {
    this.addon = addon;
    this.loadError = null;
    this.glue = new NativeGlue(this);
    this.bytes = Buffer.alloc(0);
    this.layout(0, OUTPUT_ROOM);
    this.attach();
  }

  attach() {
    this.native = this.addon.instance(); // the addon's state, passed to each of its calls
    // A new instance holds no key-name configuration (ABI.md).
    this.configured = '';
    // Set while a call runs in the addon: a call that never came back
    // leaves it set, and the instance is replaced before the next call.
    this.entered = false;
  }

  /** Memory with `inputRoom` bytes of input (what is written kept) and `outputRoom` of output. */
  layout(inputRoom, outputRoom) {
    const bytes = Buffer.allocUnsafeSlow(inputRoom + outputRoom);
    this.bytes.copy(bytes, 0, 0, Math.min(this.inputEnd || 0, inputRoom));
    this.bytes = bytes;
    this.inputStart = 0;
    this.inputEnd = inputRoom;
    this.outputStart = inputRoom;
  }

  view() {
    return this.bytes;
  }

  /** Makes room for `size` input bytes; returns where the input starts. */
  growInput(size) {
    this.layout(size, this.bytes.length - this.outputStart);
    return this.inputStart;
  }

  /** Runs the call `name` on the `len` input bytes written; returns its output length. */
  call(name, len) {
    const n = this.addon[name](this.native, this.bytes, len, this.outputStart);
    if (this.outputStart + n > this.bytes.length) {
      this.layout(this.inputEnd, n);
      this.addon.copyOutput(this.native, this.bytes, this.outputStart);
    }
    return n;
  }

  /** Where the `len` output bytes of the last call start. */
  outputAt(_len) {
    return this.outputStart;
  }

  /** Gives back the room an outsized input or output took, once its output is read. */
  trim() {
    if (this.inputEnd > RETAINED || this.bytes.length - this.outputStart > RETAINED) this.layout(0, OUTPUT_ROOM);
  }

  /** Replaces an instance that a call left in the middle of its work. */
  checkAbandoned() {
    if (this.entered) this.recover();
  }

  /** A new instance after a panic; the memory is kept. */
  recover() {
    this.attach();
  }
}

module.exports = { loadAddon, NativeInstance };
