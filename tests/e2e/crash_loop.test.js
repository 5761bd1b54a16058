// Crash loop: pitlaned under a mixed concurrent load (holds, confirms,
// cancels, receipts, issues, transfers, work orders, claims, field
// dispatches, customers and their complaints, bookings with loaner cars)
// is killed with SIGKILL at random
// moments and restarted on the same data, again and again. After every
// restart:
//   - every acknowledged write is there: a retry of an acknowledged receipt
//     with its idempotency key returns the same ledger sequence number (a
//     lost receipt would be made anew with a new one); acknowledged holds,
//     confirms, cancels and transfer steps are in their state or a later
//     one that was also requested;
//   - nothing is half-applied and no bay, technician or loaner car is
//     double-booked;
//   - stock is never negative, reserved never exceeds on hand, and the
//     ledger replayed from zero equals the stock (VerifyLedger).
// PL_CRASH_KILLS sets the number of kills (CI: 20; the long mode in
// docs/reliability.md runs 500).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { startServer, clients, call, closeAll, tempDir } = require('./lib');

const KILLS = Number(process.env.PL_CRASH_KILLS || 20);
const nowMin = () => Math.floor(Date.now() / 60000);
const LIVE = ['BOOKING_STATE_HELD', 'BOOKING_STATE_CONFIRMED', 'BOOKING_STATE_CHECKED_IN'];

function rnd(n) {
  return Math.floor(Math.random() * n);
}

// The model of what clients were told.
const acked = {
  receipts: [], // { req, seq }
  bookings: new Map(), // id -> { state: acked state, requested: Set of states asked }
  transfers: new Map(), // id -> { state, requested }
  orders: new Map(), // id -> { req, state, requested, seq: last acked event seq }
  claims: [], // { req, wo }
  dispatches: new Map(), // id -> { state, requested, resource }
  complaints: new Map(), // id -> { req, customer, creq, state, requested }
};


