/**
 * GraphiQL served by the gateway itself, with no CDN: the page, GraphiQL's bundle and stylesheet, React's
 * UMD production bundles and graphql-sse's client all come from node_modules, so it works on an offline
 * network. An Authorization field above the editor (kept in sessionStorage) adds the bearer token to
 * every request. It opens on dumas examples (a query, a mutation, the live case events), and runs
 * subscriptions over Server-Sent Events with graphql-sse's own client.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import type { RouteHandler } from '../services/shared/http/server';

export const GRAPHIQL_PATH = '/graphiql';

interface Asset {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
}

const asset = (body: Buffer | string, contentType: string): Asset => {
  const buffer = typeof body === 'string' ? Buffer.from(body) : body;
  return { body: buffer, contentType, etag: `"${createHash('sha1').update(buffer).digest('base64url')}"` };
};

function resolvePackageFile(pkg: string, file: string): string {
  return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file);
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>dumas · GraphiQL</title>
  <link rel="stylesheet" href="${GRAPHIQL_PATH}/graphiql.min.css">
  <link rel="stylesheet" href="${GRAPHIQL_PATH}/page.css">
</head>
<body>
  <form id="auth" autocomplete="off">
    <label for="authorization">Authorization</label>
    <input id="authorization" name="authorization" type="password" spellcheck="false"
      placeholder="Bearer eyJ… (npm run -s token -- --role OFFICER)">
    <span id="auth-state"></span>
  </form>
  <div id="graphiql">Loading GraphiQL…</div>
  <script src="${GRAPHIQL_PATH}/react.production.min.js"></script>
  <script src="${GRAPHIQL_PATH}/react-dom.production.min.js"></script>
  <script src="${GRAPHIQL_PATH}/graphiql.min.js"></script>
  <script src="${GRAPHIQL_PATH}/graphql-sse.min.js"></script>
  <script src="${GRAPHIQL_PATH}/examples.js"></script>
  <script src="${GRAPHIQL_PATH}/app.js"></script>
</body>
</html>
`;

const PAGE_CSS = `html, body { height: 100%; margin: 0; }
body { display: flex; flex-direction: column; font-family: system-ui, sans-serif; }
#auth { display: flex; gap: .5rem; align-items: center; padding: .4rem .75rem; border-bottom: 1px solid #ddd; }
#auth label { font-weight: 600; font-size: .85rem; }
#auth input { flex: 1; font-family: ui-monospace, monospace; font-size: .8rem; padding: .25rem .4rem; }
#auth-state { font-size: .8rem; color: #666; min-width: 8rem; }
#graphiql { flex: 1; min-height: 0; }
`;

// Runs in the browser. Plain ES2017 so any current browser takes it without a build step.
const APP_JS = `(function () {
  var KEY = 'dumas.authorization';
  var input = document.getElementById('authorization');
  var state = document.getElementById('auth-state');
  var endpoint = new URL('/graphql', window.location.href).toString();
  function normalise(value) {
    value = (value || '').trim();
    if (!value) return '';
    return /^bearer\\s/i.test(value) ? value : 'Bearer ' + value;
  }
  function show() { state.textContent = input.value.trim() ? 'token set' : 'public (no token)'; }
  input.value = sessionStorage.getItem(KEY) || '';
  show();
  input.addEventListener('input', function () { sessionStorage.setItem(KEY, input.value); show(); });
  document.getElementById('auth').addEventListener('submit', function (e) { e.preventDefault(); });
  var sse = graphqlSse.createClient({
    url: endpoint,
    headers: function () {
      var auth = normalise(input.value);
      return auth ? { authorization: auth } : {};
    },
    retryAttempts: 0,
  });
  // The operation GraphiQL is about to run is a subscription when its keyword says so.
  function isSubscription(params) {
    var query = String(params.query || '').replace(/#.*$/gm, '');
    if (params.operationName) {
      return new RegExp('subscription\\\\s+' + params.operationName + '\\\\b').test(query);
    }
    return /^\\s*subscription\\b/m.test(query);
  }
  function fetcher(params, options) {
    if (isSubscription(params)) return sse.iterate(params);
    var headers = Object.assign({}, (options && options.headers) || {});
    headers['content-type'] = 'application/json';
    headers.accept = 'application/graphql-response+json, application/json';
    var auth = normalise(input.value);
    if (auth) headers.authorization = auth;
    return fetch(endpoint, { method: 'POST', headers: headers, body: JSON.stringify(params) })
      .then(function (res) { return res.json(); });
  }
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultTabs: window.DUMAS_EXAMPLES,
    defaultEditorToolsVisibility: true,
    shouldPersistHeaders: false,
  }));
})();
`;

/** The tabs GraphiQL opens on when the browser has none saved: what a newcomer tries first. */
export const GRAPHIQL_EXAMPLES: readonly { readonly query: string; readonly variables?: string }[] = [
  {
    query: `# dumas: public complaints to the President. Paste a token above (npm start prints one per role).
# One query, three subgraphs: status from complaint, agencies from correspondence, sla from evaluation.
query WorkList($first: Int = 10) {
  complaints(first: $first, filter: { status: [FORWARDED, IN_FOLLOW_UP] }) {
    totalCount
    edges {
      node {
        id
        trackingNumber
        status
        subject
        agencies { id name }
        sla { clocks { kind state dueAt } }
      }
    }
  }
}
`,
  },
  {
    query: `# Filing on the public WEB form needs no token; the access code is shown once.
mutation File {
  fileComplaint(
    input: {
      subject: "Jalan rusak di Kabupaten Bantul"
      description: "Jalan desa rusak sejak dua tahun dan belum diperbaiki."
      complainant: { name: "Siti Rahayu", phone: "081234567890" }
    }
  ) {
    accessCode
    complaint { id trackingNumber status }
  }
}
`,
  },
  {
    query: `# Live case events over Server-Sent Events (an OFFICER, SUPERVISOR, AUDITOR or AGENCY token).
# Keep the last position and subscribe again with after: to resume without a gap.
subscription CaseEvents($after: String) {
  caseEvents(after: $after) {
    position
    type
    occurredAt
    summary
    complaint { id trackingNumber status }
  }
}
`,
  },
];

