// End to end: work orders, their live event streams, claims and fleet
// batches over real gRPC on loopback, with kill -9 in the middle.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { grpc, startServer, clients, call, closeAll, rejectsWith, withServer } = require('./lib');

const S = grpc.status;

// Opens a server stream and collects its messages; `until(events)` says
// when the caller has what it waits for.
function watch(client, method, req) {
  const events = [];
  const st = client[method](req);
  let waiters = [];
  let ended = null;
  st.on('data', (ev) => {
    events.push(ev);
    waiters = waiters.filter((w) => !w());
  });
  st.on('error', (err) => {
    ended = err;
    waiters = waiters.filter((w) => !w());
  });
  st.on('end', () => {
    ended = ended || 'end';
    waiters = waiters.filter((w) => !w());
  });
  return {
    events,
    get ended() { return ended; },
    until(pred, ms = 10000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`stream: timed out with ${events.length} events`)), ms);
        const check = () => {
          if (pred(events)) {
            clearTimeout(timer);
            resolve(events);
            return true;
          }
          if (ended) {
            clearTimeout(timer);
            reject(ended === 'end' ? new Error('stream ended') : ended);
            return true;
          }
          return false;
        };
        if (!check()) waiters.push(check);
      });
    },
    cancel() { st.cancel(); },
  };
}

const brakeJob = (plate) => ({
  chain: 'demo',
  store: 'SH01',
  vehicle: { plate, model: 'Model Y', mileage_km: 23000 },
  complaint: 'squeal when braking',
  advisor: 'adv-1',
  items: [
    { kind: 'ITEM_KIND_LABOUR', service: 'MAINT' },
    { kind: 'ITEM_KIND_PART', part_no: 'BP-F-220', qty: 1 },
  ],
});

