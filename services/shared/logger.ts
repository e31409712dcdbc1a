import pino, { type Logger } from 'pino';
import { traceFields } from './tracing';

export type { Logger } from 'pino';

/**
 * Paths pino censors wherever a log line carries them. Complainant identity is personal data under
 * UU PDP 27/2022 and bearer tokens are credentials: neither may reach a log, even by accident (an error
 * object with a request attached, a document logged while debugging a projection).
 * pino's wildcards match one level, so the usual nestings are listed explicitly.
 */
export const REDACTED_PATHS: readonly string[] = [
  'authorization',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'request.headers.authorization',
  '*.authorization',
  'token',
  '*.token',
  'accessCode',
  '*.accessCode',
  'complainant',
  '*.complainant',
  '*.*.complainant',
  'variables',
  '*.variables',
  'nik',
  '*.nik',
  'email',
  '*.email',
  'phone',
  '*.phone',
  'address',
  '*.address',
];

export interface LoggerOptions {
  /** The process's name in every line (`complaint`, `gateway`, ...). */
  readonly name: string;
  readonly level?: string;
  /** Where JSON lines go; stdout by default. Tests pass a stream to read what was logged. */
  readonly destination?: pino.DestinationStream;
}

/** JSON lines on stdout, one logger per process; children add `requestId` per request. */
export function createLogger(options: LoggerOptions): Logger {
  const level =
    options.level ?? process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info');
  const config: pino.LoggerOptions = {
    name: options.name,
    level,
    redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
    base: { service: options.name },
    timestamp: pino.stdTimeFunctions.isoTime,
    // The trace and span of the work a line is written in (none while tracing is off).
    mixin: traceFields,
    formatters: { level: (label) => ({ level: label }) },
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}
