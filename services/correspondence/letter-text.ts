/** The letter as a plain-text document: what the outbox attaches to the email (no PDF renderer yet). */
import type { AgencyState, DispatchedLetterState } from './domain';

const WIB_MS = 7 * 60 * 60 * 1000;
const MONTHS = [
  'Januari',
  'Februari',
  'Maret',
  'April',
  'Mei',
  'Juni',
  'Juli',
  'Agustus',
  'September',
  'Oktober',
  'November',
  'Desember',
];

/** e.g. `3 Maret 2026`, in WIB. */
export function tanggal(iso: string): string {
  const d = new Date(Date.parse(iso) + WIB_MS);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

export function letterFileName(letter: DispatchedLetterState): string {
  return `Surat-${letter.number.number.replace(/[^A-Za-z0-9.-]+/g, '_')}.txt`;
}

export function letterAsText(letter: DispatchedLetterState, agency: AgencyState): string {
  const lines = [
    'KEMENTERIAN SEKRETARIAT NEGARA REPUBLIK INDONESIA',
    'Asisten Deputi Pengaduan Masyarakat',
    '',
    `Nomor   : ${letter.number.number}`,
    `Tanggal : ${tanggal(letter.approval.approvedAt)}`,
    `Perihal : ${letter.subject}`,
    ...(letter.attachments.length ? [`Lampiran: ${letter.attachments.length} berkas`] : []),
    '',
    'Yth.',
    agency.status === 'ABSENT' ? (letter.agencyId ?? '') : agency.name,
    '',
    letter.body,
    '',
  ];
  if (letter.signer) lines.push(letter.signer.position, '', letter.signer.name);
  if (letter.approval.signatureReference) {
    lines.push('', `Ditandatangani secara elektronik (${letter.approval.signatureReference}).`);
  }
  return `${lines.join('\n')}\n`;
}
