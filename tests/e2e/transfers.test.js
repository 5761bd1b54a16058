// End to end: lanes and transfer quotes over real gRPC on loopback.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { grpc, startServer, clients, call, closeAll, withServer, rejectsWith } = require('./lib');

const S = grpc.status;

test('quotes rank sources by route cost and flag late plans', async () => {
  await withServer({}, async (_srv, c) => {
    const { lanes } = await call(c.transfers, 'ListLanes', { chain: 'demo' });
    assert.ok(lanes.length >= 4);
    const stock = await call(c.inventory, 'GetStock', { chain: 'demo', part_no: 'OF-1001' });
    assert.ok(stock);
    const q = await call(c.transfers, 'QuoteTransfer', { chain: 'demo', part_no: 'OF-1001', qty: 5, destination: 'WH-SH02', max_plans: 5 });
    assert.ok(q.plans.length >= 2);
    for (let i = 1; i < q.plans.length; i++) assert.ok(q.plans[i - 1].cost_fen <= q.plans[i].cost_fen);
    // each plan's cost is its lanes' cost for 5 units, computed here from the lane list
    const lane = (a, b) => lanes.find((l) => l.from === a && l.to === b);
    for (const p of q.plans) {
      let cost = 0;
      for (const leg of p.legs) {
        for (let h = 0; h + 1 < leg.path.length; h++) {
          const l = lane(leg.path[h], leg.path[h + 1]);
          const ships = l.capacity > 0 ? Math.ceil(leg.qty / l.capacity) : 1;
          cost += ships * l.fixed_fen + l.unit_fen * leg.qty;
        }
        assert.equal(leg.path[leg.path.length - 1], 'WH-SH02');
      }
      assert.equal(p.cost_fen, cost);
    }
    const soon = await call(c.transfers, 'QuoteTransfer', { chain: 'demo', part_no: 'OF-1001', qty: 5, destination: 'WH-SH02', need_by_ms: Date.now() + 60000 });
    assert.ok(soon.plans.every((p) => p.late));
  });
});

// The contract at QuoteTransferRequest: the destination's own stock is never
// used nor counted, and too little elsewhere is an empty answer (OK), not an
// error.
test('a quote never uses the destination\'s stock; too little elsewhere is no plan', async () => {
  await withServer({}, async (srv, c) => {
    const part = 'OF-1001';
    const { rows } = await call(c.inventory, 'GetStock', { chain: 'demo', part_no: part });
    const avail = (r) => Number(r.available);
    const dest = rows.reduce((a, b) => (avail(b) > avail(a) ? b : a)).warehouse;
    const others = rows.filter((r) => r.warehouse !== dest).reduce((n, r) => n + avail(r), 0);
    assert.ok(others >= 1, 'the demo holds the part outside the destination');
    const none = await call(c.transfers, 'QuoteTransfer', { chain: 'demo', part_no: part, qty: others + 1, destination: dest, max_plans: 64 });
    assert.deepEqual(none.plans, []);
    for (const qty of [1, others]) {
      const q = await call(c.transfers, 'QuoteTransfer', { chain: 'demo', part_no: part, qty, destination: dest, max_plans: 64 });
      for (const p of q.plans) {
        assert.equal(Number(p.qty), qty);
        for (const leg of p.legs) assert.notEqual(leg.source, dest);
      }
    }
  });
});

test('lanes are set, replaced, deleted, kept across restart; bad input is refused', async () => {
  const srv = await startServer({});
  let c = clients(srv.addr);
  const lane = { chain: 'demo', from: 'WH-SH01', to: 'WH-SH02', fixed_fen: 100, unit_fen: 1, lead_min: 30, capacity: 0 };
  await call(c.transfers, 'SetLane', { lane });
  await call(c.transfers, 'DeleteLane', { chain: 'demo', from: 'WH-SH02', to: 'WH-SH01' });
  await rejectsWith(call(c.transfers, 'DeleteLane', { chain: 'demo', from: 'WH-SH02', to: 'WH-SH01' }), S.NOT_FOUND, /lane/);
  await rejectsWith(call(c.transfers, 'SetLane', { lane: { ...lane, to: 'WH-SH01' } }), S.INVALID_ARGUMENT, /lane\.to/);
  await rejectsWith(call(c.transfers, 'SetLane', { lane: { ...lane, to: 'NOPE' } }), S.NOT_FOUND, /lane\.to/);
  await rejectsWith(call(c.transfers, 'SetLane', { lane: { ...lane, unit_fen: -5 } }), S.INVALID_ARGUMENT, /lane\.unit_fen/);
  await rejectsWith(call(c.transfers, 'SetLane', {}), S.INVALID_ARGUMENT, /lane/);
  await rejectsWith(call(c.transfers, 'QuoteTransfer', { chain: 'demo', part_no: 'OF-1001', qty: 0, destination: 'WH-SH02' }), S.INVALID_ARGUMENT, /qty/);
  await rejectsWith(call(c.transfers, 'QuoteTransfer', { chain: 'demo', part_no: 'OF-1001', qty: 1, destination: 'NOPE' }), S.NOT_FOUND, /destination/);
  await rejectsWith(call(c.transfers, 'QuoteTransfer', { chain: 'demo', part_no: 'NOPE', qty: 1, destination: 'WH-SH02' }), S.NOT_FOUND, /part/);
  const before = (await call(c.transfers, 'ListLanes', { chain: 'demo' })).lanes;
  closeAll(c);
  await srv.stop('SIGKILL');
  const again = await startServer({ dataDir: srv.dataDir, demo: false });
  c = clients(again.addr);
  try {
    const after = (await call(c.transfers, 'ListLanes', { chain: 'demo' })).lanes;
    assert.deepEqual(after, before);
    assert.equal(after.find((l) => l.from === 'WH-SH01' && l.to === 'WH-SH02').fixed_fen, 100);
    assert.ok(!after.some((l) => l.from === 'WH-SH02' && l.to === 'WH-SH01'));
  } finally {
    closeAll(c);
    await again.stop();
  }
});

