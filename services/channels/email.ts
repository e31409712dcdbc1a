/**
 * E-mail in: a worker that watches one IMAP mailbox (imapflow) and parses each message (mailparser).
 *
 * A new message becomes a complaint on the EMAIL channel with its Message-ID as reference; a reply to a
 * message dumas sent (In-Reply-To / References naming one of ours, or the complainant's own first message)
 * is added to that case instead. Each message taken is marked with the keyword `$DumasTaken` in the
 * mailbox; a crash between taking and marking takes it again on the next pass, which the intake answers
 * with the complaint it already made (idempotent by Message-ID). Nothing is deleted from the mailbox.
 * Between passes the worker waits in IMAP IDLE, so a new message is taken in as the server announces it.
 */
import { createHash } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import { type ParsedMail, simpleParser } from 'mailparser';
import { DomainError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import type { ImapChannelConfig } from './config';
import { type ChannelIntake, channelComplaintId } from './intake';

/** The IMAP keyword of a message the worker has taken in. */
export const TAKEN_KEYWORD = '$DumasTaken';
/** A message the intake refused (it cannot become a complaint as it is): left for an officer, not retried. */
export const REFUSED_KEYWORD = '$DumasRefused';

/** dumas' own Message-IDs to a complainant: `<dumas-<kind>-<complaint id>-<n>@domain>`. */
export const complainantMessageId = (kind: string, complaintId: string, n: string, domain: string) =>
  `<dumas-${kind}-${complaintId}-${n}@${domain}>`;
const OWN_MESSAGE_ID =
  /^<dumas-[a-z]+-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-[^@>]*@([^>]+)>$/i;

const addresses = (value: ParsedMail['from']) =>
  (Array.isArray(value) ? value : value ? [value] : []).flatMap((a) => a.value);

/** Lines quoted from the message answered (`> …`) and the "On … wrote:" line before them. */
function withoutQuote(text: string): string {
  const lines = text.split(/\r?\n/);
  const firstQuote = lines.findIndex((l) => l.startsWith('>'));
  const kept = firstQuote < 0 ? lines : lines.slice(0, firstQuote);
  if (firstQuote > 0 && /wrote:|menulis:/i.test(kept[kept.length - 1] ?? '')) kept.pop();
  return kept.join('\n').trim() || text.trim();
}

export class EmailIntakeWorker {
  private loop: Promise<void> | undefined;
  private stopped = false;
  /** Ends the current wait (IDLE or the pause between passes) early. */
  private wake: (() => void) | undefined;

  constructor(
    private readonly config: ImapChannelConfig,
    private readonly intake: ChannelIntake,
    private readonly logger: Logger,
    private readonly own: { readonly mailDomain: string; readonly from: string },
  ) {}

  /**
   * Watches the mailbox over one connection: a pass over what is not taken yet, then IMAP IDLE until
   * the server announces a new message (EXISTS) or `pollMs` passes, and again. A server without IDLE is
   * looked at every `pollMs`. A lost connection is logged and opened again after `pollMs`. Starts again
   * after a stop (the lease regained).
   */
  start(): void {
    if (this.loop) return;
    this.stopped = false;
    this.loop = (async () => {
      while (!this.stopped) {
        try {
          await this.watch();
        } catch (err) {
          this.logger.warn(
            { err: { name: (err as Error)?.name, code: (err as { code?: unknown })?.code } },
            'e-mail intake connection failed; it is opened again',
          );
        }
        if (!this.stopped) await this.pause(this.config.pollMs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
  }

  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    }).finally(() => {
      this.wake = undefined;
    });
  }

  private connect(): ImapFlow {
    const { host, port, security, user, password } = this.config;
    return new ImapFlow({
      host,
      port,
      secure: security === 'tls',
      doSTARTTLS: security === 'starttls' ? true : security === 'none' ? false : undefined,
      auth: { user, pass: password },
      // imapflow's own log would carry addresses and subjects.
      logger: false,
      // IDLE is entered (and left) by the worker itself, see watch().
      disableAutoIdle: true,
    });
  }

  private async watch(): Promise<void> {
    const client = this.connect();
    await client.connect();
    let news = false;
    // Any command ends an IDLE in progress; NOOP is the one that asks for nothing.
    const interrupt = () => void client.noop().catch(() => undefined);
    client.on('exists', () => {
      news = true;
      interrupt();
    });
    try {
      const lock = await client.getMailboxLock(this.config.mailbox);
      try {
        while (!this.stopped) {
          news = false;
          const { taken } = await this.takeAll(client);
          if (taken > 0) this.logger.info({ taken }, 'e-mails taken in');
          if (this.stopped || news) continue;
          if (!client.capabilities.has('IDLE')) {
            await this.pause(this.config.pollMs);
            continue;
          }
          const timer = setTimeout(interrupt, this.config.pollMs);
          this.wake = interrupt;
          try {
            await client.idle();
          } finally {
            clearTimeout(timer);
            this.wake = undefined;
          }
        }
      } finally {
        lock.release();
      }
    } finally {
      await client.logout().catch(() => client.close());
    }
  }

  /** One pass over the mailbox on a connection of its own (tests, and a look outside the watch). */
  async pollOnce(): Promise<{ readonly taken: number }> {
    const client = this.connect();
    await client.connect();
    try {
      const lock = await client.getMailboxLock(this.config.mailbox);
      try {
        return await this.takeAll(client);
      } finally {
        lock.release();
      }
    } finally {
      await client.logout().catch(() => client.close());
    }
  }

  /** Every message of the open mailbox not yet taken, oldest first. */
  private async takeAll(client: ImapFlow): Promise<{ readonly taken: number }> {
    let taken = 0;
    const uids =
      (await client.search({ unKeyword: TAKEN_KEYWORD, not: { keyword: REFUSED_KEYWORD } }, { uid: true })) ||
      [];
    for (const uid of [...uids].sort((a, b) => a - b)) {
      const fetched = await client.fetchOne(String(uid), { source: true }, { uid: true });
      // Expunged meanwhile: nothing to take.
      if (fetched === false || !fetched.source) continue;
      try {
        await this.take(fetched.source);
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        // The code and field only: the message is a complainant's.
        this.logger.warn(
          { uid, code: err.code, field: err.details.field },
          'e-mail refused by the intake; flagged for an officer',
        );
        await client.messageFlagsAdd(String(uid), [REFUSED_KEYWORD], { uid: true });
        continue;
      }
      await client.messageFlagsAdd(String(uid), [TAKEN_KEYWORD], { uid: true });
      taken++;
    }
    return { taken };
  }

  /** One message, as its raw RFC 5322 bytes. */
  async take(source: Buffer): Promise<'NEW' | 'ADDED' | 'SKIPPED'> {
    const mail = await simpleParser(source, { skipHtmlToText: false });
    // Without a Message-ID the message's own bytes name it, so taking it again still finds it.
    const reference =
      mail.messageId ??
      `<${createHash('sha256').update(source).digest('hex').slice(0, 40)}@no-message-id.invalid>`;
    const sender = addresses(mail.from)[0];
    // Our own messages and automatic replies (out of office, bounces) are not complaints: no loop.
    const auto = String(mail.headers.get('auto-submitted') ?? 'no').toLowerCase();
    if (auto !== 'no' || sender?.address?.toLowerCase() === this.own.from.toLowerCase()) {
      this.logger.info({ reason: auto !== 'no' ? 'auto-submitted' : 'own address' }, 'e-mail skipped');
      return 'SKIPPED';
    }
    const text = mail.text ?? '';
    const attachments = mail.attachments
      .filter((a) => a.contentDisposition !== 'inline' || a.filename)
      .map((a) => ({
        filename: a.filename ?? 'lampiran',
        mediaType: a.contentType || 'application/octet-stream',
        content: a.content,
      }));

    const answered = await this.caseAnswered(mail);
    if (answered) {
      await this.intake.addMessage(answered, {
        channel: 'EMAIL',
        reference,
        text: withoutQuote(text),
        attachments,
      });
      return 'ADDED';
    }
    await this.intake.receive({
      channel: 'EMAIL',
      reference,
      subject: mail.subject ?? '',
      text,
      complainant: sender?.address
        ? { name: sender.name || sender.address.split('@')[0], email: sender.address }
        : null,
      attachments,
    });
    return 'NEW';
  }

  /** The case a reply belongs to: one of our Message-IDs, or a complainant's first message, in its thread. */
  private async caseAnswered(mail: ParsedMail): Promise<string | undefined> {
    const refs = [
      ...(mail.inReplyTo ? [mail.inReplyTo] : []),
      ...(Array.isArray(mail.references) ? mail.references : mail.references ? [mail.references] : []),
    ].flatMap((r) => r.match(/<[^<>\s]+>/g) ?? []);
    for (const ref of refs) {
      const own = OWN_MESSAGE_ID.exec(ref);
      const candidate =
        own && own[2]!.toLowerCase() === this.own.mailDomain.toLowerCase()
          ? own[1]!.toLowerCase()
          : channelComplaintId('EMAIL', ref);
      if (await this.intake.exists(candidate)) return candidate;
    }
    return undefined;
  }
}
