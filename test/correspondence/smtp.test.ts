/**
 * The SMTP delivery adapter against a real SMTP server: Python's standard-library `smtpd` (3.11), run from
 * this file on a free localhost port as a sink that writes each message it accepts, exactly as it came off
 * the wire, to a temp dir. The sink can require AUTH PLAIN/LOGIN, refuse a recipient (550) or the message
 * (554), and sit behind a TLS front (implicit TLS, or a front that speaks SMTP up to STARTTLS and then hands
 * the encrypted session to smtpd) with a certificate made by openssl for the run.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { complaintStreamId } from '../../services/complaint/domain';
import {
  type OutgoingMessage,
  openDeliveryAdapter,
  outboxFileName,
  renderEml,
  SmtpDeliveryAdapter,
  sentRecordFileName,
} from '../../services/correspondence/delivery';
import {
  agencyDecider,
  agencyStreamId,
  letterDecider,
  letterStreamId,
} from '../../services/correspondence/domain';
import { followUpLetterId } from '../../services/correspondence/flows';
import {
  type CorrespondenceRuntime,
  startCorrespondenceRuntime,
} from '../../services/correspondence/subgraph';
import { dotStuff, SmtpError, type SmtpOptions, sendMail } from '../../services/correspondence/smtp';
import { FixedClock } from '../../services/shared/clock';
import { loadConfig } from '../../services/shared/config';
import { CommandHandler } from '../../services/shared/decider';
import { SqliteEventStore } from '../../services/shared/eventstore/sqlite';
import { createLogger } from '../../services/shared/logger';
import { forwarded, officer, received, supervisor, verified } from '../complaint/fixtures';

const SINK_PY = String.raw`import asyncore, base64, json, os, smtpd, socket, ssl, sys, threading

socket.getfqdn = lambda *a: 'sink.test'  # no DNS lookup per connection
cfg = json.loads(sys.argv[1])
out = cfg['dir']
count = [0]

class Channel(smtpd.SMTPChannel):
    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.auth_user = None
        self.auth_step = None
        self.raw = b''

    def push(self, msg):
        if msg == '250 HELP' and cfg.get('auth'):
            super().push('250-AUTH ' + ' '.join(cfg['auth']))
        super().push(msg)

    def found_terminator(self):
        if self.smtp_state == self.DATA:
            self.raw = b''.join(self.received_lines)
        elif self.auth_step:
            line = b''.join(self.received_lines).decode()
            self.received_lines = []
            return self.auth_continue(line)
        return super().found_terminator()

    def check(self, user, password):
        if user == cfg.get('user') and password == cfg.get('password'):
            self.auth_user = user
            self.push('235 2.7.0 Authentication successful')
        else:
            self.push('535 5.7.8 Authentication credentials invalid')
        self.auth_step = None

    def smtp_AUTH(self, arg):
        mech, _, initial = (arg or '').partition(' ')
        mech = mech.upper()
        if mech not in cfg.get('auth', []):
            return self.push('504 5.5.4 Unrecognized authentication type')
        if mech == 'PLAIN' and initial:
            _, user, password = base64.b64decode(initial).decode().split('\0')
            return self.check(user, password)
        if mech == 'PLAIN':
            self.auth_step = ('PLAIN',)
            return self.push('334 ')
        self.auth_step = ('LOGIN',)
        self.push('334 VXNlcm5hbWU6')

    def auth_continue(self, line):
        step = self.auth_step
        if step[0] == 'PLAIN':
            _, user, password = base64.b64decode(line).decode().split('\0')
            return self.check(user, password)
        if len(step) == 1:
            self.auth_step = ('LOGIN', base64.b64decode(line).decode())
            return self.push('334 UGFzc3dvcmQ6')
        return self.check(step[1], base64.b64decode(line).decode())

    def smtp_MAIL(self, arg):
        if cfg.get('auth') and not self.auth_user:
            return self.push('530 5.7.0 Authentication required')
        return super().smtp_MAIL(arg)

    def smtp_RCPT(self, arg):
        if cfg.get('rejectRcpt') and cfg['rejectRcpt'] in (arg or ''):
            return self.push('550 5.1.1 %s: Recipient address rejected: User unknown' % arg.split(':', 1)[1].strip())
        return super().smtp_RCPT(arg)

class Sink(smtpd.SMTPServer):
    channel_class = Channel

    def handle_accepted(self, conn, addr):
        self.channel = Channel(self, conn, addr, self.data_size_limit, self._map,
                               self.enable_SMTPUTF8, self._decode_data)

    def process_message(self, peer, mailfrom, rcpttos, data, **kw):
        if cfg.get('rejectData'):
            return '554 5.6.0 Message for %s refused by policy' % rcpttos[0]
        count[0] += 1
        base = os.path.join(out, '%03d' % count[0])
        with open(base + '.raw', 'wb') as f:
            f.write(self.channel.raw)
        with open(base + '.json', 'w') as f:
            json.dump({'mailfrom': mailfrom, 'rcpttos': rcpttos, 'user': self.channel.auth_user,
                       'options': kw.get('mail_options')}, f)

sink = Sink(('127.0.0.1', 0), None, decode_data=False)
sink_port = sink.socket.getsockname()[1]

def pipe(a, b):
    try:
        while True:
            chunk = a.recv(65536)
            if not chunk:
                break
            b.sendall(chunk)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

def relay(client, after_starttls=False):
    backend = socket.create_connection(('127.0.0.1', sink_port))
    # After STARTTLS the client has had its greeting (from the front): smtpd's own is swallowed.
    greeting = b''
    while after_starttls and not greeting.endswith(b'\r\n'):
        greeting += backend.recv(1)
    threading.Thread(target=pipe, args=(backend, client), daemon=True).start()
    pipe(client, backend)

def starttls_front(conn, context):
    # Speaks SMTP up to STARTTLS itself, then hands the encrypted session to smtpd.
    f = conn.makefile('rb')
    conn.sendall(b'220 front.test ESMTP\r\n')
    while True:
        line = f.readline().strip().upper()
        if not line or line == b'QUIT':
            conn.sendall(b'221 Bye\r\n')
            return conn.close()
        if line.startswith(b'EHLO'):
            conn.sendall(b'250-front.test\r\n250 STARTTLS\r\n')
        elif line == b'STARTTLS':
            conn.sendall(b'220 2.0.0 Ready to start TLS\r\n')
            return relay(context.wrap_socket(conn, server_side=True), True)
        else:
            conn.sendall(b'530 5.7.0 Must issue a STARTTLS command first\r\n')

def front(mode):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cfg['cert'], cfg['key'])
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen()
    def serve():
        while True:
            conn, _ = listener.accept()
            def handle(conn=conn):
                try:
                    if mode == 'tls':
                        relay(context.wrap_socket(conn, server_side=True))
                    else:
                        starttls_front(conn, context)
                except (OSError, ssl.SSLError):
                    conn.close()
            threading.Thread(target=handle, daemon=True).start()
    threading.Thread(target=serve, daemon=True).start()
    return listener.getsockname()[1]

port = front(cfg['tls']) if cfg.get('tls') else sink_port
print('READY %d' % port, flush=True)
asyncore.loop(timeout=0.05)
`;

interface SinkConfig {
  readonly auth?: readonly ('PLAIN' | 'LOGIN')[];
  readonly user?: string;
  readonly password?: string;
  readonly rejectRcpt?: string;
  readonly rejectData?: boolean;
  readonly tls?: 'tls' | 'starttls';
}

interface Received {
  /** The DATA phase as it came off the wire, dot-stuffed, without the final CRLF.CRLF. */
  readonly raw: Buffer;
  readonly mailfrom: string;
  readonly rcpttos: string[];
  readonly user: string | null;
  readonly options: string[];
}

