// End to end: Admin.GetKpiReport over real gRPC after a few real
// operations on a fresh chain (a booking confirmed, checked in, repaired,
// passed QC and delivered; a walk-in cancelled; stock received and sold),
// each KPI checked against numbers derived here from the replies; then the
// same report after a restart of the server on the same data.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { grpc, startServer, clients, call, closeAll, tempDir } = require('./lib');

const CH = 'kpi-e2e';
const S = grpc.status;

async function setUp(c) {
  await call(c.admin, 'CreateChain', { chain: { code: CH, name: 'kpi' } });
  await call(c.admin, 'CreateStore', { store: { chain: CH, code: 'K1', name: 'k1', utc_offset_min: 480 } });
  await call(c.admin, 'CreateWarehouse', { warehouse: { chain: CH, code: 'WK1', store: 'K1', name: 'w' } });
  await call(c.admin, 'CreateBay', { bay: { chain: CH, store: 'K1', code: 'L1', type: 'BAY_TYPE_GENERAL_LIFT' } });
  for (const t of ['T1', 'T2'])
    await call(c.admin, 'CreateTechnician', { technician: { chain: CH, store: 'K1', code: t, name: t, skills: [{ skill: 'SKILL_ENGINE', level: 3 }] } });
  await call(c.admin, 'CreateService', { service: { chain: CH, code: 'OIL', name: 'oil', bay_type: 'BAY_TYPE_GENERAL_LIFT', skill: 'SKILL_ENGINE', min_level: 1, duration_min: 45, technicians: 1 } });
  await call(c.admin, 'CreatePart', { part: { chain: CH, part_no: 'F1', name: 'filter', unit: 'pc', purchase_fen: 1000, sale_fen: 2500 } });
}

const localDay = (ms) => Math.floor((Math.floor(ms / 60000) + 480) / 1440);