test('a repair streams every step live; a reconnect misses nothing; kill -9 keeps it all', async () => {
  let srv = await startServer({});
  let c = clients(srv.addr);
  try {
    const stockBefore = await call(c.inventory, 'GetStock', { chain: 'demo', warehouse: 'WH-SH01', part_no: 'BP-F-220' });
    const wo = await call(c.workorders, 'CreateWorkOrder', { ...brakeJob('沪A88888'), idempotency_key: 'e2e-wo-1' });
    assert.equal(wo.state, 'WORK_ORDER_STATE_PENDING');
    assert.equal(wo.items[1].reserved, 1);
    const again = await call(c.workorders, 'CreateWorkOrder', { ...brakeJob('沪A88888'), idempotency_key: 'e2e-wo-1' });
    assert.equal(again.id, wo.id);
    const stockHeld = await call(c.inventory, 'GetStock', { chain: 'demo', warehouse: 'WH-SH01', part_no: 'BP-F-220' });
    assert.equal(Number(stockHeld.total.reserved), Number(stockBefore.total.reserved) + 1);

    // a customer's phone and the store's day board both watch
    const phone = watch(c.workorders, 'WatchWorkOrder', { chain: 'demo', id: wo.id, after_seq: 0 });
    const board = watch(c.workorders, 'WatchStore', { chain: 'demo', store: 'SH01', since_ms: 0 });
    await phone.until((e) => e.length >= 1);
    assert.equal(phone.events[0].kind, 'EVENT_KIND_CREATED');

    const ref = { chain: 'demo', id: wo.id, actor: 'T01' };
    await call(c.workorders, 'StartRepair', ref);
    await call(c.workorders, 'PostProgress', { ...ref, note: 'wheels off', percent: 30 });
    const extra = await call(c.workorders, 'AddExtraItem', { ...ref, item: { kind: 'ITEM_KIND_PART', part_no: 'WB-24', qty: 2, note: 'worn wipers' }, idempotency_key: 'x1' });
    const extraItem = extra.items[extra.items.length - 1];
    const extraNo = extraItem.no;
    assert.equal(extraItem.state, 'ITEM_STATE_AWAITING_APPROVAL');
    assert.equal(Number(extraItem.reserved) + Number(extraItem.short_qty), 2);
    if (Number(extraItem.short_qty) > 0) {
      // the store is short: a receipt, then the order takes what it lacks
      await call(c.inventory, 'Receive', { chain: 'demo', warehouse: 'WH-SH01', part_no: 'WB-24', qty: 5, actor: 'clerk' });
      const topped = await call(c.workorders, 'ReserveShortParts', ref);
      assert.equal(Number(topped.items[topped.items.length - 1].reserved), 2);
    }
    await rejectsWith(call(c.workorders, 'RequestQc', ref), S.FAILED_PRECONDITION, /approval/);
    await phone.until((e) => e.some((x) => x.kind === 'EVENT_KIND_EXTRA_PROPOSED'));
    phone.cancel(); // the phone goes into a tunnel
    const seen = phone.events.length;
    const lastSeq = Number(phone.events[seen - 1].seq);

    await call(c.workorders, 'DecideExtraItem', { chain: 'demo', id: wo.id, item_no: extraNo, approve: true, actor: 'customer' });
    for (const it of extra.items) await call(c.workorders, 'CompleteItem', { chain: 'demo', id: wo.id, item_no: it.no, actor: 'T01' });
    await call(c.workorders, 'RequestQc', ref);
    await call(c.workorders, 'RecordQc', { chain: 'demo', id: wo.id, passed: true, inspector: 'qc-1', notes: 'ok' });
    const report = await call(c.workorders, 'Deliver', { chain: 'demo', id: wo.id, actor: 'adv-1' });
    const final = await call(c.workorders, 'GetWorkOrder', { chain: 'demo', id: wo.id });
    assert.equal(final.state, 'WORK_ORDER_STATE_DELIVERED');
    // the report's totals are the items' prices, summed here
    let total = 0;
    for (const l of report.lines) total += Number(l.amount_fen);
    assert.equal(Number(report.total_fen), total);
    assert.equal(report.lines.length, 3);
    const part = report.lines.find((l) => l.part_no === 'BP-F-220');
    assert.ok(part.lots.length >= 1);

    // reconnecting from the last seq seen: exactly the rest, in order
    const back = watch(c.workorders, 'WatchWorkOrder', { chain: 'demo', id: wo.id, after_seq: lastSeq });
    const last = Number(final.last_seq);
    await back.until((e) => e.length >= last - lastSeq);
    back.cancel();
    assert.deepEqual(back.events.map((e) => Number(e.seq)), Array.from({ length: last - lastSeq }, (_, i) => lastSeq + 1 + i));
    assert.equal(back.events[back.events.length - 1].kind, 'EVENT_KIND_DELIVERED');

    // the board saw the whole story of this order, in order
    await board.until((e) => e.filter((x) => Number(x.work_order_id) === Number(wo.id)).length >= last);
    const mine = board.events.filter((x) => Number(x.work_order_id) === Number(wo.id)).map((x) => Number(x.seq));
    assert.deepEqual(mine, Array.from({ length: last }, (_, i) => i + 1));
    // a booking made at the store shows up on the board's stream too
    const t = Math.floor(Date.now() / 60000);
    const { options } = await call(c.sched, 'RecommendSlots', { chain: 'demo', stores: ['SH01'], services: ['TYRE'], earliest_min: t, latest_min: t + 7 * 1440, k: 1 });
    const held = await call(c.sched, 'Hold', { chain: 'demo', store: 'SH01', segments: options[0].segments, channel: 'CHANNEL_APP', plate: '沪B2' });
    await board.until((e) => e.some((x) => x.kind === 'EVENT_KIND_BOOKING' && Number(x.booking_id) === Number(held.id)));
    const bev = board.events.find((x) => Number(x.booking_id) === Number(held.id));
    assert.equal(bev.booking_state, 'BOOKING_STATE_HELD');
    assert.equal(Number(bev.booking_start_min), Number(held.start_min));
    board.cancel();

    // kill -9: every acknowledged step is still there
    await srv.stop('SIGKILL');
    closeAll(c);
    srv = await startServer({ dataDir: srv.dataDir });
    c = clients(srv.addr);
    const after = await call(c.workorders, 'GetWorkOrder', { chain: 'demo', id: wo.id });
    assert.equal(after.state, 'WORK_ORDER_STATE_DELIVERED');
    assert.equal(Number(after.last_seq), last);
    const replay = watch(c.workorders, 'WatchWorkOrder', { chain: 'demo', id: wo.id });
    await replay.until((e) => e.length >= last);
    replay.cancel();
    assert.deepEqual(replay.events.map((e) => e.kind), [...phone.events.slice(0, seen), ...back.events].map((e) => e.kind));
    const rep2 = await call(c.workorders, 'GetRepairReport', { chain: 'demo', id: wo.id });
    assert.equal(Number(rep2.total_fen), total);
    const v = await call(c.inventory, 'VerifyLedger', { chain: 'demo' });
    assert.ok(v);
  } finally {
    closeAll(c);
    await srv.stop();
  }
});

