/**
 * Shared live feeds (gateway/subscriptions/feed.ts) through a real gateway: subscribers of one class
 * (role, agency, operation, variables) share one upstream subscription; classes never mix (a slow member
 * cut off while its peer keeps receiving: subscriptions.e2e.test.ts, whose two share a feed); a resume from behind catches up on its own and joins the
 * feed with no gap and no duplicate; one member's token running out ends only that member (also when
 * it was the one whose token the feed ran with), and so does a focal point replaced while the feed ran on
 * its token.
 *
 * How many upstream subscriptions the gateway holds is read from its own metric
 * (dumas_subscription_upstreams_open), in this process like the gateway.
 */
import type { Gateway } from '../../gateway/server';
import { subscriptionFeedsOpen, subscriptionUpstreamsOpen } from '../../services/shared/metrics';
import { type Federation, startFederation } from '../support/federation';
import {
  appendBurst,
  forwardedComplaint,
  gatewayGauge,
  type Received,
  settles,
  sleep,
  startSubscriptionGateway,
  subscribeSse,
  subscribeWs,
} from './support';

const EVENTS = `subscription S($after: String) {
  caseEvents(after: $after) { position type summary complaint { id status } }
}`;
const BANTUL = 'inspektorat-bantul';
const SLEMAN = 'inspektorat-sleman';

let fed: Federation;
let gw: { gateway: Gateway; httpUrl: string; wsUrl: string };
let officer: string;

beforeAll(async () => {
  fed = await startFederation({ agencies: [BANTUL, SLEMAN] });
  gw = await startSubscriptionGateway(fed, {
    maxBufferedEvents: 100,
    maxBufferedBytes: 1024 * 1024,
    slowConsumerGraceMs: 30_000,
  });
  officer = await fed.token({ role: 'OFFICER' });
}, 30_000);

afterAll(async () => {
  await gw?.gateway.close();
  await fed?.close();
});

const upstreams = () => gatewayGauge(subscriptionUpstreamsOpen);
const feeds = () => gatewayGauge(subscriptionFeedsOpen);

const headPosition = async () => String(await fed.store.headPosition());
const positions = (sub: Received) => sub.events.map((e) => e.position as string);

async function stopAll(...subs: Received[]) {
  await Promise.all(subs.map((s) => s.stop()));
  await settles(upstreams, 0);
  await settles(feeds, 0);
}

describe('given subscribers of one class', () => {
  it('shares one upstream among them, one more for another class, and goes on when the first leaves', async () => {
    const id = await forwardedComplaint(fed, officer, [BANTUL]);
    const after = await headPosition();
    const otherOfficer = await fed.token({ role: 'OFFICER', sub: 'user-officer-2' });
    const a = subscribeWs(gw.wsUrl, officer, EVENTS, { after });
    const b = subscribeSse(gw.httpUrl, otherOfficer, EVENTS, { after });
    const c = subscribeWs(gw.wsUrl, await fed.token({ role: 'AGENCY', agencyId: BANTUL }), EVENTS, { after });
    try {
      await appendBurst(fed, id, 3, 'share-1');
      for (const s of [a, b, c]) await s.until((events) => events.length >= 3);
      // Officers (WebSocket and SSE alike) are one class; the focal point is another.
      expect(await upstreams()).toBe(2);
      expect(await feeds()).toBe(2);
      expect(positions(b)).toEqual(positions(a));
      expect(positions(c)).toEqual(positions(a));

      await a.stop();
      await appendBurst(fed, id, 3, 'share-2');
      await b.until((events) => events.length >= 6);
      const all = positions(b);
      expect(new Set(all).size).toBe(6);
      expect([...all].sort((x, y) => Number(x) - Number(y))).toEqual(all);
      expect(await upstreams()).toBe(2);
      expect([...b.errors, ...c.errors]).toEqual([]);
    } finally {
      await stopAll(a, b, c);
    }
  }, 30_000);
});