test('PlanRebalance covers shortages at least cost and says why the rest cannot be', async () => {
  await withServer({}, async (_srv, c) => {
    // make WH-SH02 short of OF-1001: min above what it holds
    const st = await call(c.inventory, 'GetStock', { chain: 'demo', warehouse: 'WH-SH02', part_no: 'OF-1001' });
    const have = st.rows[0].available;
    await call(c.inventory, 'SetStockLevels', { chain: 'demo', warehouse: 'WH-SH02', part_no: 'OF-1001', min_qty: Number(have) + 7, max_qty: Number(have) + 20 });
    const plan = await call(c.transfers, 'PlanRebalance', { chain: 'demo', part_no: 'OF-1001' });
    assert.equal(plan.shortage, 7);
    assert.equal(plan.covered, 7);
    const into = plan.moves.filter((m) => m.to === 'WH-SH02').reduce((s, m) => s + m.qty, 0);
    const outOf = plan.moves.filter((m) => m.from === 'WH-SH02').reduce((s, m) => s + m.qty, 0);
    assert.equal(into - outOf, 7);
    assert.ok(plan.cost_fen >= plan.unit_cost_fen);
    await rejectsWith(call(c.transfers, 'PlanRebalance', { chain: 'demo', part_no: 'NOPE' }), S.NOT_FOUND, /part_no/);
    await rejectsWith(call(c.transfers, 'PlanRebalance', { chain: 'nochain' }), S.NOT_FOUND, /chain/);
  });
});

test('a transfer order ships, is in transit, lands, and survives SIGKILL in between', async () => {
  const srv = await startServer({});
  let c = clients(srv.addr);
  const stockAt = async (cl, wh) => (await call(cl.inventory, 'GetStock', { chain: 'demo', warehouse: wh, part_no: 'OF-1001' })).rows[0];
  const src0 = await stockAt(c, 'DC-EAST');
  const dst0 = await stockAt(c, 'WH-SH02');
  const t = await call(c.transfers, 'CreateTransfer', { chain: 'demo', part_no: 'OF-1001', qty: 6, from: 'DC-EAST', to: 'WH-SH02', actor: 'planner', idempotency_key: 'tr-1' });
  assert.equal(t.state, 'TRANSFER_STATE_PLANNED');
  assert.deepEqual(t.path, ['DC-EAST', 'WH-SH02']);
  const again = await call(c.transfers, 'CreateTransfer', { chain: 'demo', part_no: 'OF-1001', qty: 6, from: 'DC-EAST', to: 'WH-SH02', actor: 'planner', idempotency_key: 'tr-1' });
  assert.equal(again.id, t.id);
  const shipped = await call(c.transfers, 'Ship', { chain: 'demo', transfer_id: t.id, actor: 'clerk' });
  assert.equal(shipped.state, 'TRANSFER_STATE_SHIPPED');
  assert.equal(shipped.lots.reduce((s, l) => s + l.qty, 0), 6);
  assert.equal((await stockAt(c, 'DC-EAST')).on_hand, src0.on_hand - 6);
  assert.equal((await stockAt(c, 'WH-SH02')).in_transit, dst0.in_transit + 6);
  await rejectsWith(call(c.transfers, 'Cancel', { chain: 'demo', transfer_id: t.id, actor: 'clerk' }), S.FAILED_PRECONDITION, /shipped/);
  closeAll(c);
  await srv.stop('SIGKILL');
  const again2 = await startServer({ dataDir: srv.dataDir, demo: false });
  c = clients(again2.addr);
  try {
    assert.equal((await stockAt(c, 'WH-SH02')).in_transit, dst0.in_transit + 6);
    const landed = await call(c.transfers, 'Receive', { chain: 'demo', transfer_id: t.id, actor: 'clerk' });
    assert.equal(landed.state, 'TRANSFER_STATE_RECEIVED');
    const dst1 = await stockAt(c, 'WH-SH02');
    assert.equal(dst1.on_hand, dst0.on_hand + 6);
    assert.equal(dst1.in_transit, dst0.in_transit);
    await rejectsWith(call(c.transfers, 'Ship', { chain: 'demo', transfer_id: 9999, actor: 'x' }), S.NOT_FOUND, /transfer_id/);
    await rejectsWith(call(c.transfers, 'CreateTransfer', { chain: 'demo', part_no: 'OF-1001', qty: 0, from: 'DC-EAST', to: 'WH-SH02', actor: 'p' }), S.INVALID_ARGUMENT, /qty/);
    await rejectsWith(call(c.transfers, 'CreateTransfer', { chain: 'demo', part_no: 'OF-1001', qty: 1, from: 'DC-EAST', to: 'WH-SH02', actor: '' }), S.INVALID_ARGUMENT, /actor/);
  } finally {
    closeAll(c);
    await again2.stop();
  }
});
