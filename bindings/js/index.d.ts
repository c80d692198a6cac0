// Types of the span-autolink package (hand-written; the module's own glue
// is an implementation detail).

/** What a span pointer points at. */
export type PointerKind = 'aws.s3.object' | 'aws.dynamodb.item';

/** `d`: the span wrote the object or item (producer); `u`: the span was triggered by it (consumer). */
export type Direction = 'd' | 'u';

export interface Pointer {
  kind: PointerKind;
  direction: Direction;
  /** 32 lowercase hex characters. */
  hash: string;
  /**
   * When the object or item changed, in Unix nanoseconds, where the
   * consumer's event says (S3 `eventTime`, DynamoDB
   * `ApproximateCreationDateTime`, Kinesis `approximateArrivalTimestamp`);
   * absent when unknown. Beyond 2^53 it is the nearest double (within 256 ns).
   */
  changeTime?: number;
}

/**
 * Why an input gave no pointer. `code` is stable and snake_case (the list is
 * in the README, as the core names them); `message` is a sentence for people.
 */
export interface Issue {
  code:
    | 'config_invalid'
    | 'config_entry_invalid'
    | 'field_missing'
    | 'field_invalid'
    | 'bucket_not_ascii'
    | 'bucket_is_access_point'
    | 'etag_invalid'
    | 'key_escape_invalid'
    | 'key_not_utf8'
    | 'table_not_configured'
    | 'key_config_conflict'
    | 'key_attribute_missing'
    | 'key_attribute_count'
    | 'key_value_type'
    | 'number_invalid'
    | 'number_out_of_range'
    | 'binary_invalid'
    | 'table_name_invalid'
    | 'stream_arn_invalid'
    | 'input_invalid'
    | 'response_not_successful'
    | 'setting_invalid'
    | 'internal_error'
    | 'span_links_unsupported'
    | 'tracer_not_initialized'
    | 'no_active_span'
    | 'key_lookup_pending'
    | 'key_lookup_failed'
    | 'span_links_dropped'
    | (string & {});
  message: string;
}

export interface Outcome {
  pointers: Pointer[];
  issues: Issue[];
}

export interface Options {
  /**
   * The names of each table's key attributes, for PutItem and the puts of
   * BatchWriteItem and TransactWriteItems: `{ orders: ['customerId', 'orderId'] }`.
   * Overrides the environment variable DD_TRACE_DYNAMODB_TABLE_PRIMARY_KEYS.
   * JSON text (as the variable holds it) is accepted too.
   */
  dynamodbPrimaryKeys?: Record<string, string[]> | string;
  /** The DynamoDB stream a `GetRecords` read (its ARN names the table). */
  streamArn?: string;
}

/**
 * What the tracer integrations may do for a put whose table's key names no
 * call has shown (span-autolink learns them from CreateTable, DescribeTable
 * and UpdateTable responses and from the keys of reads and updates).
 */
export interface LookupOptions {
  /**
   * Ask DynamoDB (DescribeTable, once per table at a time, off the request
   * path): `true` with a client of the application's own
   * `@aws-sdk/client-dynamodb` made with its default configuration, or the
   * DynamoDB client to ask with (v3 `DynamoDBClient` or `DynamoDB`, or v2
   * `AWS.DynamoDB`); `false` never. Default: the setting
   * SPAN_AUTOLINK_DYNAMODB_DESCRIBE_TABLE. The put that starts a lookup gets
   * no pointer and the issue `key_lookup_pending`; the puts after the
   * answer link.
   */
  describeTable?: boolean | { send(command: any): Promise<any> } | { describeTable(input: { TableName: string }): any };
}

/** The settings read from the environment (the README lists the variables). */
export interface Settings {
  /** Whether calls give pointers at all. */
  enabled: boolean;
  /** The key-name configuration text in force (JSON), if any. */
  dynamodbPrimaryKeys?: string;
  /** The rate (0 to 1) at which spans with pointers keep their traces, if set. */
  pointerSampling?: number;
  /** Whether PutItem may learn key names by asking DynamoDB. */
  describeTable: boolean;
  /** What was wrong with the variables' values. */
  issues: Issue[];
}

