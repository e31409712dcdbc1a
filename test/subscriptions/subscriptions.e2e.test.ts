/**
 * Subscription.caseEvents through the gateway over real WebSocket and SSE connections: payloads
 * resolved across all three subgraphs, resume without gap or duplicate (also across a gateway
 * restart), agency isolation under interleaved traffic, token expiry, and a slow consumer cut off
 * while a fast one of the same shared feed keeps up.
 */
import WebSocket from 'ws';
import type { Gateway } from '../../gateway/server';
import { subscriptionUpstreamsOpen } from '../../services/shared/metrics';
import { type Federation, startFederation } from '../support/federation';
import {
  appendBurst,
  forwardedComplaint,
  gatewayGauge,
  settles,
  sleep,
  startSubscriptionGateway,
  subscribeSlowWs,
  subscribeSse,
  subscribeWs,
} from './support';

const EVENTS = `subscription S($agencyId: ID, $after: String) {
  caseEvents(agencyId: $agencyId, after: $after) { position type summary complaint { id } }
}`;

let fed: Federation;
let gw: { gateway: Gateway; httpUrl: string; wsUrl: string };
let officer: string;
let bantul: string;
let sleman: string;

beforeAll(async () => {
  fed = await startFederation({ agencies: ['inspektorat-bantul', 'inspektorat-sleman'] });
  gw = await startSubscriptionGateway(fed, {
    maxBufferedEvents: 100,
    maxBufferedBytes: 1024 * 1024,
    slowConsumerGraceMs: 30_000,
  });
  officer = await fed.token({ role: 'OFFICER' });
  bantul = await fed.token({ role: 'AGENCY', agencyId: 'inspektorat-bantul' });
  sleman = await fed.token({ role: 'AGENCY', agencyId: 'inspektorat-sleman' });
}, 30_000);

afterAll(async () => {
  await gw?.gateway.close();
  await fed?.close();
});

const headPosition = async () => String(await fed.store.headPosition());

describe('given an officer subscribed through the gateway', () => {
  it('delivers each event with the complaint resolved from all three subgraphs', async () => {
    const after = await headPosition();
    const sub = subscribeWs(
      gw.wsUrl,
      officer,
      `subscription S($after: String) { caseEvents(after: $after) {
        position type occurredAt summary
        complaint { id trackingNumber status complainant { access name } letters { kind state } sla { clocks { kind state } } }
      } }`,
      { after },
    );
    try {
      await sleep(200);
      const id = await forwardedComplaint(fed, officer, ['inspektorat-bantul']);
      // Each event carries the complaint as it stands when the gateway resolves it (now, not then).
      await sub.until(
        (events) =>
          events.some((e) => e.complaint.id === id && e.type === 'ComplaintForwarded') &&
          events.some(
            (e) =>
              e.complaint.id === id && e.complaint.letters.length > 0 && e.complaint.sla?.clocks.length > 0,
          ),
      );
      expect(sub.errors).toEqual([]);
      const mine = sub.events.filter((e) => e.complaint.id === id);
      expect(mine.map((e) => e.type).slice(0, 4)).toEqual([
        'TrackingNumberClaimed',
        'ComplaintReceived',
        'ComplaintVerified',
        'ComplaintForwarded',
      ]);
      const drafted = mine.find((e) => e.complaint.letters.length > 0);
      expect(drafted.complaint.letters[0]).toEqual({ kind: 'FOLLOW_UP_REQUEST', state: expect.any(String) });
      expect(drafted.complaint.sla.clocks.map((c: { kind: string }) => c.kind)).toEqual(
        expect.arrayContaining([expect.any(String)]),
      );
      const forwarded = mine.find((e) => e.type === 'ComplaintForwarded');
      expect(forwarded.summary).toBe('Forwarded to inspektorat-bantul');
      expect(['FORWARDED', 'IN_FOLLOW_UP']).toContain(forwarded.complaint.status);
      expect(forwarded.complaint.complainant).toEqual({ access: 'VISIBLE', name: 'Siti Rahayu' });
      const positions = sub.events.map((e) => Number(e.position));
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      expect(new Set(positions).size).toBe(positions.length);
    } finally {
      await sub.stop();
    }
  }, 30_000);

  it('resumes after a disconnect in the middle of a burst with exactly the missing events, also on a restarted gateway', async () => {
    const id = await forwardedComplaint(fed, officer, []);
    const after = await headPosition();
    const reference = subscribeWs(gw.wsUrl, officer, EVENTS, { after });
    const first = subscribeWs(gw.wsUrl, officer, EVENTS, { after });
    try {
      await sleep(200);
      const burst = appendBurst(fed, id, 150, 'resume-1');
      await first.until((events) => events.length >= 40);
      await first.stop();
      await burst;
      await appendBurst(fed, id, 50, 'resume-2');
      // The gateway goes away and another one takes over: the cursor is the client's.
      const last = first.events[first.events.length - 1].position;
      await gw.gateway.close();
      gw = await startSubscriptionGateway(fed, {
        maxBufferedEvents: 100,
        maxBufferedBytes: 1024 * 1024,
        slowConsumerGraceMs: 30_000,
      });
      const second = subscribeWs(gw.wsUrl, officer, EVENTS, { after: last });
      try {
        await second.until((events) => events.length >= 200 - first.events.length);
        await sleep(200);
        const resumed = [...first.events, ...second.events].map((e) => e.position);
        expect(resumed).toHaveLength(200);
        expect(new Set(resumed).size).toBe(200);
        await reference.until((events) => events.length >= 40);
        const referenceSoFar = reference.events.map((e) => e.position);
        expect(resumed.slice(0, referenceSoFar.length)).toEqual(referenceSoFar);
      } finally {
        await second.stop();
      }
    } finally {
      await reference.stop();
    }
  }, 30_000);
});

