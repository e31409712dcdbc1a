/**
 * WhatsApp in and out, over the WhatsApp Business Cloud API.
 *
 * In: the webhook (GET: Meta's subscription check; POST: notifications signed with X-Hub-Signature-256,
 * the HMAC-SHA256 of the raw body with the app secret). Messages of one sender within a window of the
 * first make one complaint on the WHATSAPP channel (reference: the first message's id); later messages in
 * the window are added to its case. Which complaint a sender's window belongs to is kept in the log, on a
 * stream named by an HMAC of the sender's number (the number itself is written only sealed, in the
 * complainant's identity). Redelivered notifications change nothing: every step is idempotent by message id.
 *
 * Out: text messages to the Cloud API's messages endpoint; media downloaded through the media endpoint.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage as HttpRequest, ServerResponse } from 'node:http';
import { type EventStore, WrongExpectedRevisionError } from '../shared/eventstore/types';
import { PayloadTooLargeError, readBody, type RouteHandler, sendJson } from '../shared/http/server';
import { DomainError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import type { WhatsAppChannelConfig } from './config';
import type { ChannelIntake, IncomingAttachment } from './intake';

export const WHATSAPP_WEBHOOK_PATH = '/webhooks/whatsapp';
const MAX_BODY_BYTES = 1024 * 1024;
const MAX_MEDIA_BYTES = 16 * 1024 * 1024;

export class WhatsAppApiError extends Error {
  constructor(
    readonly status: number,
    what: string,
  ) {
    super(`the WhatsApp Cloud API answered ${status} to ${what}`);
    this.name = 'WhatsAppApiError';
  }
}

export class WhatsAppCloudClient {
  constructor(
    private readonly config: Pick<WhatsAppChannelConfig, 'apiBaseUrl' | 'accessToken' | 'phoneNumberId'>,
  ) {}

  private headers() {
    return { authorization: `Bearer ${this.config.accessToken}` };
  }

  /** Sends a text; `to` is the number with its country code (a leading + is dropped). Returns the message id. */
  async sendText(to: string, body: string): Promise<string | undefined> {
    const res = await fetch(`${this.config.apiBaseUrl}/${this.config.phoneNumberId}/messages`, {
      method: 'POST',
      headers: { ...this.headers(), 'content-type': 'application/json' },
      body: JSON.stringify({
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: to.replace(/^\+/, ''),
        type: 'text',
        text: { preview_url: false, body: body.slice(0, 4096) },
      }),
      signal: AbortSignal.timeout(30_000),
    });
    if (!res.ok) throw new WhatsAppApiError(res.status, 'a message');
    const answer = (await res.json().catch(() => ({}))) as { messages?: { id?: string }[] };
    return answer.messages?.[0]?.id;
  }

  /** A media object's bytes: its URL from the media endpoint, then the bytes from that URL (both with the token). */
  async downloadMedia(mediaId: string): Promise<{ content: Buffer; mediaType: string }> {
    const meta = await fetch(`${this.config.apiBaseUrl}/${encodeURIComponent(mediaId)}`, {
      headers: this.headers(),
      signal: AbortSignal.timeout(30_000),
    });
    if (!meta.ok) throw new WhatsAppApiError(meta.status, 'a media lookup');
    const { url, mime_type } = (await meta.json()) as { url?: string; mime_type?: string };
    if (!url) throw new WhatsAppApiError(meta.status, 'a media lookup (no url)');
    const file = await fetch(url, { headers: this.headers(), signal: AbortSignal.timeout(60_000) });
    if (!file.ok) throw new WhatsAppApiError(file.status, 'a media download');
    const content = Buffer.from(await file.arrayBuffer());
    if (content.length > MAX_MEDIA_BYTES) throw new WhatsAppApiError(413, 'a media download (too large)');
    return {
      content,
      mediaType: mime_type || file.headers.get('content-type') || 'application/octet-stream',
    };
  }
}

