// End to end: authentication and isolation (docs/security.md). Every call
// but Health needs a bearer key; a key acts only for its tenant's chains
// and in its roles; per-key rate limits; keys survive restarts; revocation
// is immediate; TLS.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { grpc, startServer, clients, call, closeAll, tempDir, withServer, rejectsWith, plKeys } = require('./lib');

const S = grpc.status;
const nowMin = () => Math.floor(Date.now() / 60000);

// Creates a key over the Admin RPC with the platform admin's clients `c`;
// returns { key (the ApiKey), token }.
async function createKey(c, key) {
  const res = await call(c.admin, 'CreateApiKey', { key });
  assert.ok(res.token.startsWith(`pl_${res.key.key_id}_`), 'token names its key id');
  return res;
}

const chainKey = (chain, roles, extra = {}) => ({ tenant_kind: 'TENANT_KIND_CHAIN', tenant: chain, roles, label: `${chain} ${roles.join('+')}`, ...extra });

// A second chain with one store, so that isolation has something to deny.
async function makeChain(c, code) {
  await call(c.admin, 'CreateChain', { chain: { code, name: code } });
  await call(c.admin, 'CreateStore', { store: { chain: code, code: 'S1', name: 'store one', utc_offset_min: 480 } });
}

test('Health needs no key; every other call without one is UNAUTHENTICATED', async () => {
  await withServer({}, async (srv) => {
    const anon = clients(srv.addr, { key: null });
    try {
      assert.equal((await call(anon.health, 'Check', { service: '' })).status, 'SERVING');
      await rejectsWith(call(anon.admin, 'GetChain', { code: 'demo' }), S.UNAUTHENTICATED, /authorization: missing bearer key/);
      await rejectsWith(call(anon.sched, 'RecommendSlots', { chain: 'demo', stores: ['SH01'], services: ['MAINT'], k: 1 }), S.UNAUTHENTICATED);
      await rejectsWith(call(anon.inventory, 'GetStock', { chain: 'demo', warehouse: 'WH-SH01', part_no: 'OF-1001' }), S.UNAUTHENTICATED);
      await rejectsWith(call(anon.admin, 'ListApiKeys', {}), S.UNAUTHENTICATED);
    } finally {
      closeAll(anon);
    }
  });
});

test('a garbage or tampered key is UNAUTHENTICATED; a revoked key is refused at once', async () => {
  await withServer({}, async (srv, c) => {
    const { key, token } = await createKey(c, chainKey('demo', ['ROLE_VIEWER']));
    const tampered = token.slice(0, -1) + (token.endsWith('0') ? '1' : '0');
    for (const bad of ['garbage', 'pl_000000000000_' + '0'.repeat(64), tampered, token + 'x']) {
      const x = clients(srv.addr, { key: bad });
      await rejectsWith(call(x.admin, 'GetChain', { code: 'demo' }), S.UNAUTHENTICATED, /unknown or revoked key/);
      closeAll(x);
    }
    const v = clients(srv.addr, { key: token });
    assert.equal((await call(v.admin, 'GetChain', { code: 'demo' })).chain.code, 'demo');
    const revoked = await call(c.admin, 'RevokeApiKey', { key_id: key.key_id });
    assert.equal(revoked.revoked, true);
    // the very next call, on the same connection, is refused
    await rejectsWith(call(v.admin, 'GetChain', { code: 'demo' }), S.UNAUTHENTICATED, /unknown or revoked key/);
    closeAll(v);
    const listed = (await call(c.admin, 'ListApiKeys', {})).keys.find((k) => k.key_id === key.key_id);
    assert.equal(listed.revoked, true);
    assert.ok(!JSON.stringify(listed).includes(token.split('_')[2]), 'a listing never shows a secret');
  });
});

