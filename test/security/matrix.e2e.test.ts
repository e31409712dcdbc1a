/**
 * The role × operation matrix (issue 11): every root field, `_entities` of every entity and every
 * subscription, generated from the schema as the gateway serves it, asked by every caller (no token, an
 * expired token, each role, the agency a complaint was forwarded to and another agency), through the
 * gateway and straight at each subgraph. The target is a confidential complaint forwarded to Bantul whose
 * every personal and free-text field carries a marker: whatever a caller is not allowed to read must not
 * appear in any answer, and a mutation that is refused must write nothing.
 */
import {
  buildClientSchema,
  getIntrospectionQuery,
  type GraphQLSchema,
  type IntrospectionQuery,
  isUnionType,
} from 'graphql';
import { type Federation, startFederation } from '../support/federation';
import { entitiesOperation, type IdFor, rootOperations } from '../support/operations';

const MARK = 'Q7MARK';
const TEXT = [`Jalan ${MARK} rusak`, `Uraian ${MARK} pungutan liar`];
const IDENTITY = [`Sentinela ${MARK}`, `sentinela.${MARK.toLowerCase()}@example.id`, '081277700777'];

let fed: Federation;
let target: string;
let letterId: string | undefined;
const tokens: Record<string, string | undefined> = {};

/** What each caller must never read of the target: strangers nothing, the agency and auditor no identity. */
const FORBIDDEN_TEXT: Record<string, readonly string[]> = {
  public: [...TEXT, ...IDENTITY],
  expired: [...TEXT, ...IDENTITY],
  foreignAgency: [...TEXT, ...IDENTITY],
  ownAgency: IDENTITY,
  auditor: IDENTITY,
  admin: IDENTITY,
};

async function post(url: string, query: string, variables: Record<string, unknown>, token?: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, text: await res.text() };
}

async function introspect(url: string): Promise<GraphQLSchema> {
  const reply = await post(url, getIntrospectionQuery(), {}, tokens.officer);
  return buildClientSchema((JSON.parse(reply.text) as { data: IntrospectionQuery }).data);
}

/**
 * The first `ms` of a subscription over SSE, as raw text; or less, once the text holds `until` (what a
 * caller must receive ends its wait as soon as it came, so a loaded machine only makes it wait longer).
 */
async function sse(
  url: string,
  query: string,
  token: string | undefined,
  ms: number,
  until?: string,
): Promise<string> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), ms);
  let text = '';
  try {
    const res = await fetch(url, {
      method: 'POST',
      signal: abort.signal,
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query }),
    });
    const reader = res.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
      if (until && text.includes(until)) break;
    }
  } catch (err) {
    // Our own abort ends the window; a server that closes a refused stream ends it too.
    if ((err as Error).name !== 'AbortError' && (err as Error).message !== 'terminated') throw err;
  } finally {
    clearTimeout(timer);
    abort.abort(); // ends the stream when `until` came first
  }
  return text;
}

const idFor: IdFor = (name) => {
  if (/agency/i.test(name)) return 'inspektorat-bantul';
  if (/letter/i.test(name)) return letterId ?? target;
  if (/tracking/i.test(name)) return 'DUMAS-2026-000001';
  if (/^(id|complaintId|ids)$/i.test(name)) return target;
  return 'x';
};

function leaks(caller: string, text: string): string[] {
  return (FORBIDDEN_TEXT[caller] ?? []).filter((s) => text.includes(s));
}

