import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '../services/shared/config';
import { createEventStore, verifyStream } from '../services/shared/eventstore';

const repoRoot = path.resolve(__dirname, '..');

describe('loadConfig', () => {
  it('with no environment at all chooses SQLite under ./data', () => {
    const { dataDir: dir, store, readModels } = loadConfig({});
    const dataDir = path.resolve('./data');
    expect({ dataDir: dir, store, readModels }).toEqual({
      dataDir,
      store: { kind: 'sqlite', file: path.join(dataDir, 'events.sqlite') },
      readModels: { kind: 'sqlite', dir: path.join(dataDir, 'readmodels') },
    });
  });

  it('puts every local file under DUMAS_DATA_DIR', () => {
    const config = loadConfig({ DUMAS_DATA_DIR: '/srv/dumas' });
    expect(config.dataDir).toBe('/srv/dumas');
    expect(config.store).toEqual({ kind: 'sqlite', file: '/srv/dumas/events.sqlite' });
    expect(config.readModels).toEqual({ kind: 'sqlite', dir: '/srv/dumas/readmodels' });
  });

  it('resolves a relative DUMAS_DATA_DIR against the working directory', () => {
    expect(loadConfig({ DUMAS_DATA_DIR: 'var/dumas' }).dataDir).toBe(path.resolve('var/dumas'));
  });

  it('takes the SQLite file from DUMAS_SQLITE_FILE when set', () => {
    expect(loadConfig({ DUMAS_SQLITE_FILE: '/tmp/x/events.db' }).store).toEqual({
      kind: 'sqlite',
      file: '/tmp/x/events.db',
    });
  });

  it('reads DUMAS_STORE case-insensitively', () => {
    expect(loadConfig({ DUMAS_STORE: 'SQLite' }).store.kind).toBe('sqlite');
  });

  it('chooses PostgreSQL with its URL, and keeps read models in PostgreSQL too', () => {
    const url = 'postgres://dumas@db:5432/dumas';
    const config = loadConfig({ DUMAS_STORE: 'postgres', DUMAS_POSTGRES_URL: url });
    expect(config.store).toEqual({ kind: 'postgres', url });
    expect(config.readModels).toEqual({ kind: 'postgres', url });
  });

  it('refuses a checkpoint key given both inline and as a file, rather than pick one', () => {
    expect(() =>
      loadConfig({
        DUMAS_CHECKPOINT_PRIVATE_KEY: 'MC4CAQAwBQYDK2VwBCIEIA==',
        DUMAS_CHECKPOINT_PRIVATE_KEY_FILE: '/etc/dumas/checkpoint-key.pem',
      }),
    ).toThrow(/DUMAS_CHECKPOINT_PRIVATE_KEY or DUMAS_CHECKPOINT_PRIVATE_KEY_FILE, not both/);
    expect(() =>
      loadConfig({ DUMAS_CHECKPOINT_PRIVATE_KEY: '', DUMAS_CHECKPOINT_PRIVATE_KEY_FILE: '/etc/dumas/k.pem' }),
    ).not.toThrow();
  });

  it('refuses PostgreSQL without a URL', () => {
    expect(() => loadConfig({ DUMAS_STORE: 'postgres' })).toThrow(/DUMAS_POSTGRES_URL/);
  });

  it('chooses EventStoreDB with its URL and keeps read models in local SQLite files', () => {
    const url = 'esdb://esdb:2113?tls=false';
    const config = loadConfig({
      DUMAS_STORE: 'eventstoredb',
      DUMAS_EVENTSTORE_URL: url,
      DUMAS_DATA_DIR: '/srv/d',
    });
    expect(config.store).toEqual({ kind: 'eventstoredb', url });
    expect(config.readModels).toEqual({ kind: 'sqlite', dir: '/srv/d/readmodels' });
  });

  it('refuses EventStoreDB without a URL', () => {
    expect(() => loadConfig({ DUMAS_STORE: 'eventstoredb' })).toThrow(/DUMAS_EVENTSTORE_URL/);
  });

  it('refuses an unknown DUMAS_STORE, naming the choices', () => {
    expect(() => loadConfig({ DUMAS_STORE: 'mongodb' })).toThrow(/sqlite, postgres or eventstoredb/);
  });

  it('puts read models in PostgreSQL when DUMAS_READMODEL_POSTGRES_URL is set, whatever the store', () => {
    const url = 'postgres://dumas@db:5432/readmodels';
    const config = loadConfig({ DUMAS_READMODEL_POSTGRES_URL: url });
    expect(config.store.kind).toBe('sqlite');
    expect(config.readModels).toEqual({ kind: 'postgres', url });
  });
});

