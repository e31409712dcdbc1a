import { ADMIN_URL_ENV, SERVER_DIR_ENV, postgresBinDir, startTestServer } from './postgres';

/**
 * Starts what the whole test run shares: one throwaway PostgreSQL server, when the binaries exist. Its
 * admin URL goes into process.env, which jest's workers (and the processes they spawn) inherit.
 * Without the binaries, CI fails here; elsewhere the PostgreSQL tests print their own skip line.
 */
export default async function globalSetup(): Promise<void> {
  if (!process.env.EVENTSTORE_URL) {
    // Said here, in the main process, because jest does not show a skipped file's console output.
    process.stderr.write(
      [
        '',
        '  ******************************************************************************************',
        '  * SKIPPED: the EventStoreDB adapter conformance suite. No EventStoreDB/KurrentDB server    *',
        '  * can run on this machine; set EVENTSTORE_URL=esdb://host:2113?tls=false to run it.       *',
        '  ******************************************************************************************',
        '',
        '',
      ].join('\n'),
    );
  }
  if (process.env[ADMIN_URL_ENV]) return; // A server given from outside (or already started) is used as is.
  if (!postgresBinDir()) {
    const ci = process.env.CI;
    if (ci && ci !== 'false' && ci !== '0') {
      throw new Error(
        'PostgreSQL server binaries not found: CI must run the PostgreSQL tests (.ci/run installs them)',
      );
    }
    process.stderr.write(
      '\n  PostgreSQL server binaries not found: the PostgreSQL tests will be skipped\n\n',
    );
    return;
  }
  const server = await startTestServer();
  process.env[ADMIN_URL_ENV] = server.adminUrl;
  process.env[SERVER_DIR_ENV] = server.dir;
  process.env.DUMAS_TEST_PG_BIN_DIR = server.binDir;
}
