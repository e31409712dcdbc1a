import pg from 'pg';
import { conflict } from '../errors';
import { createOnce } from '../postgres-ddl';
import { BatchCache, type DocumentWrite } from './batch-cache';
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
  parsePath,
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

export interface PostgresReadModelOptions {
  readonly url: string;
  /** One schema per subgraph (rm_complaint, rm_correspondence, …); created when absent. */
  readonly schema: string;
  /** Pool size. Default 5. */
  readonly maxConnections?: number;
  /**
   * Documents kept in memory (as JSON text) between batches, so a rebuild does not read each document back
   * once per batch. Default 50,000; 0 turns it off.
   */
  readonly documentCacheSize?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Read models in a PostgreSQL schema of their own: documents as jsonb keyed by (collection, id), queried in
 * SQL. Queries mean exactly what they mean on SQLite (the shared contract suite holds both to it): strict
 * JSON types, strings ordered by code point (COLLATE "C"), missing values last.
 */
export class PostgresReadModelStore implements ReadModelStore {
  private readonly documents: string;
  private readonly checkpoints: string;
  private readonly meta: string;
  private readonly fences: string;
  /** Stored JSON text by batch key, valid while the schema's write generation is the one we last saw. */
  private readonly documentCache = new Map<string, string>();
  private seenGeneration: string | undefined;
  private readonly indexed = new IndexedFields();

  private constructor(
    private readonly pool: pg.Pool,
    schema: string,
    /** lower() folds non-ASCII letters only under an ICU or a UTF-8 libc collation; "C" folds ASCII only. */
    private readonly foldCollation: string,
    private readonly documentCacheSize: number,
  ) {
    this.documents = `"${schema}".documents`;
    this.checkpoints = `"${schema}".checkpoints`;
    this.meta = `"${schema}".meta`;
    this.fences = `"${schema}".fences`;
  }

  static async connect(options: PostgresReadModelOptions): Promise<PostgresReadModelStore> {
    if (!SCHEMA_NAME.test(options.schema)) {
      throw new Error(
        `read-model schema must be a lower-case SQL identifier, got ${JSON.stringify(options.schema)}`,
      );
    }
    const pool = new pg.Pool({ connectionString: options.url, max: options.maxConnections ?? 5 });
    // An idle client losing its connection must not crash the process; the next query reconnects.
    pool.on('error', () => {});
    try {
      // Several subgraph processes may start at once: creating the same schema is serialised.
      const schema = `"${options.schema}"`;
      await createOnce(pool, `read models ${options.schema}`, [
        `CREATE SCHEMA IF NOT EXISTS ${schema}`,
        `CREATE TABLE IF NOT EXISTS ${schema}.documents (
          collection text NOT NULL,
          id text NOT NULL,
          doc jsonb NOT NULL,
          PRIMARY KEY (collection, id)
        )`,
        `CREATE TABLE IF NOT EXISTS ${schema}.checkpoints (
          projection text PRIMARY KEY,
          position bigint NOT NULL,
          version integer NOT NULL
        )`,
        // The newest fencing token seen per lease (WriteFence): older ones are refused at write.
        `CREATE TABLE IF NOT EXISTS ${schema}.fences (lease text PRIMARY KEY, token bigint NOT NULL)`,
        // Every write bumps the generation, so a store can tell whether anyone else wrote since its last batch.
        `CREATE TABLE IF NOT EXISTS ${schema}.meta (key text PRIMARY KEY, value bigint NOT NULL)`,
        `INSERT INTO ${schema}.meta (key, value) VALUES ('generation', 0) ON CONFLICT (key) DO NOTHING`,
      ]);
      const icu = await pool.query(`SELECT 1 FROM pg_collation WHERE collname = 'und-x-icu'`);
      return new PostgresReadModelStore(
        pool,
        options.schema,
        icu.rowCount ? ' COLLATE "und-x-icu"' : '',
        options.documentCacheSize ?? 50_000,
      );
    } catch (error) {
      await pool.end().catch(() => {});
      throw error;
    }
  }

