// Types of span-autolink/dd-trace (hand-written). No import of dd-trace:
// the tracer and spans are taken structurally.

import type { Issue, LookupOptions, Options, Outcome } from './index';

/** What the helpers need of a dd-trace span (dd-trace >= 5.26 has addSpanPointer). */
export interface DdSpan {
  addSpanPointer?(kind: string, direction: string, hash: string): unknown;
  setTag?(key: string, value: unknown): unknown;
  context(): any;
}

/** What dd-trace's aws-sdk plugin hands `hooks.request`. */
export interface DdAwsResponse {
  request: { operation: string; params: any };
  error?: unknown;
  data?: any;
  requestId?: string;
  [member: string]: any;
}

/** dd-trace's own type of `hooks.request`: `(span?: Span, response?: anyObject) => any`. */
export type DdRequestHook = (span?: any, response?: any) => void;

export interface DdHookOptions extends Options, LookupOptions {
  /**
   * Pointer sampling (0 to 1): a span whose pointer the core's keep rule
   * keeps at this rate asks dd-trace to keep its trace (manual keep) and
   * gets the tag `span_autolink.keep: 'true'`.
   * Default: SPAN_AUTOLINK_POINTER_SAMPLING.
   */
  pointerSampling?: number;
  /** The stream ARN of DynamoDB Streams GetRecords calls, where the shard iterator does not say. */
  streamArn?: string;
  /** Called with each call's outcome (pointers and issues) and the span; its throws are ignored. */
  onOutcome?: (outcome: Outcome, span: any) => void;
}

export interface InstrumentOptions extends DdHookOptions {
  /**
   * The rest of the aws-sdk plugin's configuration (`tracer.use('aws-sdk', awsSdk)`), over what an
   * earlier `tracer.use('aws-sdk', ...)` gave, which is kept; a `hooks.request` in either runs after ours.
   */
  awsSdk?: { hooks?: { request?: DdRequestHook }; [option: string]: any };
}

/**
 * `instrument(require('dd-trace').init())`: dd-trace's aws-sdk spans carry
 * span-autolink's pointers, one link each, and none of dd-trace's own (its
 * span pointers are turned off in the tracer's configuration, and any it
 * added to a span are replaced). Call it after `init()`. Never throws.
 */
export function instrument(tracer: any, options?: InstrumentOptions): { issues: Issue[] };

/** The `hooks.request` that instrument() installs, for users who configure the plugin themselves. */
export function makeRequestHook(options?: DdHookOptions & { request?: DdRequestHook }): DdRequestHook;

/**
 * Wraps a Lambda handler for datadog-lambda-js: the event's consumer
 * pointers go on the span datadog-lambda-js puts pointers on (the inferred
 * span of the trigger, else aws.lambda). Use with `addSpanPointers: false`:
 * `datadog(withPointers(handler), { addSpanPointers: false })`.
 */
export function withPointers<H extends (...args: any[]) => any>(handler: H, options?: { tracer?: any; onOutcome?: (outcome: Outcome, span: any) => void; pointerSampling?: number }): H;

/** The span the consumer pointers go on, inside a handler datadog-lambda-js runs (null outside a trace). */
export function consumerRootSpan(tracer: any): any;

/** Puts the outcome's pointers on a dd-trace span in place of the pointer links it has. Never throws. */
export function addPointers(span: DdSpan | null | undefined, outcome: Outcome, options?: { pointerSampling?: number }): Outcome;

/**
 * The pointers of what dd-trace's aws-sdk plugin hands `hooks.request`
 * (`span`, the call's, gives the region of a DescribeTable lookup). Never throws.
 */
export function pointersForDdResponse(response: DdAwsResponse, options?: DdHookOptions, span?: DdSpan): Outcome;

/** The tag (value `'true'`) a span whose pointer asks to keep its trace carries, for a retention filter. */
export const KEEP_TAG: 'span_autolink.keep';

declare const api: {
  instrument: typeof instrument;
  makeRequestHook: typeof makeRequestHook;
  withPointers: typeof withPointers;
  consumerRootSpan: typeof consumerRootSpan;
  addPointers: typeof addPointers;
  pointersForDdResponse: typeof pointersForDdResponse;
  KEEP_TAG: typeof KEEP_TAG;
};
export default api;
