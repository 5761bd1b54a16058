// End to end: pitlaned over real gRPC on loopback, driven by @grpc/grpc-js.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { grpc, startServer, clients, call, rawCall, closeAll, withServer, rejectsWith } = require('./lib');

const S = grpc.status;

test('health check answers SERVING for the server and its services', async () => {
  await withServer({}, async (_srv, c) => {
    assert.equal((await call(c.health, 'Check', { service: '' })).status, 'SERVING');
    assert.equal((await call(c.health, 'Check', { service: 'pitlane.v1.Admin' })).status, 'SERVING');
    await rejectsWith(call(c.health, 'Check', { service: 'no.such.Service' }), S.NOT_FOUND, /service/);
  });
});

test('the demo chain is loaded with its stores, warehouses, bays, technicians and parts', async () => {
  await withServer({}, async (_srv, c) => {
    const sum = await call(c.admin, 'GetChain', { code: 'demo' });
    assert.equal(sum.chain.code, 'demo');
    assert.equal(sum.stores, 2);
    assert.equal(sum.warehouses, 3);
    assert.ok(sum.bays > 0 && sum.technicians > 0 && sum.parts > 0);
    const wh = await call(c.admin, 'ListWarehouses', { chain: 'demo' });
    const dcs = wh.warehouses.filter((w) => w.store === '');
    assert.equal(dcs.length, 1, 'one distribution centre');
    const res = await call(c.admin, 'ListResources', { chain: 'demo', store: 'SH01' });
    assert.ok(res.bays.length > 0);
    assert.ok(res.technicians.every((t) => t.skills.length > 0));
  });
});

test('a store created over gRPC is returned by GetStore and ListStores', async () => {
  await withServer({}, async (_srv, c) => {
    const store = { chain: 'demo', code: 'HZ01', name: '杭州西湖店', utc_offset_min: 480, lat_e6: 30250000, lng_e6: 120160000 };
    const created = await call(c.admin, 'CreateStore', { store });
    assert.equal(created.code, 'HZ01');
    assert.equal(created.name, '杭州西湖店');
    assert.ok(created.created_ms > 0);
    const got = await call(c.admin, 'GetStore', { chain: 'demo', code: 'HZ01' });
    assert.deepEqual(got, created);
    const list = await call(c.admin, 'ListStores', { chain: 'demo' });
    assert.ok(list.stores.some((s) => s.code === 'HZ01'));
  });
});

test('bad input gets a precise status naming the field, and changes nothing', async () => {
  await withServer({}, async (_srv, c) => {
    const before = await call(c.admin, 'GetChain', { code: 'demo' });
    const base = { chain: 'demo', code: 'X1', name: 'x', utc_offset_min: 480 };
    await rejectsWith(call(c.admin, 'CreateStore', { store: { ...base, code: 'bad code!' } }), S.INVALID_ARGUMENT, /store\.code/);
    await rejectsWith(call(c.admin, 'CreateStore', { store: { ...base, code: '' } }), S.INVALID_ARGUMENT, /store\.code/);
    await rejectsWith(call(c.admin, 'CreateStore', { store: { ...base, name: '' } }), S.INVALID_ARGUMENT, /store\.name/);
    await rejectsWith(call(c.admin, 'CreateStore', { store: { ...base, utc_offset_min: 5000 } }), S.INVALID_ARGUMENT, /store\.utc_offset_min/);
    await rejectsWith(call(c.admin, 'CreateStore', { store: { ...base, code: 'x'.repeat(40) } }), S.INVALID_ARGUMENT, /store\.code/);
    await rejectsWith(call(c.admin, 'CreateStore', {}), S.INVALID_ARGUMENT, /store/);
    await rejectsWith(call(c.admin, 'CreateStore', { store: { ...base, chain: 'nochain' } }), S.NOT_FOUND, /store\.chain/);
    await rejectsWith(call(c.admin, 'CreateStore', { store: { ...base, code: 'SH01' } }), S.ALREADY_EXISTS, /store\.code/);
    await rejectsWith(call(c.admin, 'CreateBay', { bay: { chain: 'demo', store: 'SH01', code: 'Z9', type: 'BAY_TYPE_UNSPECIFIED' } }), S.INVALID_ARGUMENT, /bay\.type/);
    await rejectsWith(call(c.admin, 'CreateBay', { bay: { chain: 'demo', store: 'NOPE', code: 'Z9', type: 'BAY_TYPE_WASH' } }), S.NOT_FOUND, /bay\.store/);
    await rejectsWith(call(c.admin, 'CreateTechnician', { technician: { chain: 'demo', store: 'SH01', code: 'T9', name: 'n', skills: [{ skill: 'SKILL_ENGINE', level: 9 }] } }), S.INVALID_ARGUMENT, /technician\.skills\.level/);
    await rejectsWith(call(c.admin, 'CreatePart', { part: { chain: 'demo', part_no: 'P-1', name: 'p', purchase_fen: -1 } }), S.INVALID_ARGUMENT, /part\.purchase_fen/);
    await rejectsWith(call(c.admin, 'GetStore', { chain: 'demo', code: 'NOPE' }), S.NOT_FOUND, /store/);
    await rejectsWith(call(c.admin, 'GetPart', { chain: 'demo', part_no: '' }), S.INVALID_ARGUMENT, /part_no/);
    const after = await call(c.admin, 'GetChain', { code: 'demo' });
    assert.deepEqual(after, before);
  });
});

