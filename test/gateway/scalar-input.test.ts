/**
 * A malformed DateTime or LocalDate passes the gateway (the supergraph knows those scalars by name only)
 * and is refused by the subgraph with a 400: the client must hear BAD_USER_INPUT, not an internal error.
 */
import { ForwardingRemoteDataSource, inputRefusalFrom } from '../../gateway/datasources';
import { FixedClock } from '../../services/shared/clock';
import { type Federation, startFederation } from '../support/federation';

const BANTUL = 'inspektorat-bantul';

describe('through the gateway', () => {
  let fed: Federation;
  let bantul: string;

  beforeAll(async () => {
    fed = await startFederation({
      clock: new FixedClock(new Date('2026-03-02T02:00:00.000Z')),
      subgraphs: ['complaint', 'correspondence', 'evaluation'],
    });
    bantul = await fed.token({ role: 'AGENCY', agencyId: BANTUL });
  });
  afterAll(async () => fed?.close());

  it.each([
    [
      'a DateTime literal',
      `{ agencyPerformance(agencyId: "${BANTUL}", period: { year: 2026 }, asOf: "yesterday") { received } }`,
      {},
    ],
    [
      'a DateTime variable',
      `query P($asOf: DateTime) { agencyPerformance(agencyId: "${BANTUL}", period: { year: 2026 }, asOf: $asOf) { received } }`,
      { asOf: 'yesterday' },
    ],
    [
      'a LocalDate that is not a calendar date',
      '{ workingDaysBetween(from: "2026-02-30", to: "2026-03-01") }',
      {},
    ],
    [
      'a LocalDate variable',
      'query W($from: LocalDate!) { workingDaysBetween(from: $from, to: "2026-03-01") }',
      { from: '2026-3-1' },
    ],
    [
      'a DateTime in a complaint filter',
      '{ complaints(filter: { receivedFrom: "nope" }) { totalCount } }',
      {},
    ],
  ])('answers BAD_USER_INPUT for %s', async (_what, query, variables) => {
    const reply = await fed.gql(query, variables, bantul);
    expect(reply.data).toBeNull();
    expect(reply.errors).toHaveLength(1);
    expect(reply.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(reply.errors?.[0]?.message).toMatch(/DateTime|LocalDate/);
  });

  it('still answers a well-formed date', async () => {
    const reply = await fed.gql('{ workingDaysBetween(from: "2026-03-02", to: "2026-03-09") }', {}, bantul);
    expect(reply.errors).toBeUndefined();
    expect(reply.data.workingDaysBetween).toBe(5);
  });
});

describe('inputRefusalFrom', () => {
  const refusal = {
    errors: [
      { message: 'Value is not a valid LocalDate: x', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } },
    ],
  };

  it('turns a subgraph 400 made only of validation refusals into BAD_USER_INPUT', () => {
    const error = inputRefusalFrom(400, refusal);
    expect(error?.message).toBe('Value is not a valid LocalDate: x');
    expect(error?.extensions).toEqual({ code: 'BAD_USER_INPUT' });
  });

  it('leaves other statuses, other codes and bodies without errors to the fetch error', () => {
    expect(inputRefusalFrom(500, refusal)).toBeUndefined();
    expect(
      inputRefusalFrom(400, { errors: [{ message: 'x', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] }),
    ).toBeUndefined();
    expect(inputRefusalFrom(400, { errors: [] })).toBeUndefined();
    expect(inputRefusalFrom(400, 'not json')).toBeUndefined();
  });

  it('is applied by the stock data source too', async () => {
    const source = new ForwardingRemoteDataSource({ url: 'http://127.0.0.1:1/graphql' });
    const body = JSON.stringify(refusal);
    const error = await source.errorFromResponse(
      new Response(body, { status: 400, headers: { 'content-type': 'application/json' } }) as never,
    );
    expect(error.extensions.code).toBe('BAD_USER_INPUT');
    const other = await source.errorFromResponse(
      new Response('{"errors":[{"message":"boom"}]}', {
        status: 400,
        headers: { 'content-type': 'application/json' },
      }) as never,
    );
    expect(other.extensions.code).toBeUndefined();
  });
});
