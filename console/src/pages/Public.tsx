/**
 * The public pages, no token: file a complaint on the WEB channel, track it with the tracking number and
 * access code, rate the handling. Mobile first, labelled fields, errors announced.
 */
import { useState } from 'react';
import { ApiError, gql } from '../api';
import {
  FileComplaintDocument,
  type FileComplaintMutation,
  RateDocument,
  TrackDocument,
  type TrackQuery,
} from '../gql/graphql';
import { formatDate, useI18n } from '../i18n';
import { Field, StatusBadge } from '../widgets';

export function PublicFile() {
  const { t } = useI18n();
  const [filed, setFiled] = useState<FileComplaintMutation['fileComplaint'] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (filed)
    return (
      <div className="page narrow">
        <h1>{t('filed')}</h1>
        <dl className="receipt" data-testid="receipt">
          <dt>{t('trackingNumber')}</dt>
          <dd data-testid="tracking-number">{filed.complaint.trackingNumber}</dd>
          <dt>{t('accessCode')}</dt>
          <dd data-testid="access-code">{filed.accessCode}</dd>
        </dl>
        <p>{t('keepCode')}</p>
        <p>
          <a href="#/public/track">{t('publicTrack')}</a>
        </p>
      </div>
    );
  return (
    <div className="page narrow">
      <h1>{t('fileTitle')}</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const form = new FormData(e.currentTarget);
          const text = (k: string) => String(form.get(k) ?? '').trim();
          setBusy(true);
          setError(null);
          gql(FileComplaintDocument, {
            input: {
              channel: 'WEB',
              subject: text('subject'),
              description: text('description'),
              ...(text('name')
                ? {
                    complainant: {
                      name: text('name'),
                      ...(text('phone') ? { phone: text('phone') } : {}),
                      ...(text('email') ? { email: text('email') } : {}),
                    },
                  }
                : {}),
              anonymous: form.get('anonymous') === 'on',
              idempotencyKey: crypto.randomUUID(),
            },
          })
            .then(
              (d) => setFiled(d.fileComplaint),
              (err: Error) => setError(err.message),
            )
            .finally(() => setBusy(false));
        }}
      >
        <Field label={`${t('subject')} (${t('required')})`}>
          {(id) => <input id={id} name="subject" required maxLength={200} />}
        </Field>
        <Field label={`${t('description')} (${t('required')})`}>
          {(id) => <textarea id={id} name="description" required rows={6} />}
        </Field>
        <Field label={t('name')}>{(id) => <input id={id} name="name" autoComplete="name" />}</Field>
        <Field label={t('phone')}>
          {(id) => <input id={id} name="phone" type="tel" autoComplete="tel" inputMode="tel" />}
        </Field>
        <Field label={t('email')}>
          {(id) => <input id={id} name="email" type="email" autoComplete="email" />}
        </Field>
        <div className="check">
          <input id="anonymous" name="anonymous" type="checkbox" />
          <label htmlFor="anonymous">{t('anonymous')}</label>
        </div>
        {error ? (
          <p className="error" role="alert">
            {t('error')}: {error}
          </p>
        ) : null}
        <button type="submit" disabled={busy}>
          {t('submit')}
        </button>
      </form>
    </div>
  );
}

export function PublicTrack() {
  const { t, lang } = useI18n();
  const [status, setStatus] = useState<TrackQuery['trackComplaint'] | undefined>(undefined);
  const [creds, setCreds] = useState({ trackingNumber: '', accessCode: '' });
  const [rated, setRated] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="page narrow">
      <h1>{t('trackTitle')}</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const form = new FormData(e.currentTarget);
          const next = {
            trackingNumber: String(form.get('trackingNumber') ?? '').trim(),
            accessCode: String(form.get('accessCode') ?? '').trim(),
          };
          setCreds(next);
          setError(null);
          gql(TrackDocument, next).then(
            (d) => setStatus(d.trackComplaint),
            (err: Error) => setError(err.message),
          );
        }}
      >
        <Field label={t('trackingNumber')}>
          {(id) => <input id={id} name="trackingNumber" required autoCapitalize="characters" />}
        </Field>
        <Field label={t('accessCode')}>
          {(id) => <input id={id} name="accessCode" required autoComplete="off" />}
        </Field>
        <button type="submit">{t('track')}</button>
      </form>
      <div aria-live="polite">
        {error ? (
          <p className="error" role="alert">
            {error}
          </p>
        ) : null}
        {status === null ? <p role="alert">{t('notFound')}</p> : null}
        {status ? (
          <div className="card" data-testid="tracked">
            <p>
              {status.trackingNumber}: <StatusBadge status={status.status} />
            </p>
            <p>
              {t('receivedAt')} {formatDate(status.receivedAt, lang)} ·{' '}
              {formatDate(status.updatedAt, lang, true)}
            </p>
            {(status.status === 'RESOLVED' || status.status === 'CLOSED') && !rated ? (
              <form
                onSubmit={(e) => {
                  e.preventDefault();
                  const form = new FormData(e.currentTarget);
                  gql(RateDocument, {
                    ...creds,
                    rating: Number(form.get('rating')),
                    comment: String(form.get('comment') ?? '') || null,
                  }).then(
                    () => setRated(t('thanks')),
                    (err: ApiError) => setError(err.message),
                  );
                }}
              >
                <h2>{t('rate')}</h2>
                <Field label={t('rating')}>
                  {(id) => (
                    <select id={id} name="rating" defaultValue="5">
                      {[1, 2, 3, 4, 5].map((n) => (
                        <option key={n}>{n}</option>
                      ))}
                    </select>
                  )}
                </Field>
                <Field label={t('comment')}>{(id) => <textarea id={id} name="comment" rows={3} />}</Field>
                <button type="submit">{t('rate')}</button>
              </form>
            ) : null}
            {rated ? <p role="status">{rated}</p> : null}
          </div>
        ) : null}
      </div>
    </div>
  );
}