/**
 * The four attributes of the span link that carries a pointer (trace id and
 * span id 0). A type, not an interface, so that it is assignable to
 * OpenTelemetry's `Attributes`.
 */
export type SpanLinkAttributes = {
  'link.kind': 'span-pointer';
  'ptr.kind': PointerKind;
  'ptr.dir': Direction;
  'ptr.hash': string;
  /** The pointer's change time, integer Unix nanoseconds, where it has one. */
  'span_autolink.change_time'?: number;
};

/**
 * The producer span pointers of a successful AWS SDK call. Never throws.
 *
 * @param service `'s3'` or `'dynamodb'`, in any case.
 * @param operation As any SDK spells it: `'PutObject'`, `'putObject'`, `'PutObjectCommand'`,
 *   and the DynamoDB document clients' names (`'put'`, `'PutCommand'`, ...).
 * @param request The v3 command object or its `input`, or the v2 `params`.
 * @param response The v3 output, or the v2 response (whose output is under `data`).
 */
export function pointersForResponse(
  service: string,
  operation: string,
  request: unknown,
  response: unknown,
  options?: Options
): Outcome;

/** The consumer span pointers of a Lambda event, however it was delivered. Never throws. */
export function pointersForEvent(event: unknown): Outcome;

/** The consumer span pointers of what SQS `ReceiveMessage` returned to a worker. Never throws. */
export function pointersForReceiveMessage(output: unknown): Outcome;

/**
 * The consumer span pointers of what `GetRecords` returned: from Kinesis, or
 * from DynamoDB Streams (then `options.streamArn` names the stream read). Never throws.
 */
export function pointersForGetRecords(output: unknown, options?: { streamArn?: string }): Outcome;

/** The span-link attributes of a pointer (SPEC section 2); `null` for anything that is not a pointer. */
export function spanLinkAttributes(pointer: Pointer): SpanLinkAttributes;
export function spanLinkAttributes(pointer: unknown): SpanLinkAttributes | null;

/**
 * Whether a span carrying the pointer `hash` asks to keep its trace when
 * sampling at `rate` (0 to 1). Both sides of a hop compute the same pointer
 * hash, so they make the same decision. Never throws.
 */
export function keepForSampling(hash: string, rate: number): boolean;

/** The settings read from the environment: when first needed, and again after `reloadEnvironment()`. */
export function settings(): Settings;

/** Reads the settings' environment variables again; call it after changing them. */
export function reloadEnvironment(): void;

/**
 * Forgets what the calls so far showed of DynamoDB tables' key names (for
 * tests, or after tables were made again with other keys elsewhere). Never throws.
 */
export function forgetTables(): void;

// -- the explainer -------------------------------------------------------------

/** What was done to an input to get the bytes that were hashed. */
export type Rule =
  | 'as_given'
  | 'url_decoded'
  | 'quotes_removed'
  | 'number_canonical'
  | 'binary_from_base64'
  | 'binary_raw'
  | 'table_from_arn'
  | 'table_from_stream_arn'
  | 'key_name_configured'
  | 'key_name_learned'
  | 'key_name_given'
  | 'no_sort_key';

/** One of the byte strings joined by `|` and hashed. */
export interface Component {
  /** `bucket`, `key`, `etag`; `table`, `key_name_1`, `value_1`, `key_name_2`, `value_2`. */
  name: string;
  /** The bytes hashed: their text when UTF-8, else lowercase hex (`hex`). */
  value: string;
  hex: boolean;
  /** The input as given, when the rule changed it. */
  given: string | null;
  /** Where in the input it was read (`Records[0].s3.object.key`). */
  from: string;
  rule: Rule;
}

export interface ExplainedPointer {
  kind: PointerKind;
  direction: Direction;
  hash: string;
  components: Component[];
}

/** Why an input gave no pointer where one may have been meant. */
export interface Reason {
  code:
    | 'service_unknown'
    | 'operation_unknown'
    | 'operation_writes_nothing'
    | 'text_not_object'
    | 'not_an_object'
    | 'sdk_output_as_event'
    | 'record_without_event_source'
    | 'record_source_unrelated'
    | 'event_name_ignored'
    | 'message_unrelated'
    | 'no_records'
    | 'event_unrelated'
    | 'see_issues';
  /** Where in the input; empty for the whole input. */
  at: string;
  message: string;
  /** The shape the input resembles most (`an SQS record`). */
  resembles: string | null;
  /** What that shape has and the input lacks (`eventSource`). */
  missing: string[];
  /** "Did you mean": the name, or the call, that would give pointers. */
  suggestion: string | null;
}