beforeAll(async () => {
  fed = await startFederation({ agencies: ['inspektorat-bantul', 'inspektorat-sleman'] });
  tokens.officer = await fed.token({ role: 'OFFICER' });
  tokens.supervisor = await fed.token({ role: 'SUPERVISOR' });
  tokens.auditor = await fed.token({ role: 'AUDITOR' });
  tokens.admin = await fed.token({ role: 'ADMIN' });
  tokens.ownAgency = await fed.token({ role: 'AGENCY', agencyId: 'inspektorat-bantul' });
  tokens.foreignAgency = await fed.token({ role: 'AGENCY', agencyId: 'inspektorat-sleman' });
  tokens.expired = await fed.token({ role: 'OFFICER', ttl: '-1m' });
  tokens.public = undefined;
  const filed = await fed.gql(
    `mutation F($input: FileComplaintInput!) { fileComplaint(input: $input) { complaint { id } } }`,
    {
      input: {
        channel: 'EMAIL',
        channelReference: IDENTITY[1],
        subject: TEXT[0],
        description: TEXT[1],
        confidential: true,
        complainant: { name: IDENTITY[0], email: IDENTITY[1], phone: IDENTITY[2] },
      },
    },
    tokens.officer,
  );
  expect(filed.errors).toBeUndefined();
  target = filed.data.fileComplaint.complaint.id;
  for (const step of [
    `mutation { verifyComplaint(id: "${target}") { id } }`,
    `mutation { forwardComplaint(id: "${target}", agencyIds: ["inspektorat-bantul"]) { id } }`,
  ]) {
    expect((await fed.gql(step, {}, tokens.officer)).errors).toBeUndefined();
  }
  for (const runtime of Object.values(fed.runtimes)) await runtime.catchUp();
  const letters = await fed.gql(`{ complaint(id: "${target}") { letters { id } } }`, {}, tokens.officer);
  letterId = letters.data?.complaint?.letters?.[0]?.id;
});

afterAll(async () => {
  await fed?.close();
});

/** Waits until the background work (flows drafting letters, projections) has nothing left to append. */
async function quiet(): Promise<void> {
  let head = await fed.store.headPosition();
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 20));
    const now = await fed.store.headPosition();
    if (now === head) return;
    head = now;
  }
}

const CALLERS = [
  'public',
  'expired',
  'foreignAgency',
  'ownAgency',
  'auditor',
  'admin',
  'supervisor',
  'officer',
];
const STRANGERS = ['public', 'expired', 'foreignAgency'];
const isLimited = (caller: string) => (FORBIDDEN_TEXT[caller]?.length ?? 0) > 0;

// Thousands of requests per test: 15 s each on an idle machine, several times that on a loaded CI runner.
jest.setTimeout(300_000);

