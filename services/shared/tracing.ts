/**
 * OpenTelemetry traces, off by default.
 *
 * One trace follows a client's request through every process, and on through the log:
 * - W3C trace context (`traceparent`/`tracestate`) is read from each incoming request at the gateway and
 *   in each subgraph (graphqlHandler), and written into each subgraph call (the gateway's data sources);
 * - a command is a span, the store append is a span, and each appended event carries the `traceparent`
 *   of the append in its metadata, so the projections and flows that apply it later, in any process,
 *   continue the same trace (a flow's own appends then carry it on to the next subgraph).
 *
 * Why the propagation is written here instead of taking the http/undici auto-instrumentations: we own
 * both ends (our node:http front and our undici data source), the instrumentations patch modules through
 * require hooks that must run before anything is loaded (fragile under jest and swc), and the trace must
 * cross the event log, which no instrumentation knows about.
 *
 * Switched on by the standard variables: OTEL_TRACES_EXPORTER=otlp, or an OTLP endpoint
 * (OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT); OTEL_SDK_DISABLED=true wins. The
 * exporter itself reads the rest (headers, protocol details, timeouts); OTEL_SERVICE_NAME names the
 * process (default dumas-<service>). While off, the API's no-op tracer costs next to nothing and no
 * event gets a traceparent.
 */
import {
  type Attributes,
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';

export const tracer = trace.getTracer('dumas');

export interface TracingHandle {
  shutdown(): Promise<void>;
}

let active: { shutdown(): Promise<void> } | undefined;

/** Whether the environment asks for traces to be exported. */
export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  if ((env.OTEL_SDK_DISABLED ?? '').toLowerCase() === 'true') return false;
  const exporter = (env.OTEL_TRACES_EXPORTER ?? '').toLowerCase();
  if (exporter === 'none') return false;
  return (
    exporter.split(',').includes('otlp') ||
    Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
  );
}

/**
 * Registers the process's tracer provider when the environment asks for it (or an exporter is given:
 * tests pass an in-memory one, exported span by span). Returns undefined when tracing stays off.
 */
export function startTracing(
  service: string,
  options: { env?: NodeJS.ProcessEnv; exporter?: SpanExporter } = {},
): TracingHandle | undefined {
  const env = options.env ?? process.env;
  if (!options.exporter && !tracingRequested(env)) return undefined;
  if (active) return { shutdown: async () => {} };
  // The SDK is loaded only when traces are asked for: ordinary start-up carries the API alone.
  const { NodeTracerProvider, BatchSpanProcessor, SimpleSpanProcessor } =
    require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node');
  const { W3CTraceContextPropagator } =
    require('@opentelemetry/core') as typeof import('@opentelemetry/core');
  const { resourceFromAttributes } =
    require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  let exporter = options.exporter;
  if (!exporter) {
    const { OTLPTraceExporter } =
      require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
    exporter = new OTLPTraceExporter();
  }
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME || `dumas-${service}` }),
    spanProcessors: [options.exporter ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter)],
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  active = provider;
  return {
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
      active = undefined;
    },
  };
}

type Carrier = Record<string, unknown>;
const carrierGetter = {
  keys: (carrier: Carrier) => Object.keys(carrier),
  get: (carrier: Carrier, key: string) => {
    const value = carrier[key];
    return typeof value === 'string' ? value : Array.isArray(value) ? String(value[0]) : undefined;
  },
};

/** The context a request's `traceparent`/`tracestate` headers (or an event's metadata) carry. */
export function extractContext(carrier: Carrier | undefined): Context {
  return carrier ? propagation.extract(ROOT_CONTEXT, carrier, carrierGetter) : ROOT_CONTEXT;
}

/** `traceparent` (and `tracestate`) of the active span, for outgoing headers or an event's metadata. */
export function currentTraceHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  propagation.inject(context.active(), headers);
  return headers;
}

/** Runs `fn` in a new span (a child of `parent`, default the active context); ends it, records failure. */
export async function inSpan<T>(
  name: string,
  options: { kind?: SpanKind; attributes?: Attributes; parent?: Context },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(
    name,
    {
      kind: options.kind ?? SpanKind.INTERNAL,
      ...(options.attributes ? { attributes: options.attributes } : {}),
    },
    options.parent ?? context.active(),
    async (span) => {
      try {
        return await fn(span);
      } catch (err) {
        span.setStatus({
          code: SpanStatusCode.ERROR,
          // The error's kind only: messages may carry values a complainant typed.
          message:
            err instanceof Error ? (((err as { code?: unknown }).code as string) ?? err.name) : 'error',
        });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

/**
 * Runs `fn` as the continuation of the trace an event's metadata carries (`traceparent`), in a span
 * named `name`. Events without one (tracing was off when they were appended) run `fn` as is, at no cost.
 */
export function continueEventTrace<T>(
  event: { readonly metadata: Record<string, unknown> },
  name: string,
  attributes: Attributes,
  fn: () => Promise<T>,
): Promise<T> {
  if (typeof event.metadata.traceparent !== 'string') return fn();
  return inSpan(name, { kind: SpanKind.CONSUMER, attributes, parent: extractContext(event.metadata) }, fn);
}

/** `fn` bound to the current context, for callbacks that run later (an emitter's 'finish'). */
export function bindToCurrentContext<F extends (...args: never[]) => unknown>(fn: F): F {
  return context.bind(context.active(), fn);
}

/** Renames the active span (the server span, once the operation is known). */
export function nameActiveSpan(name: string): void {
  trace.getSpan(context.active())?.updateName(name);
}

/** The active span's ids for a log line, or nothing when there is no sampled trace. */
export function traceFields(): { traceId?: string; spanId?: string } {
  const span = trace.getSpan(context.active());
  const ctx = span?.spanContext();
  if (!ctx || !trace.isSpanContextValid(ctx)) return {};
  return { traceId: ctx.traceId, spanId: ctx.spanId };
}

export { SpanKind } from '@opentelemetry/api';
