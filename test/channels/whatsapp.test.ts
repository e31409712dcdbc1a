/**
 * The WhatsApp channel end to end: the documented Cloud API webhook payloads, signed with the app secret,
 * posted to the gateway's host; the replies and media downloads against a local HTTP server standing in
 * for the Cloud API (an internet service), which records what it was sent.
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { channelsOf } from '../../services/channels/mount';
import { channelAccessCode } from '../../services/channels/intake';
import { WhatsAppCloudClient, WhatsAppIntake } from '../../services/channels/whatsapp';
import { complaintStreamId } from '../../services/complaint/domain/constants';
import { COMPLAINTS_COLLECTION } from '../../services/complaint/projection';
import { channelReferenceView } from '../../services/complaint/graphql/view';
import type { ComplaintDocument } from '../../services/complaint/projection';
import { ComplaintService } from '../../services/complaint/service';
import { createHttpServer } from '../../services/shared/http/server';
import { createLogger } from '../../services/shared/logger';
import { type Federation, startFederation } from '../support/federation';

const APP_SECRET = 'whatsapp-app-secret-for-tests';
const VERIFY_TOKEN = 'verify-me-please';
const CHANNEL_SECRET = Buffer.alloc(32, 9);
const PHONE_NUMBER_ID = '106540352242922';
const SENDER = '6281234567890';
const MEDIA = Buffer.from('\xff\xd8\xff\xe0 foto banjir', 'latin1');
const T0 = 1_796_600_000; // unix seconds, as the platform sends them

interface Sent {
  readonly path: string;
  readonly authorization: string | undefined;
  readonly body: { to: string; type: string; text: { body: string } };
}

let cloud: http.Server;
let cloudBase: string;
const sent: Sent[] = [];
let fed: Federation;

beforeAll(async () => {
  cloud = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '';
      if (req.method === 'POST' && url === `/v21.0/${PHONE_NUMBER_ID}/messages`) {
        sent.push({
          path: url,
          authorization: req.headers.authorization,
          body: JSON.parse(Buffer.concat(chunks).toString()),
        });
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(
          JSON.stringify({ messaging_product: 'whatsapp', messages: [{ id: `wamid.out.${sent.length}` }] }),
        );
      }
      if (req.method === 'GET' && url === '/v21.0/media-1') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(
          JSON.stringify({ url: `${cloudBase}/files/media-1`, mime_type: 'image/jpeg', id: 'media-1' }),
        );
      }
      if (
        req.method === 'GET' &&
        url === '/files/media-1' &&
        req.headers.authorization === 'Bearer cloud-token'
      ) {
        res.writeHead(200, { 'content-type': 'image/jpeg' });
        return res.end(MEDIA);
      }
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => cloud.listen(0, '127.0.0.1', r));
  cloudBase = `http://127.0.0.1:${(cloud.address() as AddressInfo).port}`;
  fed = await startFederation({
    subgraphs: ['complaint'],
    env: {
      DUMAS_WHATSAPP_APP_SECRET: APP_SECRET,
      DUMAS_WHATSAPP_VERIFY_TOKEN: VERIFY_TOKEN,
      DUMAS_WHATSAPP_ACCESS_TOKEN: 'cloud-token',
      DUMAS_WHATSAPP_PHONE_NUMBER_ID: PHONE_NUMBER_ID,
      DUMAS_WHATSAPP_API_URL: `${cloudBase}/v21.0`,
      DUMAS_WHATSAPP_WINDOW_MINUTES: '30',
      DUMAS_CHANNEL_SECRET: CHANNEL_SECRET.toString('base64'),
      DUMAS_CHECKPOINT_INTERVAL_MS: '0',
    },
  });
});

afterAll(async () => {
  await fed?.close();
  await new Promise((r) => cloud.close(r));
});

const webhook = () => `${fed.gatewayUrl.replace(/\/graphql$/, '')}/webhooks/whatsapp`;

const payload = (messages: object[]) =>
  JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: PHONE_NUMBER_ID },
              contacts: [{ profile: { name: 'Budi Santoso' }, wa_id: SENDER }],
              messages,
            },
          },
        ],
      },
    ],
  });

const text = (id: string, at: number, body: string) => ({
  from: SENDER,
  id,
  timestamp: String(at),
  type: 'text',
  text: { body },
});

const post = (
  body: string,
  signature: string | null = `sha256=${createHmac('sha256', APP_SECRET).update(body).digest('hex')}`,
) =>
  fetch(webhook(), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(signature ? { 'x-hub-signature-256': signature } : {}),
    },
    body,
  });

const complaints = async () => {
  await fed.runtimes.complaint!.catchUp();
  const runtime = fed.runtimes.complaint!;
  const docs = await runtime.readModels.find<ComplaintDocument>(COMPLAINTS_COLLECTION);
  return Promise.all(
    docs.map(async (d) => ({ ...d, channelReference: await channelReferenceView(d, runtime.vault) })),
  );
};

async function until<T>(what: string, probe: () => T | undefined): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('given the WhatsApp webhook on the gateway', () => {
  it('answers the subscription check with the challenge only for the right verify token', async () => {
    const ok = await fetch(
      `${webhook()}?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1158201444`,
    );
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('1158201444');
    const bad = await fetch(
      `${webhook()}?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1158201444`,
    );
    expect(bad.status).toBe(403);
  });

  it('refuses a notification without a valid signature and takes nothing in', async () => {
    const body = payload([text('wamid.forged', T0, 'palsu')]);
    expect((await post(body, null)).status).toBe(401);
    expect((await post(body, `sha256=${'0'.repeat(64)}`)).status).toBe(401);
    expect(await complaints()).toHaveLength(0);
  });

  it('logs a refused notification without a word of its body', async () => {
    const lines: string[] = [];
    const logger = createLogger({
      name: 'wa',
      level: 'info',
      destination: { write: (l: string) => lines.push(l) },
    });
    const channels = channelsOf(fed.runtimes.complaint!);
    const config = channels!.config.whatsapp!;
    const route = new WhatsAppIntake(
      config,
      channels!.intake,
      new WhatsAppCloudClient(config),
      fed.store,
      CHANNEL_SECRET,
      logger,
    ).route();
    const server = createHttpServer(logger, { '/hook': route });
    const { url } = await server.listen(0, '127.0.0.1');
    try {
      const res = await fetch(`${url}/hook`, {
        method: 'POST',
        headers: { 'x-hub-signature-256': 'sha256=forged' },
        body: payload([text('wamid.secret', T0, 'RAHASIA nomor rumah 17')]),
      });
      expect(res.status).toBe(401);
    } finally {
      await server.close();
    }
    expect(lines.join('')).toContain('WhatsApp webhook refused');
    expect(lines.join('')).not.toMatch(/RAHASIA|81234567890|wamid\.secret/);
  });

  it('makes one complaint of a sender’s messages within the window, idempotent by message id, and replies', async () => {
    expect(
      (await post(payload([text('wamid.A1', T0, 'Banjir di Jalan Kaliurang km 5 sejak kemarin.')]))).status,
    ).toBe(200);
    const image = {
      from: SENDER,
      id: 'wamid.A2',
      timestamp: String(T0 + 120),
      type: 'image',
      image: { id: 'media-1', mime_type: 'image/jpeg', caption: 'fotonya' },
    };
    expect((await post(payload([image]))).status).toBe(200);
    // The platform delivers again: nothing changes.
    const head = await fed.store.headPosition();
    expect(
      (await post(payload([text('wamid.A1', T0, 'Banjir di Jalan Kaliurang km 5 sejak kemarin.'), image])))
        .status,
    ).toBe(200);
    expect(await fed.store.headPosition()).toBe(head);

    const [complaint, ...others] = await complaints();
    expect(others).toHaveLength(0);
    expect(complaint).toMatchObject({ channel: 'WHATSAPP', channelReference: 'wamid.A1' });
    const events = await fed.store.readStream(complaintStreamId(complaint!.id));
    expect(events.map((e) => e.type)).toEqual(['ComplaintReceived', 'ComplainantMessageReceived']);
    expect(events[1]!.data).toMatchObject({
      channelReference: null,
      sealedChannelReference: { sealed: expect.any(Object) },
      text: 'fotonya',
      attachments: [{ mediaType: 'image/jpeg', size: MEDIA.length }],
    });
    // The phone number is personal data: nowhere in the log in plaintext.
    expect(JSON.stringify(await fed.store.readAll())).not.toMatch(/81234567890/);

    // The acknowledgement went to the Cloud API's messages endpoint.
    const ack = await until('the acknowledgement', () =>
      sent.find((s) => s.body.text.body.includes(complaint!.trackingNumber)),
    );
    expect(ack).toMatchObject({ authorization: 'Bearer cloud-token', body: { to: SENDER, type: 'text' } });
    expect(ack.body.text.body).toContain(channelAccessCode(CHANNEL_SECRET, complaint!.id));

    // A status change the complainant should know is sent as well.
    const service = new ComplaintService(fed.runtimes.complaint!);
    await service.execute(
      complaint!.id,
      (metadata) => ({ type: 'RequestInformation', data: { question: 'Di RT berapa?' }, metadata }),
      { id: 'officer-1', role: 'OFFICER' },
    );
    await until('the request for information', () =>
      sent.find((s) => s.body.text.body.includes('Di RT berapa?')),
    );

    // After the window, the same sender starts a new complaint.
    await post(payload([text('wamid.B1', T0 + 31 * 60, 'Lampu jalan mati.')]));
    expect((await complaints()).map((c) => c.channelReference).sort()).toEqual(['wamid.A1', 'wamid.B1']);
  });
});