async function worker(c, stopAt, uid) {
  let n = 0;
  while (Date.now() < stopAt) {
    n++;
    const op = rnd(9);
    try {
      if (op === 0) {
        const req = { chain: 'demo', warehouse: 'DC-EAST', part_no: 'OF-1001', qty: 1 + rnd(3), actor: 'crash', unit_cost_fen: 2300, idempotency_key: `rc-${uid}-${n}` };
        const mv = await call(c.inventory, 'Receive', req, 3000);
        acked.receipts.push({ req, seq: mv.seq });
      } else if (op === 1 || op === 2) {
        const t = nowMin();
        // a third of them want one of SH01's two loaner cars with the repair
        const loaner = rnd(3) === 0;
        const stores = loaner ? ['SH01'] : ['SH01', 'SH02'];
        const { options } = await call(c.sched, 'RecommendSlots', { chain: 'demo', stores, services: ['TYRE'], earliest_min: t + rnd(10) * 1440, latest_min: t + 20 * 1440, k: 1, need_loaner: loaner }, 3000);
        if (options.length === 0) continue;
        const o = options[0];
        const b = await call(c.sched, 'Hold', { chain: 'demo', store: o.store, segments: o.segments, channel: 'CHANNEL_APP', customer: 'crash', plate: 'CRASH', ttl_ms: 3600000, need_loaner: loaner }, 3000);
        const rec = { state: b.state, requested: new Set([b.state]) };
        acked.bookings.set(b.id, rec);
        const next = rnd(3);
        if (next > 0) {
          rec.requested.add('BOOKING_STATE_CONFIRMED');
          const cf = await call(c.sched, 'Confirm', { chain: 'demo', booking_id: b.id }, 3000);
          rec.state = cf.state;
          if (next === 2) {
            rec.requested.add('BOOKING_STATE_CANCELLED');
            const cn = await call(c.sched, 'Cancel', { chain: 'demo', booking_id: b.id }, 3000);
            rec.state = cn.state;
          }
        }
      } else if (op === 3) {
        const req = { chain: 'demo', warehouse: 'DC-EAST', part_no: 'OF-1001', qty: 1, work_order: `WO-${uid}-${n}`, actor: 'crash' };
        await call(c.inventory, 'Reserve', req, 3000);
        await call(c.inventory, 'Issue', req, 3000);
      } else if (op === 5) {
        const req = {
          chain: 'demo', store: 'SH01', vehicle: { plate: `沪K${uid}` }, advisor: 'crash', idempotency_key: `wo-${uid}-${n}`,
          items: [{ kind: 'ITEM_KIND_LABOUR', service: 'TYRE' }, { kind: 'ITEM_KIND_PART', part_no: 'OF-1001', qty: 1 }],
        };
        const wo = await call(c.workorders, 'CreateWorkOrder', req, 3000);
        const rec = { req, state: wo.state, requested: new Set([wo.state]), seq: Number(wo.last_seq) };
        acked.orders.set(wo.id, rec);
        rec.requested.add('WORK_ORDER_STATE_IN_REPAIR');
        const st = await call(c.workorders, 'StartRepair', { chain: 'demo', id: wo.id, actor: 'crash' }, 3000);
        rec.state = st.state;
        rec.seq = Number(st.last_seq);
        if (rnd(2)) {
          const done = await call(c.workorders, 'CompleteItem', { chain: 'demo', id: wo.id, item_no: 1, actor: 'crash' }, 3000);
          rec.seq = Number(done.last_seq);
        }
      } else if (op === 7) {
        // a breakdown near the Shanghai stores: the nearest free truck is
        // offered, accepts, arrives and finishes (freeing it again)
        const req = { chain: 'demo', kind: 'DISPATCH_KIND_RESCUE', lat_e6: 31190000 + rnd(40000), lng_e6: 121430000 + rnd(40000), idempotency_key: `dp-${uid}-${n}` };
        const d = await call(c.dispatch, 'Dispatch', req, 3000);
        const rec = { state: d.state, requested: new Set([d.state]), resource: d.resource };
        acked.dispatches.set(d.id, rec);
        if (d.state !== 'DISPATCH_STATE_OFFERED') continue;
        for (const [m, st] of [['Accept', 'DISPATCH_STATE_ACCEPTED'], ['Arrive', 'DISPATCH_STATE_ON_SITE'], ['Complete', 'DISPATCH_STATE_COMPLETED']]) {
          rec.requested.add(st);
          const r = await call(c.dispatch, m, { chain: 'demo', id: d.id, free: true }, 3000);
          rec.state = r.state;
        }
      } else if (op === 8) {
        // a customer (idempotent create) complains; the store acknowledges
        const creq = { chain: 'demo', customer: { name: `客户${uid}-${n}`, phone: `139${String(uid).replace(/\D/g, '')}${String(n).padStart(6, '0')}` }, idempotency_key: `cu-${uid}-${n}` };
        const cu = await call(c.customers, 'PutCustomer', creq, 3000);
        const req = { chain: 'demo', store: 'SH01', customer_id: cu.id, channel: 'COMPLAINT_CHANNEL_APP', category: 'COMPLAINT_CATEGORY_WAITING', severity: 1 + rnd(3), text: 'slow', actor: 'crash', idempotency_key: `cp-${uid}-${n}` };
        const x = await call(c.customers, 'OpenComplaint', req, 3000);
        const rec = { req, customer: cu, creq, state: x.state, requested: new Set([x.state, 'COMPLAINT_STATE_ACKNOWLEDGED']) };
        acked.complaints.set(x.id, rec);
        const a = await call(c.customers, 'ActOnComplaint', { chain: 'demo', id: x.id, action: 'COMPLAINT_ACTION_ACKNOWLEDGE', actor: 'crash' }, 3000);
        rec.state = a.state;
      } else if (op === 6) {
        const req = { chain: 'demo', store: 'SH02', insurer: 'PICC', claim_no: `cl-${uid}-${n}`, vehicle: { plate: `沪L${uid}` }, items: [{ kind: 'ITEM_KIND_PART', part_no: 'CF-300', qty: 1 }] };
        const cl = await call(c.claims, 'SubmitClaim', req, 3000);
        acked.claims.push({ req, wo: cl.work_order_id });
      } else {
        const t = await call(c.transfers, 'CreateTransfer', { chain: 'demo', part_no: 'OF-1001', qty: 1, from: 'DC-EAST', to: 'WH-SH01', actor: 'crash' }, 3000);
        const rec = { state: t.state, requested: new Set([t.state, 'TRANSFER_STATE_SHIPPED']) };
        acked.transfers.set(t.id, rec);
        const s = await call(c.transfers, 'Ship', { chain: 'demo', transfer_id: t.id, actor: 'crash' }, 3000);
        rec.state = s.state;
      }
    } catch (err) {
      // killed mid-call, or a lost race (a hold on a slot just taken):
      // nothing was acknowledged
    }
  }
}

// What a check looks at: everything acknowledged since the previous check
// (each write is checked after the kill that followed it) plus a random
// sample of SAMPLE older ones; the last check (full) looks at everything.
// Checking all of them after every kill would make the long mode's 500
// kills quadratic.
const SAMPLE = 200;
const checkedUpTo = { receipts: 0, bookings: 0, transfers: 0, orders: 0, claims: 0, dispatches: 0, complaints: 0 };
function toCheck(kind, list, full) {
  const from = checkedUpTo[kind];
  checkedUpTo[kind] = list.length;
  if (full || from <= SAMPLE) return list;
  const picked = list.slice(from);
  for (let i = 0; i < SAMPLE; i++) picked.push(list[rnd(from)]);
  return picked;
}