test("a chain's key sees only its own chain: another chain is PERMISSION_DENIED", async () => {
  await withServer({}, async (srv, c) => {
    await makeChain(c, 'acme');
    const { token } = await createKey(c, chainKey('demo', ['ROLE_ADMIN']));
    const d = clients(srv.addr, { key: token });
    try {
      assert.equal((await call(d.admin, 'GetStore', { chain: 'demo', code: 'SH01' })).code, 'SH01');
      await rejectsWith(call(d.admin, 'GetStore', { chain: 'acme', code: 'S1' }), S.PERMISSION_DENIED, /chain: this key may not act on chain 'acme'/);
      // the answer is the same whether the chain exists or not
      await rejectsWith(call(d.admin, 'GetStore', { chain: 'nosuch', code: 'S1' }), S.PERMISSION_DENIED, /chain 'nosuch'/);
      await rejectsWith(call(d.admin, 'GetChain', { code: 'acme' }), S.PERMISSION_DENIED);
      // a chain nested one level down (store.chain) is checked too
      const store = { chain: 'acme', code: 'S9', name: 'x', utc_offset_min: 480 };
      await rejectsWith(call(d.admin, 'CreateStore', { store }), S.PERMISSION_DENIED, /chain 'acme'/);
      await rejectsWith(call(d.inventory, 'GetStock', { chain: 'acme', warehouse: 'W', part_no: 'P' }), S.PERMISSION_DENIED);
      // chain-less platform calls are refused; ListChains shows its own
      await rejectsWith(call(d.admin, 'CreateChain', { chain: { code: 'mine', name: 'x' } }), S.PERMISSION_DENIED, /platform key/);
      const all = (await call(c.admin, 'ListChains', {})).chains.map((x) => x.code).sort();
      assert.deepEqual(all, ['acme', 'demo']);
      const own = (await call(d.admin, 'ListChains', {})).chains.map((x) => x.code);
      assert.deepEqual(own, ['demo']);
      // nothing was created on acme
      assert.equal((await call(c.admin, 'GetChain', { code: 'acme' })).stores, 1);
    } finally {
      closeAll(d);
    }
  });
});

test('roles: a viewer cannot write, a clerk cannot book; each can do its own work', async () => {
  await withServer({}, async (srv, c) => {
    const viewer = clients(srv.addr, { key: (await createKey(c, chainKey('demo', ['ROLE_VIEWER']))).token });
    const clerk = clients(srv.addr, { key: (await createKey(c, chainKey('demo', ['ROLE_CLERK']))).token });
    try {
      const store = { chain: 'demo', code: 'V1', name: 'viewer store', utc_offset_min: 480 };
      await rejectsWith(call(viewer.admin, 'CreateStore', { store }), S.PERMISSION_DENIED, /roles viewer\) may not call Admin\/CreateStore/);
      await rejectsWith(call(viewer.inventory, 'Receive', { chain: 'demo', warehouse: 'DC-EAST', part_no: 'OF-1001', qty: 1, unit_cost_fen: 100 }), S.PERMISSION_DENIED);
      assert.equal((await call(viewer.admin, 'ListStores', { chain: 'demo' })).stores.length, 2);
      await rejectsWith(call(c.admin, 'GetStore', { chain: 'demo', code: 'V1' }), S.NOT_FOUND);

      const t = nowMin();
      const q = { chain: 'demo', stores: ['SH01'], services: ['MAINT'], earliest_min: t, latest_min: t + 7 * 1440, k: 1 };
      const opts = (await call(c.sched, 'RecommendSlots', q)).options;
      assert.ok(opts.length > 0);
      const hold = { chain: 'demo', store: opts[0].store, segments: opts[0].segments, channel: 'CHANNEL_APP', customer: 'c', plate: 'P1' };
      await rejectsWith(call(clerk.sched, 'Hold', hold), S.PERMISSION_DENIED, /roles clerk\) may not call Scheduling\/Hold/);
      await rejectsWith(call(clerk.sched, 'ListBookings', { chain: 'demo', store: 'SH01' }), S.PERMISSION_DENIED);
      const before = await call(clerk.inventory, 'GetStock', { chain: 'demo', warehouse: 'DC-EAST', part_no: 'OF-1001' });
      await call(clerk.inventory, 'Receive', { chain: 'demo', warehouse: 'DC-EAST', part_no: 'OF-1001', qty: 2, unit_cost_fen: 100, actor: 'clerk' });
      const after = await call(clerk.inventory, 'GetStock', { chain: 'demo', warehouse: 'DC-EAST', part_no: 'OF-1001' });
      const onHand = (r) => r.total.on_hand;
      assert.equal(onHand(after), onHand(before) + 2);
      // the hold the clerk was refused is still free for the admin
      const b = await call(c.sched, 'Hold', hold);
      assert.equal(b.state, 'BOOKING_STATE_HELD');
    } finally {
      closeAll(viewer);
      closeAll(clerk);
    }
  });
});

