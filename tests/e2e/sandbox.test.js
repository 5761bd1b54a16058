// End to end: a sandbox chain's test clock (Admin.AdvanceTestClock) moved
// across days over real gRPC, checking every time-driven promise at the
// chain's time: a hold's TTL, a late start (and its KPI bucket), a repair
// warranty running out by days, a follow-up going overdue, a complaint
// escalated by the advance itself; the offset survives a restart of
// pitlaned; an ordinary chain refuses to move and keeps the real clock.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { grpc, startServer, clients, call, closeAll, tempDir, rejectsWith } = require('./lib');

const S = grpc.status;
const CH = 'sbx';
const VIN = 'LSVSBX0000000E2E1';
const MIN = 60000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const localDay = (ms) => Math.floor((Math.floor(ms / MIN) + 480) / 1440);

async function setUp(c) {
  const chain = await call(c.admin, 'CreateChain', { chain: { code: CH, name: 'sandbox', sandbox: true } });
  assert.equal(chain.sandbox, true);
  assert.equal(Number(chain.clock_offset_ms), 0);
  await call(c.admin, 'CreateStore', { store: { chain: CH, code: 'X1', name: 'x1', utc_offset_min: 480 } });
  await call(c.admin, 'CreateWarehouse', { warehouse: { chain: CH, code: 'WX1', store: 'X1', name: 'w' } });
  await call(c.admin, 'CreateBay', { bay: { chain: CH, store: 'X1', code: 'L1', type: 'BAY_TYPE_GENERAL_LIFT' } });
  await call(c.admin, 'CreateTechnician', { technician: { chain: CH, store: 'X1', code: 'T1', name: 'T1', skills: [{ skill: 'SKILL_ENGINE', level: 3 }] } });
  await call(c.admin, 'CreateService', { service: { chain: CH, code: 'OIL', name: 'oil', bay_type: 'BAY_TYPE_GENERAL_LIFT', skill: 'SKILL_ENGINE', min_level: 1, duration_min: 45, technicians: 1 } });
  await call(c.admin, 'CreatePart', { part: { chain: CH, part_no: 'F1', name: 'filter', unit: 'pc', purchase_fen: 1000, sale_fen: 2500 } });
  await call(c.inventory, 'Receive', { chain: CH, warehouse: 'WX1', part_no: 'F1', qty: 10, unit_cost_fen: 1200, actor: 'clerk' });
}

// Moves the sandbox clock; returns the new offset (checked to add up).
async function advance(c, ms) {
  const before = Number((await call(c.admin, 'GetChain', { code: CH })).chain.clock_offset_ms);
  const after = await call(c.admin, 'AdvanceTestClock', { chain: CH, advance_ms: ms });
  assert.equal(Number(after.clock_offset_ms), before + ms);
  return Number(after.clock_offset_ms);
}

const warrantyOf = async (c) => (await call(c.workorders, 'CheckWarranty', {
  chain: CH, store: 'X1', vin: VIN, mileage_km: 30100, items: [{ kind: 'ITEM_KIND_PART', part_no: 'F1', qty: 1 }],
})).items[0].warranty;

