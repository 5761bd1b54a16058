// The gateway's mapping: JSON <-> protobuf against a real pitlaned (--demo),
// gRPC status -> HTTP status with the engine's message verbatim, the
// allow-list, bad requests, static pages; and against a stand-in gRPC
// server: the caller's key forwarded unchanged, server streams as SSE, and
// a browser that goes away cancelling the gRPC call.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { startServer } = require('../../tests/e2e/lib.js');
const { createGateway, loadMethods, HTTP_OF_CODE, DEFAULT_PROTO_DIR } = require('../gateway/gateway');

async function listen(gw) {
  await new Promise((r) => gw.server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${gw.server.address().port}`;
}

function post(base, p, body, headers = {}) {
  return fetch(`${base}${p}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) })
    .then(async (r) => ({ status: r.status, body: await r.json() }));
}

let srv;
let gw;
let base;
let auth = {};
const staticDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pitlane-static-'));
fs.mkdirSync(path.join(staticDir, 'web'));
fs.mkdirSync(path.join(staticDir, 'mobile'));
fs.writeFileSync(path.join(staticDir, 'web', 'index.html'), '<title>console</title>');
fs.writeFileSync(path.join(staticDir, 'mobile', 'index.html'), '<title>mobile</title>');
process.on('exit', () => fs.rmSync(staticDir, { recursive: true, force: true }));

test.before(async () => {
  srv = await startServer({});
  if (srv.key) auth = { authorization: `Bearer ${srv.key}` };
  gw = createGateway({ target: srv.addr, staticDir });
  base = await listen(gw);
});
test.after(async () => {
  await gw.close();
  await srv.stop();
});

// The same request straight over gRPC, for comparison.
function direct(service, method, req) {
  const def = protoLoader.loadSync(['pitlane/v1/admin.proto', 'pitlane/v1/scheduling.proto', 'pitlane/v1/inventory.proto', 'pitlane/v1/transfers.proto'],
    { includeDirs: [DEFAULT_PROTO_DIR], keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true });
  const Ctor = grpc.loadPackageDefinition(def).pitlane.v1[service];
  const c = new Ctor(srv.addr, grpc.credentials.createInsecure());
  const md = new grpc.Metadata();
  if (srv.key) md.set('authorization', `Bearer ${srv.key}`);
  return new Promise((resolve) => c[method](req, md, (err, res) => { c.close(); resolve({ err, res }); }));
}

