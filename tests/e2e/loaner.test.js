// End to end: loaner cars (代步车) over real gRPC on loopback. Several
// clients race to hold the few loaners of one store; at no moment do more
// loaner reservations overlap than there are cars, and no car is in two
// at once — checked live and again after a SIGKILL and restart. Then the
// hand-out / return rules and their statuses.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { grpc, startServer, clients, call, closeAll, withServer, rejectsWith } = require('./lib');

const S = grpc.status;
const nowMin = () => Math.floor(Date.now() / 60000);
const LIVE = ['BOOKING_STATE_HELD', 'BOOKING_STATE_CONFIRMED', 'BOOKING_STATE_CHECKED_IN'];

function query(extra = {}) {
  const t = nowMin();
  return { chain: 'demo', stores: ['SH01'], services: ['MAINT'], earliest_min: t, latest_min: t + 3 * 1440, k: 1, need_loaner: true, ...extra };
}

function holdReq(o, plate, extra = {}) {
  return { chain: 'demo', store: o.store, segments: o.segments, channel: 'CHANNEL_APP', customer: '赵六', plate, ttl_ms: 3600000, need_loaner: true, ...extra };
}

async function addCars(c, n) {
  for (let i = 1; i <= n; i++) {
    const car = await call(c.sched, 'UpsertLoaner', { chain: 'demo', store: 'SH01', code: `LC${i}`, plate: `沪L0000${i}`, model: 'Sylphy', odometer_km: 1000 * i, fuel_pct: 80 });
    assert.equal(car.state, 'LOANER_STATE_AVAILABLE');
  }
}

// Live loaner reservations: never more overlapping than cars, never one
// car twice at once. Returns how many there are.
function assertPoolNeverOverbooked(bookings, cars) {
  const live = bookings.filter((b) => LIVE.includes(b.state) && b.loaner !== '');
  const edges = [];
  for (const b of live) {
    assert.equal(Number(b.loaner_until_min), Number(b.end_min) + 60, `booking ${b.id}: reservation end`);
    edges.push([Number(b.start_min), 1, b], [Number(b.loaner_until_min), -1, b]);
  }
  edges.sort((x, y) => x[0] - y[0] || x[1] - y[1]); // ends before starts at a tie
  const out = new Map();
  for (const [t, d, b] of edges) {
    if (d < 0) {
      out.delete(b.loaner);
      continue;
    }
    assert.ok(!out.has(b.loaner), `car ${b.loaner} in bookings ${out.get(b.loaner)} and ${b.id} at ${t}`);
    out.set(b.loaner, b.id);
    assert.ok(out.size <= cars, `${out.size} loaner reservations overlap at ${t}, ${cars} cars`);
  }
  return live.length;
}

test('clients racing for a store\'s few loaners never over-book them, before and after a restart', async () => {
  const CARS = 2;
  const PLATE = '沪R00001';
  const srv = await startServer({});
  const admin = clients(srv.addr);
  await addCars(admin, CARS);
  const racers = Array.from({ length: 6 }, () => clients(srv.addr));
  let won = 0;
  let refused = 0;
  try {
    // every racer aims at the same first hours, so they collide on cars
    const t0 = nowMin();
    await Promise.all(racers.map(async (c, r) => {
      for (let i = 0; i < 12; i++) {
        const earliest = t0 + ((i * 3 + r) % 6) * 30;
        const { options } = await call(c.sched, 'RecommendSlots', query({ earliest_min: earliest }));
        if (options.length === 0) continue;
        try {
          const b = await call(c.sched, 'Hold', holdReq(options[0], PLATE));
          assert.notEqual(b.loaner, '');
          assert.equal(b.loaner_phase, 'LOANER_PHASE_RESERVED');
          won++;
        } catch (err) {
          assert.equal(err.code, S.FAILED_PRECONDITION, err.details);
          refused++;
        }
      }
    }));
    assert.ok(won >= CARS, `won ${won}`);
    const { bookings } = await call(admin.sched, 'ListBookings', { chain: 'demo', plate: PLATE });
    assert.equal(assertPoolNeverOverbooked(bookings, CARS), won);
  } catch (err) {
    await srv.stop(); // a failure must not leave the server running
    throw err;
  } finally {
    for (const c of racers) closeAll(c);
    closeAll(admin);
  }
  // acknowledged holds survive kill -9, and the pool is still never over-booked
  await srv.stop('SIGKILL');
  const again = await startServer({ dataDir: srv.dataDir, demo: false });
  const c = clients(again.addr);
  try {
    const { loaners } = await call(c.sched, 'ListLoaners', { chain: 'demo', store: 'SH01' });
    assert.deepEqual(loaners.map((l) => l.code), ['LC1', 'LC2']);
    const { bookings } = await call(c.sched, 'ListBookings', { chain: 'demo', plate: PLATE });
    assert.equal(assertPoolNeverOverbooked(bookings, CARS), won);
    // and the recovered calendars still refuse what would over-book
    for (let i = 0; i < 6; i++) {
      const { options } = await call(c.sched, 'RecommendSlots', query({ earliest_min: nowMin() + i * 30 }));
      if (options.length === 0) continue;
      try {
        await call(c.sched, 'Hold', holdReq(options[0], PLATE));
      } catch (err) {
        assert.equal(err.code, S.FAILED_PRECONDITION, err.details);
      }
    }
    const after = await call(c.sched, 'ListBookings', { chain: 'demo', plate: PLATE });
    assertPoolNeverOverbooked(after.bookings, CARS);
  } finally {
    closeAll(c);
    await again.stop();
  }
  console.log(`loaner race: won ${won}, refused ${refused}`);
});

