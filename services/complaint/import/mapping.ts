/**
 * How a source file's columns become an imported complaint. A mapping names, for each field dumas
 * knows, the column (CSV header or JSON key) that holds it; the built-in ones cover an SP4N-LAPOR!
 * export and the plain spreadsheet template shipped under samples/, and any other export is described
 * by a JSON file of the same shape (`--mapping my-mapping.json`).
 *
 * Parsing a row is pure: it either yields an ImportRecord (every time normalised to UTC, history in a
 * possible order) or a refusal reason that names the column and the rule, never the value (a value may
 * be personal data, and refusals are written to a report file).
 */
import fs from 'node:fs';
import { CHANNELS, type Channel, REJECTION_REASONS, type RejectionReason } from '../domain/constants';

/** The fields a row can carry. */
export const IMPORT_FIELDS = [
  'reference',
  'channel',
  'receivedAt',
  'subject',
  'description',
  'category',
  'region',
  'name',
  'nik',
  'email',
  'phone',
  'address',
  'anonymous',
  'confidential',
  'agencies',
  'forwardedAt',
  'respondedAt',
  'response',
  'closedAt',
  'status',
  'rejectionReason',
] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

export interface ImportMapping {
  /** Provenance label recorded on every imported complaint (e.g. `SP4N-LAPOR! export`). */
  readonly source: string;
  /** The channel of every row; when absent, the `channel` column gives it per row. */
  readonly channel?: Channel;
  /** Column (header or key) of each field. `reference`, `receivedAt`, `subject`, `description` are required. */
  readonly columns: Partial<Record<ImportField, string>>;
  /** Values of the `status` column that mean the complaint was rejected (compared case-insensitively). */
  readonly rejectedStatuses?: readonly string[];
  /** Values meaning yes in the `anonymous` / `confidential` columns (case-insensitive). Default: ya, yes, true, 1, y. */
  readonly yes?: readonly string[];
  /** Offset of times written without one. Default `+07:00` (WIB, where the ministry works). */
  readonly utcOffset?: string;
}

/** An SP4N-LAPOR! export as the LAPOR admin console writes it (made-up sample: samples/lapor-export.csv). */
export const LAPOR_MAPPING: ImportMapping = {
  source: 'SP4N-LAPOR! export',
  channel: 'LAPOR',
  columns: {
    reference: 'Nomor Tracking',
    receivedAt: 'Tanggal Laporan',
    subject: 'Judul Laporan',
    description: 'Isi Laporan',
    category: 'Kategori',
    region: 'Lokasi',
    name: 'Nama Pelapor',
    email: 'Email Pelapor',
    phone: 'Telepon Pelapor',
    anonymous: 'Anonim',
    confidential: 'Rahasia',
    agencies: 'Instansi Tujuan',
    forwardedAt: 'Tanggal Disposisi',
    respondedAt: 'Tanggal Tindak Lanjut',
    response: 'Tindak Lanjut',
    closedAt: 'Tanggal Selesai',
    status: 'Status',
  },
  rejectedStatuses: ['ditolak', 'tidak dapat diproses'],
};

/** The plain spreadsheet template (samples/complaints-sheet.csv): one column per field, named as the field. */
export const SHEET_MAPPING: ImportMapping = {
  source: 'spreadsheet',
  columns: {
    reference: 'reference',
    channel: 'channel',
    receivedAt: 'received_at',
    subject: 'subject',
    description: 'description',
    category: 'category',
    region: 'region',
    name: 'name',
    nik: 'nik',
    email: 'email',
    phone: 'phone',
    address: 'address',
    anonymous: 'anonymous',
    confidential: 'confidential',
    agencies: 'agencies',
    forwardedAt: 'forwarded_at',
    respondedAt: 'responded_at',
    response: 'response',
    closedAt: 'closed_at',
    status: 'status',
    rejectionReason: 'rejection_reason',
  },
  rejectedStatuses: ['rejected', 'ditolak'],
};

export const BUILT_IN_MAPPINGS: Readonly<Record<string, ImportMapping>> = {
  lapor: LAPOR_MAPPING,
  sheet: SHEET_MAPPING,
};

/** A built-in mapping by name, or a JSON file describing one; checked so a typo fails before any row. */
export function loadMapping(nameOrFile: string): ImportMapping {
  const builtIn = BUILT_IN_MAPPINGS[nameOrFile];
  if (builtIn) return builtIn;
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(nameOrFile, 'utf8'));
  } catch {
    throw new Error(`mapping ${nameOrFile} is neither lapor, sheet nor a readable JSON file`);
  }
  return checkMapping(parsed);
}

