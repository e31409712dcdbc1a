import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { DumasConfig } from '../shared/config';
import { AccessCodeHasher } from './domain/access-code';

/** Where a development secret is kept when DUMAS_ACCESS_CODE_SECRET is not set. */
export const DEV_ACCESS_CODE_SECRET_FILE = 'access-code.secret';

/**
 * The access-code hasher of this deployment: DUMAS_ACCESS_CODE_SECRET when configured, otherwise a random
 * secret kept (mode 0600) under the data directory, so that `npm start` works with no setting and the
 * complaint and evaluation processes, which both verify codes, agree. Several processes may start at
 * once: the file is written aside and linked into place, so exactly one secret wins and nobody reads a
 * half-written one.
 */
export function openAccessCodeHasher(config: DumasConfig): AccessCodeHasher {
  if (config.accessCodeSecret) return new AccessCodeHasher(config.accessCodeSecret);
  const file = path.join(config.dataDir, DEV_ACCESS_CODE_SECRET_FILE);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(config.dataDir, { recursive: true });
    const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    fs.writeFileSync(aside, randomBytes(32).toString('base64'), { mode: 0o600 });
    try {
      fs.linkSync(aside, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      fs.rmSync(aside, { force: true });
    }
  }
  return new AccessCodeHasher(fs.readFileSync(file, 'utf8').trim());
}