test('a retried create with the same idempotency key returns the first answer', async () => {
  await withServer({}, async (_srv, c) => {
    const req = { part: { chain: 'demo', part_no: 'IDEM-1', name: '测试件', unit: 'pc', purchase_fen: 100, sale_fen: 200 }, idempotency_key: 'req-42' };
    const first = await call(c.admin, 'CreatePart', req);
    const again = await call(c.admin, 'CreatePart', req);
    assert.deepEqual(again, first);
    await rejectsWith(call(c.admin, 'CreatePart', { ...req, idempotency_key: 'other' }), S.ALREADY_EXISTS, /part\.part_no/);
  });
});

test('an unknown method gets UNIMPLEMENTED and a malformed message INVALID_ARGUMENT', async () => {
  await withServer({}, async (_srv, c) => {
    await rejectsWith(rawCall(c.raw, '/pitlane.v1.Admin/NoSuchMethod', Buffer.alloc(0)), S.UNIMPLEMENTED);
    await rejectsWith(rawCall(c.raw, '/no.Such/Thing', Buffer.from([1, 2, 3])), S.UNIMPLEMENTED);
    // field 1 (length-delimited) claiming 127 bytes that are not there
    await rejectsWith(rawCall(c.raw, '/pitlane.v1.Admin/GetStore', Buffer.from([0x0a, 0x7f, 0x41])), S.INVALID_ARGUMENT, /malformed/);
    await rejectsWith(rawCall(c.raw, '/pitlane.v1.Admin/CreateStore', Buffer.from([0xff, 0xff, 0xff, 0xff])), S.INVALID_ARGUMENT, /malformed/);
    // the server is still up
    assert.equal((await call(c.health, 'Check', { service: '' })).status, 'SERVING');
  });
});

test('acknowledged writes survive SIGKILL and restart', async () => {
  const srv = await startServer({});
  let c = clients(srv.addr);
  const acked = [];
  await Promise.all(Array.from({ length: 50 }, async (_, i) => {
    const part = { chain: 'demo', part_no: `K-${i}`, name: `件${i}`, unit: 'pc', purchase_fen: i, sale_fen: 2 * i };
    acked.push(await call(c.admin, 'CreatePart', { part }));
  }));
  closeAll(c);
  await srv.stop('SIGKILL');
  const again = await startServer({ dataDir: srv.dataDir, demo: false });
  c = clients(again.addr);
  try {
    for (const p of acked) {
      assert.deepEqual(await call(c.admin, 'GetPart', { chain: 'demo', part_no: p.part_no }), p);
    }
  } finally {
    closeAll(c);
    await again.stop();
  }
});

test('SIGTERM lets in-flight writes finish and exits cleanly; they are there after restart', async () => {
  const srv = await startServer({});
  let c = clients(srv.addr);
  const results = await Promise.allSettled(Array.from({ length: 100 }, (_, i) => {
    const p = call(c.admin, 'CreatePart', { part: { chain: 'demo', part_no: `G-${i}`, name: 'g', unit: 'pc' } });
    if (i === 50) srv.proc.kill('SIGTERM');
    return p;
  }));
  const { code } = await srv.exited;
  assert.equal(code, 0, 'clean exit');
  closeAll(c);
  const acked = results.filter((r) => r.status === 'fulfilled').map((r) => r.value.part_no);
  const again = await startServer({ dataDir: srv.dataDir, demo: false });
  c = clients(again.addr);
  try {
    for (const no of acked) await call(c.admin, 'GetPart', { chain: 'demo', part_no: no });
  } finally {
    closeAll(c);
    await again.stop();
  }
});

test('concurrent creates from many clients are all applied exactly once', async () => {
  await withServer({ threads: 2 }, async (srv, c) => {
    const before = (await call(c.admin, 'GetChain', { code: 'demo' })).parts;
    const extra = Array.from({ length: 4 }, () => clients(srv.addr));
    try {
      await Promise.all(Array.from({ length: 400 }, (_, i) => {
        const cl = extra[i % extra.length];
        return call(cl.admin, 'CreatePart', { part: { chain: 'demo', part_no: `C-${i % 200}`, name: 'c', unit: 'pc' }, idempotency_key: `k-${i % 200}` });
      }));
    } finally {
      extra.forEach(closeAll);
    }
    const after = (await call(c.admin, 'GetChain', { code: 'demo' })).parts;
    assert.equal(after - before, 200);
  });
});
