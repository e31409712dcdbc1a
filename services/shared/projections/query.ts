import { badInput } from '../errors';
import type { DocQuery, FieldCondition, IndexedType, ReadModelIndex } from './types';

/**
 * The dialect-neutral half of DocQuery translation: validates a query and normalises every condition into
 * one of a few shapes, so that the SQLite and PostgreSQL stores only differ in how they spell each shape.
 * Paths end up inside SQL as literals (so that expression indexes can match them), which is why a segment
 * must be a plain identifier or an array index: nothing a caller sends can change the statement's shape.
 */

export type PathSegment = string | number;

export type ScalarValue = string | number;

export type NormalisedCondition =
  | { readonly kind: 'eq'; readonly value: ScalarValue }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'null' }
  | { readonly kind: 'in'; readonly strings: readonly string[]; readonly numbers: readonly number[] }
  | {
      readonly kind: 'range';
      readonly valueType: 'string' | 'number';
      readonly bounds: readonly { readonly op: '>=' | '<=' | '>' | '<'; readonly value: ScalarValue }[];
    }
  | { readonly kind: 'contains'; readonly value: ScalarValue }
  | { readonly kind: 'like'; readonly needle: string };

export interface NormalisedFilter {
  readonly conditions: readonly {
    readonly path: readonly PathSegment[];
    readonly condition: NormalisedCondition;
  }[];
  readonly text?: { readonly paths: readonly (readonly PathSegment[])[]; readonly needle: string };
}

export interface NormalisedQuery extends NormalisedFilter {
  readonly orderBy: readonly { readonly path: readonly PathSegment[]; readonly direction: 'asc' | 'desc' }[];
  readonly limit?: number;
  readonly offset?: number;
  readonly after?: readonly (string | number | boolean)[];
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const INDEX = /^(0|[1-9][0-9]{0,8})$/;

/** "complainant.erased" → ['complainant', 'erased']; "forwardings.0.agencyId" → ['forwardings', 0, 'agencyId']. */
export function parsePath(path: string): PathSegment[] {
  if (typeof path !== 'string' || path.length === 0 || path.length > 200) {
    throw badInput('a document path must be a non-empty dotted path');
  }
  return path.split('.').map((segment, i) => {
    if (i > 0 && INDEX.test(segment)) return Number(segment);
    if (IDENTIFIER.test(segment)) return segment;
    throw badInput(`document path ${JSON.stringify(path)} has a segment that is not a plain field name`, {
      path,
    });
  });
}

const RANGE_OPS = { gte: '>=', lte: '<=', gt: '>', lt: '<' } as const;

function isScalar(value: unknown): value is ScalarValue {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

/** Case folding used for every case-insensitive match, on both sides, in every store. */
export function foldCase(value: string): string {
  return value.toLowerCase();
}

export function normaliseCondition(path: string, condition: FieldCondition): NormalisedCondition {
  if (condition === null) return { kind: 'null' };
  if (typeof condition === 'boolean') return { kind: 'bool', value: condition };
  if (isScalar(condition)) return { kind: 'eq', value: condition };
  if (typeof condition !== 'object') throw badInput(`condition on ${path} is not supported`, { path });
  const keys = Object.keys(condition);
  if ('in' in condition) {
    if (keys.length !== 1 || !Array.isArray(condition.in) || !condition.in.every(isScalar)) {
      throw badInput(`condition on ${path}: "in" takes a list of strings or numbers and nothing else`, {
        path,
      });
    }
    return {
      kind: 'in',
      strings: condition.in.filter((v): v is string => typeof v === 'string'),
      numbers: condition.in.filter((v): v is number => typeof v === 'number'),
    };
  }
  if ('contains' in condition) {
    if (keys.length !== 1 || !isScalar(condition.contains)) {
      throw badInput(`condition on ${path}: "contains" takes one string or number`, { path });
    }
    return { kind: 'contains', value: condition.contains };
  }
  if ('like' in condition) {
    if (keys.length !== 1 || typeof condition.like !== 'string') {
      throw badInput(`condition on ${path}: "like" takes one string`, { path });
    }
    return { kind: 'like', needle: foldCase(condition.like) };
  }
  const bounds: { op: '>=' | '<=' | '>' | '<'; value: ScalarValue }[] = [];
  for (const key of keys) {
    const op = RANGE_OPS[key as keyof typeof RANGE_OPS];
    const value = (condition as Record<string, unknown>)[key];
    if (!op) throw badInput(`condition on ${path}: unknown operator ${JSON.stringify(key)}`, { path });
    if (value === undefined) continue;
    if (!isScalar(value)) throw badInput(`condition on ${path}: ${key} takes a string or a number`, { path });
    bounds.push({ op, value });
  }
  if (bounds.length === 0) throw badInput(`condition on ${path} has no operator`, { path });
  const valueType = typeof bounds[0]!.value === 'number' ? 'number' : 'string';
  if (bounds.some((b) => typeof b.value !== valueType)) {
    throw badInput(`condition on ${path}: range bounds must all be strings or all be numbers`, { path });
  }
  return { kind: 'range', valueType, bounds };
}

function normaliseCount(value: number | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < 0) throw badInput(`${what} must be a whole number ≥ 0`);
  return value;
}

export function normaliseFilter(
  query: Omit<DocQuery, 'orderBy' | 'limit' | 'offset'> = {},
): NormalisedFilter {
  const conditions = Object.entries(query.where ?? {})
    .filter(([, condition]) => condition !== undefined)
    .map(([path, condition]) => ({ path: parsePath(path), condition: normaliseCondition(path, condition) }));
  if (!query.text) return { conditions };
  if (
    !Array.isArray(query.text.fields) ||
    query.text.fields.length === 0 ||
    typeof query.text.value !== 'string'
  ) {
    throw badInput('a text search needs at least one field and a string value');
  }
  return {
    conditions,
    text: { paths: query.text.fields.map(parsePath), needle: foldCase(query.text.value) },
  };
}

export function normaliseQuery(query: DocQuery = {}): NormalisedQuery {
  const orderBy = (query.orderBy ?? []).map((o) => {
    if (o.direction !== undefined && o.direction !== 'asc' && o.direction !== 'desc') {
      throw badInput('an order direction is asc or desc');
    }
    return { path: parsePath(o.path), direction: o.direction ?? 'asc' };
  });
  return {
    ...normaliseFilter(query),
    orderBy,
    limit: normaliseCount(query.limit, 'limit'),
    offset: normaliseCount(query.offset, 'offset'),
    ...(query.after !== undefined ? { after: query.after } : {}),
  };
}

const SQL_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,40}$/;