test('the allow-list is every method of the loaded protos, and nothing else', async () => {
  const r = await fetch(`${base}/api/methods`).then((x) => x.json());
  for (const m of ['Admin/GetChain', 'Scheduling/Hold', 'Inventory/Receive', 'Transfers/PlanRebalance', 'WorkOrders/CreateWorkOrder', 'Claims/SubmitClaim', 'Health/Check']) {
    assert.ok(r.methods.includes(m), m);
  }
  assert.ok(r.streams.includes('WorkOrders/WatchWorkOrder') && r.streams.includes('WorkOrders/WatchStore'));
  const proto = fs.readFileSync(path.join(DEFAULT_PROTO_DIR, 'pitlane/v1/scheduling.proto'), 'utf8');
  const n = [...proto.matchAll(/^\s*rpc (\w+)\(/gm)].length;
  assert.equal(r.methods.filter((m) => m.startsWith('Scheduling/')).length, n);
  const bad = await post(base, '/api/Scheduling/DropDatabase', {}, auth);
  assert.equal(bad.status, 501);
  assert.equal(bad.body.code, 'UNIMPLEMENTED');
  assert.match(bad.body.message, /Scheduling\/DropDatabase/);
  assert.equal((await post(base, '/api/pitlane.v1.Admin/GetChain', { code: 'demo' }, auth)).status, 200, 'full service names work too');
  assert.equal(loadMethods().get('Admin/GetChain').path, '/pitlane.v1.Admin/GetChain');
});

test('JSON in, JSON out: the reply is the message as the server sent it', async () => {
  const r = await post(base, '/api/Admin/GetChain', { code: 'demo' }, auth);
  assert.equal(r.status, 200);
  const d = await direct('Admin', 'GetChain', { code: 'demo' });
  assert.deepEqual(r.body, JSON.parse(JSON.stringify(d.res)));
  assert.equal(r.body.chain.code, 'demo');
  assert.equal(typeof r.body.chain.created_ms, 'number', 'int64 as a JSON number');
  const st = await post(base, '/api/Inventory/GetStock', { chain: 'demo', warehouse: 'WH-SH01', part_no: 'OF-1001', include_lots: true }, auth);
  assert.equal(st.status, 200);
  assert.ok(st.body.rows[0].lots.length >= 1);
  // enums by name both ways
  const t = Math.floor(Date.now() / 60000);
  const { body: { options } } = await post(base, '/api/Scheduling/RecommendSlots', { chain: 'demo', stores: ['SH01'], services: ['TYRE'], earliest_min: t, latest_min: t + 7 * 1440, k: 1 }, auth);
  const held = await post(base, '/api/Scheduling/Hold', { chain: 'demo', store: 'SH01', segments: options[0].segments, channel: 'CHANNEL_MINI_PROGRAM', plate: '沪G0001' }, auth);
  assert.equal(held.status, 200);
  assert.equal(held.body.channel, 'CHANNEL_MINI_PROGRAM');
  assert.equal(held.body.state, 'BOOKING_STATE_HELD');
});

test('gRPC errors map to HTTP statuses with the engine message verbatim', async () => {
  const cases = [
    ['Admin', 'GetChain', { code: 'nope' }, 'NOT_FOUND', 404],
    ['Admin', 'CreateStore', { store: { chain: 'demo', code: '' } }, 'INVALID_ARGUMENT', 400],
    ['Admin', 'CreateChain', { chain: { code: 'demo', name: 'other name' } }, null, null],
    ['Inventory', 'Issue', { chain: 'demo', warehouse: 'WH-SH01', part_no: 'OF-1001', qty: 100000, work_order: 'W1', actor: 'gw-test' }, 'FAILED_PRECONDITION', 400],
  ];
  for (const [svc, m, req, code, status] of cases) {
    const d = await direct(svc, m, req);
    const r = await post(base, `/api/${svc}/${m}`, req, auth);
    if (code) assert.equal(d.err?.code, grpc.status[code], `${svc}/${m}: ${d.err?.details}`);
    if (!d.err) {
      assert.equal(r.status, 200);
      continue;
    }
    const name = Object.keys(grpc.status).find((k) => grpc.status[k] === d.err.code);
    assert.equal(r.status, status ?? HTTP_OF_CODE[name], `${svc}/${m}`);
    assert.deepEqual(r.body, { code: name, message: d.err.details });
  }
  assert.equal(HTTP_OF_CODE.UNAVAILABLE, 503);
  assert.equal(HTTP_OF_CODE.UNAUTHENTICATED, 401);
  assert.equal(HTTP_OF_CODE.ALREADY_EXISTS, 409);
});

test('bad requests are refused by the gateway in words, before any call', async () => {
  let r = await post(base, '/api/Admin/GetChain', '{not json', auth);
  assert.equal(r.status, 400);
  assert.equal(r.body.code, 'INVALID_ARGUMENT');
  assert.match(r.body.message, /not JSON/);
  r = await post(base, '/api/Admin/GetChain', '[1,2]', auth);
  assert.equal(r.status, 400);
  assert.match(r.body.message, /JSON object/);
  r = await post(base, '/api/WorkOrders/WatchStore', {}, auth);
  assert.equal(r.status, 400);
  assert.match(r.body.message, /server stream/);
  const g = await fetch(`${base}/api/Admin/GetChain`);
  assert.equal(g.status, 404);
  const s = await fetch(`${base}/api/stream/Admin/GetChain?json={}`);
  assert.equal(s.status, 400);
  assert.match((await s.json()).message, /unary/);
  const bj = await fetch(`${base}/api/stream/WorkOrders/WatchStore?json=%7Bx`);
  assert.equal(bj.status, 400);
  assert.match((await bj.json()).message, /json parameter: not JSON/);
});

test('healthz reports pitlaned; a dead target is UNAVAILABLE in words', async () => {
  const h = await fetch(`${base}/healthz`).then(async (r) => ({ status: r.status, body: await r.json() }));
  assert.equal(h.status, 200);
  assert.equal(h.body.pitlaned, 'SERVING');
  const dead = createGateway({ target: '127.0.0.1:1', staticDir });
  const b = await listen(dead);
  try {
    const r = await post(b, '/api/Admin/GetChain', { code: 'demo' });
    assert.equal(r.status, 503);
    assert.equal(r.body.code, 'UNAVAILABLE');
    assert.ok(r.body.message.length > 0);
    assert.equal((await fetch(`${b}/healthz`)).status, 503);
  } finally {
    await dead.close();
  }
});

test('static pages: console at /, mobile at /m/, nothing outside the directory', async () => {
  assert.match(await fetch(`${base}/`).then((r) => r.text()), /console/);
  assert.match(await fetch(`${base}/m/`).then((r) => r.text()), /mobile/);
  assert.equal((await fetch(`${base}/m`, { redirect: 'manual' })).status, 301);
  assert.equal((await fetch(`${base}/%2e%2e/%2e%2e/etc/passwd`)).status, 404);
  assert.equal((await fetch(`${base}/assets/nope.js`)).status, 404);
});

// ---- a stand-in server: metadata and streams --------------------------------

async function fakeServer() {
  const def = protoLoader.loadSync(['pitlane/v1/admin.proto', 'pitlane/v1/workorders.proto'],
    { includeDirs: [DEFAULT_PROTO_DIR], keepCase: true, longs: Number, enums: String, defaults: true });
  const pkg = grpc.loadPackageDefinition(def).pitlane.v1;
  const server = new grpc.Server();
  const seen = { auth: [], cancelled: 0 };
  server.addService(pkg.Admin.service, {
    GetChain(call, cb) {
      seen.auth.push(call.metadata.get('authorization')[0]);
      if (call.request.code === 'deny') cb({ code: grpc.status.UNAUTHENTICATED, details: 'authorization: unknown key' });
      else cb(null, { chain: { code: call.request.code, name: 'fake' } });
    },
  });
  server.addService(pkg.WorkOrders.service, {
    WatchWorkOrder(call) {
      seen.auth.push(call.metadata.get('authorization')[0]);
      const id = call.request.id;
      if (id === 404) {
        call.emit('error', { code: grpc.status.NOT_FOUND, details: `id: no work order ${id}` });
        return;
      }
      call.write({ work_order_id: id, seq: 1, kind: 'EVENT_KIND_CREATED' });
      call.write({ work_order_id: id, seq: 2, kind: 'EVENT_KIND_STARTED', note: '开始' });
      if (id === 1) call.end();
      // id 2: stays open until the client goes away
      call.on('cancelled', () => { seen.cancelled++; });
    },
  });
  const port = await new Promise((res, rej) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  return { server, seen, addr: `127.0.0.1:${port}` };
}

function sseEvents(text) {
  return text.split('\n\n').filter((b) => b.includes('data: ')).map((b) => {
    const ev = /event: (\w+)/.exec(b)[1];
    return { event: ev, data: JSON.parse(/data: (.*)/.exec(b)[1]) };
  });
}

test('the caller key goes on unchanged; streams become SSE; leaving cancels the call', async () => {
  const fake = await fakeServer();
  const g = createGateway({ target: fake.addr, staticDir });
  const b = await listen(g);
  try {
    const key = 'Bearer pk_test_Zz9-abc.def';
    let r = await post(b, '/api/Admin/GetChain', { code: 'x1' }, { authorization: key });
    assert.equal(r.status, 200);
    r = await post(b, '/api/Admin/GetChain', { code: 'deny' });
    assert.equal(r.status, 401);
    assert.deepEqual(r.body, { code: 'UNAUTHENTICATED', message: 'authorization: unknown key' });
    assert.deepEqual(fake.seen.auth, [key, undefined]);

    const q = (id) => `${b}/api/stream/WorkOrders/WatchWorkOrder?json=${encodeURIComponent(JSON.stringify({ chain: 'demo', id }))}`;
    let res = await fetch(q(1), { headers: { authorization: key } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /text\/event-stream/);
    let evs = sseEvents(await res.text());
    assert.deepEqual(evs.map((e) => e.event), ['message', 'message', 'end']);
    assert.equal(evs[1].data.note, '开始');
    assert.equal(evs[1].data.kind, 'EVENT_KIND_STARTED');
    assert.equal(fake.seen.auth.at(-1), key);

    res = await fetch(q(404));
    evs = sseEvents(await res.text());
    assert.deepEqual(evs, [{ event: 'error', data: { code: 'NOT_FOUND', message: 'id: no work order 404' } }]);

    const ctl = new AbortController();
    res = await fetch(q(2), { signal: ctl.signal });
    const reader = res.body.getReader();
    let got = '';
    while ((got.match(/event: message/g) || []).length < 2) got += new TextDecoder().decode((await reader.read()).value);
    ctl.abort();
    for (let i = 0; i < 100 && fake.seen.cancelled === 0; i++) await new Promise((x) => setTimeout(x, 20));
    assert.equal(fake.seen.cancelled, 1, 'the gRPC call was cancelled when the browser left');
  } finally {
    await g.close();
    fake.server.forceShutdown();
  }
});