describe('given focal points of two agencies subscribed with interleaved traffic', () => {
  it('each receives only the cases forwarded to its own agency, from the forwarding on', async () => {
    const after = await headPosition();
    const b = subscribeWs(gw.wsUrl, bantul, EVENTS, { after });
    const s = subscribeSse(gw.httpUrl, sleman, EVENTS, { after });
    try {
      await sleep(300);
      const [toBantul, toSleman, toBoth, toNobody] = await Promise.all([
        forwardedComplaint(fed, officer, ['inspektorat-bantul']),
        forwardedComplaint(fed, officer, ['inspektorat-sleman']),
        forwardedComplaint(fed, officer, ['inspektorat-bantul', 'inspektorat-sleman']),
        forwardedComplaint(fed, officer, []),
      ]);
      await appendBurst(fed, toNobody, 5, 'nobody');
      await appendBurst(fed, toSleman, 5, 'sleman');
      await appendBurst(fed, toBantul, 5, 'bantul');
      await b.until((events) => events.filter((e) => e.type === 'CaseNoteIndexed').length >= 5);
      await s.until((events) => events.filter((e) => e.type === 'CaseNoteIndexed').length >= 5);
      await sleep(300);
      expect(new Set(b.events.map((e) => e.complaint.id))).toEqual(new Set([toBantul, toBoth]));
      expect(new Set(s.events.map((e) => e.complaint.id))).toEqual(new Set([toSleman, toBoth]));
      for (const sub of [b, s]) {
        // Nothing before the forwarding: the first event of each case is its forwarding.
        for (const caseId of new Set(sub.events.map((e) => e.complaint.id))) {
          expect(sub.events.find((e) => e.complaint.id === caseId).type).toBe('ComplaintForwarded');
        }
      }
      const both = b.events.find((e) => e.complaint.id === toBoth && e.type === 'ComplaintForwarded');
      expect(both.summary).toBe('Forwarded to inspektorat-bantul');
      expect(b.errors).toEqual([]);
      expect(s.errors).toEqual([]);
    } finally {
      await b.stop();
      await s.stop();
    }
  }, 30_000);

  it('refuses a focal point asking for another agency', async () => {
    const sub = subscribeWs(gw.wsUrl, bantul, EVENTS, { agencyId: 'inspektorat-sleman' });
    try {
      await sub.until(() => sub.errors.length > 0 || sub.completed, 5_000).catch(() => undefined);
      expect(JSON.stringify(sub.errors)).toContain('FORBIDDEN');
      expect(sub.events).toEqual([]);
    } finally {
      await sub.stop();
    }
  });
});

describe('given a subscriber whose token expires', () => {
  it('ends the subscription at the expiry with a clear reason', async () => {
    const shortLived = await fed.token({ role: 'OFFICER', ttl: '2s' });
    const sub = subscribeWs(gw.wsUrl, shortLived, EVENTS, { after: await headPosition() });
    try {
      await sleep(300);
      const id = await forwardedComplaint(fed, officer, []);
      await sub.until((events) => events.some((e) => e.complaint.id === id));
      const started = Date.now();
      await sub.until(() => false, 6_000).catch(() => undefined);
      // The gateway closes the connection (4401) or passes on the subgraph's refusal, whichever is first.
      expect(JSON.stringify({ errors: sub.errors, closed: sub.closed })).toContain('the token has expired');
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await sub.stop();
    }
  }, 15_000);

  it('refuses a connection without a token', async () => {
    const closed = await new Promise<{ code: number; reason: string }>((resolve) => {
      const socket = new WebSocket(gw.wsUrl, 'graphql-transport-ws');
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
      socket.on('close', (code, reason) => resolve({ code, reason: String(reason) }));
    });
    expect(closed.code).toBe(4401);
  });
});

describe('given a slow consumer and a fast one on the same gateway', () => {
  it('cuts the slow one off with a reason while the fast one receives everything', async () => {
    const id = await forwardedComplaint(fed, officer, [], 'x'.repeat(9_000));
    const after = await headPosition();
    // Large events (ten copies of a 9 kB description) so that a client that stops reading fills the
    // kernel's socket buffers quickly and then the gateway's.
    const copies = Array.from({ length: 10 }, (_, i) => `d${i}: description`).join(' ');
    const query = `subscription S($after: String) { caseEvents(after: $after) { position complaint { id ${copies} } } }`;
    const fast = subscribeWs(gw.wsUrl, officer, query, { after });
    const slow = await subscribeSlowWs(gw.wsUrl, officer, query, { after });
    try {
      // The two are one class: they share the gateway's feed, and one upstream.
      await settles(() => gatewayGauge(subscriptionUpstreamsOpen), 1);
      // The slow client stops reading: the kernel buffers fill, then the gateway's buffer.
      slow.pause();
      await appendBurst(fed, id, 300, 'slow');
      await fast.until((events) => events.length >= 300, 25_000);
      expect(fast.errors).toEqual([]);
      expect(new Set(fast.events.map((e) => e.position)).size).toBe(300);
      slow.resume();
      const closed = await slow.closed;
      expect(closed.code).toBe(4008);
      expect(closed.reason).toMatch(/^slow consumer/);
      expect(slow.received()).toBeLessThan(300);
      // The feed goes on for the fast one alone.
      expect(await gatewayGauge(subscriptionUpstreamsOpen)).toBe(1);
    } finally {
      slow.terminate();
      await fast.stop();
    }
  }, 40_000);
});
