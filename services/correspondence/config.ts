/**
 * Settings of the correspondence subgraph beyond the shared ones (store, read models, data dir), read from
 * the environment in one place. Every default is DOMAIN.md's.
 */
import path from 'node:path';
import type { DumasConfig } from '../shared/config';
import { type LetterNumberingConfig, letterNumberingConfigFromEnv } from './domain';

export type BlobStoreConfig =
  | { readonly kind: 'sqlite'; readonly file: string }
  | { readonly kind: 'postgres'; readonly url: string };

/**
 * `starttls` (default, port 587): plain SMTP upgraded with STARTTLS, refused if the server cannot;
 * `tls` (port 465): TLS from the first byte; `none` (port 25): never encrypted, for a trusted relay.
 */
export type SmtpSecurity = 'starttls' | 'tls' | 'none';

export type DeliveryConfig =
  | { readonly kind: 'outbox'; readonly dir: string; readonly from: string }
  | {
      readonly kind: 'smtp';
      readonly host: string;
      readonly port: number;
      readonly from: string;
      readonly security: SmtpSecurity;
      readonly user?: string;
      readonly password?: string;
      /** Longest wait for the connection or any one SMTP reply. */
      readonly timeoutMs?: number;
      /** Where a copy of each message is kept, named like the outbox's files. */
      readonly dir: string;
    };

export interface CorrespondenceConfig {
  readonly numbering: LetterNumberingConfig;
  readonly blobs: BlobStoreConfig;
  readonly delivery: DeliveryConfig;
  /** Largest attachment accepted in an upload, in bytes (decoded). */
  readonly maxAttachmentBytes: number;
  /** Working days an agency has to answer a follow-up request or reminder before a reminder is drafted. */
  readonly followUpWorkingDays: number;
  /** Reminders drafted at most per follow-up request. */
  readonly maxReminders: number;
  /** How often the reminder flow looks for deadlines that passed; 0 disables the timer (tests tick by hand). */
  readonly reminderTickMs: number;
}

/** A whole-number setting, with the variable's name in the error. */
export const positiveInt = (env: NodeJS.ProcessEnv, name: string, fallback: number, min = 1): number => {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) throw new Error(`${name} must be a whole number ≥ ${min}`);
  return value;
};

export function correspondenceConfigFromEnv(
  base: DumasConfig,
  env: NodeJS.ProcessEnv = process.env,
): CorrespondenceConfig {
  const blobUrl =
    env.DUMAS_BLOB_POSTGRES_URL ?? (base.store.kind === 'postgres' ? base.store.url : undefined);
  const from = env.DUMAS_MAIL_FROM ?? 'dumas@setneg.go.id';
  const outboxDir = env.DUMAS_OUTBOX_DIR ?? path.join(base.dataDir, 'outbox');
  const smtpHost = env.DUMAS_SMTP_HOST;
  const security = env.DUMAS_SMTP_SECURE || 'starttls';
  if (security !== 'starttls' && security !== 'tls' && security !== 'none')
    throw new Error('DUMAS_SMTP_SECURE must be starttls, tls or none');
  const delivery: DeliveryConfig = smtpHost
    ? {
        kind: 'smtp',
        host: smtpHost,
        port: positiveInt(env, 'DUMAS_SMTP_PORT', security === 'tls' ? 465 : security === 'none' ? 25 : 587),
        security,
        timeoutMs: positiveInt(env, 'DUMAS_SMTP_TIMEOUT_MS', 60_000),
        from,
        ...(env.DUMAS_SMTP_USER ? { user: env.DUMAS_SMTP_USER } : {}),
        ...(env.DUMAS_SMTP_PASSWORD ? { password: env.DUMAS_SMTP_PASSWORD } : {}),
        dir: outboxDir,
      }
    : { kind: 'outbox', dir: outboxDir, from };
  return {
    numbering: letterNumberingConfigFromEnv(env),
    blobs: blobUrl
      ? { kind: 'postgres', url: blobUrl }
      : { kind: 'sqlite', file: env.DUMAS_BLOB_FILE ?? path.join(base.dataDir, 'blobs.sqlite') },
    delivery,
    maxAttachmentBytes: positiveInt(env, 'DUMAS_ATTACHMENT_MAX_BYTES', 5 * 1024 * 1024),
    followUpWorkingDays: positiveInt(env, 'DUMAS_FOLLOW_UP_WORKING_DAYS', 5),
    maxReminders: positiveInt(env, 'DUMAS_MAX_REMINDERS', 3, 0),
    reminderTickMs: positiveInt(env, 'DUMAS_REMINDER_TICK_MS', 60_000, 0),
  };
}
