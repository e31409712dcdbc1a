import path from 'node:path';

/** Where events and read models live. One place decides; sqlite needs no setting at all. */
export type StoreConfig =
  | { readonly kind: 'sqlite'; readonly file: string }
  | { readonly kind: 'postgres'; readonly url: string }
  | { readonly kind: 'eventstoredb'; readonly url: string };

export interface DumasConfig {
  readonly dataDir: string;
  readonly store: StoreConfig;
  /** Read models: a SQLite file per subgraph under dataDir, or a PostgreSQL schema per subgraph. */
  readonly readModels:
    | { readonly kind: 'sqlite'; readonly dir: string }
    | { readonly kind: 'postgres'; readonly url: string };
  /**
   * The server secret the complainants' access codes are hashed under (HMAC-SHA-256), from
   * DUMAS_ACCESS_CODE_SECRET (at least 32 bytes). Every process that files or tracks complaints needs the
   * same one. Absent: a random one is kept under dataDir (services/complaint/access-codes.ts).
   */
  readonly accessCodeSecret?: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): DumasConfig {
  const dataDir = path.resolve(env.DUMAS_DATA_DIR ?? './data');
  const kind = (env.DUMAS_STORE ?? 'sqlite').toLowerCase();
  let store: StoreConfig;
  switch (kind) {
    case 'sqlite':
      store = { kind, file: env.DUMAS_SQLITE_FILE ?? path.join(dataDir, 'events.sqlite') };
      break;
    case 'postgres':
    case 'postgresql': {
      const url = env.DUMAS_POSTGRES_URL ?? env.DATABASE_URL;
      if (!url) throw new Error('DUMAS_STORE=postgres needs DUMAS_POSTGRES_URL');
      store = { kind: 'postgres', url };
      break;
    }
    case 'eventstoredb':
    case 'esdb': {
      const url = env.DUMAS_EVENTSTORE_URL ?? env.EVENTSTORE_URL;
      if (!url)
        throw new Error('DUMAS_STORE=eventstoredb needs DUMAS_EVENTSTORE_URL (esdb://host:2113?tls=false)');
      store = { kind: 'eventstoredb', url };
      break;
    }
    default:
      throw new Error(`DUMAS_STORE must be sqlite, postgres or eventstoredb (got ${kind})`);
  }
  const readModelUrl =
    env.DUMAS_READMODEL_POSTGRES_URL ?? (store.kind === 'postgres' ? store.url : undefined);
  const readModels = readModelUrl
    ? ({ kind: 'postgres', url: readModelUrl } as const)
    : ({ kind: 'sqlite', dir: path.join(dataDir, 'readmodels') } as const);
  const accessCodeSecret = env.DUMAS_ACCESS_CODE_SECRET;
  return { dataDir, store, readModels, ...(accessCodeSecret ? { accessCodeSecret } : {}) };
}