describe('the one configuration', () => {
  it('has a section per subgraph with its defaults', () => {
    const config = loadConfig({ DUMAS_DATA_DIR: '/srv/d' });
    expect(config.audit.checkpointIntervalMs).toBe(60_000);
    expect(config.correspondence).toMatchObject({ followUpWorkingDays: 5, maxReminders: 3 });
    expect(config.evaluation.schedulerIntervalMs).toBe(60_000);
    expect(config.gateway).toMatchObject({ fetcher: 'undici', graphiql: false, subgraphUrls: {} });
  });

  it('refuses a bad value naming the variable', () => {
    expect(() => loadConfig({ DUMAS_REMINDER_TICK_MS: 'soon' })).toThrow(/DUMAS_REMINDER_TICK_MS/);
    expect(() => loadConfig({ DUMAS_SLA_SCHEDULER_INTERVAL_MS: '-5' })).toThrow(
      /DUMAS_SLA_SCHEDULER_INTERVAL_MS/,
    );
    expect(() => loadConfig({ DUMAS_LIMIT_DEPTH: '1.5' })).toThrow(/DUMAS_LIMIT_DEPTH/);
    expect(() => loadConfig({ DUMAS_GATEWAY_FETCHER: 'curl' })).toThrow(/DUMAS_GATEWAY_FETCHER/);
    expect(() => loadConfig({ DUMAS_VAULT_MASTER_KEY: 'c2hvcnQ=' })).toThrow(/DUMAS_VAULT_MASTER_KEY/);
    expect(() => loadConfig({ PORT: 'http' })).toThrow(/PORT/);
  });

  it('turns the SP4N-LAPOR! exchange on with its URL and token only, with its defaults', () => {
    expect(loadConfig({}).channels.lapor).toBeUndefined();
    expect(() => loadConfig({ DUMAS_LAPOR_API_URL: 'https://lapor.example/v1' })).toThrow(
      /DUMAS_LAPOR_TOKEN/,
    );
    expect(() => loadConfig({ DUMAS_LAPOR_API_URL: 'lapor.example', DUMAS_LAPOR_TOKEN: 't' })).toThrow(
      /DUMAS_LAPOR_API_URL/,
    );
    expect(
      loadConfig({ DUMAS_LAPOR_API_URL: 'https://lapor.example/v1/', DUMAS_LAPOR_TOKEN: 't' }).channels.lapor,
    ).toEqual({
      baseUrl: 'https://lapor.example/v1',
      token: 't',
      pollMs: 300_000,
      pageSize: 100,
      retryMs: 1_000,
      timeoutMs: 30_000,
    });
  });

  it('stops a subgraph process at start, naming the variable', async () => {
    const run = promisify(execFile)(
      process.execPath,
      ['-r', '@swc-node/register', 'services/cli/subgraph.ts', 'evaluation'],
      { cwd: repoRoot, env: { ...process.env, DUMAS_SLA_SCHEDULER_INTERVAL_MS: 'every minute' } },
    );
    await expect(run).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/DUMAS_SLA_SCHEDULER_INTERVAL_MS/),
    });
  }, 30_000);
});

describe('createEventStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'dumas-config-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens SQLite in a directory it creates, and the events are there after reopening', async () => {
    const config = loadConfig({ DUMAS_DATA_DIR: path.join(dir, 'not', 'yet', 'there') });
    const store = await createEventStore(config.store);
    const appended = await store.append(
      'complaint-1',
      [
        {
          type: 'ComplaintFiled',
          data: { channel: 'WEB' },
          metadata: { occurredAt: '2026-11-28T08:00:00.000Z' },
        },
      ],
      { expectedRevision: 'no_stream' },
    );
    await store.close();
    expect(config.store.kind === 'sqlite' && existsSync(config.store.file)).toBe(true);

    const reopened = await createEventStore(config.store);
    try {
      const [event] = await reopened.readStream('complaint-1');
      expect(event).toMatchObject({ type: 'ComplaintFiled', revision: 0, position: appended.position });
      expect(await verifyStream(reopened, 'complaint-1')).toMatchObject({ ok: true, events: 1 });
    } finally {
      await reopened.close();
    }
  });

  it('fails at creation, not at first use, when the EventStoreDB server cannot be reached', async () => {
    // Port 1 on the loopback interface: nothing listens there, so the connection is refused at once.
    await expect(
      createEventStore({ kind: 'eventstoredb', url: 'esdb://127.0.0.1:1?tls=false' }),
    ).rejects.toThrow(/UNAVAILABLE|ECONNREFUSED/);
  });

  it('on the default SQLite path loads neither pg nor the EventStoreDB client', async () => {
    // A fresh process, because jest's own module registry would hide what Node itself loaded.
    const script = `
      const { createEventStore } = require('./services/shared/eventstore');
      createEventStore({ kind: 'sqlite', file: ${JSON.stringify(path.join(dir, 'events.sqlite'))} })
        .then((store) => store.close())
        .then(() => {
          const loaded = Object.keys(require.cache);
          const has = (name) => loaded.some((f) => f.includes(require('path').join('node_modules', name, '')));
          process.stdout.write(JSON.stringify({ sqlite: has('better-sqlite3'), pg: has('pg'), esdb: has('@eventstore') }));
        });
    `;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['-r', '@swc-node/register', '-e', script],
      {
        cwd: repoRoot,
      },
    );
    expect(JSON.parse(stdout)).toEqual({ sqlite: true, pg: false, esdb: false });
  }, 30_000);
});