describe('given focal points of two agencies on shared feeds', () => {
  it('never delivers one agency’s events to the other, and refuses a token its agency no longer holds', async () => {
    const after = await headPosition();
    const bantul = await fed.token({ role: 'AGENCY', agencyId: BANTUL });
    const bantulLater = await fed.token({ role: 'AGENCY', agencyId: BANTUL, ttl: '2h' });
    const sleman = await fed.token({ role: 'AGENCY', agencyId: SLEMAN });
    const subs = [
      subscribeWs(gw.wsUrl, bantul, EVENTS, { after }),
      subscribeSse(gw.httpUrl, bantulLater, EVENTS, { after }),
      subscribeWs(gw.wsUrl, sleman, EVENTS, { after }),
      subscribeSse(gw.httpUrl, sleman, EVENTS, { after }),
    ];
    // Not a focal point of Bantul in the directory: refused as its own upstream would have been.
    const impostor = subscribeWs(
      gw.wsUrl,
      await fed.token({ role: 'AGENCY', agencyId: BANTUL, sub: 'not-a-focal-point' }),
      EVENTS,
      { after },
    );
    try {
      await sleep(300);
      const [toBantul, toSleman, toNobody] = await Promise.all([
        forwardedComplaint(fed, officer, [BANTUL]),
        forwardedComplaint(fed, officer, [SLEMAN]),
        forwardedComplaint(fed, officer, []),
      ]);
      await appendBurst(fed, toNobody, 3, 'iso-nobody');
      await appendBurst(fed, toSleman, 3, 'iso-sleman');
      await appendBurst(fed, toBantul, 3, 'iso-bantul');
      for (const s of subs)
        await s.until((events) => events.filter((e) => e.type === 'CaseNoteIndexed').length >= 3);
      await sleep(200);
      const [b1, b2, s1, s2] = subs as [Received, Received, Received, Received];
      for (const s of [b1, b2])
        expect(new Set(s.events.map((e) => e.complaint.id))).toEqual(new Set([toBantul]));
      for (const s of [s1, s2])
        expect(new Set(s.events.map((e) => e.complaint.id))).toEqual(new Set([toSleman]));
      expect(positions(b2)).toEqual(positions(b1));
      expect(positions(s2)).toEqual(positions(s1));
      expect(await upstreams()).toBe(2);
      for (const s of subs) expect(s.errors).toEqual([]);
      await impostor
        .until(() => impostor.errors.length > 0 || impostor.completed, 5_000)
        .catch(() => undefined);
      expect(JSON.stringify(impostor.errors)).toContain('UNAUTHENTICATED');
      expect(impostor.events).toEqual([]);
    } finally {
      await stopAll(...subs, impostor);
    }
  }, 30_000);
});

describe('given focal points resuming from a cursor the log has moved past with events they may not see', () => {
  it('share one feed started at their cursor instead of each catching up alone', async () => {
    const toBantul = await forwardedComplaint(fed, officer, [BANTUL]);
    const after = await headPosition();
    // Then only what Bantul may not see: another case, forwarded to nobody.
    const toNobody = await forwardedComplaint(fed, officer, []);
    await appendBurst(fed, toNobody, 5, 'unseen');
    expect(Number(await headPosition())).toBeGreaterThan(Number(after));
    const subs = await Promise.all(
      [0, 1, 2].map(async () =>
        subscribeWs(gw.wsUrl, await fed.token({ role: 'AGENCY', agencyId: BANTUL }), EVENTS, { after }),
      ),
    );
    try {
      await settles(feeds, 1);
      await settles(upstreams, 1);
      await appendBurst(fed, toBantul, 3, 'seen');
      for (const sub of subs) await sub.until((events) => events.length >= 3);
      await sleep(200);
      const [first, ...others] = subs as [Received, ...Received[]];
      expect(new Set(first.events.map((e) => e.complaint.id))).toEqual(new Set([toBantul]));
      for (const other of others) expect(positions(other)).toEqual(positions(first));
      for (const sub of subs) expect(sub.errors).toEqual([]);
      expect(await upstreams()).toBe(1);
    } finally {
      await stopAll(...subs);
    }
  }, 30_000);
});