test('claims: one call makes the order and the hold; repeats and racing duplicates return the first', async () => {
  await withServer({}, async (_srv, c) => {
    const claim = {
      chain: 'demo', store: 'SH01', insurer: 'PICC', claim_no: 'PICC-2026-0001', policy_no: 'P-77',
      vehicle: { plate: '沪B12345', model: 'Camry' }, damage: 'front bumper, left headlight',
      items: [{ kind: 'ITEM_KIND_LABOUR', service: 'PAINT' }, { kind: 'ITEM_KIND_PART', part_no: 'WB-24', qty: 1 }],
      service: 'PAINT', hold: true, estimate_fen: 300000,
    };
    // ten racing copies of the same claim: one order, one booking
    const all = await Promise.all(Array.from({ length: 10 }, () => call(c.claims, 'SubmitClaim', claim)));
    const ids = new Set(all.map((x) => `${x.work_order_id}/${x.booking.id}`));
    assert.equal(ids.size, 1);
    assert.equal(all.filter((x) => !x.replayed).length, 1);
    const first = all.find((x) => !x.replayed);
    assert.equal(first.booking.state, 'BOOKING_STATE_HELD');
    assert.equal(first.booking.channel, 'CHANNEL_INSURER');
    const wo = await call(c.workorders, 'GetWorkOrder', { chain: 'demo', id: first.work_order_id });
    assert.equal(wo.claim_no, claim.claim_no);
    assert.equal(Number(first.quoted_fen), Number(wo.labour_fen) + Number(wo.parts_fen));

    const other = await call(c.claims, 'SubmitClaim', { ...claim, claim_no: 'PICC-2026-0002', hold: false });
    assert.ok(other.options.length >= 1);
    assert.equal(other.booking, null);
    const list = await call(c.claims, 'ListClaims', { chain: 'demo', insurer: 'PICC' });
    assert.deepEqual(list.claims.map((x) => x.claim_no), ['PICC-2026-0001', 'PICC-2026-0002']);
    const got = await call(c.claims, 'GetClaim', { chain: 'demo', insurer: 'PICC', claim_no: 'PICC-2026-0001' });
    assert.equal(got.work_order_id, first.work_order_id);
    assert.equal(got.booking.id, first.booking.id);
  });
});

test('a fleet batch schedules every vehicle without double booking a bay or technician', async () => {
  await withServer({}, async (_srv, c) => {
    const jobs = Array.from({ length: 30 }, (_, i) => ({ vehicle: { plate: `沪F${String(i).padStart(4, '0')}` }, services: [i % 2 ? 'MAINT' : 'TYRE'] }));
    const res = await call(c.claims, 'SubmitFleetBatch', { chain: 'demo', fleet: 'SF-EXPRESS', stores: ['SH01', 'SH02'], jobs, hold: true, idempotency_key: 'fleet-1' });
    assert.equal(res.scheduled + res.failed, jobs.length);
    const held = res.results.filter((r) => r.booking);
    assert.equal(held.length, res.scheduled);
    assert.ok(res.scheduled >= 20);
    // no two held bookings share a bay or a technician at overlapping times
    const segs = held.flatMap((r) => r.booking.segments.map((s) => ({ store: r.booking.store, ...s })));
    for (let i = 0; i < segs.length; i++) {
      for (let j = 0; j < i; j++) {
        const a = segs[i], b = segs[j];
        if (a.store !== b.store || !(Number(a.start_min) < Number(b.end_min) && Number(b.start_min) < Number(a.end_min))) continue;
        assert.notEqual(a.bay, b.bay, `bay ${a.bay} double-booked`);
        for (const t of a.technicians) assert.ok(!b.technicians.includes(t), `technician ${t} double-booked`);
      }
    }
    const again = await call(c.claims, 'SubmitFleetBatch', { chain: 'demo', fleet: 'SF-EXPRESS', stores: ['SH01', 'SH02'], jobs, hold: true, idempotency_key: 'fleet-1' });
    assert.deepEqual(again.results.map((r) => r.booking && r.booking.id), res.results.map((r) => r.booking && r.booking.id));
  });
});

