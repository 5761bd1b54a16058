// End to end: scheduling over real gRPC on loopback, driven by
// @grpc/grpc-js against pitlaned with the demo chain.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { grpc, startServer, clients, call, closeAll, withServer, rejectsWith } = require('./lib');

const S = grpc.status;
const nowMin = () => Math.floor(Date.now() / 60000);

function query(extra = {}) {
  const t = nowMin();
  return { chain: 'demo', stores: ['SH01'], services: ['MAINT'], earliest_min: t, latest_min: t + 7 * 1440, k: 5, ...extra };
}

function holdReq(o, extra = {}) {
  return { chain: 'demo', store: o.store, segments: o.segments, channel: 'CHANNEL_APP', customer: '王五', plate: '沪C11111', ...extra };
}

function overlaps(a, b) {
  return a.start_min < b.end_min && b.start_min < a.end_min;
}

// Every pair of occupying bookings: no bay or technician in both at once.
function assertNoDoubleBooking(bookings) {
  const live = bookings.filter((b) => ['BOOKING_STATE_HELD', 'BOOKING_STATE_CONFIRMED', 'BOOKING_STATE_CHECKED_IN'].includes(b.state));
  const segs = live.flatMap((b) => b.segments.map((s) => ({ ...s, id: b.id, store: b.store })));
  for (let i = 0; i < segs.length; i++) {
    for (let j = i + 1; j < segs.length; j++) {
      const a = segs[i];
      const b = segs[j];
      if (a.store !== b.store || !overlaps(a, b)) continue;
      assert.notEqual(a.bay, b.bay, `bookings ${a.id} and ${b.id} share bay ${a.bay}`);
      for (const t of a.technicians) assert.ok(!b.technicians.includes(t), `bookings ${a.id} and ${b.id} share technician ${t}`);
    }
  }
  return live.length;
}

test('recommend, hold, confirm, and find the booking again', async () => {
  await withServer({}, async (_srv, c) => {
    const { options } = await call(c.sched, 'RecommendSlots', query());
    assert.equal(options.length, 5);
    for (let i = 1; i < options.length; i++) assert.ok(options[i].start_min >= options[i - 1].start_min);
    const o = options[0];
    assert.match(o.local_date, /^\d{4}-\d{2}-\d{2}$/);
    assert.match(o.local_time, /^\d{2}:\d{2}-\d{2}:\d{2}$/);
    const held = await call(c.sched, 'Hold', holdReq(o));
    assert.equal(held.state, 'BOOKING_STATE_HELD');
    assert.ok(held.expires_ms > Date.now());
    const confirmed = await call(c.sched, 'Confirm', { chain: 'demo', booking_id: held.id });
    assert.equal(confirmed.state, 'BOOKING_STATE_CONFIRMED');
    const got = await call(c.sched, 'GetBooking', { chain: 'demo', booking_id: held.id });
    assert.deepEqual(got, confirmed);
    const byPlate = await call(c.sched, 'ListBookings', { chain: 'demo', plate: '沪C11111' });
    assert.deepEqual(byPlate.bookings.map((b) => b.id), [held.id]);
    const board = await call(c.sched, 'DayBoard', { chain: 'demo', store: o.store, date: o.local_date });
    const bay = board.rows.find((r) => r.code === o.segments[0].bay);
    assert.equal(bay.booked_min, 60);
    assert.ok(board.bookings.some((b) => b.id === held.id));
    // the same slot is no longer offered with the same bay and technician
    const again = await call(c.sched, 'RecommendSlots', query({ earliest_min: o.start_min, latest_min: o.end_min }));
    assert.ok(again.options.every((x) => x.segments[0].bay !== o.segments[0].bay || x.segments[0].technicians[0] !== o.segments[0].technicians[0]));
  });
});

test('many clients racing for the same slots never double-book', async () => {
  await withServer({}, async (srv) => {
    const racers = Array.from({ length: 8 }, () => clients(srv.addr));
    let won = 0;
    let lost = 0;
    try {
      await Promise.all(racers.map(async (c) => {
        for (let i = 0; i < 25; i++) {
          const { options } = await call(c.sched, 'RecommendSlots', query({ services: ['TYRE'], k: 1 }));
          if (options.length === 0) break;
          try {
            await call(c.sched, 'Hold', holdReq(options[0], { ttl_ms: 3600000 }));
            won++;
          } catch (err) {
            assert.equal(err.code, S.FAILED_PRECONDITION, err.details);
            lost++;
          }
        }
      }));
      const c = racers[0];
      const all = [];
      for (let d = 0; d < 8; d++) {
        const t = nowMin() + d * 1440;
        const date = new Date((t + 480) * 60000).toISOString().slice(0, 10);
        all.push(...(await call(c.sched, 'ListBookings', { chain: 'demo', store: 'SH01', date })).bookings);
      }
      assert.equal(assertNoDoubleBooking(all), won);
      assert.ok(won > 0);
      assert.ok(won + lost === 200);
    } finally {
      racers.forEach(closeAll);
    }
  });
});