/** The key attribute names one table's pointers were made with, and where they came from. */
export interface KeyNames {
  table: string;
  names: string[];
  source: 'setting' | 'option' | 'learned' | 'request' | 'record';
  /** For learned names: `key_schema` (CreateTable, UpdateTable, DescribeTable) or `key` (a Key DynamoDB accepted). */
  learned_from: 'key_schema' | 'key' | null;
  /** False when they cannot be right for the item written. */
  fits: boolean;
  note: string;
}

export type DatadogLibrary = 'dd-trace-py' | 'dd-trace-js' | 'datadog-lambda-python' | 'datadog-lambda-js';

/** What one Datadog library would hash for the same input. */
export interface LibraryAnswer {
  library: DatadogLibrary;
  pointers: { hash: string; components: string[] }[];
  /** Whether its hashes are span-autolink's, in the same order. */
  agrees: boolean;
  /** Where it parts from SPEC on this input (`number_as_written`, `key_not_url_decoded`, ...). */
  divergences: { rule: string; message: string }[];
}

/** The explanation of one call or event. */
export interface Report {
  side: 'producer' | 'consumer';
  input: string;
  pointers: ExplainedPointer[];
  issues: Issue[];
  reasons: Reason[];
  key_names: KeyNames[];
  datadog: LibraryAnswer[];
}

/** A producer and a consumer side by side. */
export interface Comparison {
  meet: boolean;
  producer: Report;
  consumer: Report;
  pairs: {
    /** Indexes into each report's `pointers`. */
    producer: number | null;
    consumer: number | null;
    meet: boolean;
    difference: {
      component: number;
      name: string;
      producer: string;
      consumer: string;
      /** The rule behind the difference (`key_names`, `number_canonical`, `url_decoded`, ...). */
      rule: string;
      message: string;
    } | null;
  }[];
  datadog: { producer: DatadogLibrary; consumer: DatadogLibrary; meet: boolean; message: string }[];
  message: string;
}

/** What an explain call answers when it could not explain. */
export interface ExplainFailure {
  error: Issue;
}

/** One of the application's calls before the one explained, whose key names puts learn. */
export interface EarlierCall {
  service: string;
  operation: string;
  request: unknown;
  response: unknown;
}

/** How an explained call's key names are found: the option, and the calls before it. */
export interface ExplainOptions {
  dynamodbPrimaryKeys?: Record<string, string[]> | string;
  /** The application's calls before this one, in order (DescribeTable, GetItem, ...): what they show of tables' key names is learned first. */
  calls?: EarlierCall[];
}

/** A call or an event, as `explain` takes each side. */
export type ExplainSide =
  | ({ service: string; operation: string; request: unknown; response: unknown } & ExplainOptions)
  | { event: unknown };

/** Why an AWS call gives the pointers it gives (a module of its own, loaded at the first call). */
export function explainResponse(
  service: string,
  operation: string,
  request: unknown,
  response: unknown,
  options?: ExplainOptions,
): Report | ExplainFailure;

/** Why a Lambda event gives the pointers it gives. */
export function explainEvent(event: unknown): Report | ExplainFailure;

/** Why two spans did or did not link. */
export function explain(producer: ExplainSide, consumer: ExplainSide): Comparison | ExplainFailure;

declare const api: {
  pointersForResponse: typeof pointersForResponse;
  pointersForEvent: typeof pointersForEvent;
  pointersForReceiveMessage: typeof pointersForReceiveMessage;
  pointersForGetRecords: typeof pointersForGetRecords;
  spanLinkAttributes: typeof spanLinkAttributes;
  keepForSampling: typeof keepForSampling;
  settings: typeof settings;
  reloadEnvironment: typeof reloadEnvironment;
  explainResponse: typeof explainResponse;
  explainEvent: typeof explainEvent;
  explain: typeof explain;
  forgetTables: typeof forgetTables;
};
export default api;
