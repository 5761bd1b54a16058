#!/usr/bin/env node
// Cluster tooling (docs/scaling.md): etcd + pitlaned nodes + HAProxy on
// one machine, the HAProxy config rendered from the shard map, and online
// chain moves. Used by scripts/cluster.sh and tests/e2e/cluster.test.js.
//
//   node scripts/cluster.js up --dir DIR [--nodes 3] [--port 50060] [--demo]
//        starts etcd, N nodes (n1..nN) and HAProxy; Ctrl-C stops them
//   node scripts/cluster.js render --etcd URL --dir DIR --port P --admin-port A
//        writes DIR/haproxy.cfg and DIR/chains.map from the shard map
//   node scripts/cluster.js move --etcd URL --dir DIR --admin-port A --key TOKEN CHAIN NODE
//        moves CHAIN to NODE online and prints the pause
//
// etcd layout (api/server/shardmap.h): /pitlane/nodes/<id> = host:port,
// /pitlane/chains/<chain> = <id>. etcd is reached over its v3 JSON gateway
// (fetch); HAProxy's map is changed live over its runtime API (a TCP admin
// socket on loopback) and the file rewritten for restarts.
'use strict';
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const E2E = path.join(ROOT, 'tests', 'e2e');
const grpc = require(require.resolve('@grpc/grpc-js', { paths: [E2E] }));
const protoLoader = require(require.resolve('@grpc/proto-loader', { paths: [E2E] }));

const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(['pitlane/v1/cluster.proto'], {
  includeDirs: [path.join(ROOT, 'proto')], keepCase: true, longs: Number, defaults: true,
}));

// ---- etcd (v3 JSON gateway) -------------------------------------------------
const b64 = (s) => Buffer.from(s).toString('base64');
const unb64 = (s) => (s ? Buffer.from(s, 'base64').toString() : '');

