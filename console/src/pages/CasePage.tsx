/**
 * One case: details, the complainant as the caller may see it, forwardings, letters, clocks, the
 * timeline from `history` with the integrity result, a time slider over `asOf`, and the actions the role
 * may take — each sent with the version read (expectedVersion), so a case changed meanwhile answers
 * CONFLICT and the page asks for a reload instead of overwriting.
 */
import { useCallback, useEffect, useState } from 'react';
import { gql } from '../api';
import type { Session } from '../auth';
import {
  AgenciesDocument,
  ApproveLetterDocument,
  CaseAsOfDocument,
  type CaseAsOfQuery,
  CaseDocument,
  type CaseQuery,
  CaseTimelineDocument,
  type CaseTimelineQuery,
  CloseDocument,
  RecordResponseDocument,
  ForwardDocument,
  RejectDocument,
  ReopenDocument,
  ResolveDocument,
  SendLetterDocument,
  type TimeBasis,
  VerifyDocument,
} from '../gql/graphql';
import { formatDate, statusLabel, useI18n } from '../i18n';
import { type CasePartProps, Field, OutcomeMessage, StatusBadge, useAction } from '../widgets';
import { AgencyActions } from './Inbox';

type Complaint = NonNullable<CaseQuery['complaint']>;
type Timeline = NonNullable<CaseTimelineQuery['complaint']>;

