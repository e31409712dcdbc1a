/**
 * Letters and the berita acara as documents, through the browser's print engine ("Print / PDF" saves a
 * PDF): letterhead, number, the date in Indonesian, the addressee and the complaints covered.
 */
import { useEffect, useState } from 'react';
import { gql } from '../api';
import { EvaluationsDocument, type EvaluationsQuery, LetterDocument, type LetterQuery } from '../gql/graphql';
import { formatDate, useI18n } from '../i18n';

/** Who carries a follow-up action on the ministry's side, as the berita acara names it. */
const KEMENSETNEG_OWNER = 'Kementerian Sekretariat Negara (Asdep Pengaduan Masyarakat)';

function Letterhead() {
  const { t } = useI18n();
  return (
    <header className="letterhead">
      <p className="lh-1">{t('letterhead')}</p>
      <p className="lh-2">{t('letterUnit')}</p>
      <p className="lh-3">Jalan Veteran No. 17–18, Jakarta Pusat 10110</p>
    </header>
  );
}

export function LetterPrint({ id }: { id: string }) {
  const { t } = useI18n();
  const [letter, setLetter] = useState<LetterQuery['letter'] | undefined>(undefined);
  useEffect(() => {
    gql(LetterDocument, { id }).then(
      (d) => setLetter(d.letter),
      () => setLetter(null),
    );
  }, [id]);
  if (letter === undefined) return <p>{t('loading')}</p>;
  if (letter === null) return <p role="alert">{t('notFound')}</p>;
  return (
    <article className="document">
      <Letterhead />
      <h1 className="sr-only">{letter.subject}</h1>
      <table className="meta">
        <tbody>
          <tr>
            <th scope="row">{t('number')}</th>
            <td data-testid="letter-number">{letter.number ?? '(draf)'}</td>
          </tr>
          <tr>
            <th scope="row">{t('date')}</th>
            <td>{formatDate(letter.sentAt ?? letter.approvedAt ?? letter.createdAt, 'id')}</td>
          </tr>
          <tr>
            <th scope="row">{t('subject')}</th>
            <td>{letter.subject}</td>
          </tr>
          <tr>
            <th scope="row">{t('to')}</th>
            <td>{letter.agency?.name ?? '—'}</td>
          </tr>
        </tbody>
      </table>
      <div className="body">{letter.body}</div>
      <h2>{t('complaintsCovered')}</h2>
      <ul>
        {letter.complaints.filter(Boolean).map((c) => (
          <li key={c!.id}>
            {c!.trackingNumber} — {c!.subject} ({formatDate(c!.receivedAt, 'id')})
          </li>
        ))}
      </ul>
      {letter.signer ? (
        <p className="signature">
          {letter.signer.position}
          <br />
          <br />
          {letter.signer.name}
        </p>
      ) : null}
      <button type="button" className="no-print" onClick={() => window.print()}>
        {t('print')}
      </button>
    </article>
  );
}

export function BeritaAcaraPrint({ id }: { id: string }) {
  const { t } = useI18n();
  const [round, setRound] = useState<EvaluationsQuery['evaluations'][number] | null | undefined>(undefined);
  useEffect(() => {
    gql(EvaluationsDocument, {}).then(
      (d) => setRound(d.evaluations.find((e) => e.id === id) ?? null),
      () => setRound(null),
    );
  }, [id]);
  if (round === undefined) return <p>{t('loading')}</p>;
  if (round === null) return <p role="alert">{t('notFound')}</p>;
  return (
    <article className="document">
      <Letterhead />
      <h1>BERITA ACARA EVALUASI BERKALA</h1>
      <p>
        Pada hari ini, {formatDate(round.finalisedAt ?? round.openedAt, 'id')}, telah dilaksanakan evaluasi
        penanganan pengaduan masyarakat oleh {round.agency.name} untuk periode{' '}
        {formatDate(round.period.from, 'id')} s.d. {formatDate(round.period.to, 'id')}.
      </p>
      <h2>{t('kpis')}</h2>
      <table className="meta">
        <tbody>
          <tr>
            <th scope="row">Diteruskan</th>
            <td>{round.kpis.forwarded}</td>
          </tr>
          <tr>
            <th scope="row">Ditanggapi</th>
            <td>{round.kpis.responded}</td>
          </tr>
          <tr>
            <th scope="row">Tepat waktu (%)</th>
            <td>{round.kpis.respondedWithinSlaPercent ?? '—'}</td>
          </tr>
          <tr>
            <th scope="row">Melewati tenggat</th>
            <td>{round.kpis.overdue}</td>
          </tr>
        </tbody>
      </table>
      <h2>{t('findings')}</h2>
      <ol>
        {round.findings.map((f) => (
          <li key={f.text}>{f.text}</li>
        ))}
      </ol>
      <h2>Rekomendasi</h2>
      <ol>
        {round.recommendations.map((r) => (
          <li key={r.text}>{r.text}</li>
        ))}
      </ol>
      <h2>Rencana tindak lanjut</h2>
      <ol>
        {round.followUpActions.map((a) => (
          <li key={a.description}>
            {a.description} — {a.owner === 'KEMENSETNEG' ? KEMENSETNEG_OWNER : round.agency.name},{' '}
            {formatDate(a.dueDate, 'id')}
          </li>
        ))}
      </ol>
      <div className="signatures">
        {round.signatures.map((s) => (
          <p key={s.side}>
            {s.position}
            <br />
            {s.signerName}
            <br />
            {formatDate(s.signedAt, 'id')}
          </p>
        ))}
      </div>
      <button type="button" className="no-print" onClick={() => window.print()}>
        {t('print')}
      </button>
    </article>
  );
}
