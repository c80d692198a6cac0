'use strict';

// S3 end to end against moto's server (the twin of py-test/e2e/test_s3_e2e.py):
// @aws-sdk/client-s3 writes an object (PutObject, CopyObject, a multipart
// upload), the bucket's notification reaches SQS, and the message becomes a
// Lambda SQS event and, unwrapped, the plain S3 notification a directly
// triggered Lambda gets. The consumer pointer (pointersForEvent) must equal
// the producer pointer (pointersForResponse on the real request and output)
// for every object. dd-trace and datadog-lambda-js run on the same calls and
// events; their results are recorded, not asserted.

const assert = require('node:assert/strict');
const { before, test } = require('node:test');
const api = require('span-autolink');
const s3 = require('@aws-sdk/client-s3');
const sqs = require('@aws-sdk/client-sqs');
const { hash } = require('../helpers');
const e2e = require('./support');

// A plain key, keys with characters a notification URL-encodes, and `/`
// (which it does not).
const KEYS = [
  ['plain', 'report-2024_final.v1.txt'],
  ['space', 'my report.txt'],
  ['plus', 'a+b.txt'],
  ['percent', '100%.txt'],
  ['equals', 'k=v.txt'],
  ['ampersand', 'this&that.txt'],
  ['parens', 'photo(1).jpg'],
  ['slash', 'dir/sub/file.txt'],
  ['nonascii', 'café-Ünïcödé-日本.txt'],
  ['emoji', 'party-🎉.txt'],
  ['mixed', 'dir/my file+(1)&k=v%20ü🎉.txt'],
];
const OPERATIONS = { put: 'PutObject', copy: 'CopyObject', multipart: 'CompleteMultipartUpload' };
const QUEUE = 'e2e-s3-notifications';
const SOURCE_BUCKET = 'e2e-copy-source';
const SOURCE_KEY = 'source object';
const PART = 5 * 1024 * 1024; // S3's (and moto's) smallest part but the last

const bucketFor = (op) => `e2e-${op}-notify`;

class S3World {
  constructor(endpoint) {
    this.calls = [];
    this.s3 = new s3.S3Client({ endpoint, forcePathStyle: true });
    e2e.capture(this.s3, this.calls);
    this.sqs = new sqs.SQSClient({ endpoint });
  }

  async setUp() {
    this.queueUrl = (await this.sqs.send(new sqs.CreateQueueCommand({ QueueName: QUEUE }))).QueueUrl;
    const attributes = await this.sqs.send(new sqs.GetQueueAttributesCommand({ QueueUrl: this.queueUrl, AttributeNames: ['QueueArn'] }));
    this.queueArn = attributes.Attributes.QueueArn;
    await this.s3.send(new s3.CreateBucketCommand({ Bucket: SOURCE_BUCKET }));
    await this.s3.send(new s3.PutObjectCommand({ Bucket: SOURCE_BUCKET, Key: SOURCE_KEY, Body: 'copied bytes\n'.repeat(100) }));
    for (const op of Object.keys(OPERATIONS)) {
      await this.s3.send(new s3.CreateBucketCommand({ Bucket: bucketFor(op) }));
      await this.s3.send(
        new s3.PutBucketNotificationConfigurationCommand({
          Bucket: bucketFor(op),
          NotificationConfiguration: { QueueConfigurations: [{ QueueArn: this.queueArn, Events: ['s3:ObjectCreated:*'] }] },
        })
      );
    }
    // S3 (and moto) confirm each notification configuration with an
    // s3:TestEvent message.
    this.testEvents = await this.receive(Object.keys(OPERATIONS).length);
  }

  async receive(count, timeout = 10000) {
    const messages = [];
    const deadline = Date.now() + timeout;
    while (messages.length < count && Date.now() < deadline) {
      const got =
        (
          await this.sqs.send(
            new sqs.ReceiveMessageCommand({ QueueUrl: this.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['All'] })
          )
        ).Messages || [];
      await Promise.all(got.map((m) => this.sqs.send(new sqs.DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: m.ReceiptHandle }))));
      messages.push(...got);
      if (got.length === 0) await e2e.sleep(20);
    }
    assert.equal(messages.length, count, `expected ${count} messages, got ${JSON.stringify(messages)}`);
    return messages;
  }

  /** Writes `key` with `op`; returns the producing call. */
  async write(op, key) {
    const Bucket = bucketFor(op);
    const start = this.calls.length;
    const send = (command) => e2e.send(this.calls, this.s3, command);
    if (op === 'put') {
      await send(new s3.PutObjectCommand({ Bucket, Key: key, Body: `object ${key}\n`, ContentType: 'text/plain' }));
    } else if (op === 'copy') {
      // CopySource is `bucket/key`, the key URL-encoded by the caller.
      await send(new s3.CopyObjectCommand({ Bucket, Key: key, CopySource: `${SOURCE_BUCKET}/${encodeURIComponent(SOURCE_KEY)}` }));
    } else {
      const { UploadId } = await send(new s3.CreateMultipartUploadCommand({ Bucket, Key: key }));
      const Parts = [];
      for (const [PartNumber, Body] of [
        [1, Buffer.alloc(PART, 'a')],
        [2, `last part of ${key}`],
      ]) {
        const { ETag } = await send(new s3.UploadPartCommand({ Bucket, Key: key, UploadId, PartNumber, Body }));
        Parts.push({ PartNumber, ETag });
      }
      await send(new s3.CompleteMultipartUploadCommand({ Bucket, Key: key, UploadId, MultipartUpload: { Parts } }));
    }
    const [call] = this.calls.slice(start).filter((c) => c.commandName === `${OPERATIONS[op]}Command`);
    return call;
  }
}

