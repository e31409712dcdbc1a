import { badInput } from '../errors';
import type { DocQuery, FieldCondition } from './types';

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
  };
}

/** Collection and projection names are ours, not the caller's, but they still end up in keys and logs. */
export function assertName(what: string, name: string): void {
  if (typeof name !== 'string' || name.length === 0 || name.length > 200) {
    throw badInput(`${what} must be a non-empty string`);
  }
}