/** A message of the webhook's `messages` array (the types dumas takes; others are acknowledged and left). */
interface CloudMessage {
  readonly from: string;
  readonly id: string;
  readonly timestamp: string;
  readonly type: string;
  readonly text?: { readonly body?: string };
  readonly image?: CloudMedia;
  readonly document?: CloudMedia & { readonly filename?: string };
  readonly audio?: CloudMedia;
  readonly video?: CloudMedia;
}
interface CloudMedia {
  readonly id: string;
  readonly mime_type?: string;
  readonly caption?: string;
}
interface WebhookBody {
  readonly object?: string;
  readonly entry?: readonly {
    readonly changes?: readonly {
      readonly field?: string;
      readonly value?: {
        readonly contacts?: readonly {
          readonly wa_id?: string;
          readonly profile?: { readonly name?: string };
        }[];
        readonly messages?: readonly CloudMessage[];
      };
    }[];
  }[];
}

const MEDIA_TYPES = ['image', 'document', 'audio', 'video'] as const;

/** The log's record of a sender's conversations: which complaint each window belongs to. */
interface ConversationStarted {
  readonly complaintId: string;
  readonly firstMessageId: string;
  readonly startedAt: string;
}
const CONVERSATION_STREAM_PREFIX = 'whatsapp-sender-';

export class WhatsAppIntake {
  /** One sender at a time in this process, so two deliveries cannot both open a window. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly config: WhatsAppChannelConfig,
    private readonly intake: ChannelIntake,
    private readonly client: WhatsAppCloudClient,
    private readonly store: EventStore,
    private readonly secret: Buffer,
    private readonly logger: Logger,
  ) {}

  /** The webhook's route handler (GET and POST on one path). */
  route(): RouteHandler {
    return (req, res) => (req.method === 'GET' ? this.verify(req, res) : this.notify(req, res));
  }

  private verify(req: HttpRequest, res: ServerResponse): void {
    const query = new URL(req.url ?? '/', 'http://webhook').searchParams;
    const token = Buffer.from(query.get('hub.verify_token') ?? '');
    const expected = Buffer.from(this.config.verifyToken);
    const ok =
      query.get('hub.mode') === 'subscribe' &&
      token.length === expected.length &&
      timingSafeEqual(token, expected);
    if (!ok) {
      this.logger.warn({ mode: query.get('hub.mode') }, 'WhatsApp webhook verification refused');
      sendJson(res, 403, { error: 'verification refused' });
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end(query.get('hub.challenge') ?? '');
  }

  private async notify(req: HttpRequest, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') {
      sendJson(res, 405, { error: 'method not allowed' });
      return;
    }
    let raw: Buffer;
    try {
      raw = await readBody(req, MAX_BODY_BYTES);
    } catch (err) {
      if (err instanceof PayloadTooLargeError) return void sendJson(res, 413, { error: 'payload too large' });
      throw err;
    }
    const given = String(req.headers['x-hub-signature-256'] ?? '');
    const expected = `sha256=${createHmac('sha256', this.config.appSecret).update(raw).digest('hex')}`;
    if (given.length !== expected.length || !timingSafeEqual(Buffer.from(given), Buffer.from(expected))) {
      // Never the body: it is a complainant's message.
      this.logger.warn(
        { signature: given ? 'mismatch' : 'missing', bytes: raw.length },
        'WhatsApp webhook refused',
      );
      sendJson(res, 401, { error: 'bad signature' });
      return;
    }
    let body: WebhookBody;
    try {
      body = JSON.parse(raw.toString('utf8')) as WebhookBody;
    } catch {
      sendJson(res, 400, { error: 'not JSON' });
      return;
    }
    // Taken before answering: a failure answers 500 and the platform delivers the notification again.
    for (const entry of body.entry ?? [])
      for (const change of entry.changes ?? []) {
        const value = change.value;
        for (const message of value?.messages ?? []) {
          const name = value?.contacts?.find((c) => c.wa_id === message.from)?.profile?.name;
          try {
            await this.serialised(() => this.take(message, name));
          } catch (err) {
            // A message the intake refuses would be refused on every redelivery: acknowledged and logged.
            if (!(err instanceof DomainError)) throw err;
            this.logger.warn(
              { code: err.code, field: err.details.field, type: message.type },
              'WhatsApp message refused by the intake',
            );
          }
        }
      }
    sendJson(res, 200, { ok: true });
  }

