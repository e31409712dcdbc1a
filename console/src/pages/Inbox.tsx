/**
 * A focal point's inbox: only its agency's cases (the API decides; the filter only says which), due dates
 * in working days, acknowledge, reply with attachments, and the agency's own performance.
 */
import { useEffect, useState } from 'react';
import { gql, uploadFile } from '../api';
import type { Session } from '../auth';
import {
  AcknowledgeDocument,
  type CaseQuery,
  PerformanceDocument,
  type PerformanceQuery,
  ReplyDocument,
} from '../gql/graphql';
import { useI18n } from '../i18n';
import { currentPeriod, periodInput } from '../period';
import { type CasePartProps, DueIn, Field, OutcomeMessage, useAction } from '../widgets';
import { firstDue, WorkList } from './WorkList';

type Complaint = NonNullable<CaseQuery['complaint']>;

export function Inbox({ session }: { session: Session }) {
  const { t } = useI18n();
  const [perf, setPerf] = useState<PerformanceQuery['agencyPerformance'] | null>(null);
  useEffect(() => {
    if (!session.agencyId) return;
    gql(PerformanceDocument, { agencyId: session.agencyId, period: periodInput(currentPeriod()) }).then(
      (d) => setPerf(d.agencyPerformance),
      () => setPerf(null),
    );
  }, [session.agencyId]);
  return (
    <>
      <WorkList agencyId={session.agencyId} title={`${t('inbox')}${perf ? ` — ${perf.agency.name}` : ''}`} />
      {perf ? (
        <section className="card page" aria-labelledby="perf-h">
          <h2 id="perf-h">{t('ownPerformance')}</h2>
          <dl className="kpis">
            <dt>{t('kpiForwarded')}</dt>
            <dd>{perf.forwarded}</dd>
            <dt>{t('kpiAcknowledged')}</dt>
            <dd>{perf.acknowledged}</dd>
            <dt>{t('kpiResponded')}</dt>
            <dd>{perf.responded}</dd>
            <dt>{t('withinSla')}</dt>
            <dd>{perf.respondedWithinSlaPercent ?? '—'}</dd>
            <dt>{t('median')}</dt>
            <dd>{perf.medianWorkingDaysToFirstResponse ?? '—'}</dd>
            <dt>{t('breaches')}</dt>
            <dd>{perf.overdue}</dd>
          </dl>
        </section>
      ) : null}
    </>
  );
}

export function AgencyActions({ complaint, session, onDone }: CasePartProps<Complaint>) {
  const { t } = useI18n();
  const action = useAction(onDone);
  const [text, setText] = useState('');
  const [files, setFiles] = useState<File[]>([]);
  const mine = complaint.forwardings.find((f) => f.agency.id === session.agencyId && f.current);
  const due = session.agencyId ? firstDue(complaint.sla?.clocks ?? [], session.agencyId) : undefined;
  return (
    <section className="card" aria-labelledby="agency-actions-h">
      <h2 id="agency-actions-h">{t('actions')}</h2>
      {typeof due?.workingDaysLeft === 'number' ? (
        <p data-testid="due-working-days">
          <DueIn days={due.workingDaysLeft} />
        </p>
      ) : null}
      {mine?.status === 'FORWARDED' ? (
        <button
          type="button"
          disabled={action.busy}
          onClick={() =>
            action.run(() =>
              gql(AcknowledgeDocument, { id: complaint.id, expectedVersion: complaint.version }),
            )
          }
        >
          {t('acknowledge')}
        </button>
      ) : null}
      {mine && mine.status !== 'RESPONDED' ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void action.run(async () => {
              const attachments = await Promise.all(
                files.map(async (f) => ({
                  filename: f.name,
                  mediaType: f.type || 'application/octet-stream',
                  sha256: (await uploadFile(f)).sha256,
                })),
              );
              await gql(ReplyDocument, {
                input: {
                  complaintIds: [complaint.id],
                  subject: `Balasan: ${complaint.trackingNumber}`,
                  body: text,
                  attachments,
                },
              });
              setText('');
              setFiles([]);
            });
          }}
        >
          <Field label={t('replyText')}>
            {(id) => (
              <textarea id={id} required value={text} rows={4} onChange={(e) => setText(e.target.value)} />
            )}
          </Field>
          <Field label={t('attachments')}>
            {(id) => (
              <input
                id={id}
                type="file"
                multiple
                accept="application/pdf,image/*"
                onChange={(e) => setFiles([...(e.target.files ?? [])])}
              />
            )}
          </Field>
          <button type="submit" disabled={action.busy || !text}>
            {t('reply')}
          </button>
        </form>
      ) : null}
      <OutcomeMessage outcome={action.outcome} onReload={onDone} />
    </section>
  );
}
