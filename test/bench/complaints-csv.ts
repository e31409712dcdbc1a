/**
 * A generated import file of made-up cases (no real person), shared by the benchmarks that need a store
 * at volume: `npm run bench:import` imports it as it is, `npm run bench:race` imports it and serves it.
 * Rows go in the plain spreadsheet template's columns (SHEET_MAPPING); times spread over 2025 in WIB.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

const HEADER =
  'reference,channel,received_at,subject,description,category,region,name,email,phone,agencies,forwarded_at,responded_at,response,closed_at';

/** Agencies of the demo directory (services/cli/seed.ts seedAgencies), so the rows resolve. */
const AGENCIES = [
  'Inspektorat Kabupaten Bantul',
  'Inspektorat Kabupaten Sleman',
  'Inspektorat Kota Yogyakarta',
];

/** How far a case got: received only, forwarded, answered by its agency, or closed. */
export type CaseStage = 'received' | 'forwarded' | 'responded' | 'closed';

/** Writes `rows` cases to `file`; `stageOf(i)` says how far row i (1-based) got (default: all closed). */
export async function writeComplaintsCsv(
  file: string,
  rows: number,
  stageOf: (i: number) => CaseStage = () => 'closed',
): Promise<void> {
  const out = createWriteStream(file);
  const write = async (line: string) => {
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  };
  await write(HEADER);
  const at = (day: number, hour: number) => {
    const d = new Date(Date.UTC(2025, 0, 1) + day * 86_400_000);
    return `${d.toISOString().slice(0, 10)} ${String(hour).padStart(2, '0')}:00`;
  };
  for (let i = 1; i <= rows; i++) {
    const day = i % 300;
    const stage = stageOf(i);
    const forwarded = stage !== 'received';
    const responded = stage === 'responded' || stage === 'closed';
    await write(
      [
        `BENCH-${String(i).padStart(7, '0')}`,
        i % 3 === 0 ? 'LETTER' : i % 3 === 1 ? 'EMAIL' : 'WALK_IN',
        at(day, 8),
        `Pengaduan contoh nomor ${i}`,
        'Jalan desa rusak sejak dua tahun dan belum diperbaiki; mohon ditindaklanjuti.',
        'infrastruktur',
        'Kabupaten Bantul',
        `Warga Contoh ${i}`,
        `warga${i}@contoh.invalid`,
        `0812${String(i).padStart(8, '0')}`,
        forwarded ? AGENCIES[i % AGENCIES.length] : '',
        forwarded ? at(day + 1, 10) : '',
        responded ? at(day + 20, 14) : '',
        responded ? 'Sudah ditindaklanjuti oleh dinas terkait.' : '',
        stage === 'closed' ? at(day + 25, 9) : '',
      ].join(','),
    );
  }
  out.end();
  await once(out, 'finish');
}