test('GetKpiReport returns the numbers of what was done, before and after a restart', async () => {
  const dataDir = tempDir();
  let srv = await startServer({ dataDir, demo: false });
  let c = clients(srv.addr);
  const t0 = Date.now();
  const from = localDay(t0) - 1;
  const to = localDay(t0) + 3;
  let ours;
  try {
    await setUp(c);
    // a booking: held, confirmed, checked in as an order, repaired, delivered
    const now = Math.floor(Date.now() / 60000);
    const { options } = await call(c.sched, 'RecommendSlots', { chain: CH, stores: ['K1'], services: ['OIL'], earliest_min: now + 30, latest_min: now + 3 * 1440, k: 1 });
    assert.equal(options.length, 1);
    const held = await call(c.sched, 'Hold', { chain: CH, store: 'K1', segments: options[0].segments, channel: 'CHANNEL_APP', plate: '沪K1' });
    const confirmed = await call(c.sched, 'Confirm', { chain: CH, booking_id: held.id });
    const wo = await call(c.workorders, 'CreateWorkOrder', { chain: CH, store: 'K1', booking_id: held.id, advisor: 'adv-k' });
    const started = await call(c.workorders, 'StartRepair', { chain: CH, id: wo.id, actor: 'T1' });
    for (const it of wo.items) await call(c.workorders, 'CompleteItem', { chain: CH, id: wo.id, item_no: it.no, actor: 'T1' });
    await call(c.workorders, 'RequestQc', { chain: CH, id: wo.id, actor: 'T1' });
    const passed = await call(c.workorders, 'RecordQc', { chain: CH, id: wo.id, passed: true, inspector: 'qc' });
    await call(c.workorders, 'Deliver', { chain: CH, id: wo.id, actor: 'adv-k' });
    // a walk-in, cancelled before the start
    const walk = await call(c.workorders, 'CreateWorkOrder', { chain: CH, store: 'K1', vehicle: { plate: '沪K2' }, advisor: 'adv-k', items: [{ kind: 'ITEM_KIND_LABOUR', service: 'OIL' }], assign: 'ASSIGN_MODE_MANUAL', technicians: ['T2'] });
    await call(c.workorders, 'Cancel', { chain: CH, id: walk.id, actor: 'adv-k', note: 'left' });
    // stock: 10 received at 1,200 fen, 3 sold
    await call(c.inventory, 'Receive', { chain: CH, warehouse: 'WK1', part_no: 'F1', qty: 10, unit_cost_fen: 1200, actor: 'clerk' });
    await call(c.inventory, 'Sell', { chain: CH, warehouse: 'WK1', part_no: 'F1', qty: 3, actor: 'clerk' });

    // the day board's available minutes over the range
    let bayAvail = 0;
    let techAvail = 0;
    for (let d = from; d <= to; d++) {
      const b = await call(c.sched, 'DayBoard', { chain: CH, store: 'K1', local_day: d });
      for (const r of b.rows) {
        if (r.is_bay) bayAvail += r.available_min;
        else techAvail += r.available_min;
      }
    }
    const seg = options[0].segments[0];
    ours = {
      booking_response: [Number(confirmed.updated_ms) - Number(confirmed.created_ms), 1],
      on_time_start: [Number(started.updated_ms) <= Number(held.start_min) * 60000 + 15 * 60000 ? 1 : 0, 1],
      tech_utilisation: [45, techAvail],
      bay_occupancy: [Number(seg.end_min) - Number(seg.start_min), bayAvail],
      repair_time: [Math.floor((Number(passed.qc[0].at_ms) - Number(started.updated_ms)) / 60000), 1],
      first_time_fix: [1, 1],
      complaint_rate: [0, 1],
      order_completion: [1, 2],
      stock_turnover: [3 * 1200, null],
    };
    const check = async (when) => {
      const rep = await call(c.admin, 'GetKpiReport', { chain: CH, store: 'K1', from_day: from, to_day: to, granularity: 'KPI_GRANULARITY_DAY' });
      assert.equal(rep.kpis.length, 14);
      const byName = Object.fromEntries(rep.kpis.map((k) => [k.name, k]));
      for (const [name, [num, den]] of Object.entries(ours)) {
        const k = byName[name];
        assert.equal(Number(k.numerator), num, `${when} ${name} numerator`);
        if (den !== null) assert.equal(Number(k.denominator), den, `${when} ${name} denominator`);
        assert.equal(k.points.length, to - from + 1, `${when} ${name} points`);
        const sumNum = k.points.reduce((a, p) => a + Number(p.numerator), 0);
        if (name !== 'stock_turnover') assert.equal(sumNum, num, `${when} ${name} series adds up`);
      }
      assert.equal(byName.order_completion.met, false); // 50 % < 99 %
      assert.equal(byName.order_completion.target, 0.99);
      assert.equal(byName.first_time_fix.value, 1);
      // mean stock value: 12,000 fen received then 3,600 out, from the day of the movements on
      assert.ok(Number(byName.stock_turnover.denominator) > 0);
      assert.equal(rep.services.length, 1);
      assert.equal(rep.services[0].service, 'OIL');
      // the technician who did it, and the advisor
      const tech = await call(c.admin, 'GetKpiReport', { chain: CH, store: 'K1', technician: 'T1', from_day: from, to_day: to });
      const tk = Object.fromEntries(tech.kpis.map((k) => [k.name, k]));
      assert.equal(Number(tk.tech_utilisation.numerator), 45);
      assert.equal(Number(tk.booking_response.denominator), 0); // not a technician's KPI
      const adv = await call(c.admin, 'GetKpiReport', { chain: CH, advisor: 'adv-k', from_day: from, to_day: to, granularity: 'KPI_GRANULARITY_MONTH' });
      const ak = Object.fromEntries(adv.kpis.map((k) => [k.name, k]));
      assert.equal(Number(ak.order_completion.numerator), 1);
      assert.equal(Number(ak.order_completion.denominator), 2);
      // bad input names the field
      await assert.rejects(call(c.admin, 'GetKpiReport', { chain: CH, from_day: to, to_day: from }), (e) => e.code === S.INVALID_ARGUMENT && /from_day/.test(e.details));
    };
    await check('live');
    closeAll(c);
    await srv.stop('SIGTERM');
    srv = await startServer({ dataDir, demo: false });
    c = clients(srv.addr);
    await check('restarted');
  } finally {
    closeAll(c);
    await srv.stop();
  }
});
