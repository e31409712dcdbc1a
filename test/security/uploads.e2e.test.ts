/**
 * Issue 11, finding 10: the README allows attachments up to 5 MiB, and the gateway refused any body over
 * 1 MiB, so a 750 KB file could not be sent as base64 inside a mutation. Attachments now go to
 * `POST /uploads` as the body itself, streamed through the gateway, hashed and counted as they arrive, and
 * a letter names them by the SHA-256 the upload answered. Run with subgraphs that answer only the gateway,
 * so the forwarded upload's signature is part of what is tested.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { type Federation, startFederation } from '../support/federation';
import { forwardedComplaint } from '../subscriptions/support';

const MAX = 5 * 1024 * 1024;
let fed: Federation;
let uploadsUrl: string;
let officer: string;
let bantul: string;

beforeAll(async () => {
  fed = await startFederation({
    env: { DUMAS_SUBGRAPH_GATEWAY_ONLY: 'true' },
    agencies: ['inspektorat-bantul'],
  });
  uploadsUrl = fed.gatewayUrl.replace(/\/graphql$/, '/uploads');
  officer = await fed.token({ role: 'OFFICER' });
  bantul = await fed.token({ role: 'AGENCY', agencyId: 'inspektorat-bantul' });
});
afterAll(async () => {
  await fed?.close();
});

async function upload(
  body: Buffer | Readable,
  token: string | undefined,
  url = uploadsUrl,
): Promise<{
  status: number;
  json: { sha256?: string; size?: number; errors?: { extensions: { code: string } }[] };
}> {
  const res = await request(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/pdf',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body,
  });
  return { status: res.statusCode, json: (await res.body.json()) as never };
}

/** A stream of `size` bytes in 64 KiB chunks, with no Content-Length (chunked transfer). */
const chunked = (size: number) =>
  Readable.from(
    (function* () {
      for (let sent = 0; sent < size; sent += 65536) yield randomBytes(Math.min(65536, size - sent));
    })(),
  );

describe('given a 4 MiB PDF, an agency replies with it as an attachment', () => {
  it('uploads it through the gateway and names it by its SHA-256 in the reply', async () => {
    const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(4 * 1024 * 1024)]);
    const sha256 = createHash('sha256').update(pdf).digest('hex');
    const uploaded = await upload(pdf, bantul);
    expect(uploaded).toEqual({ status: 201, json: { sha256, size: pdf.length } });

    const complaintId = await forwardedComplaint(fed, officer, ['inspektorat-bantul']);
    const reply = await fed.gql(
      `mutation R($input: RegisterAgencyReplyInput!) {
         registerAgencyReply(input: $input) { id attachments { sha256 filename size } }
       }`,
      {
        input: {
          complaintIds: [complaintId],
          subject: 'Laporan hasil tindak lanjut',
          body: 'Terlampir laporan pemeriksaan.',
          attachments: [{ filename: 'laporan.pdf', mediaType: 'application/pdf', sha256 }],
        },
      },
      bantul,
    );
    expect(reply.errors).toBeUndefined();
    expect(reply.data.registerAgencyReply.attachments).toEqual([
      { sha256, filename: 'laporan.pdf', size: pdf.length },
    ]);
    const content = await fed.gql(
      'query A($id: ID!, $sha: String!) { letter(id: $id) { attachmentContent(sha256: $sha) } }',
      { id: reply.data.registerAgencyReply.id, sha: sha256 },
      officer,
    );
    expect(Buffer.from(content.data.letter.attachmentContent, 'base64').equals(pdf)).toBe(true);
  });
});

describe('given uploads the rules refuse', () => {
  it('refuses one over the limit with a 413, declared or streamed, and stays healthy', async () => {
    const declared = await upload(Buffer.alloc(MAX + 1), bantul);
    expect(declared.status).toBe(413);
    expect(declared.json.errors?.[0]?.extensions.code).toBe('PAYLOAD_TOO_LARGE');
    // Chunked, so only counting the bytes as they come can tell (the subgraph's 413 may close the
    // connection while the gateway is still sending: a 502 then, never a stored blob).
    const streamed = await upload(chunked(MAX + 65536), bantul);
    expect([413, 502]).toContain(streamed.status);
    const exactly = await upload(chunked(MAX), bantul);
    expect(exactly.status).toBe(201);
    expect((await request(fed.gatewayUrl.replace(/\/graphql$/, '/health'))).statusCode).toBe(200);
  });

  it('refuses no token (401), a role that does not attach (403), an empty body (400)', async () => {
    expect((await upload(Buffer.from('x'), undefined)).status).toBe(401);
    const auditor = await fed.token({ role: 'AUDITOR' });
    const byAuditor = await upload(Buffer.from('x'), auditor);
    expect(byAuditor.status).toBe(403);
    expect(byAuditor.json.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    expect((await upload(Buffer.alloc(0), bantul)).status).toBe(400);
  });

  it('refuses an upload straight to the subgraph that the gateway did not sign', async () => {
    const direct = fed.subgraphUrls.correspondence!.replace(/\/graphql$/, '/uploads');
    const r = await upload(Buffer.from('%PDF-1.7'), bantul, direct);
    expect(r.status).toBe(403);
  });
});