async function etcd(url, api, body) {
  const res = await fetch(`${url}/v3/${api}`, { method: 'POST', body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`etcd ${api}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

async function etcdPut(url, key, value) {
  return etcd(url, 'kv/put', { key: b64(key), value: b64(value) });
}

// The shard map: { version, nodes: {id: addr}, chains: {chain: id} }.
async function readMap(url) {
  const r = await etcd(url, 'kv/range', { key: b64('/pitlane/'), range_end: b64('/pitlane0') });
  const map = { version: Number(r.header.revision), nodes: {}, chains: {} };
  for (const kv of r.kvs || []) {
    const k = unb64(kv.key);
    const v = unb64(kv.value);
    if (k.startsWith('/pitlane/nodes/')) map.nodes[k.slice(15)] = v;
    else if (k.startsWith('/pitlane/chains/')) map.chains[k.slice(16)] = v;
  }
  return map;
}

// Flips chain from one node to another if it still names `from`; returns
// the revision of the change.
async function flipChain(url, chain, from, to) {
  const key = b64(`/pitlane/chains/${chain}`);
  const r = await etcd(url, 'kv/txn', {
    compare: [{ key, target: 'VALUE', result: 'EQUAL', value: b64(from) }],
    success: [{ request_put: { key, value: b64(to) } }],
  });
  if (!r.succeeded) throw new Error(`shard map: ${chain} is no longer on ${from}`);
  return Number(r.header.revision);
}

// ---- HAProxy ----------------------------------------------------------------
const backendOf = (id) => `node_${id}`;

function renderFiles(map, dir, port, adminPort) {
  const mapFile = path.join(dir, 'chains.map');
  const ids = Object.keys(map.nodes).sort();
  const lines = [
    '# Rendered by scripts/cluster.js from the shard map; do not edit.',
    `# shard map version ${map.version}`,
    'global',
    '  maxconn 4000',
    `  stats socket ipv4@127.0.0.1:${adminPort} level admin`,
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 600s',
    '  timeout server 600s',
    'frontend grpc',
    `  bind 127.0.0.1:${port} proto h2`,
    '  # every chain-scoped call carries x-pitlane-chain; the rest (Health,',
    '  # ListChains, API keys) go to any node',
    `  use_backend %[req.hdr(x-pitlane-chain),map(${mapFile},any_node)]`,
  ];
  for (const id of ids) {
    lines.push(`backend ${backendOf(id)}`, `  server ${id} ${map.nodes[id]} proto h2`);
  }
  lines.push('backend any_node', '  balance roundrobin');
  for (const id of ids) lines.push(`  server ${id} ${map.nodes[id]} proto h2`);
  const chains = Object.keys(map.chains).sort().map((c) => `${c} ${backendOf(map.chains[c])}`);
  const write = (f, text) => {
    fs.writeFileSync(`${f}.tmp`, text);
    fs.renameSync(`${f}.tmp`, f);
  };
  write(path.join(dir, 'haproxy.cfg'), `${lines.join('\n')}\n`);
  write(mapFile, `${chains.join('\n')}\n`);
  return { cfg: path.join(dir, 'haproxy.cfg'), mapFile };
}

// One command on HAProxy's runtime API; resolves with its answer.
function haproxyCmd(adminPort, cmd) {
  return new Promise((resolve, reject) => {
    const s = net.connect(adminPort, '127.0.0.1');
    let out = '';
    s.on('connect', () => s.end(`${cmd}\n`));
    s.on('data', (d) => { out += d; });
    s.on('end', () => resolve(out.trim()));
    s.on('error', reject);
  });
}

// Points chain at node's backend in the running HAProxy (no reload, no
// dropped connection) and in the map file.
async function routeChain(dir, adminPort, map, chain, id) {
  const mapFile = path.join(dir, 'chains.map');
  let out = await haproxyCmd(adminPort, `set map ${mapFile} ${chain} ${backendOf(id)}`);
  if (/not found/i.test(out)) out = await haproxyCmd(adminPort, `add map ${mapFile} ${chain} ${backendOf(id)}`);
  if (out !== '') throw new Error(`haproxy: ${out}`);
  const chains = { ...map.chains, [chain]: id };
  const text = Object.keys(chains).sort().map((c) => `${c} ${backendOf(chains[c])}`).join('\n');
  fs.writeFileSync(`${mapFile}.tmp`, `${text}\n`);
  fs.renameSync(`${mapFile}.tmp`, mapFile);
}

// ---- nodes ------------------------------------------------------------------
function clusterClient(addr, key) {
  const intercept = (options, next) => new grpc.InterceptingCall(next(options), {
    start(md, listener, go) { md.set('authorization', `Bearer ${key}`); go(md, listener); },
  });
  return new pkg.pitlane.v1.Cluster(addr, grpc.credentials.createInsecure(), { interceptors: [intercept] });
}

function rpc(client, method, req, ms = 30000) {
  return new Promise((resolve, reject) => {
    client[method](req, { deadline: Date.now() + ms }, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

async function waitVersion(client, version, ms = 10000) {
  const until = Date.now() + ms;
  for (;;) {
    const st = await rpc(client, 'Status', {});
    if (st.map_version >= version) return st;
    if (Date.now() > until) throw new Error(`node ${st.node_id} still at map v${st.map_version} < v${version}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

// Moves chain to node `to` online. Steps (docs/scaling.md): freeze on the
// source (its writes get UNAVAILABLE "moving; retry"), export the key
// range to an SST, import it on the target, flip the map in etcd, wait
// until both nodes see the flip, point HAProxy at the target, drop on the
// source (which lifts the freeze: from then on it names the new owner).
// Returns timings in ms; `pause` is the time writes were refused.
async function moveChain({ etcdUrl, dir, adminPort, key, chain, to }) {
  const map = await readMap(etcdUrl);
  const from = map.chains[chain];
  if (!from) throw new Error(`shard map: no chain ${chain}`);
  if (from === to) return { pause: 0, from, to };
  if (!map.nodes[to]) throw new Error(`shard map: no node ${to}`);
  const src = clusterClient(map.nodes[from], key);
  const dst = clusterClient(map.nodes[to], key);
  const file = path.join(dir, `move-${chain}-${Date.now()}.sst`);
  const t0 = performance.now();
  const t = {};
  try {
    const fr = await rpc(src, 'FreezeChain', { chain, timeout_ms: 5000 });
    t.drained = fr.waited_ms;
    try {
      const ex = await rpc(src, 'ExportChain', { chain, path: file });
      t.rows = ex.rows;
      t.bytes = ex.bytes;
      t.exported = performance.now() - t0;
      // Nodes on other machines: copy the file to the target's disk here
      // (scp); on one machine the path is shared.
      await rpc(dst, 'ImportChain', { chain, path: file });
      t.imported = performance.now() - t0;
    } catch (e) {
      await rpc(src, 'UnfreezeChain', { chain }).catch(() => {});
      throw e;
    }
    const rev = await flipChain(etcdUrl, chain, from, to);
    await waitVersion(dst, rev);
    await waitVersion(src, rev);
    t.flipped = performance.now() - t0;
    await routeChain(dir, adminPort, map, chain, to);
    t.routed = performance.now() - t0;
    await rpc(src, 'DropChain', { chain });
    t.pause = performance.now() - t0;
    return { from, to, version: rev, ...t };
  } finally {
    fs.rmSync(file, { force: true });
    src.close();
    dst.close();
  }
}

// ---- processes --------------------------------------------------------------
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function waitLine(proc, re, what, ms = 20000) {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${err}`)), ms);
    const onExit = (code) => { clearTimeout(timer); reject(new Error(`${what} exited (${code}): ${err}`)); };
    proc.on('exit', onExit);
    proc.stderr.on('data', (d) => { err += d; if (re.test(err)) done(); });
    proc.stdout.on('data', (d) => { out += d; if (re.test(out)) done(); });
    function done() {
      clearTimeout(timer);
      proc.removeListener('exit', onExit);
      resolve();
    }
  });
}

async function startEtcd(dir) {
  const [client, peer] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${client}`;
  const proc = spawn('etcd', ['--name', 'pl', '--data-dir', path.join(dir, 'etcd'),
    '--listen-client-urls', url, '--advertise-client-urls', url,
    '--listen-peer-urls', `http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
    '--initial-cluster', `pl=http://127.0.0.1:${peer}`, '--log-level', 'error', '--logger', 'zap'],
  { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout.resume();
  proc.stderr.resume();
  const until = Date.now() + 20000;
  for (;;) {
    try {
      await etcd(url, 'kv/range', { key: b64('/') });
      break;
    } catch (e) {
      if (proc.exitCode !== null || Date.now() > until) throw new Error(`etcd did not start: ${e.message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { url, proc };
}

function startNode({ pitlaned, id, port, dataDir, etcdUrl, threads = 2, demo = false }) {
  const args = ['--listen', `127.0.0.1:${port}`, '--data', dataDir, '--threads', String(threads),
    '--cluster-etcd', etcdUrl, '--node-id', id];
  if (demo) args.push('--demo');
  const proc = spawn(pitlaned, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((res) => proc.on('exit', (code, sig) => res({ code, sig, stderr })));
  return waitLine(proc, /listening on/, `pitlaned ${id}`).then(() => ({ id, port, addr: `127.0.0.1:${port}`, dataDir, proc, exited }));
}

async function startHaproxy(dir) {
  const cfg = path.join(dir, 'haproxy.cfg');
  execFileSync('haproxy', ['-c', '-q', '-f', cfg], { stdio: 'inherit' });
  const proc = spawn('haproxy', ['-W', '-db', '-f', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout.resume();
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  return proc;
}

// Starts etcd, `nodes` pitlaned nodes sharing one platform admin token,
// and HAProxy on `port` (0: a free one). Returns handles and stop().
async function up({ dir, nodes = 3, port = 0, pitlaned, plKeys, threads = 2, chains = {}, demo = false }) {
  fs.mkdirSync(dir, { recursive: true });
  pitlaned = pitlaned || process.env.PITLANED || path.join(ROOT, 'build', 'pitlaned');
  plKeys = plKeys || process.env.PL_KEYS || path.join(path.dirname(pitlaned), 'pl-keys');
  const e = await startEtcd(dir);
  const ids = Array.from({ length: nodes }, (_, i) => `n${i + 1}`);
  const ports = [];
  for (const id of ids) {
    const p = await freePort();
    ports.push(p);
    await etcdPut(e.url, `/pitlane/nodes/${id}`, `127.0.0.1:${p}`);
  }
  for (const [c, id] of Object.entries(chains)) await etcdPut(e.url, `/pitlane/chains/${c}`, id);
  // One platform admin token on every node (API keys are global records:
  // docs/scaling.md): made on the first data directory, imported on the rest.
  let key = null;
  for (const id of ids) {
    const d = path.join(dir, id);
    fs.mkdirSync(d, { recursive: true });
    const args = ['create', '--data', d, '--tenant-kind', 'platform', '--tenant', 'ops', '--role', 'admin', '--label', 'cluster admin'];
    if (key) args.push('--token', key);
    const out = execFileSync(plKeys, args, { encoding: 'utf8' }).trim();
    key = key || out;
  }
  const started = [];
  for (let i = 0; i < ids.length; i++) {
    started.push(await startNode({ pitlaned, id: ids[i], port: ports[i], dataDir: path.join(dir, ids[i]), etcdUrl: e.url, threads, demo }));
  }
  const hp = port || await freePort();
  const adminPort = await freePort();
  renderFiles(await readMap(e.url), dir, hp, adminPort);
  const haproxy = await startHaproxy(dir);
  // Ready when a Health call through it answers.
  const until = Date.now() + 15000;
  for (;;) {
    const ok = await new Promise((res) => {
      const s = net.connect(hp, '127.0.0.1', () => { s.destroy(); res(true); });
      s.on('error', () => res(false));
    });
    if (ok) break;
    if (Date.now() > until) throw new Error('haproxy did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  const cl = {
    dir, etcd: e, etcdUrl: e.url, nodes: started, haproxy, port: hp, router: `127.0.0.1:${hp}`, adminPort, key, pitlaned,
    node(id) { return this.nodes.find((n) => n.id === id); },
    async restart(id) {
      const i = this.nodes.findIndex((n) => n.id === id);
      const n = this.nodes[i];
      this.nodes[i] = await startNode({ pitlaned, id, port: n.port, dataDir: n.dataDir, etcdUrl: e.url, threads });
      return this.nodes[i];
    },
    async stop() {
      for (const n of this.nodes) if (n.proc.exitCode === null && n.proc.signalCode === null) n.proc.kill('SIGTERM');
      await Promise.all(this.nodes.map((n) => n.exited));
      haproxy.kill('SIGTERM');
      e.proc.kill('SIGTERM');
      await Promise.all([haproxy, e.proc].map((p) => (p.exitCode !== null || p.signalCode !== null ? null : new Promise((r) => p.on('exit', r)))));
    },
  };
  return cl;
}

module.exports = { up, readMap, etcdPut, flipChain, renderFiles, routeChain, moveChain, haproxyCmd, clusterClient, rpc, waitVersion, freePort };

// ---- command line -------------------------------------------------------------
function opts(argv) {
  const o = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith('--')) {
      const k = argv[i].slice(2);
      if (k === 'demo') o.demo = true;
      else o[k] = argv[++i];
    } else o._.push(argv[i]);
  }
  return o;
}

async function main() {
  const [cmd, ...rest] = process.argv.slice(2);
  const o = opts(rest);
  if (cmd === 'render') {
    const map = await readMap(o.etcd);
    const f = renderFiles(map, o.dir, Number(o.port), Number(o['admin-port']));
    console.log(`render: ${f.cfg} and ${f.mapFile} (shard map v${map.version})`);
  } else if (cmd === 'move') {
    const [chain, to] = o._;
    const r = await moveChain({ etcdUrl: o.etcd, dir: o.dir, adminPort: Number(o['admin-port']), key: o.key || process.env.PITLANE_KEY, chain, to });
    console.log(`move: ${chain} ${r.from} -> ${r.to}: ${r.rows} rows, writes paused ${r.pause.toFixed(1)} ms (map v${r.version})`);
  } else if (cmd === 'up') {
    const n = Number(o.nodes || 3);
    const chains = {};
    if (o.demo) chains.demo = 'n1';
    const cl = await up({ dir: path.resolve(o.dir || 'var/cluster'), nodes: n, port: Number(o.port || 50060), demo: !!o.demo, chains });
    console.log(`cluster: etcd ${cl.etcdUrl}; router (HAProxy, h2c) ${cl.router}; admin socket 127.0.0.1:${cl.adminPort}`);
    for (const nd of cl.nodes) console.log(`cluster: node ${nd.id} on ${nd.addr} (data ${nd.dataDir})`);
    console.log(`cluster: platform admin key ${cl.key}`);
    console.log(`cluster: move a chain: node scripts/cluster.js move --etcd ${cl.etcdUrl} --dir ${cl.dir} --admin-port ${cl.adminPort} --key KEY CHAIN NODE`);
    const stop = async () => { await cl.stop(); process.exit(0); };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  } else {
    console.error('usage: scripts/cluster.js up|render|move ... (see the top of the file)');
    process.exit(2);
  }
}

if (require.main === module) main().catch((e) => { console.error(`cluster: ${e.message}`); process.exit(1); });
