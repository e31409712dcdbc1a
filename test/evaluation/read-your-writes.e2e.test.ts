/**
 * Read-your-writes across subgraphs through the gateway (services/shared/consistency.ts): a write answers
 * with the position it reached, a read sent with that position sees it in another subgraph, a mutation's
 * own selection in another subgraph sees what the mutation wrote, and a malformed token is the client's
 * mistake; and the reads of one request are batched: a page's SLA clocks come from one query.
 */
import { SLA_CLOCKS } from '../../services/evaluation/projections';
import { POSITION_HEADER, READ_AFTER_HEADER } from '../../services/shared/consistency';
import { SqliteReadModelStore } from '../../services/shared/projections/sqlite-read-model';
import { type Federation, startFederation } from '../support/federation';

let fed: Federation;
let officer: string;

beforeAll(async () => {
  fed = await startFederation({ subgraphs: ['complaint', 'evaluation'] });
  officer = await fed.token({ role: 'OFFICER' });
});

afterAll(async () => {
  await fed?.close();
});

async function post(query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) {
  const res = await fetch(fed.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${officer}`, ...headers },
    body: JSON.stringify({ query, variables }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: replies are inspected field by field
  return { status: res.status, position: res.headers.get(POSITION_HEADER), body: (await res.json()) as any };
}

const FILE = `mutation F($input: FileComplaintInput!) {
  fileComplaint(input: $input) { complaint { id sla { clocks { kind state } } } }
}`;
const INPUT = {
  input: {
    channel: 'WEB',
    subject: 'Pungutan liar di kantor desa',
    description: 'Warga dimintai biaya tambahan untuk surat keterangan.',
    region: 'DI Yogyakarta',
  },
};

describe('given a complaint filed through the gateway', () => {
  it('the filing answers with its position and its own SLA selection reads what it wrote', async () => {
    const filed = await post(FILE, INPUT);
    expect(filed.body.errors).toBeUndefined();
    expect(filed.position).toMatch(/^\d+$/);
    expect(Number(filed.position)).toBeGreaterThan(0);
    expect(Number(filed.position)).toBeLessThanOrEqual(await fed.store.headPosition());
    // The evaluation's part of the payload was read after the filing's position, in the same operation.
    expect(filed.body.data.fileComplaint.complaint.sla.clocks.length).toBeGreaterThan(0);
  });

  it('a read sent with that position sees the write in the other subgraph; a read answers no position', async () => {
    const filed = await post(FILE, INPUT);
    const id = filed.body.data.fileComplaint.complaint.id as string;
    const read = await post(
      `query C($id: ID!) { complaint(id: $id) { id sla { clocks { kind state } } } }`,
      { id },
      { [READ_AFTER_HEADER]: filed.position! },
    );
    expect(read.body.errors).toBeUndefined();
    expect(read.body.data.complaint.sla.clocks).toEqual(filed.body.data.fileComplaint.complaint.sla.clocks);
    expect(read.position).toBeNull();
  });

  it('a position past the head waits for the head only and answers', async () => {
    const read = await post(
      `{ complaints(first: 1) { totalCount } }`,
      {},
      { [READ_AFTER_HEADER]: '999999999' },
    );
    expect(read.status).toBe(200);
    expect(read.body.errors).toBeUndefined();
  });

  it.each(['-1', 'abc', '1.5', '1e3'])('a malformed %s is refused with 400 BAD_USER_INPUT', async (token) => {
    const refused = await post(`{ complaints(first: 1) { totalCount } }`, {}, { [READ_AFTER_HEADER]: token });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(refused.body)).not.toMatch(/at .*\.ts:/);
  });
});

describe('given a page of complaints with their SLA', () => {
  it('the evaluation reads the clocks of the whole page in one query', async () => {
    const filed: string[] = [];
    for (let i = 0; i < 4; i++) filed.push((await post(FILE, INPUT)).position!);
    const finds = jest.spyOn(SqliteReadModelStore.prototype, 'find');
    try {
      const page = await post(
        `{ complaints(first: 5) { edges { node { id sla { clocks { kind } } } } } }`,
        {},
        { [READ_AFTER_HEADER]: filed[filed.length - 1]! },
      );
      expect(page.body.errors).toBeUndefined();
      const nodes = page.body.data.complaints.edges.map((e: { node: unknown }) => e.node);
      expect(nodes).toHaveLength(5);
      for (const node of nodes) expect(node.sla.clocks.length).toBeGreaterThan(0);
      const clockQueries = finds.mock.calls.filter(([collection]) => collection === SLA_CLOCKS);
      expect(clockQueries).toHaveLength(1);
    } finally {
      finds.mockRestore();
    }
  });
});