test('an insurer key acts only on the chains it works with, and only in its role', async () => {
  await withServer({}, async (srv, c) => {
    await makeChain(c, 'acme');
    const { token } = await createKey(c, { tenant_kind: 'TENANT_KIND_INSURER', tenant: 'pingan', chains: ['demo'], roles: ['ROLE_INSURER'] });
    const ins = clients(srv.addr, { key: token });
    try {
      const t = nowMin();
      const q = { chain: 'demo', stores: ['SH01'], services: ['MAINT'], earliest_min: t, latest_min: t + 7 * 1440, k: 1 };
      assert.ok((await call(ins.sched, 'RecommendSlots', q)).options.length > 0);
      await rejectsWith(call(ins.sched, 'RecommendSlots', { ...q, chain: 'acme', stores: ['S1'] }), S.PERMISSION_DENIED, /chain 'acme'/);
      await rejectsWith(call(ins.admin, 'GetStore', { chain: 'demo', code: 'SH01' }), S.PERMISSION_DENIED, /roles insurer/);
      await rejectsWith(call(ins.admin, 'ListApiKeys', {}), S.PERMISSION_DENIED);
    } finally {
      closeAll(ins);
    }
  });
});

test("a chain admin manages only its own chain's keys", async () => {
  await withServer({}, async (srv, c) => {
    await makeChain(c, 'acme');
    const acmeViewer = await createKey(c, chainKey('acme', ['ROLE_VIEWER']));
    const admin = clients(srv.addr, { key: (await createKey(c, chainKey('demo', ['ROLE_ADMIN']))).token });
    try {
      const mine = await call(admin.admin, 'CreateApiKey', { key: chainKey('demo', ['ROLE_ADVISOR']) });
      assert.deepEqual(mine.key.chains, ['demo']);
      await rejectsWith(call(admin.admin, 'CreateApiKey', { key: chainKey('acme', ['ROLE_ADMIN']) }), S.PERMISSION_DENIED);
      await rejectsWith(call(admin.admin, 'CreateApiKey', { key: { tenant_kind: 'TENANT_KIND_PLATFORM', tenant: 'x', roles: ['ROLE_ADMIN'] } }), S.PERMISSION_DENIED);
      // another chain's key is NOT_FOUND to it, exactly like an unknown one
      await rejectsWith(call(admin.admin, 'RevokeApiKey', { key_id: acmeViewer.key.key_id }), S.NOT_FOUND, /no key/);
      await rejectsWith(call(admin.admin, 'RevokeApiKey', { key_id: '0123456789ab' }), S.NOT_FOUND, /no key/);
      const seen = (await call(admin.admin, 'ListApiKeys', {})).keys;
      assert.ok(seen.length >= 2);
      assert.ok(seen.every((k) => k.tenant_kind === 'TENANT_KIND_CHAIN' && k.tenant === 'demo'), 'only demo keys');
      const all = (await call(c.admin, 'ListApiKeys', {})).keys;
      assert.ok(all.some((k) => k.key_id === acmeViewer.key.key_id), 'the platform sees every key');
      // the acme key still works: the refused revoke changed nothing
      const av = clients(srv.addr, { key: acmeViewer.token });
      assert.equal((await call(av.admin, 'GetStore', { chain: 'acme', code: 'S1' })).code, 'S1');
      closeAll(av);
    } finally {
      closeAll(admin);
    }
  });
});

