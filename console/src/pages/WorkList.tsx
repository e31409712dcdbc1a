/** The work list: complaints(filter) as a table, filters matching the API's, paged by cursor. */
import { useCallback, useEffect, useState } from 'react';
import { gql } from '../api';
import { type Channel, type ComplaintStatus, WorkListDocument, type WorkListQuery } from '../gql/graphql';
import { formatDate, statusLabel, useI18n } from '../i18n';
import { DueIn, StatusBadge } from '../widgets';

const STATUSES: ComplaintStatus[] = [
  'RECEIVED',
  'AWAITING_INFORMATION',
  'VERIFIED',
  'FORWARDED',
  'IN_FOLLOW_UP',
  'RESPONDED',
  'RESOLVED',
  'CLOSED',
  'REJECTED',
];
const CHANNELS: Channel[] = ['WEB', 'EMAIL', 'WHATSAPP', 'LETTER', 'LAPOR', 'WALK_IN'];

type Edge = WorkListQuery['complaints']['edges'][number];

/** The running (or late) clock that falls due first: the one a list shows, for one agency or any. */
export function firstDue<C extends { state: string; dueAt?: string | null; agency?: { id: string } | null }>(
  clocks: readonly C[],
  agencyId?: string | null,
): (C & { dueAt: string }) | undefined {
  return clocks
    .filter((c): c is C & { dueAt: string } => !!c.dueAt)
    .filter(
      (c) => (c.state === 'RUNNING' || c.state === 'BREACHED') && (!agencyId || c.agency?.id === agencyId),
    )
    .sort((a, b) => a.dueAt.localeCompare(b.dueAt))[0];
}

export function WorkList({ agencyId, title }: { agencyId?: string; title?: string }) {
  const { t, lang } = useI18n();
  const [status, setStatus] = useState<ComplaintStatus | ''>('');
  const [channel, setChannel] = useState<Channel | ''>('');
  const [text, setText] = useState('');
  const [applied, setApplied] = useState({ status: '', channel: '', text: '' });
  const [edges, setEdges] = useState<Edge[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [total, setTotal] = useState(0);

  const load = useCallback(
    async (after?: string) => {
      const filter = {
        ...(applied.status ? { status: [applied.status as ComplaintStatus] } : {}),
        ...(applied.channel ? { channel: [applied.channel as Channel] } : {}),
        ...(applied.text ? { text: applied.text } : {}),
        ...(agencyId ? { agencyId } : {}),
      };
      const data = await gql(WorkListDocument, { filter, first: 25, ...(after ? { after } : {}) });
      setTotal(data.complaints.totalCount);
      setNext(data.complaints.pageInfo.hasNextPage ? (data.complaints.pageInfo.endCursor ?? null) : null);
      setEdges((prev) => (after && prev ? [...prev, ...data.complaints.edges] : data.complaints.edges));
    },
    [applied, agencyId],
  );
  useEffect(() => {
    void load();
  }, [load]);

  return (
    <div className="page">
      <h1>{title ?? t('worklist')}</h1>
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied({ status, channel, text });
        }}
      >
        <label>
          {t('status')}
          <select value={status} onChange={(e) => setStatus(e.target.value as ComplaintStatus)}>
            <option value="">—</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {statusLabel(s, lang)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('channel')}
          <select value={channel} onChange={(e) => setChannel(e.target.value as Channel)}>
            <option value="">—</option>
            {CHANNELS.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
        <label>
          {t('text')}
          <input type="search" value={text} onChange={(e) => setText(e.target.value)} />
        </label>
        <button type="submit">{t('apply')}</button>
      </form>
      {edges === null ? (
        <p>{t('loading')}</p>
      ) : edges.length === 0 ? (
        <p data-testid="empty">{t('nothingHere')}</p>
      ) : (
        <>
          <p>
            {t('total')}: {total}
          </p>
          <div className="table-wrap">
            <table data-testid="worklist">
              <thead>
                <tr>
                  <th scope="col">{t('trackingNumber')}</th>
                  <th scope="col">{t('subject')}</th>
                  <th scope="col">{t('status')}</th>
                  <th scope="col">{t('agency')}</th>
                  <th scope="col">{t('receivedAt')}</th>
                  <th scope="col">{t('dueAt')}</th>
                </tr>
              </thead>
              <tbody>
                {edges.map(({ node }) => {
                  const due = firstDue(node.sla?.clocks ?? [], agencyId);
                  return (
                    <tr key={node.id}>
                      <td>
                        <a href={`#/case/${node.id}`}>{node.trackingNumber}</a>
                      </td>
                      <td>{node.subject}</td>
                      <td>
                        <StatusBadge status={node.status} />
                      </td>
                      <td>{node.agencies.map((a) => a.name).join(', ') || '—'}</td>
                      <td>{formatDate(node.receivedAt, lang)}</td>
                      <td>
                        {formatDate(due?.dueAt ?? null, lang)}
                        {typeof due?.workingDaysLeft === 'number' ? (
                          <span className="muted">
                            {' '}
                            (<DueIn days={due.workingDaysLeft} />)
                          </span>
                        ) : null}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          {next ? (
            <button type="button" onClick={() => void load(next)}>
              {t('more')}
            </button>
          ) : null}
        </>
      )}
    </div>
  );
}