test('a sandbox chain\'s clock moves across days; every time-driven promise follows it, a restart keeps it', { timeout: 120000 }, async () => {
  const dataDir = tempDir();
  let srv = await startServer({ dataDir, demo: true });
  let c = clients(srv.addr);
  try {
    await setUp(c);
    // ordinary chains refuse, and nothing moves
    await rejectsWith(call(c.admin, 'AdvanceTestClock', { chain: 'demo', advance_ms: DAY }), S.FAILED_PRECONDITION, /sandbox/);
    await rejectsWith(call(c.admin, 'AdvanceTestClock', { chain: CH, advance_ms: 0 }), S.INVALID_ARGUMENT, /advance_ms/);
    await rejectsWith(call(c.admin, 'AdvanceTestClock', { chain: CH, advance_ms: 367 * DAY }), S.INVALID_ARGUMENT, /advance_ms/);
    await rejectsWith(call(c.admin, 'AdvanceTestClock', { chain: 'nope', advance_ms: 1 }), S.NOT_FOUND, /chain/);
    // a complaint on the ordinary chain: must not be escalated by anything below
    const plain = await call(c.customers, 'OpenComplaint', { chain: 'demo', store: 'SH01', channel: 'COMPLAINT_CHANNEL_APP', category: 'COMPLAINT_CATEGORY_WAITING', severity: 2, text: 'slow', actor: 'adv' });

    // 1. a hold's TTL: held for 1 minute, expired once the chain's clock is 2 minutes on
    let off = 0;
    const nowMin = () => Math.floor((Date.now() + off) / MIN);
    const win = { chain: CH, stores: ['X1'], services: ['OIL'], earliest_min: nowMin() + 60, latest_min: nowMin() + 3 * 1440, k: 1 };
    let opt = (await call(c.sched, 'RecommendSlots', win)).options[0];
    const brief = await call(c.sched, 'Hold', { chain: CH, store: 'X1', segments: opt.segments, channel: 'CHANNEL_APP', plate: '沪X1', ttl_ms: MIN });
    assert.equal((await call(c.sched, 'GetBooking', { chain: CH, booking_id: brief.id })).state, 'BOOKING_STATE_HELD');
    off = await advance(c, 2 * MIN);
    assert.equal((await call(c.sched, 'GetBooking', { chain: CH, booking_id: brief.id })).state, 'BOOKING_STATE_EXPIRED');
    await rejectsWith(call(c.sched, 'Confirm', { chain: CH, booking_id: brief.id }), S.FAILED_PRECONDITION);
    // its slot is free again at the chain's time
    const again = (await call(c.sched, 'RecommendSlots', win)).options[0];
    assert.equal(Number(again.segments[0].start_min), Number(opt.segments[0].start_min));

    // 2. a late start: booked, confirmed, then the clock jumps past the start + 15 min
    opt = again;
    const held = await call(c.sched, 'Hold', { chain: CH, store: 'X1', segments: opt.segments, channel: 'CHANNEL_APP', plate: '沪X2' });
    await call(c.sched, 'Confirm', { chain: CH, booking_id: held.id });
    const wo = await call(c.workorders, 'CreateWorkOrder', {
      chain: CH, store: 'X1', booking_id: held.id, advisor: 'adv-x',
      vehicle: { plate: '沪X2', vin: VIN, model: 'VW Lavida', mileage_km: 30000 },
      items: [{ kind: 'ITEM_KIND_PART', part_no: 'F1', qty: 1 }],
    });
    const startMs = Number(held.start_min) * MIN;
    const jump = startMs + 20 * MIN - (Date.now() + off);
    assert.ok(jump > 0 && jump < 4 * DAY);
    off = await advance(c, jump);
    const started = await call(c.workorders, 'StartRepair', { chain: CH, id: wo.id, actor: 'T1' });
    assert.ok(Number(started.updated_ms) >= startMs + 20 * MIN, 'the start is stamped with the chain\'s clock');
    assert.ok(Number(started.updated_ms) < Date.now() + off + MIN);
    for (const it of started.items) await call(c.workorders, 'CompleteItem', { chain: CH, id: wo.id, item_no: it.no, actor: 'T1' });
    await call(c.workorders, 'RequestQc', { chain: CH, id: wo.id, actor: 'T1' });
    await call(c.workorders, 'RecordQc', { chain: CH, id: wo.id, passed: true, inspector: 'qc', notes: 'ok' });
    const report = await call(c.workorders, 'Deliver', { chain: CH, id: wo.id, actor: 'adv-x', warranty_days: 2, warranty_km: 5000 });
    assert.equal(report.lines.find((l) => l.part_no === 'F1').warranty_days, 2);
    const startDay = localDay(Number(started.updated_ms));
    const kpi = async () => {
      const rep = await call(c.admin, 'GetKpiReport', { chain: CH, store: 'X1', from_day: startDay, to_day: startDay });
      return rep.kpis.find((k) => k.name === 'on_time_start');
    };
    let late = await kpi();
    assert.equal(Number(late.numerator), 0); // late: bucketed on the chain's day
    assert.equal(Number(late.denominator), 1);

    // 3. warranty by days and the follow-up: covered now, overdue after a day, out after two
    assert.equal(await warrantyOf(c), 'WARRANTY_COVERAGE_REPAIR');
    const overdue = async () => (await call(c.customers, 'ListFollowUps', { chain: CH, overdue: true })).follow_ups.map((f) => String(f.id));
    assert.deepEqual(await overdue(), []);
    const fu = await call(c.customers, 'GetFollowUp', { chain: CH, id: wo.id });
    assert.equal(fu.overdue, false);
    assert.equal(Number(fu.due_ms), Number(fu.delivered_ms) + DAY);
    off = await advance(c, DAY + HOUR);
    assert.deepEqual(await overdue(), [String(wo.id)]);
    assert.equal((await call(c.customers, 'GetFollowUp', { chain: CH, id: wo.id })).overdue, true);
    assert.equal(await warrantyOf(c), 'WARRANTY_COVERAGE_REPAIR'); // day 1 of 2

    // 4. a complaint: its response clock (24 h by default) escalates when the clock passes it
    const cmp = await call(c.customers, 'OpenComplaint', { chain: CH, store: 'X1', wo_id: wo.id, channel: 'COMPLAINT_CHANNEL_APP', category: 'COMPLAINT_CATEGORY_WAITING', severity: 3, text: 'waited', actor: 'adv-x' });
    assert.equal(Number(cmp.response_due_ms), Number(cmp.created_ms) + DAY);
    assert.ok(Number(cmp.created_ms) >= Date.now() + off - MIN, 'created on the chain\'s clock');
    assert.equal(cmp.response_escalated, false);

    // a restart: the offset, and everything it decided, survive
    await srv.stop();
    srv = await startServer({ dataDir, demo: false });
    closeAll(c);
    c = clients(srv.addr);
    const chain = (await call(c.admin, 'GetChain', { code: CH })).chain;
    assert.equal(chain.sandbox, true);
    assert.equal(Number(chain.clock_offset_ms), off);
    assert.equal((await call(c.sched, 'GetBooking', { chain: CH, booking_id: brief.id })).state, 'BOOKING_STATE_EXPIRED');
    assert.deepEqual(await overdue(), [String(wo.id)]);
    late = await kpi();
    assert.equal(Number(late.numerator), 0);
    assert.equal(Number(late.denominator), 1);

    off = await advance(c, 2 * DAY); // the advance sweeps: escalated before it replies
    const esc = await call(c.customers, 'GetComplaint', { chain: CH, id: cmp.id });
    assert.equal(esc.response_escalated, true);
    assert.equal(esc.response_overdue, true);
    assert.ok(esc.steps.some((s) => s.kind === 'COMPLAINT_STEP_KIND_ESCALATED_RESPONSE'));
    // covered through the delivery's local day + 2; now 3 days and an hour on
    assert.equal(await warrantyOf(c), 'WARRANTY_COVERAGE_NONE');

    // the ordinary chain kept the real clock: nothing of it moved
    const demo = (await call(c.admin, 'GetChain', { code: 'demo' })).chain;
    assert.equal(demo.sandbox, false);
    assert.equal(Number(demo.clock_offset_ms), 0);
    const p = await call(c.customers, 'GetComplaint', { chain: 'demo', id: plain.id });
    assert.equal(p.response_escalated, false);
    assert.equal(p.response_overdue, false);
    assert.ok(Number(p.response_due_ms) > Date.now());
  } finally {
    closeAll(c);
    await srv.stop();
  }
});