async function check(c, full) {
  const receipts = toCheck('receipts', acked.receipts, full);
  const bookings = toCheck('bookings', [...acked.bookings], full);
  const transfers = toCheck('transfers', [...acked.transfers], full);
  const orders = toCheck('orders', [...acked.orders], full);
  const claims = toCheck('claims', acked.claims, full);
  const dispatches = toCheck('dispatches', [...acked.dispatches], full);
  const complaints = toCheck('complaints', [...acked.complaints], full);
  for (const [id, rec] of complaints) {
    const x = await call(c.customers, 'GetComplaint', { chain: 'demo', id }, 5000);
    assert.ok(x.state === rec.state || rec.requested.has(x.state), `complaint ${id}: acknowledged ${rec.state}, found ${x.state}`);
    const again = await call(c.customers, 'OpenComplaint', rec.req, 5000);
    assert.equal(again.id, id, `complaint key ${rec.req.idempotency_key} made a second complaint`);
    const cu = await call(c.customers, 'PutCustomer', rec.creq, 5000);
    assert.equal(cu.id, rec.customer.id, `customer key ${rec.creq.idempotency_key} made a second customer`);
    assert.equal(cu.name, rec.customer.name);
  }
  // receipts: retrying with the same key gives the first answer
  for (const r of receipts) {
    const mv = await call(c.inventory, 'Receive', r.req, 5000);
    assert.equal(mv.seq, r.seq, `receipt ${r.req.idempotency_key} acknowledged as seq ${r.seq}, now ${mv.seq}`);
  }
  for (const [id, rec] of bookings) {
    const b = await call(c.sched, 'GetBooking', { chain: 'demo', booking_id: id }, 5000);
    const ok = b.state === rec.state || rec.requested.has(b.state) ||
      (b.state === 'BOOKING_STATE_EXPIRED' && rec.state === 'BOOKING_STATE_HELD');
    assert.ok(ok, `booking ${id}: acknowledged ${rec.state}, found ${b.state}`);
  }
  for (const [id, rec] of transfers) {
    const t = await call(c.transfers, 'GetTransfer', { chain: 'demo', transfer_id: id, actor: 'x' }, 5000);
    assert.ok(t.state === rec.state || rec.requested.has(t.state), `transfer ${id}: acknowledged ${rec.state}, found ${t.state}`);
  }
  for (const [id, rec] of orders) {
    const wo = await call(c.workorders, 'GetWorkOrder', { chain: 'demo', id }, 5000);
    assert.ok(wo.state === rec.state || rec.requested.has(wo.state), `work order ${id}: acknowledged ${rec.state}, found ${wo.state}`);
    assert.ok(Number(wo.last_seq) >= rec.seq, `work order ${id}: event ${rec.seq} acknowledged, last is ${wo.last_seq}`);
    const again = await call(c.workorders, 'CreateWorkOrder', rec.req, 5000);
    assert.equal(again.id, id, `work order key ${rec.req.idempotency_key} made a second order`);
  }
  for (const cl of claims) {
    const again = await call(c.claims, 'SubmitClaim', cl.req, 5000);
    assert.ok(again.replayed && again.work_order_id === cl.wo, `claim ${cl.req.claim_no}: acknowledged order ${cl.wo}, now ${again.work_order_id}`);
  }
  for (const [id, rec] of dispatches) {
    const d = await call(c.dispatch, 'GetDispatch', { chain: 'demo', id }, 5000);
    assert.ok(d.state === rec.state || rec.requested.has(d.state), `dispatch ${id}: acknowledged ${rec.state}, found ${d.state}`);
  }
  // no truck is on two live dispatches at once
  const open = [];
  for (let after = 0; ;) {
    const { dispatches: page } = await call(c.dispatch, 'ListDispatches', { chain: 'demo', open_only: true, after_id: after, limit: 1000 }, 5000);
    open.push(...page);
    if (page.length < 1000) break;
    after = Number(page[page.length - 1].id);
  }
  const busy = new Map();
  for (const d of open) {
    if (!['DISPATCH_STATE_OFFERED', 'DISPATCH_STATE_ACCEPTED', 'DISPATCH_STATE_ON_SITE'].includes(d.state) || d.scheduled) continue;
    assert.ok(!busy.has(d.resource), `resource ${d.resource} on dispatches ${busy.get(d.resource)} and ${d.id}`);
    busy.set(d.resource, d.id);
  }
  // no double booking over the days the load uses
  const all = [];
  for (const store of ['SH01', 'SH02']) {
    for (let d = 0; d < 21; d++) {
      const date = new Date((nowMin() + d * 1440 + 480) * 60000).toISOString().slice(0, 10);
      all.push(...(await call(c.sched, 'ListBookings', { chain: 'demo', store, date }, 5000)).bookings);
    }
  }
  const segs = all.filter((b) => LIVE.includes(b.state)).flatMap((b) => b.segments.map((s) => ({ ...s, id: b.id, store: b.store })));
  // per resource, sorted by start: each segment must end before the next
  // one on the same bay or technician starts (linear after the sort)
  const byResource = new Map();
  for (const sg of segs) {
    for (const r of [`bay ${sg.bay}`, ...sg.technicians.map((t) => `technician ${t}`)]) {
      const key = `${sg.store}/${r}`;
      if (!byResource.has(key)) byResource.set(key, []);
      byResource.get(key).push(sg);
    }
  }
  for (const [key, list] of byResource) {
    list.sort((a, b) => Number(a.start_min) - Number(b.start_min));
    for (let i = 1; i < list.length; i++) {
      assert.ok(Number(list[i - 1].end_min) <= Number(list[i].start_min), `bookings ${list[i - 1].id} and ${list[i].id} share ${key}`);
    }
  }
  // no loaner car reserved twice at once (the visit plus its return buffer)
  const cars = new Map();
  for (const b of all) {
    if (!LIVE.includes(b.state) || !['LOANER_PHASE_RESERVED', 'LOANER_PHASE_HANDED_OUT'].includes(b.loaner_phase)) continue;
    const key = `${b.store}/${b.loaner}`;
    if (!cars.has(key)) cars.set(key, []);
    cars.get(key).push(b);
  }
  for (const [key, list] of cars) {
    list.sort((a, b) => Number(a.start_min) - Number(b.start_min));
    for (let i = 1; i < list.length; i++) {
      assert.ok(Number(list[i - 1].loaner_until_min) <= Number(list[i].start_min), `bookings ${list[i - 1].id} and ${list[i].id} share loaner ${key}`);
    }
  }
  if (full) console.log(`# live bookings with a loaner car at the end: ${[...cars.values()].reduce((n, l) => n + l.length, 0)}`);
  const stock = await call(c.inventory, 'GetStock', { chain: 'demo', part_no: 'OF-1001' }, 5000);
  for (const row of stock.rows) {
    assert.ok(row.on_hand >= 0 && row.reserved >= 0 && row.reserved <= row.on_hand, JSON.stringify(row));
  }
  const v = await call(c.inventory, 'VerifyLedger', { chain: 'demo' }, 10000);
  assert.ok(v.consistent, v.detail);
}

