import Database from 'better-sqlite3';
import { conflict } from '../errors';
import { BatchCache } from './batch-cache';
import {
  assertName,
  IndexedFields,
  indexName,
  type NormalisedCondition,
  type NormalisedFilter,
  type NormalisedQuery,
  normaliseFilter,
  normaliseQuery,
  type PathSegment,
} from './query';
import {
  type DocQuery,
  type IndexedType,
  type ReadModelIndex,
  type ReadModelStore,
  type ReadModelTx,
  StaleFenceError,
  type WriteFence,
  type WriteOptions,
} from './types';

export interface SqliteReadModelOptions {
  /** A file path, or ':memory:' for a store that lives as long as the object. */
  readonly file: string;
  /**
   * Documents kept in memory (as their stored JSON text) between batches, so that a rebuild, whose cases
   * interleave across many batches, reads each document back from SQLite once rather than once per batch.
   * Default 50,000; 0 turns it off.
   */
  readonly documentCacheSize?: number;
  /**
   * At most this many characters of JSON text kept (about as many bytes: the text is mostly ASCII), so the
   * cache holds a process's memory to a budget whatever the documents' size (a complaint's evaluation case
   * grows with its history). Default 24 MiB.
   */
  readonly documentCacheChars?: number;
}

const MAX_CACHED_STATEMENTS = 256;

/**
 * Read models in one SQLite file per subgraph: every document is JSON text in one table keyed by
 * (collection, id), queried in SQL with json_extract so that no query loads a whole collection into JS.
 */
export class SqliteReadModelStore implements ReadModelStore {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly selectDoc: Database.Statement<[string, string], string>;
  private readonly selectDocs: Database.Statement<[string, string], { id: string; doc: string }>;
  private readonly upsertDoc: Database.Statement<[string, string, string]>;
  private readonly deleteDoc: Database.Statement<[string, string]>;
  private readonly selectCheckpoint: Database.Statement<[string], { position: number; version: number }>;
  private readonly upsertCheckpoint: Database.Statement<[string, number, number]>;
  private readonly advanceCheckpoint: Database.Statement<[string, number]>;
  /** Stored JSON text by batch key, filled by reads and commits, valid while no other connection writes. */
  private readonly documentCache = new Map<string, string>();
  private readonly documentCacheSize: number;
  private readonly documentCacheChars: number;
  private cachedChars = 0;
  /** PRAGMA data_version as of our last look: it changes when another connection commits. */
  private seenDataVersion: number;
  private readonly indexed = new IndexedFields();
  /** Every declared index (not search) by collection: name → its CREATE statement. */
  private readonly declared = new Map<string, Map<string, string>>();
  /** Declared indexes not made yet, by collection: made at the collection's first read, or by settleIndexes. */
  private readonly deferred = new Map<string, Set<string>>();