test('claim and fleet windows are checked as RecommendSlots checks its own; a refusal creates nothing', async () => {
  await withServer({}, async (_srv, c) => {
    const now = Math.floor(Date.now() / 60000);
    const claim = {
      chain: 'demo', store: 'SH01', insurer: 'PICC', claim_no: 'WIN-1', vehicle: { plate: '沪W100' },
      items: [{ kind: 'ITEM_KIND_LABOUR', service: 'MAINT' }], service: 'MAINT', hold: true,
    };
    const bookings = async (plate) => (await call(c.sched, 'ListBookings', { chain: 'demo', plate })).bookings.length;
    await rejectsWith(call(c.claims, 'SubmitClaim', { ...claim, earliest_min: 1000, latest_min: 500 }), S.INVALID_ARGUMENT, /latest_min: must be after earliest_min/);
    const day = now + 1440;
    await rejectsWith(call(c.claims, 'SubmitClaim', { ...claim, earliest_min: day, latest_min: day - 5 }), S.INVALID_ARGUMENT, /latest_min/);
    await rejectsWith(call(c.claims, 'SubmitClaim', { ...claim, earliest_min: day, latest_min: day }), S.INVALID_ARGUMENT, /latest_min/);
    await rejectsWith(call(c.claims, 'GetClaim', { chain: 'demo', insurer: 'PICC', claim_no: 'WIN-1' }), S.NOT_FOUND);
    assert.equal(await bookings('沪W100'), 0);
    const wos = await call(c.workorders, 'ListWorkOrders', { chain: 'demo', plate: '沪W100' });
    assert.equal((wos.work_orders || []).length, 0);
    // a good window: the hold lies inside it
    const good = await call(c.claims, 'SubmitClaim', { ...claim, earliest_min: day, latest_min: day + 240 });
    assert.ok(Number(good.booking.start_min) >= day && Number(good.booking.end_min) <= day + 240);

    const jobs = [{ vehicle: { plate: '沪W200' }, services: ['MAINT'] }, { vehicle: { plate: '沪W201' }, services: ['MAINT'] }];
    const batch = { chain: 'demo', fleet: 'SF-EXPRESS', stores: ['SH01'], jobs, hold: true };
    await rejectsWith(call(c.claims, 'SubmitFleetBatch', { ...batch, earliest_min: day, latest_min: day - 5 }), S.INVALID_ARGUMENT, /latest_min: must be after earliest_min/);
    const late = [jobs[0], { ...jobs[1], earliest_min: day + 600 }];
    await rejectsWith(call(c.claims, 'SubmitFleetBatch', { ...batch, jobs: late, earliest_min: day, latest_min: day + 300 }), S.INVALID_ARGUMENT, /jobs\[1\]\.earliest_min/);
    assert.equal(await bookings('沪W200'), 0);
    assert.equal(await bookings('沪W201'), 0);
  });
});

test('bad steps are refused with their reason and change nothing', async () => {
  await withServer({}, async (_srv, c) => {
    const wo = await call(c.workorders, 'CreateWorkOrder', brakeJob('沪C1'));
    const ref = { chain: 'demo', id: wo.id, actor: 'T01' };
    await rejectsWith(call(c.workorders, 'CompleteItem', { ...ref, item_no: 1 }), S.FAILED_PRECONDITION, /pending/);
    await rejectsWith(call(c.workorders, 'RecordQc', { chain: 'demo', id: wo.id, passed: true, inspector: 'q' }), S.FAILED_PRECONDITION, /pending/);
    await rejectsWith(call(c.workorders, 'Deliver', ref), S.FAILED_PRECONDITION, /pending/);
    await rejectsWith(call(c.workorders, 'GetRepairReport', { chain: 'demo', id: wo.id }), S.FAILED_PRECONDITION, /not delivered/);
    await rejectsWith(call(c.workorders, 'Assign', { ...ref, mode: 'ASSIGN_MODE_MANUAL', technicians: ['T99'] }), S.NOT_FOUND, /T99/);
    const same = await call(c.workorders, 'GetWorkOrder', { chain: 'demo', id: wo.id });
    assert.deepEqual(same, wo);
    const cancelled = await call(c.workorders, 'Cancel', { ...ref, note: 'customer left' });
    assert.equal(cancelled.state, 'WORK_ORDER_STATE_CANCELLED');
    assert.equal(cancelled.items[1].reserved, 0);
    await rejectsWith(call(c.workorders, 'StartRepair', ref), S.FAILED_PRECONDITION, /cancelled/);
  });
});

