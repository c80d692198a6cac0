'use strict';

// What the tracer suites share: the S3 and DynamoDB writes they make through
// the real AWS SDK v3 clients against moto, the consumer events moto
// delivers for them (the bucket's notification through SQS, the table's
// stream records through GetRecords), and Datadog's test agent.
//
// The AWS SDK modules are required only when a suite asks for a world, so
// that a tracer instrumenting them is set up first.

const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const path = require('node:path');
const { ROOT, REGION, startMoto, useDummyAwsEnvironment, sleep, sqsLambdaEvent, streamLambdaEvent } = require('../emulator');
const { hash } = require('../../helpers');

// Keys a notification URL-encodes (space, `+`, `%`) and non-ASCII ones.
const KEYS = ['plain.txt', 'my report.txt', 'a+b.txt', '100%.txt', 'café-日本-🎉.txt', 'dir/my file+(1)%20ü.txt'];
const TABLE = 'e2e-tracers-orders';
// The key names PutItem needs (SPEC 5): the environment variable both span-autolink and dd-trace read.
const PRIMARY_KEYS = JSON.stringify({ [TABLE]: ['customer', 'order'] });

/** moto, the dummy environment, and the clients: `await World.start()`, `await world.stop()`. */
class World {
  static async start() {
    const restore = useDummyAwsEnvironment();
    const moto = await startMoto();
    return new World(moto, restore);
  }

  constructor(moto, restore) {
    this.moto = moto;
    this.restore = restore;
    this.s3sdk = require('@aws-sdk/client-s3');
    this.sqssdk = require('@aws-sdk/client-sqs');
    this.ddbsdk = require('@aws-sdk/client-dynamodb');
    this.streamsdk = require('@aws-sdk/client-dynamodb-streams');
    const endpoint = moto.endpoint;
    this.s3 = new this.s3sdk.S3Client({ endpoint, forcePathStyle: true });
    this.sqs = new this.sqssdk.SQSClient({ endpoint });
    this.ddb = new this.ddbsdk.DynamoDBClient({ endpoint });
    this.streams = new this.streamsdk.DynamoDBStreamsClient({ endpoint });
  }

  async stop() {
    await this.moto.stop();
    this.restore();
  }

  // -- S3 through SQS -------------------------------------------------------

