import type { Actor } from '../../services/shared/eventstore/types';
import type { SealedValue } from '../../services/shared/pii/sealed';
import type {
  ComplaintCommand,
  ComplaintCommandType,
  ComplaintEvent,
  ComplaintForwarded,
  ComplaintReceived,
  ComplaintStatus,
} from '../../services/complaint/domain';

/** Test data for the complaint domain: actors, times, and a history that reaches each state. */

export const officer: Actor = { id: 'officer-ani', role: 'OFFICER' };
export const supervisor: Actor = { id: 'supervisor-bayu', role: 'SUPERVISOR' };
export const admin: Actor = { id: 'admin-citra', role: 'ADMIN' };
export const auditor: Actor = { id: 'auditor-dewi', role: 'AUDITOR' };
export const bantulPic: Actor = { id: 'pic-bantul', role: 'AGENCY', agencyId: 'inspektorat-bantul' };
export const slemanPic: Actor = { id: 'pic-sleman', role: 'AGENCY', agencyId: 'inspektorat-sleman' };
export const publicActor: Actor = { id: 'public', role: 'PUBLIC' };

/** Minute n of 5 January 2026 (UTC). */
export const at = (n: number) => new Date(Date.UTC(2026, 0, 5, 1, n)).toISOString();

/** A blob of the right shape; the decider never opens it. */
export const sealed: SealedValue = {
  v: 1,
  alg: 'A256GCM',
  keyId: '5a0c3c1e-3f4b-4b8e-9d1a-2b7c9e0f1a2b',
  iv: 'AAAAAAAAAAAAAAAA',
  ciphertext: 'c2VhbGVkIGlkZW50aXR5',
  tag: 'AAAAAAAAAAAAAAAAAAAAAA==',
};

export function command<T extends ComplaintCommandType>(
  type: T,
  data: Extract<ComplaintCommand, { type: T }>['data'],
  actor: Actor = officer,
  now = at(30),
): Extract<ComplaintCommand, { type: T }> {
  return { type, data, metadata: { now, actor } } as Extract<ComplaintCommand, { type: T }>;
}

export const intake = {
  complaintId: 'c-0001',
  trackingNumber: 'DUMAS-2026-482913',
  subject: 'Jalan rusak di Kapanewon Sewon',
  description: 'Jalan kabupaten berlubang sejak tiga bulan, belum ada perbaikan.',
  category: 'infrastructure',
  region: 'Kabupaten Bantul',
  confidential: false,
  anonymous: false,
  complainant: { subjectId: 'subject-0001', sealed },
  accessCodeHash: null,
};

export const received: ComplaintReceived = {
  type: 'ComplaintReceived',
  data: {
    complaintId: 'c-0001',
    trackingNumber: 'DUMAS-2026-482913',
    intake: 'OFFICER',
    channel: 'EMAIL',
    channelReference: '<msg-1@mail.example.id>',
    subject: intake.subject,
    description: intake.description,
    category: 'infrastructure',
    region: 'Kabupaten Bantul',
    confidential: false,
    anonymous: false,
    complainant: { subjectId: 'subject-0001', sealed },
    accessCodeHash: null,
    receivedAt: at(0),
    imported: null,
    by: officer.id,
    at: at(0),
  },
};

export const informationRequested: ComplaintEvent = {
  type: 'InformationRequested',
  data: { question: 'Mohon lampirkan foto lokasi.', by: officer.id, at: at(1) },
};
export const verified: ComplaintEvent = {
  type: 'ComplaintVerified',
  data: { category: 'infrastructure', region: 'Kabupaten Bantul', note: null, by: officer.id, at: at(2) },
};
export const forwarded: ComplaintForwarded = {
  type: 'ComplaintForwarded',
  data: {
    forwardings: [
      { forwardingId: 'inspektorat-bantul/1', agencyId: 'inspektorat-bantul' },
      { forwardingId: 'inspektorat-sleman/1', agencyId: 'inspektorat-sleman' },
    ],
    note: null,
    by: officer.id,
    at: at(3),
  },
};
export const bantulAcknowledged: ComplaintEvent = {
  type: 'ComplaintAcknowledged',
  data: {
    forwardingId: 'inspektorat-bantul/1',
    agencyId: 'inspektorat-bantul',
    note: null,
    by: bantulPic.id,
    at: at(4),
  },
};
export const bantulResponded: ComplaintEvent = {
  type: 'AgencyResponseRecorded',
  data: {
    forwardingId: 'inspektorat-bantul/1',
    agencyId: 'inspektorat-bantul',
    response: 'Perbaikan dijadwalkan pekan depan.',
    outcome: 'FOLLOWED_UP',
    allResponded: false,
    by: bantulPic.id,
    at: at(5),
  },
};
export const slemanResponded: ComplaintEvent = {
  type: 'AgencyResponseRecorded',
  data: {
    forwardingId: 'inspektorat-sleman/1',
    agencyId: 'inspektorat-sleman',
    response: 'Bukan wilayah Sleman; sudah dikoordinasikan.',
    outcome: 'NOT_COMPETENT',
    allResponded: true,
    by: slemanPic.id,
    at: at(6),
  },
};
export const resolved: ComplaintEvent = {
  type: 'ComplaintResolved',
  data: { resolution: 'Jalan telah diperbaiki.', by: supervisor.id, at: at(7) },
};
export const closed: ComplaintEvent = {
  type: 'ComplaintClosed',
  data: { note: null, by: supervisor.id, at: at(8) },
};
export const rejected: ComplaintEvent = {
  type: 'ComplaintRejected',
  data: {
    reason: 'OUT_OF_SCOPE',
    note: 'Urusan perdata antarwarga.',
    duplicateOf: null,
    by: officer.id,
    at: at(1),
  },
};

/** A history that ends in each state. */
export const historyOf: Readonly<Record<ComplaintStatus | 'NONE', readonly ComplaintEvent[]>> = {
  NONE: [],
  RECEIVED: [received],
  AWAITING_INFORMATION: [received, informationRequested],
  VERIFIED: [received, verified],
  FORWARDED: [received, verified, forwarded],
  IN_FOLLOW_UP: [received, verified, forwarded, bantulAcknowledged],
  RESPONDED: [received, verified, forwarded, bantulAcknowledged, bantulResponded, slemanResponded],
  RESOLVED: [received, verified, forwarded, bantulAcknowledged, bantulResponded, slemanResponded, resolved],
  CLOSED: [
    received,
    verified,
    forwarded,
    bantulAcknowledged,
    bantulResponded,
    slemanResponded,
    resolved,
    closed,
  ],
  REJECTED: [received, rejected],
};
