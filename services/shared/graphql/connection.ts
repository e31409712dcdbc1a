/**
 * What every Relay connection of the house shares: `PageInfo` (one value type, `@shareable` so that more
 * than one subgraph may answer it) and keyset cursors, which carry the sort key of the last row seen so
 * the next page starts from the index right after it, whatever the store holds.
 */
import { Directive, Field, ObjectType } from 'type-graphql';
import { badInput } from '../errors';

@ObjectType()
@Directive('@shareable')
export class PageInfo {
  @Field()
  hasNextPage!: boolean;

  @Field()
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true })
  startCursor!: string | null;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

/** A cursor carrying a row's sort key (strings, in the order of the connection's index). */
export const keyCursor = (key: readonly string[]): string =>
  Buffer.from(`key:${JSON.stringify(key)}`).toString('base64url');

/** The sort key a keyCursor of `length` strings carries; undefined for anything else. */
export function keyOfCursor(cursor: string, length: number): string[] | undefined {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith('key:') || text.length >= 400) return undefined;
  try {
    const key: unknown = JSON.parse(text.slice(4));
    return Array.isArray(key) && key.length === length && key.every((v) => typeof v === 'string')
      ? key
      : undefined;
  } catch {
    return undefined;
  }
}

/** `first` of a connection: `fallback` when absent, BAD_USER_INPUT outside 0..max. */
export function pageSize(first: number | null | undefined, fallback: number, max: number): number {
  const size = first ?? fallback;
  if (!Number.isInteger(size) || size < 0 || size > max) {
    throw badInput(`first must be between 0 and ${max}`, { field: 'first' });
  }
  return size;
}

/** The PageInfo of a page of edges. */
export const pageInfoOf = (
  edges: readonly { readonly cursor: string }[],
  hasNextPage: boolean,
  hasPreviousPage: boolean,
): PageInfo => ({
  hasNextPage,
  hasPreviousPage,
  startCursor: edges[0]?.cursor ?? null,
  endCursor: edges[edges.length - 1]?.cursor ?? null,
});

/**
 * `first` and `after` of a keyset connection: the page size, and the sort key the cursor carries.
 * BAD_USER_INPUT for a size out of range or a cursor this connection did not make.
 */
export function keysetArgs(
  first: number | null | undefined,
  after: string | null | undefined,
  { fallback, max, keyLength = 2 }: { fallback: number; max: number; keyLength?: number },
): { limit: number; after?: string[] } {
  const limit = pageSize(first, fallback, max);
  if (!after) return { limit };
  const key = keyOfCursor(after, keyLength);
  if (!key) throw badInput('after is not a cursor of this connection', { field: 'after' });
  return { limit, after: key };
}

/**
 * A connection from rows read with one more than `limit` (so whether a next page exists is known
 * without counting): at most `limit` edges, each with the cursor of its sort key.
 */
export function connectionOf<R, N>(
  rows: readonly R[],
  { limit, after }: { limit: number; after?: readonly string[] },
  key: (row: R) => string[],
  node: (row: R) => N,
): { edges: { cursor: string; node: N }[]; pageInfo: PageInfo } {
  const edges = rows.slice(0, limit).map((row) => ({ cursor: keyCursor(key(row)), node: node(row) }));
  return { edges, pageInfo: pageInfoOf(edges, rows.length > limit, after !== undefined) };
}
