/**
 * Demo data for `npm start`, written on the first run only (an empty log): the DIY agencies of DOMAIN.md
 * with their focal points, and a few dozen complaints spread over the lifecycle and over the last months,
 * each step at its own time, through the same deciders and command handler as the API (so every record is
 * a real event with actor, time and hash chain). Deterministic: the same data on every fresh machine.
 */
import { CommandHandler } from '../shared/decider';
import type { DumasConfig } from '../shared/config';
import { createEventStore } from '../shared/eventstore';
import type { Actor, EventStore } from '../shared/eventstore/types';
import { openKeyVault } from '../shared/pii';
import type { KeyVault } from '../shared/pii/vault';
import type { AgencyKind } from '../correspondence/domain';
import { agencyDecider, agencyStreamId } from '../correspondence/domain';
import { type ComplaintCommand, complaintStreamId, TrackingNumberService } from '../complaint/domain';
import { prepareComplaintIntake } from '../complaint/domain/intake';
import { guardedComplaintDecider } from '../complaint/service';

export const DEMO_AGENCIES: readonly {
  id: string;
  name: string;
  kind: AgencyKind;
  region: string;
  parent?: string;
  pic: string;
}[] = [
  {
    id: 'inspektorat-diy',
    name: 'Inspektorat Daerah Istimewa Yogyakarta',
    kind: 'PROVINCE',
    region: 'DI Yogyakarta',
    pic: 'Totok Purwoirawan',
  },
  {
    id: 'inspektorat-bantul',
    name: 'Inspektorat Kabupaten Bantul',
    kind: 'REGENCY',
    region: 'Kabupaten Bantul',
    parent: 'inspektorat-diy',
    pic: 'Sri Wahyuni',
  },
  {
    id: 'inspektorat-sleman',
    name: 'Inspektorat Kabupaten Sleman',
    kind: 'REGENCY',
    region: 'Kabupaten Sleman',
    parent: 'inspektorat-diy',
    pic: 'Agus Santoso',
  },
  {
    id: 'inspektorat-gunungkidul',
    name: 'Inspektorat Kabupaten Gunungkidul',
    kind: 'REGENCY',
    region: 'Kabupaten Gunungkidul',
    parent: 'inspektorat-diy',
    pic: 'Dwi Lestari',
  },
  {
    id: 'inspektorat-kulon-progo',
    name: 'Inspektorat Kabupaten Kulon Progo',
    kind: 'REGENCY',
    region: 'Kabupaten Kulon Progo',
    parent: 'inspektorat-diy',
    pic: 'Bambang Riyadi',
  },
  {
    id: 'inspektorat-kota-yogyakarta',
    name: 'Inspektorat Kota Yogyakarta',
    kind: 'CITY',
    region: 'Kota Yogyakarta',
    parent: 'inspektorat-diy',
    pic: 'Rina Kusumawati',
  },
];

const SUBJECTS = [
  ['Jalan rusak tidak kunjung diperbaiki', 'infrastructure'],
  ['Pungutan liar pengurusan KTP', 'public-service'],
  ['Bantuan sosial tidak tepat sasaran', 'social-assistance'],
  ['Sampah menumpuk di pasar', 'environment'],
  ['Guru honorer belum menerima gaji', 'education'],
  ['Antrean puskesmas terlalu lama', 'health'],
  ['Izin usaha dipersulit', 'licensing'],
  ['Lampu penerangan jalan mati', 'infrastructure'],
] as const;
const NAMES = [
  'Siti Rahayu',
  'Budi Santoso',
  'Wahyu Nugroho',
  'Ani Lestari',
  'Joko Prasetyo',
  'Dewi Anggraini',
];

/** A small deterministic generator (mulberry32) so every fresh machine seeds the same scenario. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const OFFICER: Actor = { id: 'demo-officer', role: 'OFFICER' };
const SUPERVISOR: Actor = { id: 'demo-supervisor', role: 'SUPERVISOR' };
const ADMIN: Actor = { id: 'demo-admin', role: 'ADMIN' };
const DAY = 86_400_000;

export async function seedAgencies(store: EventStore, at: Date): Promise<void> {
  const handler = new CommandHandler(store, agencyDecider);
  const meta = (offsetMin: number) => ({
    now: new Date(at.getTime() + offsetMin * 60_000).toISOString(),
    actor: ADMIN,
  });
  for (const [i, a] of DEMO_AGENCIES.entries()) {
    const stream = agencyStreamId(a.id);
    await handler.handle(stream, {
      type: 'CreateAgency',
      data: {
        agencyId: a.id,
        name: a.name,
        kind: a.kind,
        region: a.region,
        parentAgencyId: a.parent ?? null,
        contact: { emails: [`${a.id}@jogjaprov.go.id`] },
      },
      metadata: meta(i),
    });
    await handler.handle(stream, {
      type: 'AppointFocalPoint',
      data: {
        appointmentId: `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
        userId: `pic-${a.id}`,
        name: a.pic,
        position: 'Pejabat Penghubung Pengaduan Masyarakat',
        contact: { email: `pic.${a.id}@jogjaprov.go.id` },
      },
      metadata: meta(10 + i),
    });
    await handler.handle(stream, {
      type: 'StartAgencyPilot',
      data: { mouReference: `MoU/${i + 1}/DIY/2026` },
      metadata: meta(20 + i),
    });
    if (i < 3) await handler.handle(stream, { type: 'ActivateAgency', data: {}, metadata: meta(30 + i) });
  }
}

/** How far along the lifecycle a seeded complaint goes. */
const STAGES = [
  'RECEIVED',
  'AWAITING_INFORMATION',
  'REJECTED',
  'VERIFIED',
  'FORWARDED',
  'IN_FOLLOW_UP',
  'RESPONDED',
  'RESOLVED',
  'CLOSED',
] as const;