class Sink {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly dir: string,
  ) {}

  static start(config: SinkConfig = {}): Promise<Sink> {
    const dir = mkdtempSync(path.join(root, 'sink-'));
    const child = spawn(
      'python3',
      ['-W', 'ignore', script, JSON.stringify({ ...config, dir, cert: certFile, key: keyFile })],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    return new Promise((resolve, reject) => {
      let out = '';
      child.on('error', reject);
      child.on('exit', (code) => reject(new Error(`the SMTP sink exited (${code})`)));
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const ready = /READY (\d+)/.exec(out);
        if (ready) resolve(new Sink(child, Number(ready[1]), dir));
      });
    });
  }

  messages(): Received[] {
    return readdirSync(this.dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => ({
        ...JSON.parse(readFileSync(path.join(this.dir, f), 'utf8')),
        raw: readFileSync(path.join(this.dir, f.replace(/\.json$/, '.raw'))),
      }));
  }

  options(overrides: Partial<SmtpOptions> = {}): SmtpOptions {
    return { host: '127.0.0.1', port: this.port, security: 'none', timeoutMs: 5_000, ...overrides };
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null) return resolve();
      this.child.removeAllListeners('exit');
      this.child.once('exit', () => resolve());
      this.child.kill();
    });
  }
}

