/**
 * Operations generated from a schema, for the role × operation matrix (test/security/matrix.e2e.test.ts):
 * one document per root field, its required arguments filled with values the caller chooses by name and
 * type, selecting every field reachable without required arguments down to a depth, so that whatever
 * a field could leak is asked for.
 */
import {
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type GraphQLSchema,
  getNamedType,
  isAbstractType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
} from 'graphql';

export interface GeneratedOperation {
  readonly kind: 'query' | 'mutation' | 'subscription';
  readonly field: string;
  readonly document: string;
  /**
   * The same operation once per field of the root field's type: one field the caller may not read
   * (a non-null one refused) nulls the whole answer, which would hide what the others give away.
   */
  readonly parts: readonly string[];
}

/** Chooses a value for an ID or String argument by its name (e.g. `id` → the target complaint). */
export type IdFor = (argumentName: string, typeName: string) => string;

const SCALARS: Record<string, string> = {
  Int: '1',
  Float: '1',
  Boolean: 'false',
  DateTime: '"2026-06-01T00:00:00.000Z"',
  LocalDate: '"2026-06-01"',
  SafeInt: '1',
};

function literal(type: GraphQLInputType, name: string, idFor: IdFor, depth = 0): string {
  if (isNonNullType(type)) return literal(type.ofType, name, idFor, depth);
  if (isListType(type)) return `[${literal(type.ofType, name, idFor, depth)}]`;
  if (isEnumType(type)) return type.getValues()[0]!.name;
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields()).filter((f) => isNonNullType(f.type) || depth === 0);
    return `{ ${fields.map((f) => `${f.name}: ${literal(f.type, f.name, idFor, depth + 1)}`).join(', ')} }`;
  }
  const scalar = getNamedType(type).name;
  if (scalar === 'ID' || scalar === 'String') return JSON.stringify(idFor(name, scalar));
  return SCALARS[scalar] ?? '"x"';
}

function args(field: GraphQLField<unknown, unknown>, idFor: IdFor): string {
  const required = field.args.filter(
    (a: GraphQLArgument) => isNonNullType(a.type) && a.defaultValue === undefined,
  );
  if (required.length === 0) return '';
  return `(${required.map((a) => `${a.name}: ${literal(a.type, a.name, idFor)}`).join(', ')})`;
}

function selection(type: GraphQLOutputType | GraphQLNamedType, depth: number, seen: Set<string>): string {
  const named = getNamedType(type);
  if (isLeafType(named)) return '';
  if (isAbstractType(named) || !isObjectType(named) || depth === 0 || seen.has(named.name))
    return '{ __typename }';
  const inner = new Set(seen).add(named.name);
  const parts: string[] = ['__typename'];
  for (const field of Object.values(named.getFields())) {
    if (field.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined)) continue;
    if (field.name.startsWith('__')) continue;
    const sub = selection(field.type, depth - 1, inner);
    parts.push(sub ? `${field.name} ${sub}` : field.name);
  }
  return `{ ${parts.join(' ')} }`;
}

/** One operation per root field of the schema (federation's own `_service`/`_entities` left out). */
export function rootOperations(schema: GraphQLSchema, idFor: IdFor, depth = 4): GeneratedOperation[] {
  const out: GeneratedOperation[] = [];
  const roots = [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
    ['subscription', schema.getSubscriptionType()],
  ] as const;
  for (const [kind, root] of roots) {
    if (!root) continue;
    for (const field of Object.values(root.getFields())) {
      if (field.name.startsWith('_')) continue;
      const head = `${kind} { ${field.name}${args(field, idFor)}`;
      const named = getNamedType(field.type);
      const parts = isObjectType(named)
        ? Object.values(named.getFields())
            .filter((f) => !f.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined))
            .map((f) => {
              const sub = selection(f.type, depth - 1, new Set([named.name]));
              return `${head} { __typename ${f.name} ${sub} } }`;
            })
        : [];
      out.push({
        kind,
        field: field.name,
        document: `${head} ${selection(field.type, depth, new Set())} }`,
        parts,
      });
    }
  }
  return out;
}

/** `_entities` for one entity type of a subgraph's schema, asking every field of it. */
export function entitiesOperation(
  schema: GraphQLSchema,
  typeName: string,
  representation: object,
): { readonly document: string; readonly variables: Record<string, unknown> } {
  const type = schema.getType(typeName);
  if (!type) throw new Error(`no type ${typeName}`);
  return {
    document: `query E($r: [_Any!]!) { _entities(representations: $r) { ... on ${typeName} ${selection(type, 3, new Set())} } }`,
    variables: { r: [representation] },
  };
}