export function CasePage({ id, session }: { id: string; session: Session }) {
  const { t, lang } = useI18n();
  const [complaint, setComplaint] = useState<Complaint | null | undefined>(undefined);
  const [timeline, setTimeline] = useState<Timeline | null>(null);
  const [error, setError] = useState<string | null>(null);

  const reload = useCallback(() => {
    gql(CaseDocument, { id }).then(
      (d) => setComplaint(d.complaint),
      (e: Error) => setError(e.message),
    );
    gql(CaseTimelineDocument, { id }).then(
      (d) => setTimeline(d.complaint),
      () => setTimeline(null),
    );
  }, [id]);
  useEffect(reload, [reload]);

  if (error) return <p role="alert">{error}</p>;
  if (complaint === undefined) return <p>{t('loading')}</p>;
  if (complaint === null)
    return (
      <div className="page">
        <h1>{t('notFound')}</h1>
      </div>
    );
  const c = complaint;
  return (
    <div className="page">
      <h1>
        {c.trackingNumber} <StatusBadge status={c.status} />
      </h1>
      <p className="muted">
        {t('version')} {c.version} · {c.channel} · {t('receivedAt')} {formatDate(c.receivedAt, lang, true)}
      </p>
      <div className="grid">
        <section className="card" aria-labelledby="subject-h">
          <h2 id="subject-h">{c.subject}</h2>
          <p>{c.description}</p>
          <h3>{t('complainant')}</h3>
          {c.complainant && c.complainant.access === 'VISIBLE' ? (
            <p data-testid="complainant">
              {c.complainant.name} {c.complainant.phone ? `· ${c.complainant.phone}` : ''}{' '}
              {c.complainant.email ? `· ${c.complainant.email}` : ''}
            </p>
          ) : (
            <p data-testid="complainant">{c.complainant?.access === 'ERASED' ? t('erased') : t('masked')}</p>
          )}
        </section>
        <Actions complaint={c} session={session} onDone={reload} />
      </div>
      <section className="card" aria-labelledby="fw-h">
        <h2 id="fw-h">{t('forwardings')}</h2>
        {c.forwardings.length === 0 ? (
          <p>{t('none')}</p>
        ) : (
          <ul className="plain" data-testid="forwardings">
            {c.forwardings.map((f) => (
              <li key={f.forwardingId}>
                {f.agency.name} — <StatusBadge status={f.status} /> {formatDate(f.forwardedAt, lang)}
                {f.response ? <q>{f.response}</q> : null}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="card" aria-labelledby="letters-h">
        <h2 id="letters-h">{t('letters')}</h2>
        <LetterList complaint={c} session={session} onDone={reload} />
      </section>
      <section className="card" aria-labelledby="clocks-h">
        <h2 id="clocks-h">{t('clocks')}</h2>
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">SLA</th>
                <th scope="col">{t('agency')}</th>
                <th scope="col">{t('status')}</th>
                <th scope="col">{t('dueAt')}</th>
              </tr>
            </thead>
            <tbody>
              {(c.sla?.clocks ?? []).map((k) => (
                <tr key={k.id}>
                  <td>{k.kind}</td>
                  <td>{k.agency?.name ?? '—'}</td>
                  <td>
                    <StatusBadge status={k.state} />
                  </td>
                  <td>{formatDate(k.dueAt, lang)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      {timeline ? <TimelineSection id={id} timeline={timeline} /> : null}
    </div>
  );
}

function LetterList({ complaint, session, onDone }: CasePartProps<Complaint>) {
  const { t } = useI18n();
  const action = useAction(onDone);
  const staff = session.role === 'OFFICER' || session.role === 'SUPERVISOR';
  if (complaint.letters.length === 0) return <p>{t('none')}</p>;
  return (
    <>
      <ul className="plain" data-testid="letters">
        {complaint.letters.map((l) => (
          <li key={l.id}>
            {l.kind} · <StatusBadge status={l.state} /> {l.number ?? ''} — {l.subject}{' '}
            {l.attachments.length ? `(${l.attachments.map((a) => a.filename).join(', ')})` : ''}{' '}
            <a href={`#/letter/${l.id}`}>{t('print')}</a>{' '}
            {session.role === 'SUPERVISOR' && l.state === 'DRAFT' ? (
              <button
                type="button"
                disabled={action.busy}
                onClick={() => action.run(() => gql(ApproveLetterDocument, { id: l.id }))}
              >
                {t('approve')}
              </button>
            ) : null}
            {staff && l.state === 'APPROVED' ? (
              <button
                type="button"
                disabled={action.busy}
                onClick={() => action.run(() => gql(SendLetterDocument, { id: l.id }))}
              >
                {t('send')}
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      <OutcomeMessage outcome={action.outcome} onReload={onDone} />
    </>
  );
}

function Actions({ complaint, session, onDone }: CasePartProps<Complaint>) {
  const { t } = useI18n();
  const action = useAction(onDone);
  const [agencies, setAgencies] = useState<{ id: string; name: string }[]>([]);
  const [chosen, setChosen] = useState('');
  const [text, setText] = useState('');
  const v = { id: complaint.id, expectedVersion: complaint.version };
  const staff = session.role === 'OFFICER' || session.role === 'SUPERVISOR';
  useEffect(() => {
    if (staff && complaint.status === 'VERIFIED')
      gql(AgenciesDocument).then(
        (a) => {
          setAgencies(a.agencies);
          // The routing rules' proposal first; the officer may pick another.
          const proposed = complaint.suggestedAgencies?.agencies[0]?.id;
          setChosen((prev) => prev || proposed || a.agencies[0]?.id || '');
        },
        () => setAgencies([]),
      );
  }, [staff, complaint.status, complaint.suggestedAgencies]);

  if (session.role === 'AGENCY')
    return <AgencyActions complaint={complaint} session={session} onDone={onDone} />;
  if (!staff) return null;
  const s = complaint.status;
  const awaitingReply = complaint.forwardings.filter((f) => f.current && f.status !== 'RESPONDED');
  const any =
    ['RECEIVED', 'VERIFIED', 'AWAITING_INFORMATION'].includes(s) ||
    awaitingReply.length > 0 ||
    (session.role === 'SUPERVISOR' && ['RESPONDED', 'RESOLVED', 'CLOSED'].includes(s));
  return (
    <section className="card" aria-labelledby="actions-h">
      <h2 id="actions-h">{t('actions')}</h2>
      <div className="actions">
        {s === 'RECEIVED' ? (
          <button
            type="button"
            disabled={action.busy}
            onClick={() => action.run(() => gql(VerifyDocument, v))}
          >
            {t('verify')}
          </button>
        ) : null}
        {s === 'VERIFIED' ? (
          <>
            {complaint.suggestedAgencies ? (
              <p data-testid="routing-suggestion">
                {t('routingSuggestion')}: {complaint.suggestedAgencies.agencies.map((a) => a.name).join(', ')}{' '}
                <span className="muted">({complaint.suggestedAgencies.rule.id})</span>
              </p>
            ) : null}
            <Field label={t('forwardTo')}>
              {(fid) => (
                <select id={fid} value={chosen} onChange={(e) => setChosen(e.target.value)}>
                  {agencies.map((a) => (
                    <option key={a.id} value={a.id}>
                      {a.name}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <button
              type="button"
              disabled={action.busy || !chosen}
              onClick={() => action.run(() => gql(ForwardDocument, { ...v, agencyIds: [chosen] }))}
            >
              {t('forward')}
            </button>
          </>
        ) : null}
        {awaitingReply.length > 0 ? (
          <>
            <Field label={t('responseOf')}>
              {(fid) => (
                <select id={fid} value={chosen} onChange={(e) => setChosen(e.target.value)}>
                  <option value="">—</option>
                  {awaitingReply.map((f) => (
                    <option key={f.agency.id} value={f.agency.id}>
                      {f.agency.name}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label={t('responseText')}>
              {(fid) => <textarea id={fid} rows={3} value={text} onChange={(e) => setText(e.target.value)} />}
            </Field>
            <button
              type="button"
              disabled={action.busy || !text || !chosen}
              onClick={() =>
                action.run(() => gql(RecordResponseDocument, { ...v, agencyId: chosen, response: text }))
              }
            >
              {t('recordResponse')}
            </button>
          </>
        ) : null}
        {!any ? <p>{t('noActions')}</p> : null}
        {['RECEIVED', 'VERIFIED', 'AWAITING_INFORMATION', 'RESPONDED', 'RESOLVED', 'CLOSED'].includes(s) ? (
          <Field label={`${t('reason')} / ${t('note')}`}>
            {(fid) => <input id={fid} value={text} onChange={(e) => setText(e.target.value)} />}
          </Field>
        ) : null}
        {s === 'RECEIVED' || s === 'VERIFIED' ? (
          <button
            type="button"
            disabled={action.busy || !text}
            onClick={() =>
              action.run(() => gql(RejectDocument, { ...v, reason: 'OUT_OF_SCOPE', note: text }))
            }
          >
            {t('reject')}
          </button>
        ) : null}
        {s === 'RESPONDED' && session.role === 'SUPERVISOR' ? (
          <button
            type="button"
            disabled={action.busy || !text}
            onClick={() => action.run(() => gql(ResolveDocument, { ...v, resolution: text }))}
          >
            {t('resolve')}
          </button>
        ) : null}
        {s === 'RESOLVED' && session.role === 'SUPERVISOR' ? (
          <button
            type="button"
            disabled={action.busy}
            onClick={() => action.run(() => gql(CloseDocument, { ...v, note: text || null }))}
          >
            {t('close')}
          </button>
        ) : null}
        {(s === 'RESOLVED' || s === 'CLOSED') && session.role === 'SUPERVISOR' ? (
          <button
            type="button"
            disabled={action.busy || !text}
            onClick={() => action.run(() => gql(ReopenDocument, { ...v, reason: text }))}
          >
            {t('reopen')}
          </button>
        ) : null}
      </div>
      <OutcomeMessage outcome={action.outcome} onReload={onDone} />
    </section>
  );
}

function TimelineSection({ id, timeline }: { id: string; timeline: Timeline }) {
  const { t, lang } = useI18n();
  const events = timeline.history.edges.map((e) => e.node);
  const [index, setIndex] = useState(events.length - 1);
  const [basis, setBasis] = useState<TimeBasis>('OCCURRED');
  const [asOf, setAsOf] = useState<CaseAsOfQuery['complaint'] | null>(null);
  // The instant of the chosen event on the chosen clock: when it happened (what the timeline shows; an
  // imported or back-dated history was recorded all at once) or when dumas recorded it (what it knew).
  const event = events[Math.max(0, index)];
  const at = basis === 'OCCURRED' ? event?.occurredAt : event?.recordedAt;
  useEffect(() => {
    if (!at) return;
    gql(CaseAsOfDocument, { id, at, basis }).then(
      (d) => setAsOf(d.complaint),
      () => setAsOf(null),
    );
  }, [id, at, basis]);
  const integrity = timeline.integrity;
  return (
    <section className="card" aria-labelledby="timeline-h">
      <h2 id="timeline-h">{t('timeline')}</h2>
      <p data-testid="integrity" className={integrity.ok ? 'ok' : 'error'}>
        {t('integrity')}: {integrity.ok ? t('integrityOk') : t('integrityBroken')} ({integrity.eventsChecked}{' '}
        events, {integrity.streamsChecked} streams){integrity.reason ? ` — ${integrity.reason}` : ''}
      </p>
      {events.length > 0 ? (
        <div className="slider">
          <label htmlFor="asof-slider">{t('slider')}</label>
          <input
            id="asof-slider"
            type="range"
            min={0}
            max={events.length - 1}
            value={index}
            onChange={(e) => setIndex(Number(e.target.value))}
            aria-valuetext={at ? formatDate(at, lang, true) : ''}
          />
          <Field label={t('basis')}>
            {(fid) => (
              <select id={fid} value={basis} onChange={(e) => setBasis(e.target.value as TimeBasis)}>
                <option value="OCCURRED">{t('basisOccurred')}</option>
                <option value="RECORDED">{t('basisRecorded')}</option>
              </select>
            )}
          </Field>
          <p data-testid="asof" aria-live="polite">
            {t('asOf')} {formatDate(at, lang, true)}:{' '}
            {asOf?.asOf?.status ? <StatusBadge status={asOf.asOf.status} /> : <strong>—</strong>}
            {asOf?.asOf?.forwardings.length
              ? ` · ${asOf.asOf.forwardings.map((f) => `${f.agencyId} ${statusLabel(f.status, lang)}`).join(', ')}`
              : ''}
            {asOf?.asOf?.letters.length
              ? ` · ${asOf.asOf.letters.map((l) => `${l.kind} ${statusLabel(l.state, lang)}`).join(', ')}`
              : ''}
          </p>
        </div>
      ) : null}
      <ol className="timeline" data-testid="timeline">
        {events.map((e, i) => (
          <li key={e.position} className={i === index ? 'current' : ''}>
            <time dateTime={e.occurredAt}>{formatDate(e.occurredAt, lang, true)}</time> — {e.summary}{' '}
            <span className="muted">
              ({e.type}
              {e.actor ? `, ${e.actor.role}` : ''})
            </span>
          </li>
        ))}
      </ol>
    </section>
  );
}