  private serialised<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** One message: a new complaint, or added to the complaint of the sender's open window. */
  async take(message: CloudMessage, profileName?: string): Promise<'NEW' | 'ADDED' | 'SKIPPED'> {
    if (message.type !== 'text' && !MEDIA_TYPES.includes(message.type as (typeof MEDIA_TYPES)[number])) {
      this.logger.info({ type: message.type }, 'a WhatsApp message of a type dumas does not take');
      return 'SKIPPED';
    }
    const at = new Date(Number(message.timestamp) * 1000);
    if (!message.id || !message.from || Number.isNaN(at.getTime())) return 'SKIPPED';
    const sender = createHmac('sha256', this.secret).update(`whatsapp-sender:${message.from}`).digest('hex');
    const streamId = `${CONVERSATION_STREAM_PREFIX}${sender.slice(0, 40)}`;
    const history = await this.store.readStream(streamId);
    const windows = history.map((e) => ({ revision: e.revision, ...(e.data as ConversationStarted) }));
    const windowMs = this.config.windowMinutes * 60_000;
    // The window this message falls in: the latest one opened at or before it, if still open at its time.
    const open = [...windows]
      .reverse()
      .find(
        (w) => Date.parse(w.startedAt) <= at.getTime() && at.getTime() - Date.parse(w.startedAt) <= windowMs,
      );
    const media = await this.media(message);
    const text = message.text?.body ?? this.mediaOf(message)?.caption ?? '';

    if (open && open.firstMessageId !== message.id) {
      await this.intake.addMessage(open.complaintId, {
        channel: 'WHATSAPP',
        reference: message.id,
        text,
        attachments: media,
      });
      return 'ADDED';
    }
    const { complaintId } = await this.intake.receive({
      channel: 'WHATSAPP',
      reference: message.id,
      subject: text.split('\n')[0]!.slice(0, 100) || 'Pengaduan melalui WhatsApp',
      text,
      complainant: {
        name: profileName?.trim() || 'Pelapor WhatsApp',
        phone: `+${message.from.replace(/^\+/, '')}`,
      },
      attachments: media,
    });
    if (!open) {
      const started: ConversationStarted = {
        complaintId,
        firstMessageId: message.id,
        startedAt: at.toISOString(),
      };
      try {
        await this.store.append(
          streamId,
          [
            {
              type: 'WhatsAppConversationStarted',
              data: started,
              metadata: { occurredAt: started.startedAt },
            },
          ],
          { expectedRevision: history.length ? history[history.length - 1]!.revision : 'no_stream' },
        );
      } catch (err) {
        if (!(err instanceof WrongExpectedRevisionError)) throw err;
      }
    }
    return 'NEW';
  }

  private mediaOf(message: CloudMessage): (CloudMedia & { filename?: string }) | undefined {
    return MEDIA_TYPES.includes(message.type as (typeof MEDIA_TYPES)[number])
      ? message[message.type as (typeof MEDIA_TYPES)[number]]
      : undefined;
  }

  private async media(message: CloudMessage): Promise<IncomingAttachment[]> {
    const item = this.mediaOf(message);
    if (!item?.id) return [];
    const { content, mediaType } = await this.client.downloadMedia(item.id);
    const extension = (item.mime_type ?? mediaType).split('/')[1]?.split(';')[0] ?? 'bin';
    return [
      {
        filename: item.filename ?? `${message.type}-${message.id.slice(-12)}.${extension}`,
        mediaType,
        content,
      },
    ];
  }
}
