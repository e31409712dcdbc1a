/**
 * The letter as the PDF document the outbox attaches to the email: letterhead, number, the date in
 * Indonesian, the addressee, the body, the complaints it concerns and the signer. PDFKit (a kept library)
 * with the PDF standard Times fonts, so nothing is embedded and a letter weighs a few kilobytes; those
 * fonts cover Latin-1 and the WinAnsi punctuation, which Indonesian letters need.
 */
import PDFDocument from 'pdfkit';
import { formatDate } from '../shared/wib-date';
import type { AgencyState, DispatchedLetterState } from './domain';

/** e.g. `3 Maret 2026`, in WIB. */
export const tanggal = (iso: string): string => formatDate(iso, 'id');

export function letterFileName(letter: DispatchedLetterState): string {
  return `Surat-${letter.number.number.replace(/[^A-Za-z0-9.-]+/g, '_')}.pdf`;
}

/** What the complaints are called in the letter: their tracking numbers, when the caller knows them. */
export interface LetterPdfContext {
  readonly trackingNumbers?: readonly string[];
}

export function letterAsPdf(
  letter: DispatchedLetterState,
  agency: AgencyState,
  context: LetterPdfContext = {},
): Promise<Buffer> {
  const approvedAt = new Date(letter.approval.approvedAt);
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: 56, bottom: 56, left: 72, right: 72 },
    lang: 'id-ID',
    // Dated by the approval, not by the rendering: the same letter renders to the same document.
    info: {
      Title: `${letter.number.number} — ${letter.subject}`,
      Subject: letter.subject,
      Author: 'Asisten Deputi Pengaduan Masyarakat, Kementerian Sekretariat Negara',
      Creator: 'dumas',
      CreationDate: approvedAt,
      ModDate: approvedAt,
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const width = doc.page.width - doc.page.margins.left - doc.page.margins.right;

  doc
    .font('Times-Bold')
    .fontSize(13)
    .text('KEMENTERIAN SEKRETARIAT NEGARA REPUBLIK INDONESIA', { align: 'center' });
  doc.font('Times-Roman').fontSize(12).text('Asisten Deputi Pengaduan Masyarakat', { align: 'center' });
  doc.fontSize(10).text('Jalan Veteran No. 17–18, Jakarta Pusat 10110', { align: 'center' });
  const rule = doc.y + 6;
  doc
    .moveTo(doc.page.margins.left, rule)
    .lineTo(doc.page.margins.left + width, rule)
    .lineWidth(1.5)
    .stroke();
  doc.y = rule + 14;

  doc.fontSize(12);
  const meta: [string, string][] = [
    ['Nomor', letter.number.number],
    ['Tanggal', tanggal(letter.approval.approvedAt)],
    ['Perihal', letter.subject],
  ];
  if (letter.attachments.length) meta.push(['Lampiran', `${letter.attachments.length} berkas`]);
  for (const [label, value] of meta) {
    const y = doc.y;
    doc.text(label, doc.page.margins.left, y, { width: 70 });
    doc.text(`: ${value}`, doc.page.margins.left + 70, y, { width: width - 70 });
  }
  doc.x = doc.page.margins.left;
  doc.moveDown();
  doc.text('Yth.');
  doc.font('Times-Bold').text(agency.status === 'ABSENT' ? (letter.agencyId ?? '') : agency.name);
  doc.font('Times-Roman').moveDown();
  doc.text(letter.body, { align: 'justify', width });

  const complaints = context.trackingNumbers?.length ? context.trackingNumbers : letter.complaintIds;
  if (complaints.length) {
    doc.moveDown().text('Pengaduan yang dimaksud:');
    for (const c of complaints) doc.text(`•  ${c}`, { indent: 12 });
  }

  if (letter.signer) {
    doc.moveDown(2);
    const x = doc.page.margins.left + width / 2;
    doc.text(letter.signer.position, x, doc.y, { width: width / 2 });
    doc.moveDown(3);
    doc.font('Times-Bold').text(letter.signer.name, x, doc.y, { width: width / 2 });
    doc.font('Times-Roman');
  }
  if (letter.approval.signatureReference) {
    doc.moveDown(2);
    doc
      .fontSize(9)
      .text(
        `Ditandatangani secara elektronik (${letter.approval.signatureReference}).`,
        doc.page.margins.left,
        doc.y,
        {
          width,
        },
      );
  }
  doc.end();
  return done;
}
