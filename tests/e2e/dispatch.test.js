// Field dispatch and reminders over real gRPC on loopback: the nearest
// truck with an ETA, accept, the customer's WatchDispatch stream following
// position updates, racing clients never getting one truck twice, an
// accepted dispatch surviving kill -9, and the demo chain's due reminder
// with a held slot.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { grpc, startServer, clients, call, closeAll, rejectsWith, withServer } = require('./lib');

const S = grpc.status;

function localDate(offsetMin = 480) {
  return new Date(Date.now() + offsetMin * 60000).toISOString().slice(0, 10);
}

// Collects a stream's messages; `until(msgs)` resolves `done`.
function watch(client, req) {
  const msgs = [];
  const st = client.WatchDispatch(req);
  const waiters = [];
  st.on('data', (m) => {
    msgs.push(m);
    for (const w of waiters.splice(0)) w();
  });
  // listen for the end at once: it may come before anyone awaits it
  const ended = new Promise((res) => {
    st.on('end', res);
    st.on('close', res);
    st.on('error', res);
  });
  return {
    msgs,
    st,
    ended,
    async until(pred, ms = 10000) {
      const end = Date.now() + ms;
      while (!pred(msgs)) {
        if (Date.now() > end) throw new Error(`stream: timed out with ${JSON.stringify(msgs.map((m) => [m.state, m.version]))}`);
        await new Promise((res) => { waiters.push(res); setTimeout(res, 200); });
      }
    },
  };
}

async function truck(c, code, lat, lng) {
  return call(c.dispatch, 'UpsertFieldResource', {
    chain: 'demo', code, name: `truck ${code}`, kind: 'FIELD_RESOURCE_KIND_RESCUE_TRUCK', home_store: 'SH01', lat_e6: lat, lng_e6: lng,
  });
}

test('dispatch, accept, and the ETA stream follows positions', async () => {
  await withServer({}, async (_srv, c) => {
    // demo trucks: R01 near SH01, R02 near SH02; ask next to R01
    const d = await call(c.dispatch, 'Dispatch', { chain: 'demo', kind: 'DISPATCH_KIND_RESCUE', lat_e6: 31191000, lng_e6: 121441000, customer: '张三', phone: '13800000000', plate: '沪A12345' });
    assert.equal(d.resource, 'R01');
    assert.equal(d.state, 'DISPATCH_STATE_OFFERED');
    assert.ok(d.distance_m > 0 && d.travel_s > 0 && d.eta_ms > Date.now() - 5000);
    const w = watch(c.dispatch, { chain: 'demo', id: d.id });
    await w.until((m) => m.length >= 1);
    assert.equal(w.msgs[0].state, 'DISPATCH_STATE_OFFERED'); // the replay
    const a = await call(c.dispatch, 'Accept', { chain: 'demo', id: d.id, resource: 'R01' });
    assert.equal(a.state, 'DISPATCH_STATE_ACCEPTED');
    await w.until((m) => m.some((x) => x.state === 'DISPATCH_STATE_ACCEPTED'));
    // the truck drives closer: each position is a new ETA on the stream
    let last = a;
    for (const step of [1, 2, 3]) {
      const lat = 31190000 + step * 250;
      await call(c.dispatch, 'UpdatePosition', { chain: 'demo', code: 'R01', lat_e6: lat, lng_e6: 121440000 + step * 250 });
      await w.until((m) => m.some((x) => x.resource_lat_e6 === lat));
      const got = w.msgs.find((x) => x.resource_lat_e6 === lat);
      assert.ok(got.distance_m < last.distance_m, `closer at step ${step}`);
      assert.ok(Number(got.version) > Number(last.version));
      last = got;
    }
    // another request meanwhile goes to the other truck
    const d2 = await call(c.dispatch, 'Dispatch', { chain: 'demo', kind: 'DISPATCH_KIND_RESCUE', lat_e6: 31191000, lng_e6: 121441000 });
    assert.equal(d2.resource, 'R02');
    await call(c.dispatch, 'Cancel', { chain: 'demo', id: d2.id });
    await call(c.dispatch, 'Arrive', { chain: 'demo', id: d.id });
    const done = await call(c.dispatch, 'Complete', { chain: 'demo', id: d.id, free: true });
    assert.equal(done.state, 'DISPATCH_STATE_COMPLETED');
    // a final state ends the stream
    await Promise.race([w.ended, new Promise((_, rej) => setTimeout(() => rej(new Error('stream did not end')), 10000))]);
    assert.equal(w.msgs[w.msgs.length - 1].state, 'DISPATCH_STATE_COMPLETED');
    const r01 = await call(c.dispatch, 'GetFieldResource', { chain: 'demo', code: 'R01' });
    assert.equal(r01.state, 'FIELD_RESOURCE_STATE_FREE');
    // a completed dispatch cannot be accepted again
    await assert.rejects(call(c.dispatch, 'Accept', { chain: 'demo', id: d.id }), (e) => e.code === S.FAILED_PRECONDITION);
  });
});