test('a rate-limited key gets RESOURCE_EXHAUSTED within a burst; another key is not starved', async () => {
  await withServer({}, async (srv, c) => {
    const rate = 5;
    const burst = 5;
    const limited = clients(srv.addr, { key: (await createKey(c, chainKey('demo', ['ROLE_VIEWER'], { rate_per_s: rate, burst }))).token });
    const other = clients(srv.addr, { key: (await createKey(c, chainKey('demo', ['ROLE_VIEWER']))).token });
    try {
      const n = 50;
      const t0 = Date.now();
      const outcome = (p) => p.then(() => 'ok', (e) => e.code);
      const [a, b] = await Promise.all([
        Promise.all(Array.from({ length: n }, () => outcome(call(limited.admin, 'GetStore', { chain: 'demo', code: 'SH01' })))),
        Promise.all(Array.from({ length: n }, () => outcome(call(other.admin, 'GetStore', { chain: 'demo', code: 'SH01' })))),
      ]);
      const elapsed = (Date.now() - t0) / 1000;
      const ok = a.filter((x) => x === 'ok').length;
      const exhausted = a.filter((x) => x === S.RESOURCE_EXHAUSTED).length;
      assert.equal(ok + exhausted, n, `only OK or RESOURCE_EXHAUSTED: ${a}`);
      // at most the bucket plus what it refilled while the calls ran
      const allowed = burst + Math.ceil(rate * elapsed) + 1;
      assert.ok(ok >= 1 && ok <= allowed, `${ok} OK of ${n} in ${elapsed}s (allowed ${allowed})`);
      assert.ok(exhausted >= n - allowed, `${exhausted} refused`);
      assert.deepEqual(b, Array(n).fill('ok'), 'the unlimited key got every call through');
      const detail = await call(limited.admin, 'GetStore', { chain: 'demo', code: 'SH01' }).then(() => null, (e) => e.details);
      if (detail !== null) assert.match(detail, /rate limit: key [0-9a-f]{12} exceeds 5 requests\/s/);
    } finally {
      closeAll(limited);
      closeAll(other);
    }
  });
});

test('keys survive a restart; revoked keys stay revoked', async () => {
  const srv = await startServer({});
  let c = clients(srv.addr);
  const kept = await createKey(c, chainKey('demo', ['ROLE_VIEWER']));
  const gone = await createKey(c, chainKey('demo', ['ROLE_VIEWER']));
  await call(c.admin, 'RevokeApiKey', { key_id: gone.key.key_id });
  closeAll(c);
  await srv.stop('SIGKILL'); // acknowledged means durable
  const again = await startServer({ dataDir: srv.dataDir, demo: false });
  c = clients(again.addr);
  const k = clients(again.addr, { key: kept.token });
  const g = clients(again.addr, { key: gone.token });
  try {
    assert.equal((await call(k.admin, 'GetChain', { code: 'demo' })).chain.code, 'demo');
    await rejectsWith(call(g.admin, 'GetChain', { code: 'demo' }), S.UNAUTHENTICATED);
    const listed = (await call(c.admin, 'ListApiKeys', {})).keys;
    assert.equal(listed.find((x) => x.key_id === kept.key.key_id).revoked, false);
    assert.equal(listed.find((x) => x.key_id === gone.key.key_id).revoked, true);
  } finally {
    closeAll(c);
    closeAll(k);
    closeAll(g);
    await again.stop();
  }
});

