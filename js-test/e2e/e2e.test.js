'use strict';

// End to end with real AWS SDK v3 clients against moto's server mode (a
// local S3, SQS, DynamoDB and DynamoDB Streams on 127.0.0.1): producer
// pointers on the real requests and outputs must meet the consumer pointers
// of the Lambda events built from what the services delivered (s3.js,
// dynamodb.js). One file, so that one server and one results file,
// target/compat/node.json, serve both; docs/compatibility.py turns it, with
// py-test/e2e's python.json, into docs/compatibility.md.

const { after, before, describe } = require('node:test');
const e2e = require('./support');
const s3 = require('./s3');
const dynamodb = require('./dynamodb');

const ctx = { recorder: new e2e.Recorder(), endpoint: undefined };
let moto;
let restoreEnvironment;

before(async () => {
  restoreEnvironment = e2e.useDummyAwsEnvironment();
  moto = await e2e.startMoto();
  ctx.endpoint = moto.endpoint;
});

after(async () => {
  await moto?.stop();
  restoreEnvironment?.();
  const { recorder } = ctx;
  if (recorder.flows.length === 0) return;
  // A run of only some of the flows (--test-name-pattern) writes nothing; a
  // run with failures writes them, and docs/compatibility.py refuses the file.
  if (recorder.ran < recorder.registered) {
    console.log(`only ${recorder.ran} of ${recorder.registered} end-to-end flow tests ran: ${e2e.RESULTS_PATH} not written`);
    return;
  }
  const versions = {
    'span-autolink': e2e.packageVersion('span-autolink'),
    'dd-trace': e2e.packageVersion('dd-trace'),
    'datadog-lambda-js': e2e.packageVersion('datadog-lambda-js'),
    '@aws-sdk/client-s3': e2e.packageVersion('@aws-sdk/client-s3'),
    '@aws-sdk/client-dynamodb': e2e.packageVersion('@aws-sdk/client-dynamodb'),
    moto: moto?.version,
    node: process.versions.node,
  };
  console.log(`span pointer compatibility results: ${recorder.write(versions)}`);
});

describe('S3: object written, notification via SQS, as a Lambda event', () => s3.suite(ctx));
describe('DynamoDB: item written, stream records as a Lambda event', () => dynamodb.suite(ctx));