/** What the receiver reads once the transport's dot-stuffing is undone (RFC 5321 4.5.2). */
const unstuff = (raw: Buffer) =>
  Buffer.from(
    `${raw
      .toString('latin1')
      .split('\r\n')
      .map((line) => (line.startsWith('.') ? line.slice(1) : line))
      .join('\r\n')}\r\n`,
    'latin1',
  );

let root: string;
let script: string;
let certFile: string;
let keyFile: string;
let ca: Buffer;
const sinks: Sink[] = [];
const sink = async (config?: SinkConfig) => {
  const s = await Sink.start(config);
  sinks.push(s);
  return s;
};

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'dumas-smtp-'));
  script = path.join(root, 'sink.py');
  writeFileSync(script, SINK_PY);
  certFile = path.join(root, 'cert.pem');
  keyFile = path.join(root, 'key.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'].concat([
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ]),
    { stdio: 'ignore' },
  );
  ca = readFileSync(certFile);
});

afterEach(async () => {
  await Promise.all(sinks.splice(0).map((s) => s.stop()));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

const attachment = Buffer.concat([
  Buffer.from('%PDF-1.4\n'),
  Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 256)),
]);

const letter: OutgoingMessage = {
  messageId: '<7d2a9c1e@dumas.setneg.go.id>',
  from: 'dumas@setneg.go.id',
  to: ['inspektorat@bantulkab.go.id', 'pic.bantul@bantulkab.go.id'],
  subject: 'B-7/Kemensetneg/D-4/PM.00.01/01/2026 — Permintaan tindak lanjut',
  date: '2026-01-05T02:00:00.000Z',
  text: 'Dengan hormat,\n.\nterlampir surat kami.\n',
  attachments: [{ filename: 'Laporan.pdf', mediaType: 'application/pdf', content: attachment }],
};

const smtpError = async (promise: Promise<unknown>): Promise<SmtpError> => {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SmtpError);
  return err as SmtpError;
};

/** An error fit for a log: no address, no credential, no content. */
const expectNoPersonalData = (err: Error) => {
  for (const secret of ['bantulkab', 'pic.bantul', 'dumas@', 's3cret', 'relay-user', 'Laporan'])
    expect(err.message).not.toContain(secret);
};

