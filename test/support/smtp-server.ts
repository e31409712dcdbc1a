/**
 * A real SMTP server for the tests: aiosmtpd from Debian's python3-aiosmtpd package, started as
 * `/usr/bin/python3 -m aiosmtpd` on a free localhost port with its Mailbox handler, which stores every
 * message it accepts in a Maildir (adding X-MailFrom and X-RcptTo headers with the envelope). The PATH
 * python3 may be a build without the package, hence the absolute path. `.ci/run` installs the package.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const AIOSMTPD_PYTHON = process.env.DUMAS_TEST_AIOSMTPD_PYTHON ?? '/usr/bin/python3';

export interface SmtpServerOptions {
  /** Largest message accepted (RFC 1870 SIZE); a larger one is refused with 552. */
  readonly maxBytes?: number;
  /** STARTTLS with this certificate, required before MAIL. */
  readonly starttls?: { readonly cert: string; readonly key: string };
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves once something accepts connections on the port (the server prints nothing when ready). */
export async function waitForPort(port: number, child: ChildProcess, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode})`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`${what} did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface ReceivedMail {
  readonly raw: string;
  readonly mailFrom: string;
  readonly rcptTo: string[];
  header(name: string): string | undefined;
}

export class TestSmtpServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(options: SmtpServerOptions = {}): Promise<TestSmtpServer> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dumas-smtp-'));
    const port = await freePort();
    const args = ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`];
    if (options.maxBytes) args.push('-s', String(options.maxBytes));
    if (options.starttls) args.push('--tlscert', options.starttls.cert, '--tlskey', options.starttls.key);
    // The Maildir must not exist yet: the handler creates it with its cur/new/tmp.
    args.push('-c', 'aiosmtpd.handlers.Mailbox', path.join(dir, 'Maildir'));
    const child = spawn(AIOSMTPD_PYTHON, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    try {
      await waitForPort(port, child, 'aiosmtpd');
    } catch (err) {
      child.kill();
      throw new Error(`${(err as Error).message}: ${stderr.slice(-500)}`);
    }
    return new TestSmtpServer(child, port, dir);
  }

  /** Every message accepted so far, oldest first. */
  messages(): ReceivedMail[] {
    const inbox = path.join(this.dir, 'Maildir', 'new');
    if (!existsSync(inbox)) return [];
    // Maildir names start with the delivery time.
    return readdirSync(inbox)
      .sort()
      .map((f) => readFileSync(path.join(inbox, f), 'utf8'))
      .map((raw) => {
        const head = raw.split(/\r?\n\r?\n/, 1)[0]!.replace(/\r?\n[ \t]+/g, ' ');
        const header = (name: string) =>
          head
            .split(/\r?\n/)
            .find((line) => line.toLowerCase().startsWith(`${name.toLowerCase()}:`))
            ?.slice(name.length + 1)
            .trim();
        return {
          raw,
          mailFrom: header('X-MailFrom') ?? '',
          rcptTo: (header('X-RcptTo') ?? '').split(/,\s*/).filter(Boolean),
          header,
        };
      });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill();
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
