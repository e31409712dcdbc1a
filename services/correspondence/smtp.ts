/**
 * Sending letters to a mail server over SMTP (RFC 5321), with node:net and node:tls only.
 *
 * One connection per message: greeting, EHLO, STARTTLS (or TLS from the first byte), AUTH PLAIN/LOGIN when
 * credentials are set, MAIL FROM, one RCPT TO per recipient, DATA with the message dot-stuffed, QUIT. Every
 * reply code is checked and every wait has a timeout. Errors say which step failed and the server's reply
 * code, never an address, a credential or message content (server texts are kept only with addresses cut).
 *
 * The delivery adapter built on this client (what is recorded, and what a crash can repeat) is
 * SmtpDeliveryAdapter in ./delivery.ts.
 */
import net from 'node:net';
import os from 'node:os';
import tls from 'node:tls';

/** `tls`: TLS from the first byte (port 465); `starttls`: plain, then upgraded, and refused if the server cannot; `none`: never encrypted. */
export type SmtpSecurity = 'starttls' | 'tls' | 'none';

export interface SmtpOptions {
  readonly host: string;
  readonly port: number;
  readonly security: SmtpSecurity;
  readonly user?: string;
  readonly password?: string;
  /** Longest wait for a connection or any single reply. Default 60 s (RFC 5321 asks more of a server's patience, not of ours). */
  readonly timeoutMs?: number;
  /** The name this client gives in EHLO. Default: the host name when it is a domain, else the socket's address literal. */
  readonly clientName?: string;
  /** Extra TLS settings (a private CA, say). The server's certificate is always verified against `host`. */
  readonly tls?: Omit<tls.ConnectionOptions, 'socket' | 'host' | 'port'>;
}

export interface SmtpEnvelope {
  readonly from: string;
  readonly to: readonly string[];
}

export interface SmtpSendResult {
  /** The server's reply to the end of DATA (its queue id, usually), addresses cut out. */
  readonly reply: string;
}

export type SmtpErrorCode =
  | 'SMTP_CONNECTION'
  | 'SMTP_TIMEOUT'
  | 'SMTP_TLS'
  | 'SMTP_AUTH'
  | 'SMTP_REJECTED'
  | 'SMTP_PROTOCOL'
  | 'SMTP_MESSAGE';

export class SmtpError extends Error {
  constructor(
    readonly code: SmtpErrorCode,
    /** The SMTP step that failed, e.g. `RCPT TO`. */
    readonly step: string,
    message: string,
    /** The server's reply code, when it replied. */
    readonly replyCode?: number,
    /** A 5xx (or a refusal of ours that sending again would not change): retrying the same message is pointless. */
    readonly permanent = false,
  ) {
    super(message);
    this.name = 'SmtpError';
  }
}

interface Reply {
  readonly code: number;
  readonly lines: readonly string[];
}

const DEFAULT_TIMEOUT_MS = 60_000;
/** Longest reply we buffer: a server sending more without a line end is not speaking SMTP. */
const MAX_REPLY_BYTES = 64 * 1024;

