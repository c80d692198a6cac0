'use strict';

// Reads the module's output lines (ABI.md, "Output") into outcomes:
//
//   p KIND DIRECTION HASH[ CHANGE_TIME]
//   i CODE MESSAGE
//   t TABLE
//
// Pointer lines are ASCII and read by their bytes: a single pointer's hash
// is decoded on its own; from a second field on, the output is decoded
// once and each field is a slice of it. Kinds are whatever the module
// writes; the few seen are kept, so that every pointer of a kind shares
// one string. Issue lines, after the pointers, are UTF-8. Table lines, last,
// name the tables whose key names a put needed and no call showed: they go
// to the integrations' lookups as `unknownTables`, which the public API
// leaves out of what it answers.

const latin1Slice =
  Buffer.prototype.latin1Slice ||
  function (start, end) {
    return this.toString('latin1', start, end);
  };

const KINDS_KEPT = 16;

class Reader {
  constructor(instance) {
    this.instance = instance;
    this.kinds = []; // the kinds seen, each compared by its bytes
  }

  /** The `len` output bytes of the last call as `{pointers, issues[, unknownTables]}`. */
  outcome(len) {
    if (len === 0) return { pointers: [], issues: [] };
    const start = this.instance.outputAt(len);
    const b = this.instance.view();
    const end = start + len;
    // The commonest answer, one pointer without a change time: its kind
    // ends where a one-letter direction and a hash leave the line's end.
    if (b[end - 1] === 0x0a && b[end - 34] === 0x20 && b[end - 36] === 0x20 && b[start] === 0x70 && b[start + 1] === 0x20) {
      const kind = this.kind(b, start + 2, end);
      if (start + 2 + kind.length === end - 36) {
        const hash = latin1Slice.call(b, end - 33, end - 1);
        return { pointers: [{ kind, direction: directionOf(b, end - 35, end - 34), hash }], issues: [] };
      }
    }
    const pointers = [];
    const issues = [];
    let at = start;
    let text = null; // the output as latin1 text, once a second field is sliced
    while (at < end && b[at] === 0x70 /* p */ && b[at + 1] === 0x20) {
      const kind = this.kind(b, at + 2, end);
      const kindEnd = at + 2 + kind.length;
      // The common shape first: a one-letter direction, a 32-digit hash.
      let directionEnd = kindEnd + 2;
      if (directionEnd >= end || b[directionEnd] !== 0x20) directionEnd = next(b, kindEnd + 1, end, 0x20);
      const direction = directionOf(b, kindEnd + 1, directionEnd);
      let hashEnd = directionEnd + 33;
      if (hashEnd >= end || (b[hashEnd] !== 0x0a && b[hashEnd] !== 0x20)) hashEnd = nextOf(b, directionEnd + 1, end);
      const stop = hashEnd < end && b[hashEnd] === 0x0a ? hashEnd : next(b, hashEnd, end, 0x0a);
      if (directionEnd < stop) {
        let hash;
        if (pointers.length === 0 && hashEnd === stop) {
          hash = latin1Slice.call(b, directionEnd + 1, hashEnd);
        } else {
          // Issue lines may follow; their UTF-8 decoded as latin1 is never sliced.
          if (text === null) text = latin1Slice.call(b, start, end);
          hash = text.slice(directionEnd + 1 - start, hashEnd - start);
        }
        const pointer = { kind, direction, hash };
        if (hashEnd < stop) pointer.changeTime = changeTime(b, hashEnd + 1, stop);
        pointers.push(pointer);
      }
      at = stop + 1;
    }
    let unknownTables;
    if (at < end) {
      // Issues come after every pointer; their messages are UTF-8.
      const lines = b.toString('utf8', at, end);
      let from = 0;
      while (from < lines.length) {
        let stop = lines.indexOf('\n', from);
        if (stop < 0) stop = lines.length;
        const tag = lines.charCodeAt(from);
        if (tag === 0x69 /* i */) {
          const space = lines.indexOf(' ', from + 2);
          const codeEnd = space < 0 || space > stop ? stop : space;
          issues.push({
            code: lines.slice(from + 2, codeEnd),
            message: codeEnd < stop ? lines.slice(codeEnd + 1, stop) : '',
          });
        } else if (tag === 0x74 /* t */ && stop > from + 2) {
          if (unknownTables === undefined) unknownTables = [];
          unknownTables.push(lines.slice(from + 2, stop));
        }
        from = stop + 1;
      }
    }
    return unknownTables === undefined ? { pointers, issues } : { pointers, issues, unknownTables };
  }

  /** The kind whose bytes start at `from` (up to a space), as one string per kind. */
  kind(b, from, end) {
    const kinds = this.kinds;
    for (let k = 0; k < kinds.length; k++) {
      const kind = kinds[k];
      if (from + kind.length < end && b[from + kind.length] === 0x20 && spells(b, from, kind)) return kind;
    }
    const kind = b.toString('latin1', from, next(b, from, end, 0x20));
    if (kinds.length < KINDS_KEPT) kinds.push(kind);
    return kind;
  }
}

/**
 * The change time whose decimal digits are `b[from..to)`, as the nearest
 * double (what Number() makes of the text). Nanoseconds of a time given
 * in seconds or milliseconds end in zeros: the digits before the last
 * nine, times 1e9, round once, so they are read without making a string.
 */
function changeTime(b, from, to) {
  const split = to - 9;
  if (split > from && split - from <= 15) {
    let high = 0;
    for (let i = from; i < split; i++) high = high * 10 + (b[i] - 0x30);
    let low = 0;
    for (let i = split; i < to; i++) low = low * 10 + (b[i] - 0x30);
    if (low === 0) return high * 1e9;
    if (high < 9007199) return high * 1e9 + low; // below 2^53: exact
  }
  return Number(latin1Slice.call(b, from, to));
}

/** Whether the bytes of `b` at `at` spell the ASCII text `s`. */
function spells(b, at, s) {
  for (let i = 0; i < s.length; i++) if (b[at + i] !== s.charCodeAt(i)) return false;
  return true;
}

/** The position of the next byte `c` at or after `at`, or `end`. */
function next(b, at, end, c) {
  while (at < end && b[at] !== c) at++;
  return at;
}

/** The position of the next space or line end at or after `at`, or `end`. */
function nextOf(b, at, end) {
  while (at < end && b[at] !== 0x20 && b[at] !== 0x0a) at++;
  return at;
}

/** `d` and `u` as the same two strings every time. */
function directionOf(b, from, to) {
  if (to === from + 1) {
    if (b[from] === 0x64) return 'd';
    if (b[from] === 0x75) return 'u';
  }
  return b.toString('latin1', from, to);
}

module.exports = { Reader };
