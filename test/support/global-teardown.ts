import { ADMIN_URL_ENV, SERVER_DIR_ENV, stopTestServer } from './postgres';

/** Stops the run's PostgreSQL server and removes its directory; jest calls it whether tests passed or not. */
export default async function globalTeardown(): Promise<void> {
  const dir = process.env[SERVER_DIR_ENV];
  const binDir = process.env.DUMAS_TEST_PG_BIN_DIR;
  if (!dir || !binDir) return; // Nothing started by our setup (no binaries, or a server given from outside).
  stopTestServer({ dir, binDir });
  delete process.env[SERVER_DIR_ENV];
  delete process.env[ADMIN_URL_ENV];
}