describe('given a plain SMTP server', () => {
  it('sends lines starting with a dot stuffed, and the receiver reads back the very bytes', async () => {
    const server = await sink();
    const content = Buffer.from(
      'Subject: dots\r\n\r\n.\r\n..two\r\n.leading\r\nmid . dot\r\nno final line end',
      'latin1',
    );
    await sendMail(server.options(), { from: 'dumas@setneg.go.id', to: ['a@example.go.id'] }, content);
    const [got] = server.messages();
    expect(Buffer.concat([got!.raw, Buffer.from('\r\n.\r\n')])).toEqual(dotStuff(content));
    expect(got!.raw.toString()).toContain('\r\n..\r\n...two\r\n..leading\r\n');
    expect(unstuff(got!.raw).toString()).toBe(`${content.toString()}\r\n`);
  });

  it('delivers the outbox message byte for byte with its attachment, keeps the .eml and a sent record', async () => {
    const server = await sink();
    const dir = path.join(root, 'outbox-plain');
    const adapter = new SmtpDeliveryAdapter({ ...server.options(), dir });
    const receipt = await adapter.deliver(letter);

    const [got, ...more] = server.messages();
    expect(more).toHaveLength(0);
    expect(got).toMatchObject({ mailfrom: letter.from, rcpttos: [...letter.to], user: null });
    expect(got!.options).toContain(`SIZE=${Buffer.byteLength(renderEml(letter))}`);
    expect(unstuff(got!.raw)).toEqual(Buffer.from(renderEml(letter), 'utf8'));
    expect(got!.raw.toString()).toContain(attachment.toString('base64').slice(0, 76));
    expect(readFileSync(path.join(dir, outboxFileName(letter.messageId)), 'utf8')).toBe(renderEml(letter));
    expect(existsSync(path.join(dir, sentRecordFileName(letter.messageId)))).toBe(true);
    expect(receipt.evidence).toBe(`smtp:127.0.0.1:${server.port} 250 OK`);
  });

  it('sends nothing again for a message it has a sent record of (a replay after a crash)', async () => {
    const server = await sink();
    const adapter = new SmtpDeliveryAdapter({ ...server.options(), dir: path.join(root, 'outbox-replay') });
    const first = await adapter.deliver(letter);
    const again = await adapter.deliver(letter);
    expect(again).toEqual(first);
    expect(server.messages()).toHaveLength(1);
  });

  it('refuses a STARTTLS setting, since the server does not offer it', async () => {
    const server = await sink();
    const err = await smtpError(
      sendMail(server.options({ security: 'starttls' }), { from: 'a@b.c', to: ['d@e.f'] }, Buffer.from('x')),
    );
    expect(err).toMatchObject({ code: 'SMTP_TLS', step: 'STARTTLS', permanent: true });
    expect(server.messages()).toHaveLength(0);
  });
});

describe('given a server that refuses', () => {
  it('a recipient (550): a clear permanent error without the address, nothing sent, no record', async () => {
    const server = await sink({ rejectRcpt: 'pic.bantul' });
    const dir = path.join(root, 'outbox-550');
    const err = await smtpError(new SmtpDeliveryAdapter({ ...server.options(), dir }).deliver(letter));
    expect(err).toMatchObject({ code: 'SMTP_REJECTED', step: 'RCPT TO', replyCode: 550, permanent: true });
    expect(err.message).toMatch(
      /refused recipient 2 of 2: 550 5\.1\.1 <address>: Recipient address rejected/,
    );
    expectNoPersonalData(err);
    expect(server.messages()).toHaveLength(0);
    expect(existsSync(path.join(dir, sentRecordFileName(letter.messageId)))).toBe(false);
  });

  it('the message at the end of DATA (554): the reply code, the address cut out of its text', async () => {
    const server = await sink({ rejectData: true });
    const err = await smtpError(
      sendMail(server.options(), { from: letter.from, to: letter.to }, Buffer.from(renderEml(letter))),
    );
    expect(err).toMatchObject({
      code: 'SMTP_REJECTED',
      step: 'end of DATA',
      replyCode: 554,
      permanent: true,
    });
    expect(err.message).toBe(
      'the mail server refused end of DATA: 554 5.6.0 Message for [address] refused by policy',
    );
    expectNoPersonalData(err);
  });
});

describe('given a server that requires AUTH', () => {
  const credentials = { user: 'relay-user', password: 's3cret' };

  it.each([[['PLAIN', 'LOGIN']], [['LOGIN']]] as const)('authenticates when it offers %j', async (auth) => {
    const server = await sink({ auth, ...credentials });
    await sendMail(
      server.options(credentials),
      { from: 'dumas@setneg.go.id', to: ['a@example.go.id'] },
      Buffer.from('Subject: x\r\n\r\nhi\r\n'),
    );
    expect(server.messages().map((m) => m.user)).toEqual(['relay-user']);
  });

  it('reports wrong credentials as SMTP_AUTH without echoing them', async () => {
    const server = await sink({ auth: ['PLAIN'], ...credentials });
    const err = await smtpError(
      sendMail(
        server.options({ user: 'relay-user', password: 'wrong-s3cret' }),
        { from: 'a@b.c', to: ['d@e.f'] },
        Buffer.from('x'),
      ),
    );
    expect(err).toMatchObject({ code: 'SMTP_AUTH', replyCode: 535, permanent: true });
    expectNoPersonalData(err);
    expect(server.messages()).toHaveLength(0);
  });

  it('is refused MAIL FROM without credentials (530)', async () => {
    const server = await sink({ auth: ['PLAIN'], ...credentials });
    const err = await smtpError(
      sendMail(server.options(), { from: 'a@b.c', to: ['d@e.f'] }, Buffer.from('x')),
    );
    expect(err).toMatchObject({ code: 'SMTP_REJECTED', step: 'MAIL FROM', replyCode: 530 });
  });

  it('never sends a password unencrypted to a remote host', async () => {
    const err = await smtpError(
      sendMail(
        { host: '192.0.2.1', port: 25, security: 'none', ...credentials },
        { from: 'a@b.c', to: ['d@e.f'] },
        Buffer.from('x'),
      ),
    );
    expect(err).toMatchObject({ code: 'SMTP_AUTH', permanent: true });
    expectNoPersonalData(err);
  });
});

