/**
 * Routing rules through the gateway over real HTTP: ADMIN manages them, a complaint shows the proposal
 * and the rule behind it, and forwarding without naming agencies follows the proposal.
 */
import { seedAgencies } from '../../services/cli/seed';
import { type Federation, startFederation } from '../support/federation';

let fed: Federation;
let admin: string;
let officer: string;
let bantul: string;

const DEFINE = `mutation D($input: RoutingRuleInput!) {
  defineRoutingRule(input: $input) { id category region priority activeFrom retiredAt agencies { id } }
}`;
const SUGGESTED = `query S($id: ID!) { complaint(id: $id) {
  suggestedAgencies { agencies { id name } rule { id category region priority } }
} }`;

async function receive(reference: string, category: string | null, region: string | null): Promise<string> {
  const reply = await fed.gql(
    `mutation R($input: FileComplaintInput!) { fileComplaint(input: $input) { complaint { id } } }`,
    {
      input: {
        channel: 'LETTER',
        channelReference: reference,
        subject: 'Jalan rusak',
        description: 'Jalan desa rusak.',
        category,
        region,
      },
    },
    officer,
  );
  expect(reply.errors).toBeUndefined();
  const id = reply.data.fileComplaint.complaint.id as string;
  const verified = await fed.gql(`mutation { verifyComplaint(id: "${id}") { status } }`, {}, officer);
  expect(verified.errors).toBeUndefined();
  return id;
}

beforeAll(async () => {
  fed = await startFederation();
  await seedAgencies(fed.store, new Date('2026-01-02T00:00:00Z'));
  admin = await fed.token({ role: 'ADMIN' });
  officer = await fed.token({ role: 'OFFICER' });
  bantul = await fed.token({ role: 'AGENCY', agencyId: 'inspektorat-bantul' });
});

afterAll(async () => {
  await fed?.close();
});

describe('given routing rules defined by ADMIN', () => {
  beforeAll(async () => {
    const regional = await fed.gql(
      DEFINE,
      { input: { id: 'bantul', region: 'Kabupaten Bantul', agencyIds: ['inspektorat-bantul'] } },
      admin,
    );
    expect(regional.errors).toBeUndefined();
    expect(regional.data.defineRoutingRule).toMatchObject({
      id: 'bantul',
      category: null,
      region: 'Kabupaten Bantul',
      priority: 0,
      retiredAt: null,
      agencies: [{ id: 'inspektorat-bantul' }],
    });
    const specific = await fed.gql(
      DEFINE,
      {
        input: {
          id: 'infra-bantul',
          category: 'infrastruktur',
          region: 'Kabupaten Bantul',
          agencyIds: ['inspektorat-bantul', 'inspektorat-diy'],
        },
      },
      admin,
    );
    expect(specific.errors).toBeUndefined();
  });

  it('shows each complaint what the rules propose, with the matching rule and the agencies from correspondence', async () => {
    const id = await receive('B-1/2026', 'infrastruktur', 'Kabupaten Bantul');
    const reply = await fed.gql(SUGGESTED, { id }, officer);
    expect(reply.errors).toBeUndefined();
    expect(reply.data.complaint.suggestedAgencies).toEqual({
      agencies: [
        { id: 'inspektorat-bantul', name: 'Inspektorat Kabupaten Bantul' },
        { id: 'inspektorat-diy', name: 'Inspektorat Daerah Istimewa Yogyakarta' },
      ],
      rule: { id: 'infra-bantul', category: 'infrastruktur', region: 'Kabupaten Bantul', priority: 0 },
    });
  });

  it('forwards to the proposal when no agencies are named, and records the rule', async () => {
    const id = await receive('B-2/2026', 'kesehatan', 'Kabupaten Bantul');
    const reply = await fed.gql(
      `mutation { forwardComplaint(id: "${id}") { status agencies { id } } }`,
      {},
      officer,
    );
    expect(reply.errors).toBeUndefined();
    expect(reply.data.forwardComplaint).toEqual({
      status: 'FORWARDED',
      agencies: [{ id: 'inspektorat-bantul' }],
    });
    const events = await fed.store.readStream(`complaint-${id}`);
    expect(events.find((e) => e.type === 'ComplaintForwarded')!.data).toMatchObject({
      routingRuleId: 'bantul',
    });
    // The focal point of the agency sees the case, but not the routing.
    const seen = await fed.gql(SUGGESTED, { id }, bantul);
    expect(seen.errors).toBeUndefined();
    expect(seen.data.complaint.suggestedAgencies).toBeNull();
  });

  it('refuses to forward without agencies when no rule matches, and writes nothing', async () => {
    const id = await receive('B-3/2026', 'kesehatan', 'Kabupaten Sleman');
    expect((await fed.gql(SUGGESTED, { id }, officer)).data.complaint.suggestedAgencies).toBeNull();
    const head = await fed.store.headPosition();
    const reply = await fed.gql(`mutation { forwardComplaint(id: "${id}") { status } }`, {}, officer);
    expect(reply.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await fed.store.headPosition()).toBe(head);
  });

  it('lets only ADMIN change rules, refuses agencies outside the directory, and retires', async () => {
    const byOfficer = await fed.gql(
      DEFINE,
      { input: { region: 'DIY', agencyIds: ['inspektorat-diy'] } },
      officer,
    );
    expect(byOfficer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const unknown = await fed.gql(
      DEFINE,
      { input: { region: 'DIY', agencyIds: ['dinas-tidak-ada'] } },
      admin,
    );
    expect(unknown.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const retired = await fed.gql(
      `mutation { retireRoutingRule(id: "bantul", reason: "Diganti") { id retiredAt } }`,
      {},
      admin,
    );
    expect(retired.errors).toBeUndefined();
    expect(retired.data.retireRoutingRule.retiredAt).toEqual(expect.any(String));
    const list = await fed.gql(
      `{ active: routingRules { id } all: routingRules(includeRetired: true) { id } }`,
      {},
      officer,
    );
    expect(list.data).toEqual({
      active: [{ id: 'infra-bantul' }],
      all: [{ id: 'bantul' }, { id: 'infra-bantul' }],
    });
    const again = await fed.gql(`mutation { retireRoutingRule(id: "bantul") { id } }`, {}, admin);
    expect(again.errors?.[0]?.extensions?.code).toBe('INVALID_TRANSITION');
  });
});