const etagOf = (call) => (call.commandName === 'CopyObjectCommand' ? call.output.CopyObjectResult.ETag : call.output.ETag);

/**
 * The messages one write caused, and the one S3 sends. moto sends two for a
 * completed multipart upload (an ObjectCreated:Put from the put it does
 * internally, then ObjectCreated:CompleteMultipartUpload); S3 only the second.
 */
async function notificationMessages(world, op) {
  if (op !== 'multipart') {
    const messages = await world.receive(1);
    return { messages, sent: messages[0], notes: [] };
  }
  const messages = await world.receive(2);
  const names = messages.map((m) => JSON.parse(m.Body).Records[0].eventName);
  assert.deepEqual([...names].sort(), ['ObjectCreated:CompleteMultipartUpload', 'ObjectCreated:Put']);
  const sent = messages[names.indexOf('ObjectCreated:CompleteMultipartUpload')];
  return { messages, sent, notes: [e2e.MOTO_MULTIPART] };
}

function whyDatadogMisses(delivery, producer, consumer, bucket, encodedKey, etag) {
  if (producer.length === 0) return 'no producer pointer';
  if (consumer.length === 0) {
    return delivery === 'sqs' ? 'no consumer pointer for an S3 notification inside an SQS message' : 'no consumer pointer';
  }
  if (consumer.length === 1 && consumer[0] === hash(bucket, encodedKey, etag)) return `key not URL-decoded (hashes \`${encodedKey}\`)`;
  return 'producer and consumer hashes differ';
}

/** Registers the S3 tests; `ctx.endpoint` is moto's once the tests run. */
function suite(ctx) {
  const { recorder } = ctx;
  let world;

  before(async () => {
    world = new S3World(ctx.endpoint);
    await world.setUp();
  });

  test('the s3:TestEvent messages give no pointer', () => {
    for (const message of world.testEvents) {
      assert.equal(JSON.parse(message.Body).Event, 's3:TestEvent');
      const event = e2e.sqsLambdaEvent([message], world.queueArn);
      assert.deepEqual(api.pointersForEvent(event), { pointers: [], issues: [] });
      assert.deepEqual(e2e.datadogLambdaConsumer(event), []);
    }
  });

  for (const op of Object.keys(OPERATIONS)) {
    for (const [kind, key] of KEYS) {
      recorder.test(`${OPERATIONS[op]}, key ${kind}: ${key}`, async () => {
        const bucket = bucketFor(op);
        const call = await world.write(op, key);
        const etag = etagOf(call).replace(/^"(.*)"$/, '$1');
        assert.ok(etag && !etag.includes('"'));
        if (op === 'multipart') assert.match(etag, /-2$/);

        // Producer: the real request and output.
        const ours = e2e.hashes(api.pointersForResponse(call.service, call.commandName, call.input, call.output), 'd');
        assert.deepEqual(ours, [hash(bucket, key, etag)]);
        const ddProducer = e2e.ddTraceProducer(call);

        const { messages, sent, notes } = await notificationMessages(world, op);
        const body = JSON.parse(sent.Body);
        const [record] = body.Records;
        assert.equal(body.Records.length, 1);
        assert.ok(record.eventName.startsWith('ObjectCreated:'));
        assert.equal(record.s3.bucket.name, bucket);
        assert.equal(record.s3.object.eTag, etag);

        // As S3 delivers it, and as moto delivered it (they differ where moto
        // does something S3 does not; the notes say what).
        const aws = e2e.s3NotificationAsAws(body);
        notes.push(...aws.notes);
        const encodedKey = aws.notification.Records[0].s3.object.key;
        if (kind !== 'plain' && kind !== 'slash') assert.notEqual(encodedKey, key, 'S3 notifications carry keys URL-encoded');
        const motoBodies = messages.map((m) => JSON.parse(m.Body));

        const deliveries = {
          sqs: [
            'notification via SQS',
            e2e.sqsLambdaEvent([{ ...sent, Body: JSON.stringify(aws.notification) }], world.queueArn),
            e2e.sqsLambdaEvent(messages, world.queueArn),
          ],
          // Each notification a Lambda of its own; here, their records together.
          direct: ['notification delivered directly', aws.notification, { Records: motoBodies.flatMap((b) => b.Records) }],
        };
        for (const [delivery, [how, event, emulated]] of Object.entries(deliveries)) {
          const consumer = e2e.hashes(api.pointersForEvent(event), 'u');
          const consumerEmulated = e2e.hashes(api.pointersForEvent(emulated), 'u');
          // The point of it all: the consumer meets the producer, also in
          // each of the notifications moto sends.
          assert.deepEqual(consumer, ours, `${delivery}: ${encodedKey}`);
          assert.deepEqual(consumerEmulated, messages.map(() => ours[0]), `${delivery}, as moto delivered it`);

          const ddConsumer = e2e.datadogLambdaConsumer(event);
          const entry = recorder.record(
            `s3-${op}-${kind}-${delivery}`,
            `S3 ${OPERATIONS[op]}, key \`${key}\`, ${how}`,
            {
              [e2e.OURS]: { producer: ours, consumer, consumerUnderEmulator: consumerEmulated },
              [e2e.DATADOG]: {
                producer: ddProducer,
                consumer: ddConsumer,
                consumerUnderEmulator: e2e.datadogLambdaConsumer(emulated),
                why: whyDatadogMisses(delivery, ddProducer, ddConsumer, bucket, encodedKey, etag),
              },
            },
            notes
          );
          // Where a Datadog library links, it must link with our hash.
          if (entry.results[e2e.DATADOG].links) {
            assert.deepEqual(ddProducer, ours);
            assert.deepEqual(ddConsumer, consumer);
          }
        }
      });
    }
  }
}

module.exports = { suite };