export async function seedComplaints(
  store: EventStore,
  vault: KeyVault,
  now: Date,
  count = 36,
): Promise<void> {
  const random = prng(20260901);
  const handler = new CommandHandler(store, guardedComplaintDecider);
  const trackingNumbers = new TrackingNumberService(store);
  const agencies = DEMO_AGENCIES.map((a) => a.id);
  for (let i = 0; i < count; i++) {
    const stage = STAGES[i % STAGES.length]!;
    // Received over the last ~4 months; every later step a few hours to days after the previous one.
    let t =
      now.getTime() - (120 - Math.floor((i * 110) / count)) * DAY + Math.floor(random() * 8) * 3_600_000;
    const at = (days: number) => {
      t += Math.max(1, Math.round(days * DAY * (0.5 + random())));
      return new Date(Math.min(t, now.getTime() - 60_000)).toISOString();
    };
    const [subject, category] = SUBJECTS[i % SUBJECTS.length]!;
    const agency = agencies[1 + (i % (agencies.length - 1))]!;
    const prepared = await prepareComplaintIntake(
      { vault, trackingNumbers },
      {
        subject,
        description: `${subject}. Laporan warga nomor ${i + 1}; mohon ditindaklanjuti.`,
        category,
        region: DEMO_AGENCIES.find((a) => a.id === agency)!.region,
        anonymous: i % 5 === 0,
        confidential: i % 11 === 0,
        complainant: {
          name: NAMES[i % NAMES.length]!,
          phone: `08123${String(100000 + i * 7919).slice(0, 6)}`,
        },
      },
      {
        kind: 'OFFICER',
        channel: (['EMAIL', 'WHATSAPP', 'WEB', 'LETTER', 'LAPOR', 'WALK_IN'] as const)[i % 6],
        channelReference: `REF-${2026}-${i + 1}`,
      },
      { now: new Date(t).toISOString(), actor: OFFICER },
    );
    const id = prepared.complaintId;
    const stream = complaintStreamId(id);
    const step = (
      build: (m: { now: string; actor: Actor }) => ComplaintCommand,
      actor: Actor,
      days: number,
    ) => handler.handle(stream, build({ now: at(days), actor }), { caseId: id });
    await handler.handle(stream, prepared.command, { caseId: id });
    if (stage === 'RECEIVED') continue;
    if (stage === 'AWAITING_INFORMATION') {
      await step(
        (m) => ({
          type: 'RequestInformation',
          data: { question: 'Mohon lampirkan foto lokasi.' },
          metadata: m,
        }),
        OFFICER,
        1,
      );
      continue;
    }
    if (stage === 'REJECTED') {
      await step(
        (m) => ({
          type: 'RejectComplaint',
          data: { reason: 'NOT_GOVERNMENT_MATTER', note: 'Sengketa antarwarga.' },
          metadata: m,
        }),
        OFFICER,
        2,
      );
      continue;
    }
    await step(
      (m) => ({ type: 'VerifyComplaint', data: { category, note: null }, metadata: m }),
      OFFICER,
      random() * 3,
    );
    if (stage === 'VERIFIED') continue;
    await step(
      (m) => ({
        type: 'ForwardComplaint',
        data: { agencyIds: [agency], note: 'Mohon ditindaklanjuti.' },
        metadata: m,
      }),
      OFFICER,
      1,
    );
    if (stage === 'FORWARDED') continue;
    const pic: Actor = { id: `pic-${agency}`, role: 'AGENCY', agencyId: agency };
    await step(
      (m) => ({ type: 'AcknowledgeComplaint', data: { agencyId: agency, note: null }, metadata: m }),
      pic,
      random() * 4,
    );
    if (stage === 'IN_FOLLOW_UP') continue;
    await step(
      (m) => ({
        type: 'RecordAgencyResponse',
        data: { agencyId: agency, response: 'Telah ditinjau ke lapangan dan ditindaklanjuti.' },
        metadata: m,
      }),
      pic,
      3 + random() * 10,
    );
    if (stage === 'RESPONDED') continue;
    await step(
      (m) => ({
        type: 'ResolveComplaint',
        data: { resolution: 'Tindak lanjut instansi memadai.' },
        metadata: m,
      }),
      SUPERVISOR,
      2,
    );
    if (stage === 'RESOLVED') continue;
    await step((m) => ({ type: 'CloseComplaint', data: { note: null }, metadata: m }), SUPERVISOR, 10);
  }
}

/** Seeds when the log is empty; answers whether it did. */
export async function seedIfEmpty(config: DumasConfig, now = new Date()): Promise<boolean> {
  const store = await createEventStore(config.store);
  const vault = openKeyVault(config);
  try {
    if ((await store.headPosition()) > 0) return false;
    await seedAgencies(store, new Date(now.getTime() - 130 * DAY));
    await seedComplaints(store, vault, now);
    return true;
  } finally {
    await vault.close();
    await store.close();
  }
}