test('pl-keys works offline on the data directory and refuses while the server runs', async () => {
  const dir = tempDir();
  const token = plKeys(['create', '--data', dir, '--tenant-kind', 'insurer', '--tenant', 'pingan', '--chain', 'demo', '--role', 'insurer', '--label', 'cli']);
  assert.match(token, /^pl_[0-9a-f]{12}_[0-9a-f]{64}$/);
  const id = token.split('_')[1];
  const srv = await startServer({ dataDir: dir });
  try {
    assert.throws(() => plKeys(['list', '--data', dir]), /pitlaned running/);
    const ins = clients(srv.addr, { key: token });
    const t = nowMin();
    const q = { chain: 'demo', stores: ['SH01'], services: ['MAINT'], earliest_min: t, latest_min: t + 7 * 1440, k: 1 };
    assert.ok((await call(ins.sched, 'RecommendSlots', q)).options.length > 0);
    closeAll(ins);
  } finally {
    await srv.stop();
  }
  const line = plKeys(['list', '--data', dir]).split('\n').find((l) => l.startsWith(id));
  assert.match(line, /insurer\tpingan\tdemo\tinsurer\tunlimited\tactive\tcli/);
  plKeys(['revoke', '--data', dir, '--key-id', id]);
  const again = await startServer({ dataDir: dir, demo: false });
  const ins = clients(again.addr, { key: token });
  try {
    await rejectsWith(call(ins.admin, 'GetChain', { code: 'demo' }), S.UNAUTHENTICATED);
  } finally {
    closeAll(ins);
    await again.stop();
  }
});

test('--demo writes demo-keys.json (mode 0600) with working per-role keys', async () => {
  await withServer({}, async (srv) => {
    const file = path.join(srv.dataDir, 'demo-keys.json');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    const keys = JSON.parse(fs.readFileSync(file, 'utf8'));
    for (const r of ['platform-admin', 'admin', 'advisor', 'technician', 'clerk', 'planner', 'viewer', 'insurer', 'fleet']) {
      assert.match(keys[r], /^pl_[0-9a-f]{12}_[0-9a-f]{64}$/, r);
    }
    const v = clients(srv.addr, { key: keys.viewer });
    const p = clients(srv.addr, { key: keys['platform-admin'] });
    try {
      assert.equal((await call(v.admin, 'GetChain', { code: 'demo' })).chain.code, 'demo');
      await rejectsWith(call(v.admin, 'CreatePart', { part: { chain: 'demo', part_no: 'X-1', name: 'x', unit: 'pc' } }), S.PERMISSION_DENIED);
      await call(p.admin, 'CreateChain', { chain: { code: 'other', name: 'other' } });
    } finally {
      closeAll(v);
      closeAll(p);
    }
  });
});

test('TLS: Health and an authenticated call over a self-signed certificate', async () => {
  const dir = tempDir();
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
  const srv = await startServer({ dataDir: path.join(dir, 'db'), args: ['--tls-cert', cert, '--tls-key', key] });
  const creds = grpc.credentials.createSsl(fs.readFileSync(cert));
  const c = clients(srv.addr, { creds });
  const anon = clients(srv.addr, { creds, key: null });
  const plain = clients(srv.addr, { key: srv.key });
  try {
    assert.equal((await call(c.health, 'Check', { service: '' })).status, 'SERVING');
    assert.equal((await call(c.admin, 'GetChain', { code: 'demo' })).chain.code, 'demo');
    await rejectsWith(call(anon.admin, 'GetChain', { code: 'demo' }), S.UNAUTHENTICATED);
    // a plaintext client cannot talk to the TLS port at all
    await assert.rejects(call(plain.admin, 'GetChain', { code: 'demo' }, 3000), (e) => e.code === S.UNAVAILABLE || e.code === S.DEADLINE_EXCEEDED);
  } finally {
    closeAll(c);
    closeAll(anon);
    closeAll(plain);
    await srv.stop();
  }
});
