import path from 'node:path';
import { printSchemas } from '../../services/cli/compose';
import {
  CompositionError,
  composeSupergraph,
  subgraphEndpoints,
} from '../../services/shared/graphql/supergraph';
import type { SubgraphEntry } from '../../services/subgraphs';
import { buildFixtureSubgraph } from './fixture/schema';
import { loadConfig } from '../../services/shared/config';

describe('the federated subgraph SDL', () => {
  it('keeps @key and links Federation 2', async () => {
    const { sdl, schema } = await buildFixtureSubgraph();
    expect(sdl).toMatch(/^extend schema @link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.7"/);
    expect(sdl).toContain('type Parcel @key(fields: "id")');
    expect(Object.keys(schema.getQueryType()!.getFields())).toEqual(
      expect.arrayContaining(['_entities', '_service']),
    );
  });
});

describe('composeSupergraph', () => {
  it('records each subgraph URL, which env variables override', async () => {
    const { sdl } = await buildFixtureSubgraph();
    const supergraph = composeSupergraph([{ name: 'complaint', url: 'http://localhost:4001/graphql', sdl }]);
    expect(subgraphEndpoints(supergraph, {})).toEqual([
      { name: 'complaint', url: 'http://localhost:4001/graphql' },
    ]);
    expect(
      subgraphEndpoints(
        supergraph,
        loadConfig({ DUMAS_SUBGRAPH_COMPLAINT_URL: 'http://complaint:8080/graphql' }).gateway.subgraphUrls,
      ),
    ).toEqual([{ name: 'complaint', url: 'http://complaint:8080/graphql' }]);
  });

  it('fails loudly with every composition error', () => {
    const head = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])\n';
    const a = `${head}type Query { letter(id: ID!): Letter }\ntype Letter @key(fields: "id") { id: ID! number: String }`;
    const b = `${head}type Query { other: Letter }\ntype Letter @key(fields: "id") { id: ID! number: Int }`;
    let thrown: unknown;
    try {
      composeSupergraph([
        { name: 'a', url: 'http://a/graphql', sdl: a },
        { name: 'b', url: 'http://b/graphql', sdl: b },
      ]);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(CompositionError);
    expect((thrown as CompositionError).errors.length).toBeGreaterThan(0);
    expect((thrown as Error).message).toMatch(/Letter/);
  });
});

describe('npm run compose', () => {
  // A stand-in registry entry whose module gives the fixture's SDL.
  const fixture: SubgraphEntry = {
    name: 'complaint',
    defaultPort: 4001,
    load: () =>
      ({
        name: 'complaint',
        defaultPort: 4001,
        sdl: async () => (await buildFixtureSubgraph()).sdl,
      }) as never,
  };

  it("prints the registry's subgraphs and the supergraph", async () => {
    const { files, composed } = await printSchemas([fixture]);
    expect(composed).toEqual(['complaint']);
    expect([...files.keys()].sort()).toEqual([
      path.join('schema', 'complaint.graphql'),
      path.join('schema', 'supergraph.graphql'),
    ]);
    const supergraph = files.get(path.join('schema', 'supergraph.graphql'))!;
    expect(subgraphEndpoints(supergraph, {})).toEqual([
      { name: 'complaint', url: 'http://localhost:4001/graphql' },
    ]);
    // Deterministic: the drift check compares two prints byte for byte.
    expect((await printSchemas([fixture])).files).toEqual(files);
  });
});