test('racing clients never get the same truck; kill -9 keeps an accepted dispatch', async () => {
  const srv = await startServer({ threads: 4 });
  const cs = [];
  for (let i = 0; i < 6; i++) cs.push(clients(srv.addr));
  const c = cs[0];
  let srv2;
  try {
    // ten trucks far from the demo stores (Beijing)
    for (let i = 0; i < 10; i++) await truck(c, `BJ${i}`, 39900000 + i * 500, 116400000 + i * 500);
    const reqs = [];
    for (let i = 0; i < 30; i++) {
      const cl = cs[i % cs.length];
      reqs.push(call(cl.dispatch, 'Dispatch', { chain: 'demo', kind: 'DISPATCH_KIND_RESCUE', lat_e6: 39902000 + (i % 7) * 100, lng_e6: 116402000 }).then((d) => ({ d }), (e) => ({ e })));
    }
    const out = await Promise.all(reqs);
    // the ten, then the demo's two Shanghai trucks (the nearest free ones
    // left, ~1,000 km away), then nobody
    const ok = out.filter((x) => x.d);
    assert.equal(ok.length, 12);
    for (const x of out.filter((y) => y.e)) {
      assert.equal(x.e.code, S.FAILED_PRECONDITION);
      assert.match(x.e.details, /resource/);
    }
    assert.equal(new Set(ok.map((x) => x.d.resource)).size, 12);
    // accept one, then kill -9
    const acc = await call(c.dispatch, 'Accept', { chain: 'demo', id: ok[0].d.id });
    await srv.stop('SIGKILL');
    srv2 = await startServer({ dataDir: srv.dataDir });
    const c2 = clients(srv2.addr);
    try {
      const back = await call(c2.dispatch, 'GetDispatch', { chain: 'demo', id: acc.id });
      assert.equal(back.state, 'DISPATCH_STATE_ACCEPTED');
      assert.equal(back.resource, acc.resource);
      assert.equal(Number(back.version), Number(acc.version));
      const res = await call(c2.dispatch, 'GetFieldResource', { chain: 'demo', code: acc.resource });
      assert.equal(res.state, 'FIELD_RESOURCE_STATE_EN_ROUTE');
      // still busy: all twelve offered or accepted, none free
      await assert.rejects(call(c2.dispatch, 'Dispatch', { chain: 'demo', kind: 'DISPATCH_KIND_RESCUE', lat_e6: 39902000, lng_e6: 116402000 }), (e) => e.code === S.FAILED_PRECONDITION);
    } finally {
      closeAll(c2);
    }
  } finally {
    for (const x of cs) closeAll(x);
    if (srv.proc.exitCode === null && srv.proc.signalCode === null) await srv.stop();
    if (srv2) await srv2.stop();
  }
});

