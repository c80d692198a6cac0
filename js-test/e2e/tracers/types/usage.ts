// What a TypeScript user writes with the subpaths: compiled (never run) by
// types.test.js with the real @opentelemetry/* and dd-trace types, so that
// the hooks fit the instrumentations' hook types and toLinks gives Links.

import { trace, type Link, type Span } from '@opentelemetry/api';
import { AwsInstrumentation, type AwsSdkResponseCustomAttributeFunction } from '@opentelemetry/instrumentation-aws-sdk';
import { AwsLambdaInstrumentation, type RequestHook } from '@opentelemetry/instrumentation-aws-lambda';
import { awsSdkResponseHook, lambdaRequestHook, makeAwsSdkResponseHook, toLinks, addLinks } from 'span-autolink/opentelemetry';
import { instrument, withPointers, makeRequestHook } from 'span-autolink/dd-trace';
import { pointersForEvent, forgetTables, type Outcome } from 'span-autolink';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import ddTracer from 'dd-trace';

const responseHook: AwsSdkResponseCustomAttributeFunction = awsSdkResponseHook;
const requestHook: RequestHook = lambdaRequestHook;
new AwsInstrumentation({ responseHook: awsSdkResponseHook });
new AwsInstrumentation({ responseHook: makeAwsSdkResponseHook({ dynamodbPrimaryKeys: { orders: ['id'] }, onOutcome: (o: Outcome) => o.issues }) });
new AwsInstrumentation({ responseHook: makeAwsSdkResponseHook({ describeTable: true }) });
new AwsInstrumentation({ responseHook: makeAwsSdkResponseHook({ describeTable: new DynamoDBClient({}) }) });
new AwsLambdaInstrumentation({ requestHook: lambdaRequestHook });
forgetTables();

const outcome = pointersForEvent({});
const links: Link[] = toLinks(outcome);
const span: Span = trace.getTracer('t').startSpan('s', { links });
const after: Outcome = addLinks(span, outcome);

const tracer = ddTracer.init();
const { issues } = instrument(tracer);
instrument(tracer, { describeTable: new DynamoDBClient({}), dynamodbPrimaryKeys: { orders: ['id'] } });
tracer.use('aws-sdk', { hooks: { request: makeRequestHook() } });
export const handler = withPointers(async (event: { Records: unknown[] }) => event.Records.length);

export { responseHook, requestHook, after, issues };