describe('the role × operation matrix', () => {
  it('answers no caller a field it may not read, through the gateway and at each subgraph', async () => {
    const schema = await introspect(fed.gatewayUrl);
    const queries = rootOperations(schema, idFor).filter((o) => o.kind === 'query');
    expect(queries.length).toBeGreaterThan(10);
    const found: string[] = [];
    // Each generated query is one the API answers (no limit refuses it): else the matrix proves nothing.
    const unanswered: string[] = [];
    const urls = [fed.gatewayUrl, ...Object.values(fed.subgraphUrls)];
    for (const caller of CALLERS) {
      for (const op of queries) {
        // Staff may read everything: the gateway alone shows that the generated queries are answered.
        for (const url of isLimited(caller) ? urls : [fed.gatewayUrl]) {
          const { status, text } = await post(url, op.document, {}, tokens[caller]);
          expect(status).toBeLessThan(500);
          if (
            caller === 'officer' &&
            url === fed.gatewayUrl &&
            /GRAPHQL_VALIDATION_FAILED|exceeds/.test(text)
          )
            unanswered.push(`${op.field}: ${text.slice(0, 300)}`);
          for (const leak of leaks(caller, text)) found.push(`${caller} ${op.field} at ${url}: ${leak}`);
          // Refused as a whole (a field it may not read nulled the answer): ask field by field.
          if (isLimited(caller) && /"data":\{"[A-Za-z]+":null/.test(text)) {
            for (const part of op.parts) {
              const one = await post(url, part, {}, tokens[caller]);
              expect(one.status).toBeLessThan(500);
              for (const leak of leaks(caller, one.text))
                found.push(`${caller} ${op.field} at ${url}: ${leak}`);
            }
          }
        }
      }
    }
    expect(found).toEqual([]);
    expect(unanswered).toEqual([]);
    // The matrix saw the target at all: the officer reads its text through the gateway.
    const seen = await post(fed.gatewayUrl, `{ complaint(id: "${target}") { subject } }`, {}, tokens.officer);
    expect(seen.text).toContain(TEXT[0]);
  });

  it('answers `_entities` of every entity type at each subgraph only what the caller may read', async () => {
    const found: string[] = [];
    let asked = 0;
    for (const url of Object.values(fed.subgraphUrls)) {
      const schema = await introspect(url);
      const entity = schema.getType('_Entity');
      const types = entity && isUnionType(entity) ? entity.getTypes() : [];
      for (const { name } of types) {
        const id =
          name === 'Agency' ? 'inspektorat-bantul' : name === 'Letter' ? (letterId ?? target) : target;
        const { document, variables } = entitiesOperation(schema, name, { __typename: name, id });
        for (const caller of CALLERS) {
          asked++;
          const { status, text } = await post(url, document, variables, tokens[caller]);
          expect(status).toBeLessThan(500);
          for (const leak of leaks(caller, text))
            found.push(`${caller} _entities ${name} at ${url}: ${leak}`);
        }
      }
    }
    expect(asked).toBeGreaterThan(CALLERS.length * 3);
    expect(found).toEqual([]);
  });

  it('streams no caller an event of a case it may not follow', async () => {
    const schema = await introspect(fed.gatewayUrl);
    const subscriptions = rootOperations(schema, idFor, 3).filter((o) => o.kind === 'subscription');
    expect(subscriptions.length).toBeGreaterThan(0);
    const found: string[] = [];
    for (const caller of CALLERS) {
      for (const op of subscriptions) {
        // An officer follows every case: it must see the target's events, however long the replay takes.
        const text =
          caller === 'officer'
            ? await sse(fed.gatewayUrl, op.document, tokens[caller], 15_000, target)
            : await sse(fed.gatewayUrl, op.document, tokens[caller], 800);
        for (const leak of leaks(caller, text)) found.push(`${caller} ${op.field}: ${leak}`);
        if (caller === 'officer') expect(text).toContain(target);
      }
    }
    expect(found).toEqual([]);
  });

  it('writes nothing for a mutation it refuses, through the gateway and at each subgraph', async () => {
    const schema = await introspect(fed.gatewayUrl);
    const mutations = rootOperations(schema, idFor, 2).filter((o) => o.kind === 'mutation');
    expect(mutations.length).toBeGreaterThan(20);
    const wrote: string[] = [];
    const found: string[] = [];
    let refused = 0;
    const urls = [fed.gatewayUrl, ...Object.values(fed.subgraphUrls)];
    // Strangers only: every mutation they may run at all is a public one (filing, tracking, rating).
    for (const caller of STRANGERS) {
      for (const op of mutations) {
        for (const url of urls) {
          await quiet();
          const before = await fed.store.headPosition();
          const { status, text } = await post(url, op.document, {}, tokens[caller]);
          expect(status).toBeLessThan(500);
          for (const leak of leaks(caller, text)) found.push(`${caller} ${op.field} at ${url}: ${leak}`);
          const reply = JSON.parse(text) as { data?: Record<string, unknown> | null; errors?: unknown[] };
          const refusedHere = Boolean(reply.errors?.length) && !reply.data?.[op.field];
          if (refusedHere) {
            refused++;
            // Background work (the flows) may append meanwhile: only an event of the caller's own counts.
            const appended = await fed.store.readAll({ fromPosition: before });
            const own = appended.filter((e) => e.metadata.actor?.role !== 'SYSTEM');
            if (own.length)
              wrote.push(`${caller} ${op.field} at ${url}: ${own.map((e) => e.type).join(', ')}`);
          }
        }
      }
    }
    expect(refused).toBeGreaterThan(mutations.length);
    expect(wrote).toEqual([]);
    expect(found).toEqual([]);
  });
});