test('an insurer sees only its own claims and their work orders; a fleet acts only for itself', async () => {
  const srv = await startServer({});
  const admin = clients(srv.addr);
  const made = [];
  try {
    const key = async (kind, tenant, role) => {
      const r = await call(admin.admin, 'CreateApiKey', { key: { tenant_kind: kind, tenant, chains: ['demo'], roles: [role], label: `e2e ${tenant}` } });
      const c = clients(srv.addr, { key: r.token });
      made.push(c);
      return c;
    };
    const picc = await key('TENANT_KIND_INSURER', 'PICC', 'ROLE_INSURER');
    const cpic = await key('TENANT_KIND_INSURER', 'CPIC', 'ROLE_INSURER');
    const fleet = await key('TENANT_KIND_FLEET', 'SF', 'ROLE_FLEET');
    const claim = { chain: 'demo', store: 'SH01', claim_no: 'ISO-1', vehicle: { plate: '沪Z1' }, items: [{ kind: 'ITEM_KIND_PART', part_no: 'CF-300', qty: 1 }] };
    // the insurer field may be left empty (the key's own) or name itself
    const mine = await call(picc.claims, 'SubmitClaim', claim);
    assert.equal(mine.insurer, 'PICC');
    await call(cpic.claims, 'SubmitClaim', { ...claim, insurer: 'CPIC' });
    await rejectsWith(call(cpic.claims, 'SubmitClaim', { ...claim, insurer: 'PICC', claim_no: 'ISO-2' }), S.PERMISSION_DENIED, /insurer/);
    // another insurer's claim and order do not exist for CPIC
    await rejectsWith(call(cpic.claims, 'GetClaim', { chain: 'demo', claim_no: 'ISO-2' }), S.NOT_FOUND, /claim_no/);
    await rejectsWith(call(cpic.claims, 'GetClaim', { chain: 'demo', insurer: 'PICC', claim_no: 'ISO-1' }), S.PERMISSION_DENIED, /insurer/);
    await rejectsWith(call(cpic.workorders, 'GetWorkOrder', { chain: 'demo', id: mine.work_order_id }), S.NOT_FOUND, /work order/);
    await rejectsWith(call(cpic.workorders, 'GetRepairReport', { chain: 'demo', id: mine.work_order_id }), S.NOT_FOUND, /work order/);
    await rejectsWith(new Promise((resolve, reject) => {
      const st = cpic.workorders.WatchWorkOrder({ chain: 'demo', id: mine.work_order_id });
      st.on('data', () => {});
      st.on('error', reject);
      st.on('end', resolve);
    }), S.NOT_FOUND, /work order/);
    const own = await call(picc.workorders, 'GetWorkOrder', { chain: 'demo', id: mine.work_order_id });
    assert.equal(own.claim_no, 'ISO-1');
    const listed = await call(cpic.claims, 'ListClaims', { chain: 'demo' });
    assert.deepEqual(listed.claims.map((x) => x.insurer), ['CPIC']);
    // the operator sees both
    const every = await call(admin.claims, 'ListClaims', { chain: 'demo' });
    assert.equal(every.claims.length, 2);
    // roles: an insurer cannot create work orders or watch a store
    await rejectsWith(call(picc.workorders, 'CreateWorkOrder', { chain: 'demo', store: 'SH01' }), S.PERMISSION_DENIED);
    // a fleet schedules for itself only
    const jobs = [{ vehicle: { plate: '沪S1' }, services: ['MAINT'] }];
    await rejectsWith(call(fleet.claims, 'SubmitFleetBatch', { chain: 'demo', fleet: 'JD', stores: ['SH01'], jobs }), S.PERMISSION_DENIED, /fleet/);
    const ok = await call(fleet.claims, 'SubmitFleetBatch', { chain: 'demo', stores: ['SH01'], jobs, hold: true });
    assert.equal(ok.scheduled, 1);
    assert.equal(ok.results[0].booking.customer, 'SF');
  } finally {
    made.forEach(closeAll);
    closeAll(admin);
    await srv.stop();
  }
});
