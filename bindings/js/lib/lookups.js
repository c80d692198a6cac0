'use strict';

// The opt-in DescribeTable lookup of the tracer integrations (the
// describeTable option, or SPAN_AUTOLINK_DYNAMODB_DESCRIBE_TABLE). A put
// whose table's key names no call has shown gives no pointer; the module
// names such tables (`unknownTables`), and for each one span-autolink asks
// DynamoDB with DescribeTable:
//
// - off the request path: the put's hook only schedules it;
// - at most once per table at a time in this process, and a table asked
//   about is not asked again for RETRY_AFTER_MS, whatever the answer: a
//   lookup is started by a put, never by a timer, so it is never retried in
//   a loop;
// - with the application's client where the option gives one, else with a
//   client of the application's own @aws-sdk/client-dynamodb made with its
//   default configuration (the credentials, region and endpoint every client
//   the application makes without options gets).
//
// The answer goes into the module like any DescribeTable the application
// makes, so the puts after it link. Nothing here throws.

const path = require('node:path');
const { createRequire } = require('node:module');

/** A table asked about is not asked about again for this long. */
const RETRY_AFTER_MS = 60000;
/** Tables whose last lookup is remembered; the oldest are forgotten first. */
const LOOKUPS_KEPT = 4096;

class TableLookups {
  /** @param api the package's public API (its callOutcome learns from the answer) */
  constructor(api, { retryAfterMs = RETRY_AFTER_MS, now = Date.now } = {}) {
    this.api = api;
    this.retryAfterMs = retryAfterMs;
    this.now = now;
    this.inFlight = new Set();
    this.last = new Map(); // table -> { at, error } of its last lookup
    this.clients = new Map(); // region -> the client made here for it
    this.sdk = null; // @aws-sdk/client-dynamodb, resolved at the first lookup
  }

  /**
   * The outcome of a call whose puts named tables no call has shown, with
   * one issue per table telling of its lookup, which starts here unless
   * one is running or was made lately. `client`: the describeTable option's
   * (undefined: one made here); `region`: the call's, for a client made here.
   */
  lookUp(outcome, client, region) {
    const issues = [...outcome.issues];
    for (const table of outcome.unknownTables) issues.push(this.start(table, client, region));
    return { pointers: outcome.pointers, issues };
  }

  start(table, client, region) {
    const shown = JSON.stringify(table);
    if (this.inFlight.has(table)) {
      return pending(`span-autolink is asking DynamoDB for the key names of table ${shown} (DescribeTable); puts on it give pointers once the answer is in`);
    }
    const last = this.last.get(table);
    const since = last === undefined ? Infinity : this.now() - last.at;
    if (since < this.retryAfterMs) {
      const wait = Math.ceil((this.retryAfterMs - since) / 1000);
      const why = last.error === undefined ? 'answered with no key schema span-autolink could use' : `failed: ${last.error}`;
      return {
        code: 'key_lookup_failed',
        message: `DescribeTable for table ${shown} ${why}; span-autolink asks again when a put needs it in ${wait} s or more`,
      };
    }
    this.inFlight.add(table);
    this.remember(table, undefined);
    setImmediate(() => this.run(table, client, region));
    return pending(`span-autolink asked DynamoDB for the key names of table ${shown} (DescribeTable, off the request path); puts on it give pointers once the answer is in`);
  }

  async run(table, client, region) {
    try {
      const output = await this.describe(table, client, region);
      // What the answer shows is learned as from the application's own calls.
      this.api.callOutcome('dynamodb', 'DescribeTable', { TableName: table }, output);
    } catch (error) {
      this.remember(table, describe(error));
    } finally {
      this.inFlight.delete(table);
    }
  }

  /** DescribeTable through the given client (v3, its aggregated form, or v2), or one made here. */
  describe(table, client, region) {
    const input = { TableName: table };
    if (client !== undefined && client !== null && typeof client.describeTable === 'function') {
      const request = client.describeTable(input);
      return request !== null && typeof request === 'object' && typeof request.promise === 'function' ? request.promise() : request;
    }
    const sdk = this.dynamodb();
    if (client !== undefined && client !== null && typeof client.send === 'function') {
      return client.send(new sdk.DescribeTableCommand(input));
    }
    const key = region === undefined ? '' : String(region);
    let made = this.clients.get(key);
    if (made === undefined) {
      made = new sdk.DynamoDBClient(region === undefined ? {} : { region });
      this.clients.set(key, made);
    }
    return made.send(new sdk.DescribeTableCommand(input));
  }

  /** The application's @aws-sdk/client-dynamodb: beside this package, else from the working directory. */
  dynamodb() {
    if (this.sdk === null) {
      const name = '@aws-sdk/client-dynamodb';
      try {
        this.sdk = require(name);
      } catch (_) {
        try {
          this.sdk = createRequire(path.join(process.cwd(), 'package.json'))(name);
        } catch (error) {
          throw new Error(`${name} could not be loaded (${describe(error)}); install it, or pass describeTable a DynamoDB client`);
        }
      }
    }
    return this.sdk;
  }

  remember(table, error) {
    this.last.delete(table);
    if (this.last.size >= LOOKUPS_KEPT) this.last.delete(this.last.keys().next().value);
    this.last.set(table, { at: this.now(), error });
  }
}

function pending(message) {
  return { code: 'key_lookup_pending', message };
}

function describe(error) {
  try {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  } catch (_) {
    return 'an error that cannot be shown';
  }
}

module.exports = { TableLookups, RETRY_AFTER_MS };