test(`acknowledged writes survive ${KILLS} SIGKILLs under load`, { timeout: KILLS * 15000 + 60000 }, async () => {
  const dataDir = tempDir();
  for (let k = 0; k <= KILLS; k++) {
    const srv = await startServer({ dataDir, demo: k === 0 });
    const c = clients(srv.addr);
    try {
      if (k === 0) {
        for (const code of ['L1', 'L2']) {
          await call(c.sched, 'UpsertLoaner', { chain: 'demo', store: 'SH01', code, plate: `沪Z${code}`, model: 'Model 3', odometer_km: 1000, fuel_pct: 100 });
        }
      }
      await check(c, k === KILLS);
      if (k === KILLS) break;
      const extra = Array.from({ length: 4 }, () => clients(srv.addr));
      const stopAt = Date.now() + 2000;
      const load = extra.map((cl, i) => worker(cl, stopAt, `${k}-${i}`));
      await new Promise((r) => setTimeout(r, 100 + rnd(500)));
      srv.proc.kill('SIGKILL');
      await srv.exited;
      await Promise.all(load.map((p) => p.catch(() => {})));
      extra.forEach(closeAll);
    } finally {
      closeAll(c);
      if (srv.proc.exitCode === null && srv.proc.signalCode === null) await srv.stop();
    }
  }
  console.log(`# acknowledged and checked after ${KILLS} kills: ${acked.receipts.length} receipts, ${acked.bookings.size} bookings, ${acked.transfers.size} transfers, ${acked.orders.size} work orders, ${acked.claims.length} claims, ${acked.dispatches.size} dispatches, ${acked.complaints.size} complaints`);
  assert.ok(acked.receipts.length > 0 && acked.bookings.size > 0, 'the load acknowledged writes');
});