test('bad scheduling input gets precise statuses and books nothing', async () => {
  await withServer({}, async (_srv, c) => {
    const { options } = await call(c.sched, 'RecommendSlots', query({ k: 1 }));
    const o = options[0];
    await rejectsWith(call(c.sched, 'RecommendSlots', query({ stores: ['NOPE'] })), S.NOT_FOUND, /stores/);
    await rejectsWith(call(c.sched, 'RecommendSlots', query({ services: ['NOPE'] })), S.NOT_FOUND, /services/);
    await rejectsWith(call(c.sched, 'RecommendSlots', query({ latest_min: 0 })), S.INVALID_ARGUMENT, /latest/);
    await rejectsWith(call(c.sched, 'RecommendSlots', query({ k: 0 })), S.INVALID_ARGUMENT, /^k/);
    await rejectsWith(call(c.sched, 'RecommendSlots', query({ technician: 'T03' })), S.FAILED_PRECONDITION, /skill/);
    await rejectsWith(call(c.sched, 'Hold', holdReq(o, { store: 'NOPE' })), S.NOT_FOUND, /store/);
    await rejectsWith(call(c.sched, 'Hold', holdReq(o, { segments: [] })), S.INVALID_ARGUMENT, /segments/);
    const offGrid = [{ ...o.segments[0], start_min: o.start_min + 1 }];
    await rejectsWith(call(c.sched, 'Hold', holdReq(o, { segments: offGrid })), S.INVALID_ARGUMENT, /grid/);
    const local = o.start_min + 480;
    const night = local - (local % 1440) + 23 * 60 - 480; // 23:00 local
    await rejectsWith(call(c.sched, 'Hold', holdReq(o, { segments: [{ ...o.segments[0], start_min: night }] })), S.FAILED_PRECONDITION, /closed/);
    await rejectsWith(call(c.sched, 'Hold', holdReq(o, { segments: [{ ...o.segments[0], technicians: ['T03'] }] })), S.FAILED_PRECONDITION, /skill/);
    await rejectsWith(call(c.sched, 'Hold', holdReq(o, { segments: [{ ...o.segments[0], service: 'NOPE' }] })), S.NOT_FOUND, /service/);
    await rejectsWith(call(c.sched, 'Confirm', { chain: 'demo', booking_id: 987654 }), S.NOT_FOUND, /booking_id/);
    await rejectsWith(call(c.sched, 'ListBookings', { chain: 'demo' }), S.INVALID_ARGUMENT, /filter/);
    await rejectsWith(call(c.sched, 'DayBoard', { chain: 'demo', store: 'SH01', date: '2026-13-45' }), S.INVALID_ARGUMENT, /date/);
    const after = await call(c.sched, 'ListBookings', { chain: 'demo', plate: '沪C11111' });
    assert.equal(after.bookings.length, 0);
  });
});

test('a retried hold returns the same booking; a lapsed hold cannot be confirmed', async () => {
  await withServer({}, async (_srv, c) => {
    const { options } = await call(c.sched, 'RecommendSlots', query({ k: 2, step_min: 60 }));
    const a = await call(c.sched, 'Hold', holdReq(options[0], { idempotency_key: 'pay-77' }));
    const b = await call(c.sched, 'Hold', holdReq(options[0], { idempotency_key: 'pay-77' }));
    assert.equal(b.id, a.id);
    const short = await call(c.sched, 'Hold', holdReq(options[1], { ttl_ms: 1 }));
    await new Promise((r) => setTimeout(r, 20));
    await rejectsWith(call(c.sched, 'Confirm', { chain: 'demo', booking_id: short.id }), S.FAILED_PRECONDITION, /expired/);
    const got = await call(c.sched, 'GetBooking', { chain: 'demo', booking_id: short.id });
    assert.equal(got.state, 'BOOKING_STATE_EXPIRED');
  });
});

test('confirmed bookings and live holds survive SIGKILL', async () => {
  const srv = await startServer({});
  let c = clients(srv.addr);
  const { options } = await call(c.sched, 'RecommendSlots', query({ services: ['ALIGN'], k: 2, step_min: 60 }));
  const conf = await call(c.sched, 'Hold', holdReq(options[0]));
  const confirmed = await call(c.sched, 'Confirm', { chain: 'demo', booking_id: conf.id });
  const held = await call(c.sched, 'Hold', holdReq(options[1], { ttl_ms: 3600000 }));
  closeAll(c);
  await srv.stop('SIGKILL');
  const again = await startServer({ dataDir: srv.dataDir, demo: false });
  c = clients(again.addr);
  try {
    assert.deepEqual(await call(c.sched, 'GetBooking', { chain: 'demo', booking_id: conf.id }), confirmed);
    assert.deepEqual(await call(c.sched, 'GetBooking', { chain: 'demo', booking_id: held.id }), held);
    // their time is still taken
    await rejectsWith(call(c.sched, 'Hold', holdReq(options[0])), S.FAILED_PRECONDITION, /not free/);
  } finally {
    closeAll(c);
    await again.stop();
  }
});