test('hand-out and return: statuses name the field, a refused call changes nothing', async () => {
  await withServer({}, async (_srv, c) => {
    await addCars(c, 1);
    await rejectsWith(call(c.sched, 'UpsertLoaner', { chain: 'demo', store: 'SH01', code: 'LC9', plate: '沪L00001' }), S.ALREADY_EXISTS, /loaner\.plate/);
    await rejectsWith(call(c.sched, 'UpsertLoaner', { chain: 'demo', store: 'SH01', code: 'LC1', plate: '沪L00001', odometer_km: 5 }), S.FAILED_PRECONDITION, /loaner\.odometer_km/);
    const { options } = await call(c.sched, 'RecommendSlots', query());
    assert.equal(options.length, 1);
    const held = await call(c.sched, 'Hold', holdReq(options[0], '沪R00002', { loaner: 'LC1' }));
    assert.equal(held.loaner, 'LC1');
    assert.equal(held.loaner_need, 'LOANER_NEED_NAMED');
    // the only car is taken for that span: a second hold there is refused
    const { options: none } = await call(c.sched, 'RecommendSlots', query({ earliest_min: Number(held.start_min), latest_min: Number(held.end_min) }));
    assert.equal(none.length, 0);
    const before = await call(c.sched, 'ListLoaners', { chain: 'demo', store: 'SH01' });
    const move = { chain: 'demo', booking_id: held.id, km: 1010, fuel_pct: 70 };
    await rejectsWith(call(c.sched, 'HandOutLoaner', move), S.FAILED_PRECONDITION, /booking/);
    await call(c.sched, 'Confirm', { chain: 'demo', booking_id: held.id });
    await rejectsWith(call(c.sched, 'HandOutLoaner', { ...move, km: 999 }), S.FAILED_PRECONDITION, /mileage_km/);
    await rejectsWith(call(c.sched, 'ReturnLoaner', move), S.FAILED_PRECONDITION, /booking\.loaner/);
    assert.deepEqual(await call(c.sched, 'ListLoaners', { chain: 'demo', store: 'SH01' }), before);
    const out = await call(c.sched, 'HandOutLoaner', move);
    assert.equal(out.state, 'LOANER_STATE_OUT');
    assert.equal(String(out.out_booking_id), String(held.id));
    assert.equal(out.out_customer, '赵六');
    await rejectsWith(call(c.sched, 'ReturnLoaner', { ...move, km: 1009 }), S.FAILED_PRECONDITION, /mileage_km/);
    const back = await call(c.sched, 'ReturnLoaner', { ...move, km: 1055, fuel_pct: 40 });
    assert.equal(back.state, 'LOANER_STATE_AVAILABLE');
    assert.equal(Number(back.odometer_km), 1055);
    assert.equal(back.fuel_pct, 40);
    const got = await call(c.sched, 'GetBooking', { chain: 'demo', booking_id: held.id });
    assert.equal(got.loaner_phase, 'LOANER_PHASE_RETURNED');
    const { events } = await call(c.sched, 'ListLoanerEvents', { chain: 'demo', store: 'SH01', code: 'LC1' });
    assert.deepEqual(events.map((e) => [e.kind, String(e.booking_id), Number(e.km), e.fuel_pct]), [
      ['LOANER_EVENT_KIND_HAND_OUT', String(held.id), 1010, 70],
      ['LOANER_EVENT_KIND_RETURN', String(held.id), 1055, 40],
    ]);
  });
});