/** Everything the GraphiQL page needs, as routes on the gateway's server (files read once, at start). */
export function graphiqlRoutes(): Record<string, RouteHandler> {
  const assets: Record<string, Asset> = {
    [GRAPHIQL_PATH]: asset(PAGE, 'text/html; charset=utf-8'),
    [`${GRAPHIQL_PATH}/page.css`]: asset(PAGE_CSS, 'text/css; charset=utf-8'),
    [`${GRAPHIQL_PATH}/app.js`]: asset(APP_JS, 'text/javascript; charset=utf-8'),
    [`${GRAPHIQL_PATH}/examples.js`]: asset(
      `window.DUMAS_EXAMPLES = ${JSON.stringify(GRAPHIQL_EXAMPLES)};\n`,
      'text/javascript; charset=utf-8',
    ),
    [`${GRAPHIQL_PATH}/graphql-sse.min.js`]: asset(
      readFileSync(resolvePackageFile('graphql-sse', 'umd/graphql-sse.min.js')),
      'text/javascript; charset=utf-8',
    ),
    [`${GRAPHIQL_PATH}/graphiql.min.css`]: asset(
      readFileSync(resolvePackageFile('graphiql', 'graphiql.min.css')),
      'text/css; charset=utf-8',
    ),
    [`${GRAPHIQL_PATH}/graphiql.min.js`]: asset(
      readFileSync(resolvePackageFile('graphiql', 'graphiql.min.js')),
      'text/javascript; charset=utf-8',
    ),
    [`${GRAPHIQL_PATH}/react.production.min.js`]: asset(
      readFileSync(resolvePackageFile('react', 'umd/react.production.min.js')),
      'text/javascript; charset=utf-8',
    ),
    [`${GRAPHIQL_PATH}/react-dom.production.min.js`]: asset(
      readFileSync(resolvePackageFile('react-dom', 'umd/react-dom.production.min.js')),
      'text/javascript; charset=utf-8',
    ),
  };
  const routes: Record<string, RouteHandler> = {};
  for (const [route, file] of Object.entries(assets)) {
    routes[route] = (req, res) => serve(res, file, route === GRAPHIQL_PATH, req.headers['if-none-match']);
  }
  return routes;
}

function serve(res: ServerResponse, file: Asset, isPage: boolean, ifNoneMatch: string | undefined) {
  const headers: Record<string, string> = {
    'content-type': file.contentType,
    etag: file.etag,
    'cache-control': isPage ? 'no-cache' : 'public, max-age=3600',
    'x-content-type-options': 'nosniff',
  };
  if (isPage) {
    // Only our own origin: no CDN, no inline script. GraphiQL sets inline styles, hence 'unsafe-inline' for styles.
    headers['content-security-policy'] =
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";
    headers['x-frame-options'] = 'DENY';
  }
  if (ifNoneMatch === file.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'content-length': String(file.body.length) });
  res.end(file.body);
}