  /** A bucket whose ObjectCreated notifications go to a new queue; the queue's test event drained. */
  async notifyingBucket(bucket) {
    const { s3sdk, sqssdk } = this;
    const queueUrl = (await this.sqs.send(new sqssdk.CreateQueueCommand({ QueueName: `${bucket}-q` }))).QueueUrl;
    const attributes = await this.sqs.send(new sqssdk.GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
    const queueArn = attributes.Attributes.QueueArn;
    await this.s3.send(new s3sdk.CreateBucketCommand({ Bucket: bucket }));
    await this.s3.send(
      new s3sdk.PutBucketNotificationConfigurationCommand({
        Bucket: bucket,
        NotificationConfiguration: { QueueConfigurations: [{ QueueArn: queueArn, Events: ['s3:ObjectCreated:*'] }] },
      })
    );
    const queue = { url: queueUrl, arn: queueArn };
    const [testEvent] = await this.receive(queue, 1);
    assert.match(testEvent.Body, /s3:TestEvent/);
    return queue;
  }

  /** The ReceiveMessage outputs until `count` messages came (all deleted), as the SDK returned them. */
  async receiveOutputs(queue, count, timeout = 15000) {
    const outputs = [];
    let got = 0;
    const deadline = Date.now() + timeout;
    while (got < count && Date.now() < deadline) {
      const output = await this.sqs.send(
        new this.sqssdk.ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['All'] })
      );
      const messages = output.Messages || [];
      if (messages.length === 0) {
        await sleep(100);
        continue;
      }
      outputs.push(output);
      got += messages.length;
      for (const m of messages) await this.sqs.send(new this.sqssdk.DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: m.ReceiptHandle }));
    }
    assert.equal(got, count, `${count} messages expected on ${queue.url}`);
    return outputs;
  }

  async receive(queue, count) {
    return (await this.receiveOutputs(queue, count)).flatMap((o) => o.Messages);
  }

  /** The Lambda SQS event of messages from `queue`. */
  sqsEvent(messages, queue) {
    return sqsLambdaEvent(messages, queue.arn);
  }

  // -- DynamoDB through Streams ---------------------------------------------

  /**
   * A table with a NEW_AND_OLD_IMAGES stream; answers its stream ARN.
   * `keys`: [name, type] of the partition key, then of the sort key if any.
   */
  async streamedTable(table = TABLE, keys = [['customer', 'S'], ['order', 'N']]) {
    const { ddbsdk } = this;
    const created = await this.ddb.send(
      new ddbsdk.CreateTableCommand({
        TableName: table,
        AttributeDefinitions: keys.map(([name, type]) => ({ AttributeName: name, AttributeType: type })),
        KeySchema: keys.map(([name], i) => ({ AttributeName: name, KeyType: i === 0 ? 'HASH' : 'RANGE' })),
        BillingMode: 'PAY_PER_REQUEST',
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      })
    );
    return created.TableDescription.LatestStreamArn;
  }

  /** Every GetRecords output of the stream's shards (read from TRIM_HORIZON until a read gives nothing). */
  async getRecordsOutputs(streamArn) {
    const { streamsdk } = this;
    const description = await this.streams.send(new streamsdk.DescribeStreamCommand({ StreamArn: streamArn }));
    const outputs = [];
    for (const shard of description.StreamDescription.Shards) {
      let iterator = (
        await this.streams.send(new streamsdk.GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }))
      ).ShardIterator;
      for (let reads = 0; iterator && reads < 100; reads++) {
        const output = await this.streams.send(new streamsdk.GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
        if (output.Records.length === 0) break;
        outputs.push(output);
        iterator = output.NextShardIterator;
      }
    }
    return outputs;
  }

  /** The Lambda DynamoDB Streams event of GetRecords records. */
  streamEvent(records, streamArn) {
    return streamLambdaEvent(records, streamArn);
  }
}

// -- no key setting ---------------------------------------------------------------

/**
 * Four tables, each known to span-autolink from one kind of call the
 * application made: made by it (CreateTable seen), only read (GetItem),
 * only updated (UpdateItem), only described (DescribeTable). The last three
 * are made before what span-autolink learned is forgotten, as if another
 * process had made them. Keys are [name, type], the partition key first, in
 * ascending byte order (the order SPEC 4 hashes them in).
 */
class NoKeySetting {
  constructor(prefix) {
    this.keys = {
      [`${prefix}-created`]: [['pk', 'S'], ['sk', 'N']],
      [`${prefix}-read`]: [['id', 'S']],
      [`${prefix}-updated`]: [['account', 'S'], ['entry', 'N']],
      [`${prefix}-described`]: [['sku', 'S']],
    };
    this.tables = Object.keys(this.keys);
    this.streamArns = {};
    this.taught = {}; // table -> the hashes of the items its teaching call wrote
  }

  /** Makes the tables and shows each one through its kind of call; `api` is span-autolink's. */
  async setUp(world, api) {
    const [created, read, updated, described] = this.tables;
    for (const table of [read, updated, described]) this.streamArns[table] = await world.streamedTable(table, this.keys[table]);
    api.forgetTables();
    this.streamArns[created] = await world.streamedTable(created, this.keys[created]);
    const { GetItemCommand, UpdateItemCommand, DescribeTableCommand } = world.ddbsdk;
    await world.ddb.send(new GetItemCommand({ TableName: read, Key: { id: { S: 'nobody' } } }));
    const account = this.itemOf(updated, 0);
    const key = { account: account.item.account, entry: account.item.entry };
    await world.ddb.send(new UpdateItemCommand({ TableName: updated, Key: key, UpdateExpression: 'SET note = :n', ExpressionAttributeValues: { ':n': { S: 'x' } } }));
    this.taught[updated] = [account.hash];
    await world.ddb.send(new DescribeTableCommand({ TableName: described }));
  }

