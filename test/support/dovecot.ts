/**
 * A real, throwaway Dovecot IMAP server for the tests, from Debian's dovecot-imapd package (`.ci/run`
 * installs it): its own configuration, state and mail in a temp dir, one user in a passwd-file (plain
 * password), listening on a free localhost port without TLS. Nothing of the machine's own Dovecot is used.
 *
 * As root, Dovecot runs its mail processes as the package's `dovecot` user (never uid 0) and its login
 * processes as `dovenull`; the mail directory belongs to `dovecot`. As another user, everything runs as
 * that user.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitForPort } from './smtp-server';

export const DOVECOT_BIN = process.env.DUMAS_TEST_DOVECOT ?? '/usr/sbin/dovecot';

export const dovecotAvailable = () => existsSync(DOVECOT_BIN);

function userIds(name: string): { uid: number; gid: number } {
  return {
    uid: Number(execFileSync('id', ['-u', name]).toString().trim()),
    gid: Number(execFileSync('id', ['-g', name]).toString().trim()),
  };
}

export class TestImapServer {
  private constructor(
    readonly port: number,
    readonly user: string,
    readonly password: string,
    private readonly dir: string,
    private readonly configFile: string,
  ) {}

  static async start(): Promise<TestImapServer> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dumas-dovecot-'));
    chmodSync(dir, 0o755);
    const port = await freePort();
    const root = process.getuid?.() === 0;
    const me = os.userInfo().username;
    const mailUser = root ? 'dovecot' : me;
    const { uid, gid } = userIds(mailUser);
    const mail = path.join(dir, 'mail');
    mkdirSync(mail);
    mkdirSync(path.join(dir, 'state'));
    if (root) chownSync(mail, uid, gid);
    const [user, password] = ['dumas', 'imap-test-password'];
    writeFileSync(path.join(dir, 'users'), `${user}:{PLAIN}${password}:${uid}:${gid}::${mail}/${user}::\n`);
    const configFile = path.join(dir, 'dovecot.conf');
    writeFileSync(
      configFile,
      `base_dir = ${dir}/run
state_dir = ${dir}/state
instance_name = ${path.basename(dir)}
log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
default_internal_user = ${root ? 'dovecot' : me}
default_login_user = ${root ? 'dovenull' : me}
first_valid_uid = 1
mail_location = maildir:~/Maildir
passdb {
  driver = passwd-file
  args = scheme=PLAIN ${dir}/users
}
userdb {
  driver = passwd-file
  args = ${dir}/users
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
`,
    );
    // -F: the master stays in the foreground as our child; `dovecot stop` with the same config ends it.
    const child = spawn(DOVECOT_BIN, ['-F', '-c', configFile], { stdio: 'ignore' });
    child.unref();
    try {
      await waitForPort(port, child, 'dovecot');
    } catch (err) {
      child.kill();
      throw err;
    }
    return new TestImapServer(port, user, password, dir, configFile);
  }

  async stop(): Promise<void> {
    try {
      execFileSync(DOVECOT_BIN, ['-c', this.configFile, 'stop'], { stdio: 'ignore' });
    } catch {
      // Already gone.
    }
    // The master removes its pid file when it has ended.
    for (let i = 0; i < 100 && existsSync(path.join(this.dir, 'run', 'master.pid')); i++)
      await new Promise((r) => setTimeout(r, 50));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
