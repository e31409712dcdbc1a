/**
 * Complaint.history, asOf and integrity through the gateway over real HTTP, per role: what each caller
 * may read of a case's events, and that sealed identity and access-code hashes never leave.
 */
import { type Federation, startFederation } from '../support/federation';

let fed: Federation;
let officer: string;
let bantul: string;
let sleman: string;
let diy: string;
let auditor: string;
let complaintId: string;

const HISTORY = `query H($id: ID!, $first: Int, $after: String) {
  complaint(id: $id) {
    history(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { position type summary occurredAt recordedAt actor { id role agencyId } data } }
    }
  }
}`;

beforeAll(async () => {
  fed = await startFederation({
    subgraphs: ['complaint'],
    agencies: ['inspektorat-bantul', 'inspektorat-sleman'],
  });
  officer = await fed.token({ role: 'OFFICER' });
  bantul = await fed.token({ role: 'AGENCY', agencyId: 'inspektorat-bantul' });
  sleman = await fed.token({ role: 'AGENCY', agencyId: 'inspektorat-sleman' });
  diy = await fed.token({ role: 'AGENCY', agencyId: 'inspektorat-diy' });
  auditor = await fed.token({ role: 'AUDITOR' });
  const filed = await fed.gql(
    `mutation F($input: FileComplaintInput!) { fileComplaint(input: $input) { complaint { id } } }`,
    {
      input: {
        channel: 'WHATSAPP',
        channelReference: 'wa-6281234567890-0001',
        subject: 'Jalan rusak di Bantul',
        description: 'Jalan desa rusak sejak dua tahun.',
        complainant: { name: 'Siti Rahayu', nik: '3402015507900001', phone: '081234567890' },
        issueAccessCode: true,
      },
    },
    officer,
  );
  expect(filed.errors).toBeUndefined();
  complaintId = filed.data.fileComplaint.complaint.id;
  const run = async (token: string, mutation: string) => {
    const reply = await fed.gql(`mutation { ${mutation} { id } }`, {}, token);
    expect(reply.errors).toBeUndefined();
  };
  await run(officer, `verifyComplaint(id: "${complaintId}")`);
  await run(
    officer,
    `forwardComplaint(id: "${complaintId}", agencyIds: ["inspektorat-bantul", "inspektorat-sleman"])`,
  );
  await run(sleman, `acknowledgeComplaint(id: "${complaintId}")`);
  await run(bantul, `acknowledgeComplaint(id: "${complaintId}")`);
});

afterAll(async () => {
  await fed?.close();
});

type Node = { type: string; summary: string; data: Record<string, unknown>; actor: { role: string } | null };
const nodesOf = (reply: { data: { complaint: { history: { edges: { node: Node }[] } } } }) =>
  reply.data.complaint.history.edges.map((e) => e.node);

async function sealedCiphertext(): Promise<string> {
  const [received] = await fed.store.readStream(`complaint-${complaintId}`, { maxCount: 1 });
  return (received!.data as { complainant: { sealed: { ciphertext: string } } }).complainant.sealed
    .ciphertext;
}

describe('given a case forwarded to two agencies and acknowledged by both', () => {
  it('shows an OFFICER every event of the case in log order, the identity blob sealed', async () => {
    const reply = await fed.gql(HISTORY, { id: complaintId }, officer);
    expect(reply.errors).toBeUndefined();
    const nodes = nodesOf(reply);
    expect(nodes.map((n) => n.type)).toEqual([
      'TrackingNumberClaimed',
      'ComplaintReceived',
      'ComplaintVerified',
      'ComplaintForwarded',
      'ComplaintAcknowledged',
      'ComplaintAcknowledged',
    ]);
    const received = nodes[1]!;
    expect(received.summary).toMatch(/received via WHATSAPP/);
    expect(received.data.complainant).toEqual({ subjectId: expect.any(String), sealed: '[sealed]' });
    // The channel reference is personal data, sealed in the event like the identity (issue 11).
    expect(received.data.channelReference).toBeNull();
    expect(received.data.sealedChannelReference).toEqual({
      subjectId: expect.any(String),
      sealed: '[sealed]',
    });
    expect(received.data).not.toHaveProperty('accessCodeHash');
    expect(reply.raw).not.toContain(await sealedCiphertext());
    expect(reply.raw).not.toContain('scrypt$');
  });

  it('masks the identity for an AUDITOR: no subject id, no channel reference', async () => {
    const reply = await fed.gql(HISTORY, { id: complaintId }, auditor);
    expect(reply.errors).toBeUndefined();
    const received = nodesOf(reply).find((n) => n.type === 'ComplaintReceived')!;
    expect(received.data.complainant).toEqual({ access: 'MASKED' });
    expect(received.data.channelReference).toBeNull();
    expect(reply.raw).not.toContain('6281234567890');
    expect(reply.raw).not.toContain(await sealedCiphertext());
  });

  it("shows an AGENCY only its own part: another agency's acknowledgement and forwarding are left out", async () => {
    const reply = await fed.gql(HISTORY, { id: complaintId }, bantul);
    expect(reply.errors).toBeUndefined();
    const nodes = nodesOf(reply);
    expect(nodes.map((n) => n.type)).toEqual([
      'TrackingNumberClaimed',
      'ComplaintReceived',
      'ComplaintVerified',
      'ComplaintForwarded',
      'ComplaintAcknowledged',
    ]);
    expect(nodes[3]!.summary).toBe('Forwarded to inspektorat-bantul');
    expect(nodes[4]!.data.agencyId).toBe('inspektorat-bantul');
    expect(reply.raw).not.toContain('inspektorat-sleman');
    expect(reply.raw).not.toContain(await sealedCiphertext());
  });

  it('answers an AGENCY the case was never forwarded to as if it did not exist', async () => {
    const reply = await fed.gql(HISTORY, { id: complaintId }, diy);
    expect(reply.errors).toBeUndefined();
    expect(reply.data.complaint).toBeNull();
  });

  it('pages by log position with no gap and no repeat', async () => {
    const all = nodesOf(await fed.gql(HISTORY, { id: complaintId }, officer));
    const first = await fed.gql(HISTORY, { id: complaintId, first: 4 }, officer);
    const page = first.data.complaint.history;
    expect(page.pageInfo.hasNextPage).toBe(true);
    const rest = await fed.gql(HISTORY, { id: complaintId, after: page.pageInfo.endCursor }, officer);
    const both = [...nodesOf(first), ...nodesOf(rest)];
    expect(both.map((n) => n.type)).toEqual(all.map((n) => n.type));
  });

  it('answers asOf and integrity through the gateway', async () => {
    const history = nodesOf(await fed.gql(HISTORY, { id: complaintId }, officer)) as unknown as {
      type: string;
      recordedAt: string;
    }[];
    const verifiedAt = history.find((n) => n.type === 'ComplaintVerified')!.recordedAt;
    const reply = await fed.gql(
      `query A($id: ID!, $at: DateTime!) { complaint(id: $id) {
        asOf(at: $at) { status forwardings { agencyId } }
        integrity { ok streamsChecked brokenStream }
      } }`,
      { id: complaintId, at: verifiedAt },
      auditor,
    );
    expect(reply.errors).toBeUndefined();
    expect(reply.data.complaint.asOf).toEqual({ status: 'VERIFIED', forwardings: [] });
    expect(reply.data.complaint.integrity).toEqual({ ok: true, streamsChecked: 2, brokenStream: null });
  });
});