export function checkMapping(value: unknown): ImportMapping {
  const m = value as Partial<ImportMapping> | null;
  if (!m || typeof m !== 'object') throw new Error('a mapping must be a JSON object');
  if (typeof m.source !== 'string' || !m.source.trim()) throw new Error('mapping.source must be text');
  if (m.channel !== undefined && !CHANNELS.includes(m.channel))
    throw new Error(`mapping.channel must be one of ${CHANNELS.join(', ')}`);
  if (!m.columns || typeof m.columns !== 'object') throw new Error('mapping.columns must be an object');
  for (const [field, column] of Object.entries(m.columns)) {
    if (!(IMPORT_FIELDS as readonly string[]).includes(field))
      throw new Error(`mapping.columns.${field} is not a field (fields: ${IMPORT_FIELDS.join(', ')})`);
    if (typeof column !== 'string') throw new Error(`mapping.columns.${field} must name a column`);
  }
  for (const required of ['reference', 'receivedAt', 'subject', 'description'] as const) {
    if (!m.columns[required]) throw new Error(`mapping.columns.${required} is required`);
  }
  if (!m.channel && !m.columns.channel) throw new Error('mapping needs channel or columns.channel');
  if (m.utcOffset !== undefined && !/^[+-]\d{2}:\d{2}$/.test(m.utcOffset))
    throw new Error('mapping.utcOffset must look like +07:00');
  return m as ImportMapping;
}

/** One row, parsed: what the importer turns into a case. */
export interface ImportRecord {
  readonly reference: string;
  readonly channel: Channel;
  readonly receivedAt: string;
  readonly subject: string;
  readonly description: string;
  readonly category: string | null;
  readonly region: string | null;
  readonly complainant: {
    readonly name: string;
    readonly nik: string | null;
    readonly email: string | null;
    readonly phone: string | null;
    readonly address: string | null;
  } | null;
  readonly anonymous: boolean;
  readonly confidential: boolean;
  /** Agency names or ids as the source writes them (resolved against the directory by the importer). */
  readonly agencies: readonly string[];
  readonly forwardedAt: string | null;
  readonly respondedAt: string | null;
  readonly response: string | null;
  readonly closedAt: string | null;
  readonly rejection: { readonly reason: RejectionReason } | null;
}

export type ParsedRow =
  | { readonly ok: true; readonly record: ImportRecord }
  | { readonly ok: false; readonly reason: string };

const DEFAULT_YES = ['ya', 'yes', 'true', '1', 'y'];