  /** The typed item `n` of a table (its key and one more attribute), and its pointer's hash from SPEC 4. */
  itemOf(table, n) {
    const item = { note: { S: `item ${n}` } };
    const components = [table];
    for (const [name, type] of this.keys[table]) {
      const value = type === 'N' ? String(n) : `${name}-${n} ü+%`;
      item[name] = { [type]: value };
      components.push(name, value);
    }
    while (components.length < 5) components.push('');
    return { item, hash: hash(...components) };
  }

  /** The three put calls on `table`: PutItem, a BatchWriteItem of two puts, a TransactWriteItems put; and their hashes, by call. */
  puts(world, table) {
    const { PutItemCommand, BatchWriteItemCommand, TransactWriteItemsCommand } = world.ddbsdk;
    const [one, two, three, four] = [1, 2, 3, 4].map((n) => this.itemOf(table, n));
    return [
      [new PutItemCommand({ TableName: table, Item: one.item }), 'PutItem', [one.hash]],
      [new BatchWriteItemCommand({ RequestItems: { [table]: [{ PutRequest: { Item: two.item } }, { PutRequest: { Item: three.item } }] } }), 'BatchWriteItem', [two.hash, three.hash]],
      [new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: table, Item: four.item } }] }), 'TransactWriteItems', [four.hash]],
    ];
  }

  /** The hashes a table's stream records carry after `puts`: the puts' and the teaching call's. */
  streamed(table) {
    const puts = [1, 2, 3, 4].map((n) => this.itemOf(table, n).hash);
    return [...new Set([...(this.taught[table] || []), ...puts])].sort();
  }
}

// -- a counting proxy in front of moto ---------------------------------------------

/**
 * A loopback HTTP proxy to `target` (moto) that counts the DynamoDB calls
 * through it by operation (the X-Amz-Target header): what the service
 * received, counted apart from the code under test. Resolves to
 * `{ endpoint, count(operation), stop() }`.
 */
async function startCountingProxy(target) {
  const counts = new Map();
  const upstream = new URL(target);
  const server = http.createServer((req, res) => {
    const operation = String(req.headers['x-amz-target'] || '').split('.').pop();
    counts.set(operation, (counts.get(operation) || 0) + 1);
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
      }
    );
    forward.on('error', (error) => {
      res.writeHead(502);
      res.end(String(error));
    });
    req.pipe(forward);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${server.address().port}`,
    count: (operation) => counts.get(operation) || 0,
    stop: () =>
      new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections(); // the SDK keeps its connections alive
      }),
  };
}

// -- Datadog's test agent ------------------------------------------------------

// The virtual environment where `make test-js-e2e` installs ddapm-test-agent.
const AGENT = process.env.SPAN_AUTOLINK_E2E_TEST_AGENT || path.join(ROOT, 'target', 'agent-venv', 'bin', 'ddapm-test-agent');

async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts ddapm-test-agent on a free loopback port. Resolves to
 * `{ url, port, traces(token?), stop() }`; `traces` reads what the agent
 * received (for a session token, if given), from /test/session/traces.
 */
async function startTestAgent() {
  assert.ok(fs.existsSync(AGENT), `no ${AGENT}: make test-js-e2e installs Datadog's test agent there`);
  const port = await freePort();
  // Its OTLP listeners too: their default ports are fixed, and other suites run at the same time.
  const otlpPorts = [`--otlp-http-port=${await freePort()}`, `--otlp-grpc-port=${await freePort()}`];
  const proc = spawn(AGENT, [`--port=${port}`, '--host=127.0.0.1', ...otlpPorts], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // No DD_ variable of the suite's: with DD_API_KEY the agent would call Datadog's API.
    env: { ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('DD_'))), ENABLED_CHECKS: '', LOG_LEVEL: 'WARNING' },
  });
  let log = '';
  const keep = (chunk) => (log = (log + chunk).slice(-20000));
  proc.stdout.on('data', keep);
  proc.stderr.on('data', keep);
  const exited = new Promise((resolve) => proc.once('exit', resolve).once('error', resolve));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    proc.kill('SIGTERM');
    const gone = await Promise.race([exited.then(() => true), sleep(10000).then(() => false)]);
    if (!gone) proc.kill('SIGKILL');
  };
  const deadline = Date.now() + 60000;
  for (;;) {
    try {
      const answer = await fetch(`${url}/info`);
      if (answer.ok) break;
    } catch (_) {
      // not yet listening
    }
    if (proc.exitCode !== null || Date.now() > deadline) {
      await stop();
      assert.fail(`ddapm-test-agent did not start:\n${log}`);
    }
    await sleep(200);
  }
  const traces = async (token) => {
    const query = token === undefined ? '' : `?test_session_token=${encodeURIComponent(token)}`;
    const answer = await fetch(`${url}/test/session/traces${query}`);
    assert.equal(answer.status, 200, await answer.clone().text());
    return answer.json();
  };
  const startSession = async (token) => {
    const answer = await fetch(`${url}/test/session/start?test_session_token=${encodeURIComponent(token)}`);
    assert.equal(answer.status, 200, await answer.clone().text());
  };
  return { url, port, traces, startSession, stop, log: () => log };
}

