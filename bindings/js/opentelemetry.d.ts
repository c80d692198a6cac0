// Types of span-autolink/opentelemetry (hand-written). No import of
// @opentelemetry/api: the shapes below are structural, so they accept the
// API's Span and Link of any version >= 1.9 (where Span.addLink exists).

import type { LookupOptions, Outcome, Options, SpanLinkAttributes } from './index';

/** The all-zero span context of a pointer link (OpenTelemetry's INVALID_SPAN_CONTEXT). */
export interface ZeroSpanContext {
  readonly traceId: '00000000000000000000000000000000';
  readonly spanId: '0000000000000000';
  readonly traceFlags: 0;
}

/**
 * The attributes of a pointer link: SpanLinkAttributes as a type alias of a
 * mapped type, which (unlike an interface) is assignable to OpenTelemetry's
 * `Attributes` index signature.
 */
export type PointerLinkAttributes = { [K in keyof SpanLinkAttributes]: SpanLinkAttributes[K] };

/** An OpenTelemetry `Link` carrying one pointer: assignable to `@opentelemetry/api`'s `Link`. */
export interface PointerLink {
  context: ZeroSpanContext;
  attributes: PointerLinkAttributes;
}

/** What the hooks need of a span: OpenTelemetry's `Span` is one. */
export interface LinkableSpan {
  addLink?(link: PointerLink): unknown;
  setAttribute?(key: string, value: boolean): unknown;
}

/** What @opentelemetry/instrumentation-aws-sdk hands its responseHook. */
export interface AwsSdkResponseHookInformation {
  moduleVersion?: string;
  response: {
    data: any;
    request: { serviceName: string; commandName: string; commandInput: any; region?: string };
    requestId?: string;
  };
}

/** What @opentelemetry/instrumentation-aws-lambda hands its requestHook. */
export interface LambdaRequestHookInformation {
  event: any;
  context?: any;
}

export type AwsSdkResponseHook = (span: any, info: AwsSdkResponseHookInformation) => void;
export type LambdaRequestHook = (span: any, info: LambdaRequestHookInformation) => void;

export interface HookOptions {
  /**
   * Pointer sampling (0 to 1): a span whose pointer the core's keep rule
   * keeps at this rate gets `span_autolink.keep = true`, for a tail-sampling
   * stage. Default: SPAN_AUTOLINK_POINTER_SAMPLING.
   */
  pointerSampling?: number;
  /** Called with each call's outcome (pointers and issues) and the span; its throws are ignored. */
  onOutcome?: (outcome: Outcome, span: any) => void;
}

export interface AwsSdkResponseHookOptions extends HookOptions, Options, LookupOptions {
  /** The stream ARN of DynamoDB Streams GetRecords calls, where the shard iterator does not say. */
  streamArn?: string;
  /** Another responseHook, called after ours with the same arguments. */
  responseHook?: AwsSdkResponseHook;
}

export interface LambdaRequestHookOptions extends HookOptions {
  /** Another requestHook, called after ours with the same arguments. */
  requestHook?: LambdaRequestHook;
}

/**
 * `new AwsInstrumentation({ responseHook: awsSdkResponseHook })`: one link per
 * pointer on the span of each successful S3 or DynamoDB write (producer), and
 * of SQS ReceiveMessage and GetRecords (consumer, for workers). Never throws.
 */
export const awsSdkResponseHook: AwsSdkResponseHook;

/**
 * `new AwsLambdaInstrumentation({ requestHook: lambdaRequestHook })`: one
 * consumer link per pointer of the event on the invocation span. Never throws.
 */
export const lambdaRequestHook: LambdaRequestHook;

/** A responseHook with options (key names, an outcome callback, a hook to chain). */
export function makeAwsSdkResponseHook(options?: AwsSdkResponseHookOptions): AwsSdkResponseHook;

/** A requestHook with options (an outcome callback, a hook to chain). */
export function makeLambdaRequestHook(options?: LambdaRequestHookOptions): LambdaRequestHook;

/** The pointers of what the aws-sdk instrumentation's responseHook received. Never throws. */
export function pointersForAwsSdkResponse(response: AwsSdkResponseHookInformation['response'], options?: AwsSdkResponseHookOptions): Outcome;

/** One OpenTelemetry Link per pointer, for `tracer.startSpan(name, { links })`. Never throws. */
export function toLinks(outcome: Outcome): PointerLink[];

/**
 * Adds one link per pointer to `span` with `span.addLink`. Answers the
 * outcome, with the issue `span_links_unsupported` added when the span has
 * no `addLink` (OpenTelemetry API before 1.9), and `span_links_dropped`
 * when the SDK's limit of links per span (`OTEL_SPAN_LINK_COUNT_LIMIT`,
 * 128 by default) made it drop links. Never throws.
 */
export function addLinks(span: LinkableSpan | null | undefined, outcome: Outcome, options?: { pointerSampling?: number }): Outcome;

/** The attribute a span whose pointer asks to keep its trace carries. */
export const KEEP_ATTRIBUTE: 'span_autolink.keep';

export const ZERO_SPAN_CONTEXT: ZeroSpanContext;

declare const api: {
  awsSdkResponseHook: typeof awsSdkResponseHook;
  lambdaRequestHook: typeof lambdaRequestHook;
  makeAwsSdkResponseHook: typeof makeAwsSdkResponseHook;
  makeLambdaRequestHook: typeof makeLambdaRequestHook;
  pointersForAwsSdkResponse: typeof pointersForAwsSdkResponse;
  toLinks: typeof toLinks;
  addLinks: typeof addLinks;
  ZERO_SPAN_CONTEXT: ZeroSpanContext;
  KEEP_ATTRIBUTE: typeof KEEP_ATTRIBUTE;
};
export default api;