/** The database name of a declared index (the same on SQLite and PostgreSQL). */
export function indexName(index: ReadModelIndex): string {
  if (!SQL_NAME.test(index.collection) || !SQL_NAME.test(index.name)) {
    throw new Error(`index ${index.collection}/${index.name}: names must be plain SQL identifiers`);
  }
  return `rm_${index.collection}_${index.name}`.toLowerCase();
}

const JS_TYPE: Record<IndexedType, string> = { text: 'string', number: 'number', boolean: 'boolean' };

/**
 * The typed fields declared by the indexes of each collection. A query on a typed field compares plain
 * values, in the form the index was built on; any other field keeps the strict-JSON-type comparison.
 */
export class IndexedFields {
  private readonly byCollection = new Map<string, Map<string, IndexedType>>();
  private readonly searchable = new Map<string, ReadModelIndex[]>();
  /** The field paths of each ordered index, by collection and index name. */
  private readonly ordered = new Map<string, Map<string, readonly string[]>>();

  /** A search index's fields are searched, never typed: they may be missing or null. */
  declareSearch(index: ReadModelIndex): readonly (readonly PathSegment[])[] {
    indexName(index);
    const known = this.searchable.get(index.collection) ?? [];
    if (!known.some((k) => k.name === index.name)) known.push(index);
    this.searchable.set(index.collection, known);
    return index.fields.map(({ path }) => parsePath(path));
  }

  /**
   * The search index that holds every field of a text search, when its needle is long enough for
   * trigrams (three characters) and folds alike in the index and in the substring test: a combining mark
   * in the folded needle comes from a letter whose lower case is longer (İ is i + a dot above), which
   * FTS5 folds otherwise, so such a needle is left to the substring test alone.
   */
  searchIndexFor(collection: string, text: NormalisedFilter['text']): ReadModelIndex | undefined {
    if (!text || Array.from(text.needle).length < 3 || /\p{M}/u.test(text.needle)) return undefined;
    const wanted = text.paths.map((p) => p.join('.'));
    return this.searchable
      .get(collection)
      ?.find((index) => wanted.every((path) => index.fields.some((f) => f.path === path)));
  }

  /** Whether an ordered index reads these paths in this order (as its leading fields). */
  hasIndexOn(collection: string, paths: readonly string[]): boolean {
    return [...(this.ordered.get(collection)?.values() ?? [])].some(
      (fields) => paths.length <= fields.length && paths.every((p, i) => fields[i] === p),
    );
  }

  declare(index: ReadModelIndex): { readonly path: readonly PathSegment[]; readonly type: IndexedType }[] {
    indexName(index);
    // Every process start declares its indexes again: by name, so a second declaration replaces the first.
    const ordered = this.ordered.get(index.collection) ?? new Map<string, readonly string[]>();
    ordered.set(
      index.name,
      index.fields.map((f) => f.path),
    );
    this.ordered.set(index.collection, ordered);
    const fields = this.byCollection.get(index.collection) ?? new Map<string, IndexedType>();
    this.byCollection.set(index.collection, fields);
    return index.fields.map(({ path, type }) => {
      const known = fields.get(path);
      if (known && known !== type) {
        throw new Error(`${index.collection}.${path} is declared both ${known} and ${type}`);
      }
      fields.set(path, type);
      return { path: parsePath(path), type };
    });
  }

  typeOf(collection: string, path: readonly PathSegment[]): IndexedType | undefined {
    return this.byCollection.get(collection)?.get(path.join('.'));
  }

  /**
   * Checks a keyset `after` against the query's order: every orderBy path typed, one direction, one value
   * of the right type per path. Answers the paths with their types, and whether the order is descending.
   */
  keyset(collection: string, q: NormalisedQuery): { types: IndexedType[]; descending: boolean } {
    const after = q.after ?? [];
    const types = q.orderBy.map((o) => this.typeOf(collection, o.path));
    const descending = q.orderBy[0]?.direction === 'desc';
    if (
      q.orderBy.length === 0 ||
      after.length !== q.orderBy.length ||
      types.some((t) => t === undefined) ||
      q.orderBy.some((o) => (o.direction === 'desc') !== descending)
    ) {
      throw badInput('this cursor does not fit the order of the query');
    }
    if (after.some((v, i) => typeof v !== JS_TYPE[types[i]!])) {
      throw badInput('this cursor does not fit the order of the query');
    }
    return { types: types as IndexedType[], descending };
  }
}

/** Collection and projection names are ours, not the caller's, but they still end up in keys and logs. */
export function assertName(what: string, name: string): void {
  if (typeof name !== 'string' || name.length === 0 || name.length > 200) {
    throw badInput(`${what} must be a non-empty string`);
  }
}
