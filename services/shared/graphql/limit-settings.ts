/**
 * The abuse limits' settings, apart from the rules that apply them (limits.ts): the one configuration
 * reads them, and a process that serves no GraphQL (the importer) then loads neither graphql nor Apollo.
 */
export interface GatewayLimits {
  /** Largest request body in bytes. */
  readonly bodyLimitBytes: number;
  /** Most lexical tokens in one document: graphql's parser stops there (GRAPHQL_PARSE_FAILED, 400). */
  readonly maxTokens: number;
  /** Deepest nesting of fields and fragments in an operation (introspection: INTROSPECTION_MAX_DEPTH). */
  readonly maxDepth: number;
  /** Most aliased fields in one document. */
  readonly maxAliases: number;
  /** Highest estimated cost: one per field, multiplied by page sizes (`first`/`last`/`limit`). */
  readonly maxCost: number;
  /** Most operations in one batched (array) request body; 1 disables batching. */
  readonly maxBatch: number;
  /** Public (no-token) mutations a single client may send per minute. */
  readonly publicMutationsPerMinute: number;
  /** Requests with an access-code check (trackComplaint, rateComplaintHandling) per client per minute. */
  readonly accessCodeChecksPerMinute: number;
  /** Access-code checks per tracking number per minute, whoever asks (the subgraph counts them). */
  readonly accessCodeChecksPerTrackingNumberPerMinute: number;
}

export const DEFAULT_LIMITS: GatewayLimits = {
  bodyLimitBytes: 1024 * 1024,
  maxTokens: 10_000,
  maxDepth: 10,
  maxAliases: 30,
  maxCost: 5000,
  maxBatch: 10,
  publicMutationsPerMinute: 10,
  accessCodeChecksPerMinute: 30,
  accessCodeChecksPerTrackingNumberPerMinute: 10,
};

/** The variable that overrides each limit (read in services/shared/config.ts). */
export const LIMIT_ENV: Record<keyof GatewayLimits, string> = {
  bodyLimitBytes: 'DUMAS_LIMIT_BODY_BYTES',
  maxTokens: 'DUMAS_LIMIT_TOKENS',
  maxDepth: 'DUMAS_LIMIT_DEPTH',
  maxAliases: 'DUMAS_LIMIT_ALIASES',
  maxCost: 'DUMAS_LIMIT_COST',
  maxBatch: 'DUMAS_LIMIT_BATCH',
  publicMutationsPerMinute: 'DUMAS_LIMIT_PUBLIC_MUTATIONS_PER_MINUTE',
  accessCodeChecksPerMinute: 'DUMAS_LIMIT_ACCESS_CODE_CHECKS_PER_MINUTE',
  accessCodeChecksPerTrackingNumberPerMinute: 'DUMAS_LIMIT_ACCESS_CODE_CHECKS_PER_TRACKING_NUMBER_PER_MINUTE',
};