/** Parses one row (CSV record or JSON object) with the mapping; `now` bounds every time. */
export function parseRow(
  row: Readonly<Record<string, unknown>>,
  mapping: ImportMapping,
  now: string,
): ParsedRow {
  const column = (field: ImportField) => mapping.columns[field];
  // How a refusal names a field: the file's column, and dumas's name when it differs.
  const label = (field: ImportField) => {
    const name = column(field) ?? field;
    return name === field ? field : `${name} (${field})`;
  };
  const text = (field: ImportField): string | null => {
    const name = column(field);
    if (!name) return null;
    const raw = row[name];
    if (raw === undefined || raw === null) return null;
    const value = String(raw).trim();
    return value === '' ? null : value;
  };
  const refuse = (reason: string): ParsedRow => ({ ok: false, reason });
  const offset = mapping.utcOffset ?? '+07:00';
  const time = (field: ImportField): string | null | undefined => {
    const value = text(field);
    if (value === null) return null;
    return parseSourceTime(value, offset);
  };

  const reference = text('reference');
  if (!reference) return refuse(`${label('reference')} is empty`);
  if (reference.length > 200) return refuse(`${label('reference')} is longer than 200 characters`);
  let channel: Channel;
  if (mapping.channel) channel = mapping.channel;
  else {
    const value = text('channel')
      ?.toUpperCase()
      .replace(/[\s-]+/g, '_');
    if (!value || !(CHANNELS as readonly string[]).includes(value))
      return refuse(`${label('channel')} must be one of ${CHANNELS.join(', ')}`);
    channel = value as Channel;
  }

  const times: Partial<Record<'receivedAt' | 'forwardedAt' | 'respondedAt' | 'closedAt', string | null>> = {};
  for (const field of ['receivedAt', 'forwardedAt', 'respondedAt', 'closedAt'] as const) {
    const value = time(field);
    if (value === undefined)
      return refuse(`${label(field)} is not a date-time (YYYY-MM-DD HH:mm, DD/MM/YYYY HH:mm or ISO 8601)`);
    if (value !== null && Date.parse(value) > Date.parse(now))
      return refuse(`${label(field)} is in the future`);
    times[field] = value;
  }
  const receivedAt = times.receivedAt;
  if (!receivedAt) return refuse(`${label('receivedAt')} is empty`);
  const subject = text('subject');
  if (!subject) return refuse(`${label('subject')} is empty`);
  const description = text('description') ?? subject;

  const yes = (mapping.yes ?? DEFAULT_YES).map((v) => v.toLowerCase());
  const flag = (field: ImportField) => yes.includes((text(field) ?? '').toLowerCase());
  const name = text('name');
  const contact = { nik: text('nik'), email: text('email'), phone: text('phone'), address: text('address') };
  if (!name && Object.values(contact).some((v) => v !== null))
    return refuse(`${label('name')} is empty while other identity columns are given`);

  const agencies = (text('agencies') ?? '')
    .split(/[;\n|]/)
    .map((a) => a.trim())
    .filter((a) => a !== '');
  const status = (text('status') ?? '').toLowerCase();
  const rejected = (mapping.rejectedStatuses ?? []).some((s) => s.toLowerCase() === status);
  let rejection: ImportRecord['rejection'] = null;
  if (rejected) {
    const reason = (text('rejectionReason') ?? 'OUT_OF_SCOPE').toUpperCase().replace(/[\s-]+/g, '_');
    if (!(REJECTION_REASONS as readonly string[]).includes(reason))
      return refuse(`${label('rejectionReason')} must be one of ${REJECTION_REASONS.join(', ')}`);
    rejection = { reason: reason as RejectionReason };
  }

  // The history must be one the lifecycle allows, in an order time allows.
  const { forwardedAt, respondedAt, closedAt } = times;
  const order: [string, string | null | undefined][] = [
    ['receivedAt', receivedAt],
    ['forwardedAt', forwardedAt],
    ['respondedAt', respondedAt],
    ['closedAt', closedAt],
  ];
  let previous: [string, string] | null = null;
  for (const [field, at] of order) {
    if (!at) continue;
    if (previous && Date.parse(at) < Date.parse(previous[1]))
      return refuse(`${field} is earlier than ${previous[0]}`);
    previous = [field, at];
  }
  if (rejection) {
    if (forwardedAt || respondedAt)
      return refuse('a rejected complaint cannot have been forwarded or responded to');
  } else {
    if (forwardedAt && agencies.length === 0)
      return refuse(`${label('agencies')} is empty while forwardedAt is given`);
    if (agencies.length > 0 && !forwardedAt)
      return refuse(`${label('forwardedAt')} is empty while agencies are given`);
    if (respondedAt && !forwardedAt)
      return refuse('respondedAt is given but the complaint was never forwarded');
    if (closedAt && !respondedAt)
      return refuse(
        'closedAt is given but no response was recorded (only a rejected complaint closes unanswered)',
      );
  }
  const response = text('response');
  if (response && !respondedAt) return refuse('response is given without respondedAt');

  return {
    ok: true,
    record: {
      reference,
      channel,
      receivedAt,
      subject,
      description,
      category: text('category'),
      region: text('region'),
      complainant: name ? { name, ...contact } : null,
      anonymous: flag('anonymous'),
      confidential: flag('confidential'),
      agencies,
      forwardedAt: forwardedAt ?? null,
      respondedAt: respondedAt ?? null,
      response,
      closedAt: closedAt ?? null,
      rejection,
    },
  };
}

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const YMD = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/;
const DMY = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+(\d{1,2})[:.](\d{2})(?::(\d{2}))?)?$/;

/**
 * A source's time as an ISO instant (UTC), or undefined when it is none. Times without a zone are read
 * at `offset` (WIB by default); a date alone means midnight there. DD/MM/YYYY is the Indonesian order.
 */
export function parseSourceTime(value: string, offset: string): string | undefined {
  if (ISO_WITH_ZONE.test(value)) {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
  }
  let parts: (string | undefined)[] | null = null;
  const ymd = YMD.exec(value);
  if (ymd) parts = [ymd[1], ymd[2], ymd[3], ymd[4], ymd[5], ymd[6]];
  const dmy = DMY.exec(value);
  if (dmy) parts = [dmy[3], dmy[2], dmy[1], dmy[4], dmy[5], dmy[6]];
  if (!parts) return undefined;
  const [y, mo, d, h, mi, s] = parts.map((p, i) =>
    p === undefined ? (i < 3 ? '01' : '00') : p.padStart(2, '0'),
  );
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}${offset}`;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return undefined;
  // Date.parse rolls 31/02 over into March; a day that does not exist is no date.
  const local = new Date(ms + offsetMinutes(offset) * 60_000);
  if (local.getUTCDate() !== Number(d) || local.getUTCMonth() + 1 !== Number(mo)) return undefined;
  return new Date(ms).toISOString();
}

function offsetMinutes(offset: string): number {
  const sign = offset.startsWith('-') ? -1 : 1;
  const [h, m] = offset.slice(1).split(':').map(Number);
  return sign * ((h ?? 0) * 60 + (m ?? 0));
}