describe('given a subscriber resuming from behind the live feed while events keep coming', () => {
  it('catches up on its own, then joins the feed with no gap and no duplicate', async () => {
    const id = await forwardedComplaint(fed, officer, []);
    const start = await headPosition();
    const live = subscribeWs(gw.wsUrl, officer, EVENTS, { after: start });
    let resumed: Received | undefined;
    try {
      await appendBurst(fed, id, 120, 'resume-old');
      await live.until((events) => events.length >= 120);
      // From the middle of what the feed has delivered, with a burst arriving while it catches up.
      const from = positions(live)[30]!;
      const burst = appendBurst(fed, id, 150, 'resume-new');
      resumed = subscribeWs(gw.wsUrl, officer, EVENTS, { after: from });
      await burst;
      await live.until((events) => events.length >= 270);
      await resumed.until((events) => events.length >= 270 - 31);
      await sleep(200);
      expect(positions(resumed)).toEqual(positions(live).slice(31));
      expect(resumed.errors).toEqual([]);
      // Its own catch-up upstream is gone: the two share the feed's.
      await settles(upstreams, 1);
      await appendBurst(fed, id, 2, 'resume-after');
      await resumed.until((events) => events.length >= 270 - 31 + 2);
      await live.until((events) => events.length >= 272);
      expect(positions(resumed)).toEqual(positions(live).slice(31));
    } finally {
      await stopAll(live, ...(resumed ? [resumed] : []));
    }
  }, 40_000);
});

describe('given members of one class whose tokens expire at different times', () => {
  it('ends only the expired one, and the feed goes on with the other’s token', async () => {
    const id = await forwardedComplaint(fed, officer, []);
    const after = await headPosition();
    // The short-lived one opens the feed (its token is the feed's first), the long-lived one joins.
    const short = subscribeWs(gw.wsUrl, await fed.token({ role: 'OFFICER', ttl: '3s' }), EVENTS, { after });
    await settles(upstreams, 1);
    const long = subscribeWs(gw.wsUrl, officer, EVENTS, { after });
    try {
      await appendBurst(fed, id, 2, 'expiry-1');
      await short.until((events) => events.length >= 2);
      await long.until((events) => events.length >= 2);
      await short.until(() => false, 5_000).catch(() => undefined);
      expect(JSON.stringify({ errors: short.errors, closed: short.closed })).toContain(
        'the token has expired',
      );
      await appendBurst(fed, id, 3, 'expiry-2');
      await long.until((events) => events.length >= 5);
      await sleep(200);
      expect(long.errors).toEqual([]);
      expect(long.closed).toBeUndefined();
      const all = positions(long);
      expect(all).toHaveLength(5);
      expect([...all].sort((x, y) => Number(x) - Number(y))).toEqual(all);
      expect(new Set(all).size).toBe(5);
      expect(await upstreams()).toBe(1);
    } finally {
      await stopAll(short, long);
    }
  }, 30_000);
});

describe('given a feed running on a focal point who is then replaced', () => {
  it('ends that focal point’s subscription only, and goes on with the new one’s token', async () => {
    const after = await headPosition();
    // The one to be replaced opens the feed, which runs on its token.
    const replaced = subscribeWs(gw.wsUrl, await fed.token({ role: 'AGENCY', agencyId: BANTUL }), EVENTS, {
      after,
    });
    await settles(upstreams, 1);
    const admin = await fed.token({ role: 'ADMIN' });
    const appointed = await fed.gql(
      `mutation A($agencyId: ID!, $input: AppointFocalPointInput!) {
        appointFocalPoint(agencyId: $agencyId, input: $input) { id }
      }`,
      { agencyId: BANTUL, input: { userId: 'pic-bantul-2', name: 'Dewi Lestari', position: 'Kasubbag' } },
      admin,
    );
    expect(appointed.errors).toBeUndefined();
    const successor = subscribeWs(
      gw.wsUrl,
      await fed.token({ role: 'AGENCY', agencyId: BANTUL, sub: 'pic-bantul-2' }),
      EVENTS,
      { after },
    );
    try {
      await sleep(300);
      const id = await forwardedComplaint(fed, officer, [BANTUL]);
      await appendBurst(fed, id, 3, 'replaced');
      await successor.until((events) => events.filter((e) => e.type === 'CaseNoteIndexed').length >= 3);
      expect(successor.errors).toEqual([]);
      expect(new Set(successor.events.map((e) => e.complaint?.id))).toEqual(new Set([id]));
      await replaced.until(() => false, 3_000).catch(() => undefined);
      expect(replaced.completed || replaced.closed !== undefined).toBe(true);
      expect(JSON.stringify(replaced.errors)).toContain('UNAUTHENTICATED');
      expect(await upstreams()).toBe(1);
    } finally {
      await stopAll(replaced, successor);
    }
  }, 30_000);
});
