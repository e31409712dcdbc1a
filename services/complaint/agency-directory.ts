import type { EventStore } from '../shared/eventstore/types';

/** Agency ids by id and by (lower-cased) name, as the directory in the log has them. */
export class AgencyDirectory {
  private readonly byKey = new Map<string, string>();

  static async load(store: EventStore): Promise<AgencyDirectory> {
    const directory = new AgencyDirectory();
    // The correspondence subgraph's published events: the directory is read from the log it shares.
    for (const e of await store.readAll({ filter: { eventTypes: ['AgencyCreated', 'AgencyUpdated'] } })) {
      const data = e.data as { agencyId?: unknown; name?: unknown; changes?: { name?: unknown } };
      if (typeof data.agencyId !== 'string') continue;
      directory.add(data.agencyId, typeof data.name === 'string' ? data.name : data.changes?.name);
    }
    return directory;
  }

  /** The directory as plain pairs, for another thread (an import's workers): `AgencyDirectory.of` them. */
  entries(): [string, string][] {
    return [...this.byKey];
  }

  static of(entries: Iterable<readonly [string, string]>): AgencyDirectory {
    const directory = new AgencyDirectory();
    for (const [key, agencyId] of entries) directory.byKey.set(key, agencyId);
    return directory;
  }

  add(agencyId: string, name?: unknown): void {
    this.byKey.set(agencyId.toLowerCase(), agencyId);
    if (typeof name === 'string') this.byKey.set(name.trim().toLowerCase(), agencyId);
  }

  resolve(nameOrId: string): string | undefined {
    return this.byKey.get(nameOrId.trim().toLowerCase());
  }
}