describe('given a server behind TLS', () => {
  it.each(['tls', 'starttls'] as const)(
    'delivers over %s with AUTH, verifying the certificate',
    async (mode) => {
      const server = await sink({ tls: mode, auth: ['PLAIN'], user: 'relay-user', password: 's3cret' });
      const adapter = new SmtpDeliveryAdapter({
        ...server.options({ security: mode, user: 'relay-user', password: 's3cret', tls: { ca } }),
        dir: path.join(root, `outbox-${mode}`),
      });
      await adapter.deliver(letter);
      const [got] = server.messages();
      expect(got!.user).toBe('relay-user');
      expect(unstuff(got!.raw)).toEqual(Buffer.from(renderEml(letter), 'utf8'));
    },
  );

  it.each(['tls', 'starttls'] as const)('refuses a certificate it cannot verify over %s', async (mode) => {
    const server = await sink({ tls: mode });
    const err = await smtpError(
      sendMail(server.options({ security: mode }), { from: 'a@b.c', to: ['d@e.f'] }, Buffer.from('x')),
    );
    expect(err).toMatchObject({ code: 'SMTP_TLS' });
    expect(server.messages()).toHaveLength(0);
  });
});

describe('given a server that never answers', () => {
  it('gives up after the timeout with SMTP_TIMEOUT', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const started = Date.now();
      const err = await smtpError(
        sendMail(
          { host: '127.0.0.1', port, security: 'none', timeoutMs: 200 },
          { from: 'a@b.c', to: ['d@e.f'] },
          Buffer.from('x'),
        ),
      );
      expect(err).toMatchObject({ code: 'SMTP_TIMEOUT', step: 'greeting' });
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it('reports a closed port as SMTP_CONNECTION', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const err = await smtpError(
      sendMail(
        { host: '127.0.0.1', port, security: 'none', timeoutMs: 2_000 },
        { from: 'a@b.c', to: ['d@e.f'] },
        Buffer.from('x'),
      ),
    );
    expect(err).toMatchObject({ code: 'SMTP_CONNECTION' });
  });
});

describe('given the settings', () => {
  const correspondenceConfigFromEnv = (env: Record<string, string>) =>
    loadConfig({ DUMAS_DATA_DIR: '/tmp/dumas-smtp-config', ...env }).correspondence;
  it('DUMAS_SMTP_HOST chooses the SMTP adapter, STARTTLS on 587 unless told otherwise', () => {
    const config = correspondenceConfigFromEnv({ DUMAS_SMTP_HOST: 'mail.setneg.go.id' });
    expect(config.delivery).toMatchObject({ kind: 'smtp', port: 587, security: 'starttls' });
    expect(openDeliveryAdapter(config.delivery).kind).toBe('smtp');
    expect(
      correspondenceConfigFromEnv({ DUMAS_SMTP_HOST: 'm', DUMAS_SMTP_SECURE: 'tls' }).delivery,
    ).toMatchObject({ port: 465, security: 'tls' });
    expect(
      correspondenceConfigFromEnv({ DUMAS_SMTP_HOST: 'm', DUMAS_SMTP_SECURE: 'none' }).delivery,
    ).toMatchObject({ port: 25, security: 'none' });
    expect(() => correspondenceConfigFromEnv({ DUMAS_SMTP_HOST: 'm', DUMAS_SMTP_SECURE: 'true' })).toThrow(
      /starttls, tls or none/,
    );
  });
});

