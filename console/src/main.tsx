/**
 * The dumas console: one page application under /console/ with hash routes, so the gateway serves one
 * index.html and its assets and nothing else. The role in the token chooses the navigation and landing
 * page; the API decides what each request may see.
 */
import { lazy, Suspense, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { setToken } from './api';
import {
  beginOidc,
  clearSession,
  completeOidc,
  homeOf,
  loadSession,
  type OidcConfig,
  type Session,
  saveSession,
} from './auth';
import { I18nProvider, type Key, useI18n } from './i18n';
import { Monitoring, prefetchMonitoring } from './pages/Monitoring';
import './styles.css';

// The landing page of officers, supervisors and auditors comes with the console's script; every other
// page is a chunk of its own, fetched when first opened: a citizen on a phone loads the public form
// without the officers' pages, and the monitoring page parses less before its first request.
const CasePage = lazy(() => import('./pages/CasePage').then((m) => ({ default: m.CasePage })));
const Evaluation = lazy(() => import('./pages/Evaluation').then((m) => ({ default: m.Evaluation })));
const Inbox = lazy(() => import('./pages/Inbox').then((m) => ({ default: m.Inbox })));
const WorkList = lazy(() => import('./pages/WorkList').then((m) => ({ default: m.WorkList })));
const LetterPrint = lazy(() => import('./pages/Print').then((m) => ({ default: m.LetterPrint })));
const BeritaAcaraPrint = lazy(() => import('./pages/Print').then((m) => ({ default: m.BeritaAcaraPrint })));
const PublicFile = lazy(() => import('./pages/Public').then((m) => ({ default: m.PublicFile })));
const PublicTrack = lazy(() => import('./pages/Public').then((m) => ({ default: m.PublicTrack })));

function useHash(): string {
  const [hash, setHash] = useState(location.hash || '#/');
  useEffect(() => {
    const on = () => setHash(location.hash || '#/');
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return hash;
}

const NAV: Record<Session['role'], [string, Key][]> = {
  OFFICER: [
    ['#/monitoring', 'monitoring'],
    ['#/worklist', 'worklist'],
    ['#/evaluation', 'evaluation'],
  ],
  SUPERVISOR: [
    ['#/monitoring', 'monitoring'],
    ['#/worklist', 'worklist'],
    ['#/evaluation', 'evaluation'],
  ],
  AUDITOR: [
    ['#/monitoring', 'monitoring'],
    ['#/worklist', 'worklist'],
    ['#/evaluation', 'evaluation'],
  ],
  AGENCY: [
    ['#/inbox', 'inbox'],
    ['#/evaluation', 'evaluation'],
  ],
  ADMIN: [['#/worklist', 'worklist']],
};

function SignIn({ onSession, oidc }: { onSession: (s: Session) => void; oidc: OidcConfig | null }) {
  const { t } = useI18n();
  const [error, setError] = useState(false);
  return (
    <div className="page narrow">
      <h1>{t('signIn')}</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const session = saveSession(String(new FormData(e.currentTarget).get('token') ?? ''));
          setError(!session);
          if (session) onSession(session);
        }}
      >
        <div className="field">
          <label htmlFor="token">{t('pasteToken')}</label>
          <textarea id="token" name="token" rows={4} required spellCheck={false} autoComplete="off" />
        </div>
        {error ? (
          <p className="error" role="alert">
            {t('tokenInvalid')}
          </p>
        ) : null}
        <button type="submit">{t('signInWithToken')}</button>
      </form>
      {oidc ? (
        <p>
          <button type="button" onClick={() => void beginOidc(oidc)}>
            {t('signInWithOidc')}
          </button>
        </p>
      ) : null}
      <p>
        <a href="#/public/file">{t('publicFile')}</a> · <a href="#/public/track">{t('publicTrack')}</a>
      </p>
    </div>
  );
}

function App() {
  const { t, lang, setLang } = useI18n();
  const hash = useHash();
  const [session, setSession] = useState<Session | null>(() => loadSession());
  const [oidc, setOidc] = useState<OidcConfig | null>(null);
  setToken(session?.token ?? null);

  useEffect(() => {
    fetch('/console/config.json')
      .then((r) => (r.ok ? r.json() : {}))
      .then((c: { oidc?: OidcConfig }) => {
        if (!c.oidc) return;
        setOidc(c.oidc);
        return completeOidc(c.oidc).then((s) => {
          if (s) setSession(s);
        });
      })
      .catch(() => undefined);
  }, []);

  const route = hash.replace(/^#/, '');
  const isPublic = route.startsWith('/public');
  useEffect(() => {
    if (route === '/' || route === '') location.hash = homeOf(session?.role);
  }, [route, session]);

  let page: React.ReactNode;
  const [, first, second] = route.split('/');
  if (first === 'public') page = second === 'track' ? <PublicTrack /> : <PublicFile />;
  else if (!session) page = <SignIn onSession={setSession} oidc={oidc} />;
  else if (first === 'monitoring') page = <Monitoring />;
  else if (first === 'worklist') page = <WorkList />;
  else if (first === 'inbox') page = <Inbox session={session} />;
  else if (first === 'evaluation') page = <Evaluation session={session} />;
  else if (first === 'case' && second) page = <CasePage key={second} id={second} session={session} />;
  else if (first === 'letter' && second) page = <LetterPrint id={second} />;
  else if (first === 'berita-acara' && second) page = <BeritaAcaraPrint id={second} />;
  // The home route redirects (effect above); any other unknown route says so instead of loading forever.
  else if (route === '/' || route === '') page = <p>{t('loading')}</p>;
  else
    page = (
      <p role="alert">
        {t('noSuchPage')} <a href={homeOf(session.role)}>{t('backHome')}</a>
      </p>
    );

  return (
    <>
      <button type="button" className="skip" onClick={() => document.getElementById('main')?.focus()}>
        {t('skip')}
      </button>
      <header className="top no-print">
        <p className="brand">{t('appName')}</p>
        <nav aria-label="Menu">
          <ul>
            {(session && !isPublic
              ? NAV[session.role]
              : ([
                  ['#/public/file', 'publicFile'],
                  ['#/public/track', 'publicTrack'],
                ] as [string, Key][])
            ).map(([href, key]) => (
              <li key={href}>
                <a href={href} aria-current={hash.startsWith(href) ? 'page' : undefined}>
                  {t(key)}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          <label>
            <span className="sr-only">{t('language')}</span>
            <select value={lang} onChange={(e) => setLang(e.target.value === 'en' ? 'en' : 'id')}>
              <option value="id">Bahasa Indonesia</option>
              <option value="en">English</option>
            </select>
          </label>
          {session ? (
            <>
              <span data-testid="who">
                {t('signedInAs')} {session.role}
                {session.agencyId ? ` (${session.agencyId})` : ''}
              </span>
              <button
                type="button"
                onClick={() => {
                  clearSession();
                  setSession(null);
                  location.hash = '#/';
                }}
              >
                {t('signOut')}
              </button>
            </>
          ) : isPublic ? (
            <a href="#/monitoring">{t('signIn')}</a>
          ) : null}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<p>{t('loading')}</p>}>{page}</Suspense>
      </main>
    </>
  );
}

// Opening on the monitoring page (or on home, which leads an officer there) signed in: ask for its
// figures and fetch the charts' library now, before React renders, rather than after its first render.
const opened = loadSession();
const opening = location.hash === '' || location.hash === '#/' ? homeOf(opened?.role) : location.hash;
if (opened && opening.startsWith('#/monitoring')) {
  setToken(opened.token);
  prefetchMonitoring();
}

createRoot(document.getElementById('root')!).render(
  <I18nProvider>
    <App />
  </I18nProvider>,
);