  async get<T>(collection: string, id: string): Promise<T | undefined> {
    const { rows } = await this.pool.query<{ doc: T }>(
      `SELECT doc FROM ${this.documents} WHERE collection = $1 AND id = $2`,
      [collection, id],
    );
    return rows[0]?.doc;
  }

  async getMany<T>(collection: string, ids: readonly string[]): Promise<(T | undefined)[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.pool.query<{ id: string; doc: T }>(
      `SELECT id, doc FROM ${this.documents} WHERE collection = $1 AND id = ANY($2::text[])`,
      [collection, [...new Set(ids)]],
    );
    const found = new Map(rows.map((r) => [r.id, r.doc]));
    // A fresh copy per requested id, as separate gets would give.
    return ids.map((id, i) => {
      const doc = found.get(id);
      return doc === undefined || ids.indexOf(id) === i ? doc : (structuredClone(doc) as T);
    });
  }

  async find<T>(collection: string, query: DocQuery = {}): Promise<T[]> {
    const { sql, params } = this.findSql(collection, normaliseQuery(query));
    const { rows } = await this.pool.query<{ doc: T }>(sql, params.values);
    return rows.map((r) => r.doc);
  }

  /**
   * The plan with sequential scans disabled for this one statement: on a test's handful of rows the
   * planner rightly prefers a scan, so the question asked is whether an index can answer the query at all.
   */
  async explain(collection: string, query: DocQuery = {}): Promise<string> {
    const { sql, params } = this.findSql(collection, normaliseQuery(query));
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL enable_seqscan = off');
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params.values);
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    } finally {
      await client.query('ROLLBACK').catch(() => {});
      client.release();
    }
  }

  private findSql(collection: string, q: NormalisedQuery): { sql: string; params: Params } {
    assertName('a collection', collection);
    const params = new Params([collection]);
    let sql = `SELECT doc FROM ${this.documents} WHERE collection = $1${this.whereSql(collection, q, params)}`;
    const typeOf = (path: readonly PathSegment[]) => this.indexed.typeOf(collection, path);
    if (q.after) {
      const { types, descending } = this.indexed.keyset(collection, q);
      const keys = q.orderBy.map((o, i) => typedValue(pathLiteral(o.path), types[i]!));
      const values = q.after.map((v, i) => `${params.add(v)}::${CAST[types[i]!]}`);
      sql += ` AND (${keys.join(', ')}) ${descending ? '<' : '>'} (${values.join(', ')})`;
    }
    const order = q.orderBy.flatMap(({ path, direction }) => {
      const type = typeOf(path);
      return type
        ? [`${typedValue(pathLiteral(path), type)} ${direction.toUpperCase()}`]
        : orderKeys(pathLiteral(path), direction);
    });
    sql += ` ORDER BY ${[...order, 'id COLLATE "C" ASC'].join(', ')}`;
    if (q.limit !== undefined || q.offset !== undefined) {
      sql += ` LIMIT ${params.add(q.limit ?? null)} OFFSET ${params.add(q.offset ?? 0)}`;
    }
    return { sql, params };
  }

  async count(
    collection: string,
    query: Omit<DocQuery, 'orderBy' | 'limit' | 'offset' | 'after'> = {},
  ): Promise<number> {
    assertName('a collection', collection);
    const params = new Params([collection]);
    const sql = `SELECT count(*)::int AS n FROM ${this.documents} WHERE collection = $1${this.whereSql(
      collection,
      normaliseFilter(query),
      params,
    )}`;
    const { rows } = await this.pool.query<{ n: number }>(sql, params.values);
    return rows[0]!.n;
  }

  /** Nothing is deferred here: PostgreSQL's indexes are made at once (a rebuild there keeps them up). */
  async settleIndexes(): Promise<void> {}

  async ensureIndexes(indexes: readonly ReadModelIndex[]): Promise<void> {
    for (const index of indexes) {
      if (index.kind === 'search') {
        await this.ensureSearchIndex(index);
        continue;
      }
      const fields = this.indexed.declare(index);
      const columns = ['collection', ...fields.map((f) => typedValue(pathLiteral(f.path), f.type))];
      // Several processes may start at once: CREATE INDEX IF NOT EXISTS can still race on the catalog.
      try {
        await this.pool.query(
          `CREATE INDEX IF NOT EXISTS ${indexName(index)} ON ${this.documents} (${columns.join(', ')})`,
        );
      } catch (error) {
        if ((error as { code?: string }).code !== '23505') throw error;
      }
    }
  }

  /**
   * A GIN index of pg_trgm's trigrams over the fields' text, folded as the substring test folds it, for
   * this collection's documents. pg_trgm ships with PostgreSQL and is a trusted extension: a role that
   * may create objects in the database may create it (else a DBA runs `CREATE EXTENSION pg_trgm` once).
   */
  private async ensureSearchIndex(index: ReadModelIndex): Promise<void> {
    const paths = this.indexed.declareSearch(index);
    const collection = index.collection.replaceAll("'", "''");
    await this.ensureTrigramExtension();
    // fastupdate off: GIN's pending list (entries not yet merged) is priced so high by the planner that a
    // read model written steadily by its projection would be read by scanning instead.
    try {
      await this.pool.query(
        `CREATE INDEX IF NOT EXISTS ${indexName(index)} ON ${this.documents} USING gin ((${this.searchBody(
          paths,
        )}) gin_trgm_ops) WITH (fastupdate = off) WHERE collection = '${collection}'`,
      );
    } catch (error) {
      // Several processes may start at once: IF NOT EXISTS can still race on the catalog.
      if ((error as { code?: string }).code !== '23505') throw error;
    }
  }

  /**
   * pg_trgm, once per database. Replicas starting together race on it: IF NOT EXISTS does not stop two
   * creations at the same moment (the loser fails on the catalog), so a failure is followed by a look at
   * whether the other one made it, a short wait and another try.
   */
  private async ensureTrigramExtension(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.pool.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
        return;
      } catch (error) {
        const made = await this.pool.query("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'");
        if (made.rowCount) return;
        if (attempt >= 5) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      }
    }
  }

  /** The searched text of a document, as the search index is built on it and queries write it. */
  private searchBody(paths: readonly (readonly PathSegment[])[]): string {
    const text = paths.map((p) => `coalesce(doc #>> ${pathLiteral(p)}, '')`).join(" || E'\\n' || ");
    return `lower((${text})${this.foldCollation})`;
  }

  async applyBatch(
    projection: string,
    position: number,
    fn: (tx: ReadModelTx) => Promise<void>,
    options: WriteOptions = {},
  ): Promise<void> {
    assertName('a projection', projection);
    if (!Number.isSafeInteger(position) || position <= 0) {
      throw new Error(`a checkpoint position must be a positive whole number, got ${String(position)}`);
    }
    const client = await this.pool.connect();
    let broken: unknown;
    let written: DocumentWrite[] = [];
    let generationAfter: string | undefined;
    try {
      await client.query('BEGIN');
      if (options.fence) await this.checkFence(client, options.fence);
      await client.query(
        `INSERT INTO ${this.checkpoints} (projection, position, version) VALUES ($1, 0, 0) ON CONFLICT (projection) DO NOTHING`,
        [projection],
      );
      // The row lock makes a second runner of the same projection wait here, then see the new position.
      const { rows } = await client.query<{ position: string; generation: string }>(
        `SELECT position, (SELECT value FROM ${this.meta} WHERE key = 'generation') AS generation
         FROM ${this.checkpoints} WHERE projection = $1 FOR UPDATE`,
        [projection],
      );
      const current = Number(rows[0]!.position);
      if (current >= position) {
        throw conflict(`projection ${projection} is already at position ${current}, not before ${position}`, {
          projection,
          checkpoint: current,
          position,
        });
      }
      const generationBefore = rows[0]!.generation;
      if (generationBefore !== this.seenGeneration) {
        this.documentCache.clear();
        this.seenGeneration = generationBefore;
      }
      const batch = new BatchCache((collection, id, key) => {
        const cached = this.documentCache.get(key);
        if (cached !== undefined) return cached;
        return client
          .query<{ doc: string }>(
            `SELECT doc::text AS doc FROM ${this.documents} WHERE collection = $1 AND id = $2`,
            [collection, id],
          )
          .then((found) => {
            const stored = found.rows[0]?.doc;
            if (stored !== undefined) this.remember(key, stored);
            return stored;
          });
      });
      try {
        await fn(batch.tx);
      } catch (error) {
        batch.abandon();
        throw error;
      }
      written = batch.close();
      await this.write(client, written);
      await client.query(`UPDATE ${this.checkpoints} SET position = $2 WHERE projection = $1`, [
        projection,
        position,
      ]);
      const bumped = await client.query<{ value: string }>(
        `UPDATE ${this.meta} SET value = value + 1 WHERE key = 'generation' RETURNING value`,
      );
      generationAfter = bumped.rows[0]!.value;
      if (BigInt(generationAfter) !== BigInt(generationBefore) + 1n) {
        // Someone else wrote since this batch began: keep only what this batch itself wrote.
        this.documentCache.clear();
      }
      await client.query('COMMIT');
      this.seenGeneration = generationAfter;
      for (const { key, text } of written) {
        if (text === undefined) this.documentCache.delete(key);
        else this.remember(key, text);
      }
    } catch (error) {
      this.documentCache.clear();
      this.seenGeneration = undefined;
      await client.query('ROLLBACK').catch((rollbackError: unknown) => {
        broken = rollbackError;
      });
      throw error;
    } finally {
      // A connection whose rollback failed is in an unknown state: drop it rather than reuse it.
      client.release(broken instanceof Error ? broken : undefined);
    }
  }

  async checkpoint(projection: string): Promise<{ position: number; version: number }> {
    const { rows } = await this.pool.query<{ position: string; version: number }>(
      `SELECT position, version FROM ${this.checkpoints} WHERE projection = $1`,
      [projection],
    );
    return rows[0]
      ? { position: Number(rows[0].position), version: rows[0].version }
      : { position: 0, version: 0 };
  }

  async reset(
    projection: string,
    version: number,
    collections: readonly string[],
    options: WriteOptions = {},
  ): Promise<void> {
    assertName('a projection', projection);
    for (const collection of collections) assertName('a collection', collection);
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      if (options.fence) await this.checkFence(client, options.fence);
      await client.query(`DELETE FROM ${this.documents} WHERE collection = ANY($1::text[])`, [collections]);
      await client.query(
        `INSERT INTO ${this.checkpoints} (projection, position, version) VALUES ($1, 0, $2)
         ON CONFLICT (projection) DO UPDATE SET position = 0, version = excluded.version`,
        [projection, version],
      );
      await client.query(`UPDATE ${this.meta} SET value = value + 1 WHERE key = 'generation'`);
      await client.query('COMMIT');
      this.documentCache.clear();
      this.seenGeneration = undefined;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async claimFence(fence: WriteFence): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await this.checkFence(client, fence);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * Inside a write transaction: refuses a token older than the newest one of the lease, and records a
   * newer one. The row stays locked until commit (shared by the holder's concurrent writes, exclusive
   * for a new token), so a successor's claim waits for writes under the old token already running, and
   * every write after it sees the new token.
   */
  private async checkFence(client: pg.PoolClient, { lease, token }: WriteFence): Promise<void> {
    const seen = await client.query<{ token: string }>(
      `SELECT token FROM ${this.fences} WHERE lease = $1 FOR SHARE`,
      [lease],
    );
    let newest = seen.rows[0] ? Number(seen.rows[0].token) : undefined;
    if (newest === undefined || newest < token) {
      const { rows } = await client.query<{ newest: string }>(
        `INSERT INTO ${this.fences} (lease, token) VALUES ($1, $2)
         ON CONFLICT (lease) DO UPDATE SET token = GREATEST(${this.fences}.token, excluded.token)
         RETURNING token AS newest`,
        [lease, token],
      );
      newest = Number(rows[0]!.newest);
    }
    if (newest > token) throw new StaleFenceError(lease, token, newest);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** Dirty documents go out in two statements whatever their number (arrays through unnest). */
  private async write(client: pg.PoolClient, writes: readonly DocumentWrite[]): Promise<void> {
    const upsert = { collections: [] as string[], ids: [] as string[], docs: [] as string[] };
    const remove = { collections: [] as string[], ids: [] as string[] };
    for (const { collection, id, text } of writes) {
      if (text === undefined) {
        remove.collections.push(collection);
        remove.ids.push(id);
      } else {
        upsert.collections.push(collection);
        upsert.ids.push(id);
        upsert.docs.push(text);
      }
    }
    if (remove.ids.length > 0) {
      await client.query(
        `DELETE FROM ${this.documents} d USING unnest($1::text[], $2::text[]) AS r(collection, id)
         WHERE d.collection = r.collection AND d.id = r.id`,
        [remove.collections, remove.ids],
      );
    }
    if (upsert.ids.length > 0) {
      await client.query(
        `INSERT INTO ${this.documents} (collection, id, doc)
         SELECT collection, id, doc::jsonb FROM unnest($1::text[], $2::text[], $3::text[]) AS u(collection, id, doc)
         ON CONFLICT (collection, id) DO UPDATE SET doc = excluded.doc`,
        [upsert.collections, upsert.ids, upsert.docs],
      );
    }
  }

  /** First in, first out, as in the SQLite store. */
  private remember(key: string, text: string): void {
    if (this.documentCacheSize === 0) return;
    if (this.documentCache.size >= this.documentCacheSize && !this.documentCache.has(key)) {
      const oldest = this.documentCache.keys().next().value;
      if (oldest !== undefined) this.documentCache.delete(oldest);
    }
    this.documentCache.set(key, text);
  }

  private whereSql(collection: string, filter: NormalisedFilter, params: Params): string {
    const clauses = filter.conditions.map(({ path, condition }) => {
      const type = this.indexed.typeOf(collection, path);
      return (
        (type && typedConditionSql(pathLiteral(path), type, condition, params)) ??
        conditionSql(pathLiteral(path), condition, params, this.foldCollation)
      );
    });
    if (filter.text) {
      const search = this.indexed.searchIndexFor(collection, filter.text);
      if (search) {
        // The trigram index narrows to the documents holding the needle's trigrams; the test below decides.
        const pattern = `%${filter.text.needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        const paths = search.fields.map((f) => parsePath(f.path));
        clauses.push(`${this.searchBody(paths)} LIKE ${params.add(pattern)}`);
      }
      const needle = params.add(filter.text.needle);
      const any = filter.text.paths.map((path) => icontains(pathLiteral(path), needle, this.foldCollation));
      clauses.push(`(${any.join(' OR ')})`);
    }
    return clauses.map((c) => ` AND ${c}`).join('');
  }
}

class Params {
  constructor(readonly values: unknown[] = []) {}
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** ['complainant', 'erased'] → '{complainant,erased}', a text[] literal (segments are validated). */
function pathLiteral(path: readonly PathSegment[]): string {
  return `'{${path.join(',')}}'`;
}

const CAST: Record<IndexedType, string> = { text: 'text', number: 'numeric', boolean: 'boolean' };

/** A typed field's value as queries and its index both write it. */
function typedValue(p: string, type: IndexedType): string {
  return type === 'text' ? `((doc #>> ${p}) COLLATE "C")` : `((doc #>> ${p})::${CAST[type]})`;
}

/** A condition on a typed field: the plain comparison the index answers; a value of another type matches nothing. */
function typedConditionSql(
  p: string,
  type: IndexedType,
  condition: NormalisedCondition,
  params: Params,
): string | undefined {
  const value = typedValue(p, type);
  const jsType = { text: 'string', number: 'number', boolean: 'boolean' }[type];
  switch (condition.kind) {
    case 'eq':
      return typeof condition.value === jsType
        ? `${value} = ${params.add(condition.value)}::${CAST[type]}`
        : 'false';
    case 'bool':
      return type === 'boolean' ? `${value} = ${condition.value}` : 'false';
    case 'null':
      return 'false';
    case 'in': {
      const values = type === 'text' ? condition.strings : type === 'number' ? condition.numbers : [];
      return values.length === 0 ? 'false' : `${value} = ANY(${params.add(values)}::${CAST[type]}[])`;
    }
    case 'range': {
      if ((condition.valueType === 'string') !== (type === 'text') || type === 'boolean') return 'false';
      return `(${condition.bounds.map((b) => `${value} ${b.op} ${params.add(b.value)}::${CAST[type]}`).join(' AND ')})`;
    }
    default:
      return undefined;
  }
}

function icontains(p: string, needle: string, collation: string): string {
  return `(CASE WHEN jsonb_typeof(doc #> ${p}) = 'string' THEN strpos(lower((doc #>> ${p})${collation}), ${needle}) > 0 ELSE false END)`;
}

function conditionSql(p: string, condition: NormalisedCondition, params: Params, collation: string): string {
  const value = `doc #> ${p}`;
  const type = `jsonb_typeof(${value})`;
  switch (condition.kind) {
    case 'eq':
      return `${value} = ${params.add(JSON.stringify(condition.value))}::jsonb`;
    case 'bool':
      return `${value} = '${condition.value ? 'true' : 'false'}'::jsonb`;
    case 'null':
      return `(${value} IS NULL OR ${value} = 'null'::jsonb)`;
    case 'in': {
      const all = [...condition.strings, ...condition.numbers].map((v) => JSON.stringify(v));
      return all.length === 0 ? 'false' : `${value} = ANY(${params.add(all)}::jsonb[])`;
    }
    case 'range': {
      const typed =
        condition.valueType === 'string'
          ? `(CASE WHEN ${type} = 'string' THEN doc #>> ${p} END) COLLATE "C"`
          : `(CASE WHEN ${type} = 'number' THEN (doc #>> ${p})::numeric END)`;
      const cast = condition.valueType === 'string' ? 'text' : 'numeric';
      return `(${condition.bounds.map((b) => `${typed} ${b.op} ${params.add(b.value)}::${cast}`).join(' AND ')})`;
    }
    case 'contains':
      return `(${type} = 'array' AND ${value} @> ${params.add(JSON.stringify([condition.value]))}::jsonb)`;
    case 'like':
      return icontains(p, params.add(condition.needle), collation);
  }
}

/** The same keys as the SQLite store: numbers, then strings by code point, then booleans; missing last. */
function orderKeys(p: string, direction: 'asc' | 'desc'): string[] {
  const dir = direction === 'asc' ? 'ASC' : 'DESC';
  const type = `jsonb_typeof(doc #> ${p})`;
  return [
    `(CASE WHEN ${type} = 'number' THEN (doc #>> ${p})::numeric END) ${dir} NULLS LAST`,
    `(CASE WHEN ${type} = 'string' THEN doc #>> ${p} END) COLLATE "C" ${dir} NULLS LAST`,
    `(CASE WHEN ${type} = 'boolean' THEN (doc #>> ${p})::boolean END) ${dir} NULLS LAST`,
  ];
}