describe('given a follow-up request sent by email through the delivery flow', () => {
  const COMPLAINT = 'c-0001';
  const LETTER = followUpLetterId(COMPLAINT, 'inspektorat-bantul/1');
  const clock = new FixedClock(new Date('2026-01-05T02:00:00.000Z'));
  let dir: string;
  let store: SqliteEventStore;
  let rt: CorrespondenceRuntime | undefined;

  beforeEach(() => {
    dir = mkdtempSync(path.join(root, 'flow-'));
    mkdirSync(dir, { recursive: true });
    store = new SqliteEventStore({ file: path.join(dir, 'events.sqlite') });
  });
  afterEach(async () => {
    await rt?.close();
    rt = undefined;
    await store.close();
  });

  async function sendLetter(server: Sink) {
    rt = await startCorrespondenceRuntime({
      config: loadConfig({ DUMAS_DATA_DIR: dir }),
      store,
      clock,
      logger: createLogger({ name: 'smtp-test', level: 'silent' }),
      correspondence: { reminderTickMs: 0 },
      delivery: new SmtpDeliveryAdapter({ ...server.options(), dir: path.join(dir, 'outbox') }),
      flowRetry: { maxAttempts: 1 },
    });
    const now = clock.now().toISOString();
    await new CommandHandler(store, agencyDecider).handle(agencyStreamId('inspektorat-bantul'), {
      type: 'CreateAgency',
      data: {
        agencyId: 'inspektorat-bantul',
        name: 'Inspektorat Kabupaten Bantul',
        kind: 'REGENCY',
        region: 'DIY',
        contact: { emails: ['inspektorat@bantulkab.go.id'] },
      },
      metadata: { now, actor: { id: 'admin', role: 'ADMIN' } },
    });
    await store.append(
      complaintStreamId(COMPLAINT),
      [received, verified, forwarded].map((e) => ({
        ...e,
        metadata: { occurredAt: e.data.at, actor: officer, caseId: COMPLAINT },
      })),
    );
    await rt.flows.runner.waitFor(await store.headPosition());
    await rt.numbering.approve(LETTER, { actor: supervisor, now });
    await new CommandHandler(store, letterDecider).handle(letterStreamId(LETTER), {
      type: 'SendLetter',
      data: { channel: 'EMAIL', messageId: `<${LETTER}@dumas.setneg.go.id>` },
      metadata: { now, actor: officer },
    });
    return rt;
  }

  const delivered = async () => store.readAll({ filter: { eventTypes: ['LetterDelivered'] } });

  it('records LetterDelivered with the server reply once the server took the message', async () => {
    const server = await sink();
    const runtime = await sendLetter(server);
    await runtime.flows.runner.waitFor(await store.headPosition());
    const [got, ...more] = server.messages();
    expect(more).toHaveLength(0);
    expect(got!.rcpttos).toEqual(['inspektorat@bantulkab.go.id']);
    expect(unstuff(got!.raw).toString()).toContain(`Message-ID: <${LETTER}@dumas.setneg.go.id>\r\n`);
    expect(unstuff(got!.raw).toString()).toMatch(/Content-Disposition: attachment; filename="[^"]+\.txt"/);
    const events = await delivered();
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toMatchObject({ evidence: `smtp:127.0.0.1:${server.port} 250 OK` });
  });

  it('records no delivery when the server refuses the recipient (550), and the flow reports itself failed', async () => {
    const server = await sink({ rejectRcpt: 'bantulkab' });
    const runtime = await sendLetter(server);
    await expect(runtime.flows.runner.waitFor(await store.headPosition())).rejects.toThrow(
      /flow\.letter_delivery stopped/,
    );
    expect(server.messages()).toHaveLength(0);
    expect(await delivered()).toHaveLength(0);
    const { state } = await new CommandHandler(store, letterDecider).load(letterStreamId(LETTER));
    expect(state.status).toBe('SENT');
  });
});