/** A server's text without anything that looks like an address, short and printable, for errors and evidence. */
export function redactReplyText(text: string): string {
  return text
    .replace(/[^\x20-\x7e]/g, '?')
    .replace(/<[^>]*>/g, '<address>')
    .replace(/[^\s<>"'(),;:[\]]+@[^\s<>"'(),;:[\]]+/g, '[address]')
    .slice(0, 160)
    .trim();
}

const describeReply = (reply: Reply) =>
  `${reply.code}${reply.lines[0] ? ` ${redactReplyText(reply.lines.join(' '))}` : ''}`;

/**
 * The message as the DATA phase carries it: lines ended by CRLF (bare CR or LF become CRLF, which RFC 5321
 * requires anyway), a line starting with "." gets a second one (RFC 5321 4.5.2), then the end mark.
 */
export function dotStuff(content: Buffer): Buffer {
  // latin1 maps every byte to one code unit and back, so 8-bit content passes through unchanged.
  let text = content.toString('latin1').replace(/\r\n|\r|\n/g, '\r\n');
  if (text.length > 0 && !text.endsWith('\r\n')) text += '\r\n';
  text = text.replace(/^\./gm, '..');
  return Buffer.from(`${text}.\r\n`, 'latin1');
}

/** An address as a MAIL FROM / RCPT TO path: anything that could break out of the command is refused. */
function mailbox(address: string, role: string): string {
  // Printable ASCII without space, angle brackets or a second @ (no SMTPUTF8: directory addresses are ASCII).
  if (!/^[!-;=?A-~]+@[!-;=?A-~]+$/.test(address))
    throw new SmtpError(
      'SMTP_MESSAGE',
      role,
      `the ${role} address is not a plain mailbox address`,
      undefined,
      true,
    );
  return `<${address}>`;
}

const isLoopback = (host: string) =>
  host === 'localhost' || host === '::1' || host === '[::1]' || /^127\./.test(host);

/** One SMTP session over one socket; replies are read in order, each with its own timeout. */
class SmtpSession {
  private socket: net.Socket;
  private buffer = '';
  private replyLines: string[] = [];
  private readonly replies: Reply[] = [];
  private waiter: { resolve(r: Reply): void; reject(e: Error): void } | undefined;
  private failure: Error | undefined;
  private readonly onData = (chunk: Buffer) => this.receive(chunk);
  private readonly onError = (err: Error) =>
    this.fail(
      new SmtpError(
        'SMTP_CONNECTION',
        this.step,
        `the connection to the mail server failed (${errCode(err)})`,
      ),
    );
  private readonly onClose = () =>
    this.fail(new SmtpError('SMTP_CONNECTION', this.step, 'the mail server closed the connection'));
  private step = 'connect';

  private constructor(
    socket: net.Socket,
    private readonly timeoutMs: number,
  ) {
    this.socket = socket;
    this.listen(socket);
  }

  static async open(options: SmtpOptions): Promise<SmtpSession> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const socket =
      options.security === 'tls'
        ? tls.connect({
            ...options.tls,
            host: options.host,
            port: options.port,
            servername: sni(options.host),
          })
        : net.connect({ host: options.host, port: options.port });
    const connected = await withTimeout(
      new Promise<net.Socket>((resolve, reject) => {
        socket.once(options.security === 'tls' ? 'secureConnect' : 'connect', () => resolve(socket));
        socket.once('error', (err) => reject(connectError(err, options.security === 'tls')));
      }),
      timeoutMs,
      () =>
        new SmtpError('SMTP_TIMEOUT', 'connect', `no connection to the mail server within ${timeoutMs} ms`),
    ).catch((err: unknown) => {
      socket.on('error', () => undefined);
      socket.destroy();
      throw err;
    });
    connected.removeAllListeners('error');
    return new SmtpSession(connected, timeoutMs);
  }

  get localAddress(): string | undefined {
    return this.socket.localAddress;
  }

  private listen(socket: net.Socket) {
    socket.on('data', this.onData);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
  }

  private unlisten(socket: net.Socket) {
    socket.off('data', this.onData);
    socket.off('error', this.onError);
    socket.off('close', this.onClose);
  }

  private receive(chunk: Buffer) {
    this.buffer += chunk.toString('latin1');
    let end = this.buffer.indexOf('\n');
    while (end >= 0) {
      const line = this.buffer.slice(0, end).replace(/\r$/, '');
      this.buffer = this.buffer.slice(end + 1);
      const match = /^([2-5]\d\d)([ -]?)(.*)$/.exec(line);
      if (!match)
        return this.fail(
          new SmtpError('SMTP_PROTOCOL', this.step, 'the mail server sent a line that is not an SMTP reply'),
        );
      this.replyLines.push(match[3] ?? '');
      if (match[2] !== '-') {
        this.replies.push({ code: Number(match[1]), lines: this.replyLines });
        this.replyLines = [];
      }
      end = this.buffer.indexOf('\n');
    }
    if (this.buffer.length > MAX_REPLY_BYTES)
      return this.fail(new SmtpError('SMTP_PROTOCOL', this.step, 'the mail server sent an overlong reply'));
    this.deliverReply();
  }

  private deliverReply() {
    if (!this.waiter) return;
    const next = this.replies.shift();
    if (next) {
      const { resolve } = this.waiter;
      this.waiter = undefined;
      resolve(next);
    } else if (this.failure) {
      const { reject } = this.waiter;
      this.waiter = undefined;
      reject(this.failure);
    }
  }

  private fail(err: Error) {
    if (this.failure) return;
    this.failure = err;
    this.socket.destroy();
    this.deliverReply();
  }

  /** The next reply, or the connection's failure, or a timeout. */
  read(step: string): Promise<Reply> {
    this.step = step;
    const queued = this.replies.shift();
    if (queued) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    const pending = new Promise<Reply>((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
    return withTimeout(pending, this.timeoutMs, () => {
      const err = new SmtpError(
        'SMTP_TIMEOUT',
        step,
        `the mail server did not answer ${step} within ${this.timeoutMs} ms`,
      );
      this.waiter = undefined;
      this.fail(err);
      return err;
    });
  }

  write(data: string | Buffer): void {
    if (!this.failure) this.socket.write(data);
  }

  /** Sends a command and reads its reply; `expect` lists the codes that mean go on. */
  async command(step: string, line: string, expect: readonly number[]): Promise<Reply> {
    this.write(`${line}\r\n`);
    return this.expect(step, expect);
  }

  async expect(step: string, expect: readonly number[]): Promise<Reply> {
    const reply = await this.read(step);
    if (!expect.includes(reply.code)) throw refused(step, reply);
    return reply;
  }

  /** Upgrades the connection in place after the server's 220 to STARTTLS. */
  async startTls(host: string, options: SmtpOptions['tls']): Promise<void> {
    // Anything the server sent after its 220 would be read as if it came over TLS (the STARTTLS injection
    // of CVE-2011-0411): refuse it.
    if (this.buffer.length > 0 || this.replies.length > 0)
      throw new SmtpError('SMTP_PROTOCOL', 'STARTTLS', 'the mail server sent data before the TLS handshake');
    const plain = this.socket;
    this.unlisten(plain);
    this.step = 'STARTTLS';
    const secure = await withTimeout(
      new Promise<tls.TLSSocket>((resolve, reject) => {
        const s = tls.connect({ ...options, socket: plain, servername: sni(host), host }, () => resolve(s));
        s.once('error', (err) => {
          s.destroy();
          reject(connectError(err, true));
        });
      }),
      this.timeoutMs,
      () => {
        plain.destroy();
        return new SmtpError(
          'SMTP_TIMEOUT',
          'STARTTLS',
          `the TLS handshake did not finish within ${this.timeoutMs} ms`,
        );
      },
    );
    secure.removeAllListeners('error');
    this.socket = secure;
    this.listen(secure);
  }

  /** Says goodbye politely, but a server that does not answer QUIT has already taken the message. */
  async quit(): Promise<void> {
    if (!this.failure) {
      this.write('QUIT\r\n');
      await this.read('QUIT').catch(() => undefined);
    }
    this.close();
  }

  close(): void {
    this.unlisten(this.socket);
    this.socket.on('error', () => undefined);
    this.socket.destroy();
  }
}

function refused(step: string, reply: Reply): SmtpError {
  const permanent = reply.code >= 500;
  const code: SmtpErrorCode = step.startsWith('AUTH')
    ? 'SMTP_AUTH'
    : step === 'STARTTLS'
      ? 'SMTP_TLS'
      : reply.code >= 400
        ? 'SMTP_REJECTED'
        : 'SMTP_PROTOCOL';
  const what =
    reply.code >= 400 ? (permanent ? 'refused' : 'temporarily refused') : 'gave an unexpected reply to';
  return new SmtpError(
    code,
    step,
    `the mail server ${what} ${step}: ${describeReply(reply)}`,
    reply.code,
    permanent,
  );
}

const errCode = (err: Error) => (err as { code?: string }).code ?? err.name;

function connectError(err: Error, tlsInvolved: boolean): SmtpError {
  const code = errCode(err);
  const isTls =
    tlsInvolved &&
    (/CERT|SSL|TLS|SELF_SIGNED|HOSTNAME|ERR_TLS/.test(code) || /certificate|ssl|tls/i.test(err.message));
  return isTls
    ? new SmtpError('SMTP_TLS', 'TLS', `the TLS handshake with the mail server failed (${code})`)
    : new SmtpError('SMTP_CONNECTION', 'connect', `no connection to the mail server (${code})`);
}

/** SNI carries host names only, never IP addresses. */
const sni = (host: string) => (net.isIP(host) ? undefined : host);

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

/** EHLO keywords with their parameters, e.g. `AUTH` → `PLAIN LOGIN`. */
function extensions(reply: Reply): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of reply.lines.slice(1)) {
    const [keyword = '', ...params] = line.trim().split(/\s+/);
    map.set(keyword.toUpperCase(), params.join(' ').toUpperCase());
  }
  return map;
}

function clientName(options: SmtpOptions, localAddress: string | undefined): string {
  if (options.clientName) return options.clientName;
  const host = os.hostname();
  if (/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/.test(host)) return host;
  if (localAddress) return net.isIPv6(localAddress) ? `[IPv6:${localAddress}]` : `[${localAddress}]`;
  return '[127.0.0.1]';
}

async function authenticate(session: SmtpSession, ehlo: Map<string, string>, user: string, password: string) {
  const mechanisms = (ehlo.get('AUTH') ?? '').split(' ');
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  if (mechanisms.includes('PLAIN')) {
    await session.command('AUTH PLAIN', `AUTH PLAIN ${b64(`\0${user}\0${password}`)}`, [235]);
  } else if (mechanisms.includes('LOGIN')) {
    await session.command('AUTH LOGIN', 'AUTH LOGIN', [334]);
    await session.command('AUTH LOGIN', b64(user), [334]);
    await session.command('AUTH LOGIN', b64(password), [235]);
  } else {
    throw new SmtpError(
      'SMTP_AUTH',
      'AUTH',
      'a user is configured but the mail server offers neither AUTH PLAIN nor AUTH LOGIN',
      undefined,
      true,
    );
  }
}

/** Sends one message to every recipient, or to none: any refused recipient fails the whole transaction. */
export async function sendMail(
  options: SmtpOptions,
  envelope: SmtpEnvelope,
  content: Buffer,
): Promise<SmtpSendResult> {
  if (envelope.to.length === 0)
    throw new SmtpError('SMTP_MESSAGE', 'RCPT TO', 'a message needs at least one recipient', undefined, true);
  const reversePath = mailbox(envelope.from, 'sender');
  const forwardPaths = envelope.to.map((a) => mailbox(a, 'recipient'));
  const credentials = options.user !== undefined && options.password !== undefined;
  if (credentials && options.security === 'none' && !isLoopback(options.host))
    throw new SmtpError(
      'SMTP_AUTH',
      'AUTH',
      'refusing to send the SMTP password unencrypted to a remote server; set DUMAS_SMTP_SECURE to starttls or tls',
      undefined,
      true,
    );
  const data = dotStuff(content);

  const session = await SmtpSession.open(options);
  try {
    await session.expect('greeting', [220]);
    const name = clientName(options, session.localAddress);
    let ehlo = extensions(await session.command('EHLO', `EHLO ${name}`, [250]));
    if (options.security === 'starttls') {
      if (!ehlo.has('STARTTLS'))
        throw new SmtpError(
          'SMTP_TLS',
          'STARTTLS',
          'the mail server does not offer STARTTLS; set DUMAS_SMTP_SECURE=none only for a relay on a trusted network',
          undefined,
          true,
        );
      await session.command('STARTTLS', 'STARTTLS', [220]);
      await session.startTls(options.host, options.tls);
      // What the server said before TLS is forgotten (RFC 3207 4.2).
      ehlo = extensions(await session.command('EHLO', `EHLO ${name}`, [250]));
    }
    if (credentials) await authenticate(session, ehlo, options.user!, options.password!);

    const params: string[] = [];
    if (ehlo.has('SIZE')) {
      const limit = Number(ehlo.get('SIZE'));
      if (limit > 0 && content.length > limit)
        throw new SmtpError(
          'SMTP_MESSAGE',
          'MAIL FROM',
          `the message (${content.length} bytes) is larger than the mail server accepts (${limit} bytes)`,
          undefined,
          true,
        );
      params.push(`SIZE=${content.length}`);
    }
    if (ehlo.has('8BITMIME') && content.some((b) => b > 0x7f)) params.push('BODY=8BITMIME');
    await session.command('MAIL FROM', `MAIL FROM:${[reversePath, ...params].join(' ')}`, [250]);
    for (const [i, forwardPath] of forwardPaths.entries()) {
      session.write(`RCPT TO:${forwardPath}\r\n`);
      const reply = await session.read('RCPT TO');
      if (reply.code !== 250 && reply.code !== 251) {
        const err = refused('RCPT TO', reply);
        throw new SmtpError(
          err.code,
          'RCPT TO',
          `the mail server refused recipient ${i + 1} of ${forwardPaths.length}: ${describeReply(reply)}`,
          reply.code,
          err.permanent,
        );
      }
    }
    await session.command('DATA', 'DATA', [354]);
    session.write(data);
    const accepted = await session.expect('end of DATA', [250]);
    await session.quit();
    return { reply: describeReply(accepted) };
  } catch (err) {
    // A server that answered (a refusal) is told we are leaving; one that did not is just dropped.
    if (err instanceof SmtpError && err.replyCode !== undefined) session.write('QUIT\r\n');
    session.close();
    throw err;
  }
}