  constructor(options: SqliteReadModelOptions) {
    this.documentCacheSize = options.documentCacheSize ?? 50_000;
    this.documentCacheChars = options.documentCacheChars ?? 24 * 1024 * 1024;
    this.db = new Database(options.file);
    this.db.pragma('journal_mode = WAL');
    // A read model can always be rebuilt from the log, and its checkpoint commits with its documents, so
    // NORMAL is enough: WAL commits survive a process crash, and a power loss can only roll the read
    // model and its checkpoint back together to an earlier consistent batch.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS documents (
        collection TEXT NOT NULL,
        id TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (collection, id)
      );
      CREATE TABLE IF NOT EXISTS checkpoints (
        projection TEXT PRIMARY KEY,
        position INTEGER NOT NULL,
        version INTEGER NOT NULL
      );
      -- The newest fencing token seen per lease (WriteFence): older ones are refused at write.
      CREATE TABLE IF NOT EXISTS fences (lease TEXT PRIMARY KEY, token INTEGER NOT NULL);
    `);
    // Case-insensitive substring match with JavaScript's Unicode case folding (SQLite's own LIKE and
    // lower() fold ASCII only, and complaint text is Indonesian with names in any script).
    this.db.function('dumas_icontains', { deterministic: true }, (haystack: unknown, needle: unknown) =>
      typeof haystack === 'string' && typeof needle === 'string' && haystack.toLowerCase().includes(needle)
        ? 1
        : 0,
    );
    this.selectDoc = this.db.prepare<[string, string], string>(
      'SELECT doc FROM documents WHERE collection = ? AND id = ?',
    );
    this.selectDoc.pluck();
    // The ids as one JSON array parameter: one statement, the primary key looked up once per id.
    this.selectDocs = this.db.prepare<[string, string], { id: string; doc: string }>(
      'SELECT id, doc FROM documents WHERE collection = ? AND id IN (SELECT value FROM json_each(?))',
    );
    this.upsertDoc = this.db.prepare(
      'INSERT INTO documents (collection, id, doc) VALUES (?, ?, ?) ON CONFLICT (collection, id) DO UPDATE SET doc = excluded.doc',
    );
    this.deleteDoc = this.db.prepare('DELETE FROM documents WHERE collection = ? AND id = ?');
    this.selectCheckpoint = this.db.prepare('SELECT position, version FROM checkpoints WHERE projection = ?');
    this.upsertCheckpoint = this.db.prepare(
      'INSERT INTO checkpoints (projection, position, version) VALUES (?, ?, ?) ON CONFLICT (projection) DO UPDATE SET position = excluded.position, version = excluded.version',
    );
    this.advanceCheckpoint = this.db.prepare(
      'INSERT INTO checkpoints (projection, position, version) VALUES (?, ?, 0) ON CONFLICT (projection) DO UPDATE SET position = excluded.position',
    );
    this.seenDataVersion = this.dataVersion();
  }

  async get<T>(collection: string, id: string): Promise<T | undefined> {
    const text = this.selectDoc.get(collection, id);
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }

  async getMany<T>(collection: string, ids: readonly string[]): Promise<(T | undefined)[]> {
    if (ids.length === 0) return [];
    const found = new Map<string, string>();
    for (const row of this.selectDocs.all(collection, JSON.stringify(ids))) found.set(row.id, row.doc);
    return ids.map((id) => {
      const text = found.get(id);
      return text === undefined ? undefined : (JSON.parse(text) as T);
    });
  }

  async find<T>(collection: string, query: DocQuery = {}): Promise<T[]> {
    const { sql, params } = this.findSql(collection, normaliseQuery(query));
    const rows = this.statement(sql)
      .pluck()
      .all(...params) as string[];
    return rows.map((text) => JSON.parse(text) as T);
  }

  async explain(collection: string, query: DocQuery = {}): Promise<string> {
    const { sql, params } = this.findSql(collection, normaliseQuery(query));
    const rows = this.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[];
    return rows.map((r) => r.detail).join('\n');
  }

  private findSql(collection: string, q: NormalisedQuery): { sql: string; params: unknown[] } {
    assertName('a collection', collection);
    this.makeDeferred(collection);
    // Probed once per query, whether it is read in one range or one per value.
    const search = this.selectiveSearch(collection, q.text);
    return this.orderedUnion(collection, q, search) ?? this.singleReadSql(collection, q, search);
  }

  private singleReadSql(
    collection: string,
    q: NormalisedQuery,
    search: ReadModelIndex | undefined,
  ): { sql: string; params: unknown[] } {
    const params: unknown[] = [];
    const typeOf = (path: readonly PathSegment[]) => this.indexed.typeOf(collection, path);
    let sql = `SELECT doc FROM documents WHERE collection = ${sqlString(collection)}${whereSql(q, params, typeOf, search)}`;
    if (q.after) {
      const { descending } = this.indexed.keyset(collection, q);
      const keys = q.orderBy.map((o) => typedValue(pathLiteral(o.path)));
      const after = q.after.map((v) => (typeof v === 'boolean' ? Number(v) : v));
      // The leading key's bound first: SQLite seeks an index to it, where a row value over expressions
      // is only a filter (a page half-way down a list walked the index from its start). The row value
      // then settles the rows that tie with the cursor on the leading key. Left out when the filter
      // bounds that key already: a second bound there would sway the planner between indexes.
      const leading = q.orderBy[0]!.path.join('.');
      if (!q.conditions.some((c) => c.path.join('.') === leading)) {
        sql += ` AND ${keys[0]} ${descending ? '<=' : '>='} ?`;
        params.push(after[0]);
      }
      sql += ` AND (${keys.join(', ')}) ${descending ? '<' : '>'} (${keys.map(() => '?').join(', ')})`;
      params.push(...after);
    }
    const order = q.orderBy.flatMap(({ path, direction }) =>
      typeOf(path)
        ? [`${typedValue(pathLiteral(path))} ${direction.toUpperCase()}`]
        : orderKeys(pathLiteral(path), direction),
    );
    // +id: the tie-break never makes the primary key look like the way to read the table, so the planner
    // picks by the filter (the tracking-number index for a lookup, not a walk of the collection).
    sql += ` ORDER BY ${[...order, '+id ASC'].join(', ')}`;
    if (q.limit !== undefined || q.offset !== undefined) {
      sql += ' LIMIT ? OFFSET ?';
      params.push(q.limit ?? -1, q.offset ?? 0);
    }
    return { sql, params };
  }

  /**
   * A page whose filter takes a field in a list of values (`status in [FORWARDED, IN_FOLLOW_UP]`), where
   * an index leads with that field and goes on in the page's order: one ordered read of the index per
   * value, each stopping at the page, merged. SQLite reads one range of an index in order, not several,
   * so it would otherwise walk the whole list's order testing each document (the cost of the share the
   * values hold, worst when they are rare) or sort every match. Same answer, same order.
   */
  private orderedUnion(
    collection: string,
    q: NormalisedQuery,
    search: ReadModelIndex | undefined,
  ): { sql: string; params: unknown[] } | undefined {
    if (q.limit === undefined || q.offset || q.orderBy.length === 0) return undefined;
    const orderPaths = q.orderBy.map((o) => o.path.join('.'));
    if (q.orderBy.some((o) => !this.indexed.typeOf(collection, o.path))) return undefined;
    // The values an `in` condition can match on its typed field, each once (a value listed twice must not
    // read its documents twice).
    const valuesOf = ({ path, condition }: NormalisedQuery['conditions'][number]) => {
      if (condition.kind !== 'in') return [];
      const type = this.indexed.typeOf(collection, path);
      return [
        ...new Set<string | number>(
          type === 'text' ? condition.strings : type === 'number' ? condition.numbers : [],
        ),
      ];
    };
    const at = q.conditions.findIndex((c) => {
      const count = valuesOf(c).length;
      return (
        count >= 2 &&
        count <= MAX_UNION_VALUES &&
        this.indexed.hasIndexOn(collection, [c.path.join('.'), ...orderPaths])
      );
    });
    if (at === -1) return undefined;
    const { path } = q.conditions[at]!;
    const values = valuesOf(q.conditions[at]!);
    const keys = q.orderBy.map((o, i) => `${typedValue(pathLiteral(o.path))} AS k${i}`);
    const params: unknown[] = [];
    const branches = values.map((value) => {
      const branch: NormalisedQuery = {
        ...q,
        conditions: q.conditions.map((c, i) => (i === at ? { path, condition: { kind: 'eq', value } } : c)),
      };
      const { sql, params: branchParams } = this.singleReadSql(collection, branch, search);
      params.push(...branchParams);
      return `SELECT * FROM (${sql.replace('SELECT doc FROM', `SELECT doc, id AS rid, ${keys.join(', ')} FROM`)})`;
    });
    const order = q.orderBy.map((o, i) => `k${i} ${o.direction.toUpperCase()}`);
    params.push(q.limit);
    return {
      sql: `SELECT doc FROM (${branches.join(' UNION ALL ')}) ORDER BY ${[...order, 'rid ASC'].join(', ')} LIMIT ?`,
      params,
    };
  }

  async count(
    collection: string,
    query: Omit<DocQuery, 'orderBy' | 'limit' | 'offset' | 'after'> = {},
  ): Promise<number> {
    assertName('a collection', collection);
    this.makeDeferred(collection);
    const params: unknown[] = [];
    const typeOf = (path: readonly PathSegment[]) => this.indexed.typeOf(collection, path);
    const filter = normaliseFilter(query);
    const search = this.selectiveSearch(collection, filter.text);
    // The collection as a literal, for the partial indexes (ensureIndexes).
    const sql = `SELECT count(*) FROM documents WHERE collection = ${sqlString(collection)}${whereSql(filter, params, typeOf, search)}`;
    return this.statement(sql)
      .pluck()
      .get(...params) as number;
  }

  async ensureIndexes(indexes: readonly ReadModelIndex[]): Promise<void> {
    for (const index of indexes) {
      if (index.kind === 'search') {
        this.ensureSearchIndex(index);
        continue;
      }
      const fields = this.indexed.declare(index);
      // Partial: one table holds every collection, and an index over all of it would compute its
      // json_extract keys for every document written, of any collection, and hold an entry for each.
      // Queries name their collection as a literal so the planner can match the index's WHERE. The
      // collection still leads: without statistics the planner would otherwise rate the primary key's
      // `collection = ?` above an index whose first field takes a list of values. Each field as the query
      // writes it.
      const name = indexName(index);
      const columns = ['collection', ...fields.map((f) => typedValue(pathLiteral(f.path)))];
      const sql = `CREATE INDEX ${name} ON documents (${columns.join(', ')}) WHERE collection = ${sqlString(index.collection)}`;
      const ofCollection = this.declared.get(index.collection) ?? new Map<string, string>();
      ofCollection.set(name, sql);
      this.declared.set(index.collection, ofCollection);
      if (this.storedIndexSql(name) === sql) continue;
      // An empty collection is being built (a first start, a rebuild): an index kept up by every one of
      // its writes costs more than making it once from the finished documents (a rebuild of the SLA
      // clocks spent 7 of its 40 s on five indexes), so it is made when the collection is first read.
      if (!this.holdsDocuments(index.collection)) {
        this.defer(index.collection, name);
        continue;
      }
      this.makeIndexes(index.collection, [name]);
    }
  }

  /** Makes every index deferred so far (the projections caught up with the log: the build is over). */
  async settleIndexes(): Promise<void> {
    for (const collection of [...this.deferred.keys()]) this.makeDeferred(collection);
  }

  private storedIndexSql(name: string): string | undefined {
    return this.db
      .prepare<[string], string>("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?")
      .pluck()
      .get(name);
  }

  private holdsDocuments(collection: string): boolean {
    return (
      this.db.prepare('SELECT 1 FROM documents WHERE collection = ? LIMIT 1').get(collection) !== undefined
    );
  }

  /** Drops the index if it exists (a reader is then left with a scan, never a stale index) and defers it. */
  private defer(collection: string, name: string): void {
    this.db.exec(`DROP INDEX IF EXISTS ${name}`);
    const names = this.deferred.get(collection) ?? new Set<string>();
    names.add(name);
    this.deferred.set(collection, names);
  }

  private makeDeferred(collection: string): void {
    const names = this.deferred.get(collection);
    if (!names) return;
    this.deferred.delete(collection);
    this.makeIndexes(collection, [...names]);
  }

  /** Each index as declared; one made by an older version (or another process, differently) is replaced. */
  private makeIndexes(collection: string, names: readonly string[]): void {
    for (const name of names) {
      const sql = this.declared.get(collection)!.get(name)!;
      this.db
        .transaction(() => {
          // Another process sharing the file may have made it meanwhile.
          if (this.storedIndexSql(name) === sql) return;
          this.db.exec(`DROP INDEX IF EXISTS ${name}; ${sql}`);
        })
        .immediate();
    }
  }

  /**
   * The search index for a text search, when the needle is rare enough for it to pay. SQLite reads every
   * match out of the index before ordering them; a needle in a large share of the documents finds its
   * page sooner by walking the list's order and testing each document. A bounded probe of the index
   * tells the two apart (it costs at most SELECTIVE_MATCHES rowids).
   */
  private selectiveSearch(collection: string, text: NormalisedFilter['text']): ReadModelIndex | undefined {
    const search = this.indexed.searchIndexFor(collection, text);
    if (!search || !text) return undefined;
    const table = indexName(search);
    const matches = this.statement(
      `SELECT count(*) FROM (SELECT 1 FROM ${table} WHERE ${table} MATCH ? LIMIT ${SELECTIVE_MATCHES})`,
    )
      .pluck()
      .get(ftsPhrase(text.needle)) as number;
    return matches < SELECTIVE_MATCHES ? search : undefined;
  }

  /**
   * An FTS5 table with the trigram tokenizer, contentless (the documents hold the text), kept by triggers
   * on the documents table so that every write path (batches, resets) keeps it; filled from the
   * collection's documents when it is first made. Its rowids are the documents'. It folds case as FTS5
   * does, the substring test as JavaScript does: they differ for letters whose lower case is longer
   * (İ), which is why a needle holding such a fold is not looked up here (searchIndexFor).
   */
  private ensureSearchIndex(index: ReadModelIndex): void {
    const paths = this.indexed.declareSearch(index);
    const table = indexName(index);
    const body = (row: 'new' | 'old' | 'documents') =>
      paths.map((p) => `coalesce(json_extract(${row}.doc, ${pathLiteral(p)}), '')`).join(' || char(10) || ');
    const collection = sqlString(index.collection);
    this.db
      .transaction(() => {
        const exists = this.db
          .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")
          .get(table);
        // The triggers are made anew on every start, so a file made by an older version gets today's.
        // Most updates of a document change its status, not its text: re-tokenising unchanged text into
        // trigrams was most of a rebuild's time, so an update touches the index only when the text moved.
        this.db.exec(`
          ${exists ? '' : `CREATE VIRTUAL TABLE ${table} USING fts5(body, content = '', contentless_delete = 1, tokenize = 'trigram');`}
          DROP TRIGGER IF EXISTS ${table}_insert;
          DROP TRIGGER IF EXISTS ${table}_update;
          DROP TRIGGER IF EXISTS ${table}_delete;
          CREATE TRIGGER ${table}_insert AFTER INSERT ON documents WHEN new.collection = ${collection}
          BEGIN INSERT INTO ${table} (rowid, body) VALUES (new.rowid, ${body('new')}); END;
          CREATE TRIGGER ${table}_update AFTER UPDATE ON documents
            WHEN new.collection = ${collection} AND ${body('old')} IS NOT ${body('new')}
          BEGIN
            DELETE FROM ${table} WHERE rowid = old.rowid;
            INSERT INTO ${table} (rowid, body) VALUES (new.rowid, ${body('new')});
          END;
          CREATE TRIGGER ${table}_delete AFTER DELETE ON documents WHEN old.collection = ${collection}
          BEGIN DELETE FROM ${table} WHERE rowid = old.rowid; END;
          ${
            exists
              ? ''
              : `INSERT INTO ${table} (rowid, body)
            SELECT rowid, ${body('documents')} FROM documents WHERE collection = ${collection};`
          }
        `);
      })
      .immediate();
  }

  async applyBatch(
    projection: string,
    position: number,
    fn: (tx: ReadModelTx) => Promise<void>,
    options: WriteOptions = {},
  ): Promise<void> {
    assertName('a projection', projection);
    assertPosition(position);
    // Another process (a rebuild run by hand, say) may have written since: then nothing cached is trusted.
    const dataVersion = this.dataVersion();
    if (dataVersion !== this.seenDataVersion) {
      this.forgetAll();
      this.seenDataVersion = dataVersion;
    }
    const batch = new BatchCache((collection, id, key) => {
      const cached = this.documentCache.get(key);
      if (cached !== undefined) return cached;
      const stored = this.selectDoc.get(collection, id);
      if (stored !== undefined) this.remember(key, stored);
      return stored;
    });
    try {
      await fn(batch.tx);
    } catch (error) {
      batch.abandon();
      throw error;
    }
    // Serialised before the write lock is taken.
    const writes = batch.close();
    try {
      this.db
        .transaction(() => {
          if (options.fence) this.checkFence(options.fence);
          const current = this.selectCheckpoint.get(projection);
          // Two runners on one projection would double every effect: the later commit is refused instead.
          if (current && current.position >= position) {
            throw conflict(
              `projection ${projection} is already at position ${current.position}, not before ${position}`,
              { projection, checkpoint: current.position, position },
            );
          }
          for (const { collection, id, text } of writes) {
            if (text === undefined) this.deleteDoc.run(collection, id);
            else this.upsertDoc.run(collection, id, text);
          }
          this.advanceCheckpoint.run(projection, position);
        })
        .immediate();
    } catch (error) {
      // A failed commit may have followed another connection's write that the cache does not know of.
      this.forgetAll();
      throw error;
    }
    for (const { key, text } of writes) {
      if (text === undefined) this.forget(key);
      else this.remember(key, text);
    }
  }

  async claimFence(fence: WriteFence): Promise<void> {
    this.db.transaction(() => this.checkFence(fence)).immediate();
  }

  /** Inside a write transaction: keeps the newest token of the lease and refuses an older one. */
  private checkFence({ lease, token }: WriteFence): void {
    const { newest } = this.db
      .prepare<[string, number], { newest: number }>(
        `INSERT INTO fences (lease, token) VALUES (?, ?)
         ON CONFLICT (lease) DO UPDATE SET token = max(token, excluded.token)
         RETURNING token AS newest`,
      )
      .get(lease, token)!;
    if (newest > token) throw new StaleFenceError(lease, token, newest);
  }

  async checkpoint(projection: string): Promise<{ position: number; version: number }> {
    const row = this.selectCheckpoint.get(projection);
    return row ? { position: row.position, version: row.version } : { position: 0, version: 0 };
  }

  async reset(
    projection: string,
    version: number,
    collections: readonly string[],
    options: WriteOptions = {},
  ): Promise<void> {
    assertName('a projection', projection);
    for (const collection of collections) assertName('a collection', collection);
    this.db
      .transaction(() => {
        if (options.fence) this.checkFence(options.fence);
        if (collections.length > 0) {
          this.db
            .prepare(`DELETE FROM documents WHERE collection IN (${collections.map(() => '?').join(', ')})`)
            .run(...collections);
        }
        this.upsertCheckpoint.run(projection, 0, version);
        // Rebuilt from nothing: their indexes are made again once the collections are (see ensureIndexes).
        for (const collection of collections) {
          for (const name of this.declared.get(collection)?.keys() ?? []) this.defer(collection, name);
        }
      })
      .immediate();
    this.forgetAll();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  /**
   * First in, first out, within the count and the size budget: cheap, and a rebuild touches documents
   * roughly in the order it first met them.
   */
  private remember(key: string, text: string): void {
    if (this.documentCacheSize === 0 || text.length > this.documentCacheChars) return;
    this.forget(key);
    while (
      this.documentCache.size > 0 &&
      (this.documentCache.size >= this.documentCacheSize ||
        this.cachedChars + text.length > this.documentCacheChars)
    ) {
      this.forget(this.documentCache.keys().next().value!);
    }
    this.documentCache.set(key, text);
    this.cachedChars += text.length;
  }

  private forget(key: string): void {
    const text = this.documentCache.get(key);
    if (text === undefined) return;
    this.documentCache.delete(key);
    this.cachedChars -= text.length;
  }

  private forgetAll(): void {
    this.documentCache.clear();
    this.cachedChars = 0;
  }

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      if (this.statements.size >= MAX_CACHED_STATEMENTS) this.statements.clear();
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

function assertPosition(position: number): void {
  if (!Number.isSafeInteger(position) || position <= 0) {
    throw new Error(`a checkpoint position must be a positive whole number, got ${String(position)}`);
  }
}

/** ['complainant', 'erased'] → '$.complainant.erased', as an SQL string literal (segments are validated). */
function pathLiteral(path: readonly PathSegment[]): string {
  return `'$${path.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('')}'`;
}

const sqlString = (value: string) => `'${value.replaceAll("'", "''")}'`;

/** The needle as one FTS5 phrase: its trigrams in order, nothing in it read as query syntax. */
const ftsPhrase = (needle: string) => `"${needle.replaceAll('"', '""')}"`;

/**
 * Above this many matches a text search walks the list's order instead of reading the search index
 * (see selectiveSearch): about where reading every match costs more than finding a page of them by
 * walking (at 100k documents, 1% of them).
 */
const SELECTIVE_MATCHES = 1_000;

/** Beyond this many values one ordered read per value costs more than it saves. */
const MAX_UNION_VALUES = 16;

const NUMBER_TYPES = "('integer', 'real')";

/** A typed field's value as queries and its index both write it (booleans come out as 1 and 0). */
function typedValue(p: string): string {
  return `json_extract(doc, ${p})`;
}

const FITS: Record<IndexedType, (v: unknown) => boolean> = {
  text: (v) => typeof v === 'string',
  number: (v) => typeof v === 'number',
  boolean: (v) => typeof v === 'boolean',
};

/** A condition on a typed field: the plain comparison the index answers; a value of another type matches nothing. */
function typedConditionSql(
  p: string,
  type: IndexedType,
  condition: NormalisedCondition,
  params: unknown[],
): string | undefined {
  const value = typedValue(p);
  switch (condition.kind) {
    case 'eq':
      if (!FITS[type](condition.value)) return '0';
      params.push(condition.value);
      return `${value} = ?`;
    case 'bool':
      return type === 'boolean' ? `${value} = ${condition.value ? 1 : 0}` : '0';
    case 'null':
      return '0';
    case 'in': {
      const values = type === 'text' ? condition.strings : type === 'number' ? condition.numbers : [];
      if (values.length === 0) return '0';
      params.push(...values);
      return `${value} IN (${values.map(() => '?').join(', ')})`;
    }
    case 'range': {
      if ((condition.valueType === 'string') !== (type === 'text') || type === 'boolean') return '0';
      return `(${condition.bounds
        .map((b) => {
          params.push(b.value);
          return `${value} ${b.op} ?`;
        })
        .join(' AND ')})`;
    }
    default:
      return undefined;
  }
}

function conditionSql(p: string, condition: NormalisedCondition, params: unknown[]): string {
  const value = `json_extract(doc, ${p})`;
  const type = `json_type(doc, ${p})`;
  switch (condition.kind) {
    case 'eq':
      params.push(condition.value);
      return typeof condition.value === 'string'
        ? `(${type} = 'text' AND ${value} = ?)`
        : `(${type} IN ${NUMBER_TYPES} AND ${value} = ?)`;
    case 'bool':
      return `${type} = '${condition.value ? 'true' : 'false'}'`;
    case 'null':
      return `(${type} IS NULL OR ${type} = 'null')`;
    case 'in': {
      const parts: string[] = [];
      if (condition.strings.length > 0) {
        params.push(...condition.strings);
        parts.push(`(${type} = 'text' AND ${value} IN (${condition.strings.map(() => '?').join(', ')}))`);
      }
      if (condition.numbers.length > 0) {
        params.push(...condition.numbers);
        parts.push(
          `(${type} IN ${NUMBER_TYPES} AND ${value} IN (${condition.numbers.map(() => '?').join(', ')}))`,
        );
      }
      return parts.length === 0 ? '0' : `(${parts.join(' OR ')})`;
    }
    case 'range': {
      const guard = condition.valueType === 'string' ? `${type} = 'text'` : `${type} IN ${NUMBER_TYPES}`;
      const bounds = condition.bounds.map((b) => {
        params.push(b.value);
        return `${value} ${b.op} ?`;
      });
      return `(${[guard, ...bounds].join(' AND ')})`;
    }
    case 'contains':
      params.push(condition.value);
      return `(${type} = 'array' AND EXISTS (SELECT 1 FROM json_each(doc, ${p}) AS e WHERE e.type ${
        typeof condition.value === 'string' ? "= 'text'" : `IN ${NUMBER_TYPES}`
      } AND e.value = ?))`;
    case 'like':
      params.push(condition.needle);
      return `dumas_icontains(${value}, ?)`;
  }
}

function whereSql(
  filter: NormalisedFilter,
  params: unknown[],
  typeOf: (path: readonly PathSegment[]) => IndexedType | undefined,
  search?: ReadModelIndex,
): string {
  const clauses = filter.conditions.map(({ path, condition }) => {
    const type = typeOf(path);
    return (
      (type && typedConditionSql(pathLiteral(path), type, condition, params)) ??
      conditionSql(pathLiteral(path), condition, params)
    );
  });
  if (filter.text) {
    const { needle } = filter.text;
    if (search) {
      // The trigram index narrows to the documents holding the needle's trigrams; the test below decides.
      const table = indexName(search);
      params.push(ftsPhrase(needle));
      clauses.push(`rowid IN (SELECT rowid FROM ${table} WHERE ${table} MATCH ?)`);
    }
    const any = filter.text.paths.map((path) => {
      params.push(needle);
      return `dumas_icontains(json_extract(doc, ${pathLiteral(path)}), ?)`;
    });
    clauses.push(`(${any.join(' OR ')})`);
  }
  return clauses.map((c) => ` AND ${c}`).join('');
}

/**
 * One key per JSON type so that SQLite and PostgreSQL order alike: numbers numerically, strings by code
 * point, booleans false before true, and a missing value last in either direction.
 */
function orderKeys(p: string, direction: 'asc' | 'desc'): string[] {
  const dir = direction === 'asc' ? 'ASC' : 'DESC';
  const type = `json_type(doc, ${p})`;
  const value = `json_extract(doc, ${p})`;
  return [
    `CASE WHEN ${type} IN ${NUMBER_TYPES} THEN ${value} END ${dir} NULLS LAST`,
    `CASE WHEN ${type} = 'text' THEN ${value} END ${dir} NULLS LAST`,
    `CASE ${type} WHEN 'true' THEN 1 WHEN 'false' THEN 0 END ${dir} NULLS LAST`,
  ];
}