test('the demo chain has a reminder due today, and a slot can be held for it', async () => {
  await withServer({}, async (_srv, c) => {
    const date = localDate();
    const r = await call(c.dispatch, 'DueReminders', { chain: 'demo', store: 'SH01', date });
    assert.ok(r.total >= 1);
    const first = r.reminders.find((x) => x.vehicle.vin === 'LSVDEM00000000001');
    assert.ok(first, JSON.stringify(r));
    assert.equal(first.vehicle.due_date, date);
    assert.equal(first.vehicle.first_service_due, true);
    const h = await call(c.dispatch, 'DueReminders', { chain: 'demo', store: 'SH01', date, hold: true });
    const held = h.reminders.find((x) => x.vehicle.vin === 'LSVDEM00000000001');
    assert.ok(held.booking_id > 0, held.hold_error);
    assert.match(held.slot_time, /^\d\d:\d\d-\d\d:\d\d$/);
    const again = await call(c.dispatch, 'DueReminders', { chain: 'demo', store: 'SH01', date, hold: true });
    assert.equal(again.reminders.find((x) => x.vehicle.vin === 'LSVDEM00000000001').booking_id, held.booking_id);
    const b = await call(c.sched, 'GetBooking', { chain: 'demo', booking_id: held.booking_id });
    assert.match(JSON.stringify(b), /BOOKING_STATE_HELD/);
    // a reading moves the due date by mileage
    const v = await call(c.dispatch, 'RecordMileage', { chain: 'demo', vin: 'LSVDEM00000000002', mileage_km: 4900 });
    assert.equal(v.due_reason, 'DUE_REASON_MILEAGE');
  });
});

// Regression (issue 19, defect 6): a fleet key read a private customer's
// rescue dispatch (customer, phone, plate). A fleet key covers its own
// vehicles only: dispatches whose customer is the fleet (its tenant code).
test('a fleet key sees only its own dispatches; others do not exist for it', async () => {
  const srv = await startServer({});
  const c = clients(srv.addr);
  let fleet = null;
  let w = null;
  try {
    const k = await call(c.admin, 'CreateApiKey', { key: { tenant_kind: 'TENANT_KIND_FLEET', tenant: 'SF', chains: ['demo'], roles: ['ROLE_FLEET'], label: 'e2e fleet' } });
    fleet = clients(srv.addr, { key: k.token });
    const at = { chain: 'demo', kind: 'DISPATCH_KIND_RESCUE', lat_e6: 31191000, lng_e6: 121441000 };
    const priv = await call(c.dispatch, 'Dispatch', { ...at, customer: '李四', phone: '13900000000', plate: '沪B54321' });
    const own = await call(c.dispatch, 'Dispatch', { ...at, customer: 'SF', phone: '4008111111', plate: '沪C11111' });
    // the private customer's dispatch answers as an id that does not exist
    await rejectsWith(call(fleet.dispatch, 'GetDispatch', { chain: 'demo', id: priv.id }), S.NOT_FOUND, new RegExp(`id: no dispatch ${priv.id}$`));
    await rejectsWith(call(fleet.dispatch, 'GetDispatch', { chain: 'demo', id: 999999 }), S.NOT_FOUND, /id: no dispatch 999999$/);
    const got = await call(fleet.dispatch, 'GetDispatch', { chain: 'demo', id: own.id });
    assert.equal(got.plate, '沪C11111');
    // the stream too: refused before anything is sent
    const st = watch(fleet.dispatch, { chain: 'demo', id: priv.id });
    const code = await new Promise((res) => { st.st.on('error', (e) => res(e.code)); st.st.on('end', () => res('end')); });
    assert.equal(code, S.NOT_FOUND);
    assert.equal(st.msgs.length, 0);
    w = watch(fleet.dispatch, { chain: 'demo', id: own.id });
    await w.until((m) => m.length >= 1);
    assert.equal(w.msgs[0].customer, 'SF');
    // and no list is open to a fleet key
    await rejectsWith(call(fleet.dispatch, 'ListDispatches', { chain: 'demo' }), S.PERMISSION_DENIED);
    // the chain's own staff still read every dispatch
    assert.equal((await call(c.dispatch, 'GetDispatch', { chain: 'demo', id: priv.id })).phone, '13900000000');
  } finally {
    if (w) w.st.cancel();
    if (fleet) closeAll(fleet);
    closeAll(c);
    await srv.stop();
  }
});