// -- span-autolink serve -------------------------------------------------------

// The command `make cli` builds.
const SERVE_BINARY = process.env.SPAN_AUTOLINK_E2E_BINARY || path.join(ROOT, 'target', 'release', 'span-autolink');

/**
 * Starts `span-autolink serve` on a loopback port the system picks. Resolves
 * to `{ url, links(query?), stop() }`; `links` answers GET /links as JSON.
 */
async function startServe(args = []) {
  assert.ok(fs.existsSync(SERVE_BINARY), `no ${SERVE_BINARY}: make cli builds it`);
  const proc = spawn(SERVE_BINARY, ['serve', '--listen', '127.0.0.1:0', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise((resolve) => proc.once('exit', resolve).once('error', resolve));
  let log = '';
  const address = await new Promise((resolve) => {
    const timer = setTimeout(resolve, 30000, null);
    proc.stderr.on('data', (chunk) => {
      log += chunk;
      const found = /listening on (\S+)/.exec(log);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]);
      }
    });
    exited.then(() => resolve(null));
  });
  const stop = async () => {
    proc.kill('SIGTERM');
    const gone = await Promise.race([exited.then(() => true), sleep(10000).then(() => false)]);
    if (!gone) proc.kill('SIGKILL');
  };
  if (!address) {
    await stop();
    assert.fail(`span-autolink serve did not start:\n${log}`);
  }
  const url = `http://${address}`;
  const links = async (query = '') => {
    const answer = await fetch(`${url}/links${query}`);
    assert.equal(answer.status, 200, await answer.clone().text());
    return answer.json();
  };
  return { url, links, stop };
}

/**
 * What dd-trace-js and datadog-lambda-js read when they are required: the
 * test table's key names, and no start-up logs, telemetry, remote
 * configuration, metrics or profiling; datadog-lambda-js outside Lambda
 * (no extension to look for). Called before either is required.
 */
function quietDatadog() {
  Object.assign(process.env, {
    DD_TRACE_DYNAMODB_TABLE_PRIMARY_KEYS: PRIMARY_KEYS,
    DD_TRACE_STARTUP_LOGS: 'false',
    DD_TRACE_TELEMETRY_ENABLED: 'false',
    DD_INSTRUMENTATION_TELEMETRY_ENABLED: 'false',
    DD_REMOTE_CONFIGURATION_ENABLED: 'false',
    DD_RUNTIME_METRICS_ENABLED: 'false',
    DD_PROFILING_ENABLED: 'false',
    DD_LOGS_INJECTION: 'false',
    DD_LOCAL_TESTING: 'false',
    DD_ENHANCED_METRICS: 'false',
    DD_FLUSH_TO_LOG: 'true',
  });
}

module.exports = { KEYS, TABLE, PRIMARY_KEYS, REGION, World, NoKeySetting, quietDatadog, startTestAgent, startCountingProxy, startServe, freePort, sleep };
