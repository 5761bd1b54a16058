#!/usr/bin/env node
// Cluster benchmark (docs/scaling.md, docs/performance.md): RecommendSlots
// and durable Hold+Confirm with pl-load, (a) one node direct, (b) one node
// through HAProxy, (c) three nodes through HAProxy (one pl-load per node's
// chain, at once); and memory per chain from a node's jemalloc counters
// (Cluster/Status allocated_bytes) around loading generated chains.
//   node bench/cluster_bench.js [--seconds 5] [--concurrency 32]
// Loopback on a shared machine: the figures compare configurations run
// here, not what separate machines would do.
'use strict';
const { execFile } = require('node:child_process');
const os = require('node:os');
const fs = require('node:fs');
const path = require('node:path');
const C = require('../scripts/cluster.js');
const { clients, grpc } = require('../tests/e2e/lib.js');

const ROOT = path.resolve(__dirname, '..');
const arg = (k, d) => { const i = process.argv.indexOf(`--${k}`); return i > 0 ? process.argv[i + 1] : d; };
const SECONDS = arg('seconds', '5');
const CONC = arg('concurrency', '32');
const PL_LOAD = process.env.PL_LOAD || path.join(ROOT, 'build', 'bench', 'pl-load');

function load(target, scenario, chain, key) {
  return new Promise((resolve, reject) => {
    execFile(PL_LOAD, ['--target', target, '--scenario', scenario, '--chain', chain, '--key', key,
      '--seconds', SECONDS, '--concurrency', CONC, '--warmup', '1'], (err, out, errOut) => {
      if (err) return reject(new Error(`${err.message}: ${errOut}`));
      const f = Object.fromEntries(out.trim().split(/\s+/).map((kv) => kv.split('=')));
      resolve({ rate: parseFloat(f.rate), p50: Number(f.p50_us), p99: Number(f.p99_us), errors: Number(f.errors) });
    });
  });
}

function ccall(client, method, req, chain) {
  const md = new grpc.Metadata();
  md.set('x-pitlane-chain', chain);
  return new Promise((resolve, reject) => client[method](req, md, { deadline: Date.now() + 30000 }, (e, r) => (e ? reject(e) : resolve(r))));
}

// A generated chain of a given shape, through the router.
async function makeChain(c, chain, { stores, bays, techs, parts, bookings, lots }) {
  const week = Array.from({ length: 7 }, () => ({ start_min: 0, end_min: 1440 }));
  await ccall(c.admin, 'CreateChain', { chain: { code: chain, name: chain } }, chain);
  await ccall(c.admin, 'CreateWarehouse', { warehouse: { chain, code: 'DC', name: 'DC' } }, chain);
  await ccall(c.admin, 'CreateService', { service: { chain, code: 'SVC', name: 's', bay_type: 'BAY_TYPE_GENERAL_LIFT', skill: 'SKILL_ENGINE', min_level: 1, duration_min: 60, technicians: 1 } }, chain);
  const pending = [];
  const flush = async () => { await Promise.all(pending.splice(0)); };
  for (let s = 0; s < stores; s++) {
    const store = `S${s}`;
    await ccall(c.admin, 'CreateStore', { store: { chain, code: store, name: store, utc_offset_min: 480 } }, chain);
    await ccall(c.admin, 'SetStoreHours', { hours: { chain, store, week, horizon_days: 30 } }, chain);
    for (let b = 0; b < bays; b++) pending.push(ccall(c.admin, 'CreateBay', { bay: { chain, store, code: `B${b}`, type: 'BAY_TYPE_GENERAL_LIFT' } }, chain));
    for (let t = 0; t < techs; t++) {
      pending.push(ccall(c.admin, 'CreateTechnician', { technician: { chain, store, code: `T${t}`, name: 't', skills: [{ skill: 'SKILL_ENGINE', level: 3 }] } }, chain)
        .then(() => ccall(c.admin, 'SetTechnicianSchedule', { schedule: { chain, store, technician: `T${t}`, week: week.map((w) => ({ work: w })) } }, chain)));
    }
    await flush();
  }
  for (let p = 0; p < parts; p++) {
    pending.push(ccall(c.admin, 'CreatePart', { part: { chain, part_no: `P${p}`, name: 'part', unit: 'pc', purchase_fen: 100, sale_fen: 200 } }, chain));
    if (pending.length >= 64) await flush();
  }
  await flush();
  for (let l = 0; l < lots; l++) {
    pending.push(ccall(c.inventory, 'Receive', { chain, warehouse: 'DC', part_no: `P${l % parts}`, qty: 5, actor: 'gen', unit_cost_fen: 100 }, chain));
    if (pending.length >= 64) await flush();
  }
  await flush();
  const now = Math.floor(Date.now() / 60000);
  let made = 0;
  for (let s = 0; made < bookings; s = (s + 1) % stores) {
    const { options } = await ccall(c.sched, 'RecommendSlots', { chain, stores: [`S${s}`], services: ['SVC'], earliest_min: now + 60, latest_min: now + 29 * 1440, k: 16 }, chain);
    if (options.length === 0) break;
    await Promise.all(options.map((o) => ccall(c.sched, 'Hold', { chain, store: o.store, segments: o.segments, channel: 'CHANNEL_APP', customer: 'c', plate: 'P', ttl_ms: 86400000 }, chain)
      .then((b) => ccall(c.sched, 'Confirm', { chain, booking_id: b.id }, chain)).then(() => { made++; }).catch(() => {})));
  }
  return made;
}

(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pl-clbench-'));
  const cl = await C.up({ dir, nodes: 3, threads: 2, chains: { r1: 'n1', r1b: 'n1', r1c: 'n1', h1: 'n1', h1b: 'n1', h1c: 'n1', r2: 'n2', h2: 'n2', r3: 'n3', h3: 'n3', m1: 'n1', m2: 'n1', m3: 'n1', m4: 'n1' } });
  const rows = [];
  try {
    const n1 = cl.node('n1').addr;
    for (const [scenario, c] of [['recommend', 'r'], ['hold-confirm', 'h']]) {
      const d = await load(n1, scenario, `${c}1`, cl.key);
      rows.push({ scenario, config: 'one node, direct', ...d });
      const h = await load(cl.router, scenario, `${c}1b`, cl.key);
      rows.push({ scenario, config: 'one node, through HAProxy', ...h });
      const three = await Promise.all(['1c', '2', '3'].map((i) => load(cl.router, scenario, `${c}${i}`, cl.key)));
      rows.push({
        scenario, config: 'three nodes, through HAProxy (sum; worst p50/p99)',
        rate: three.reduce((a, x) => a + x.rate, 0), p50: Math.max(...three.map((x) => x.p50)), p99: Math.max(...three.map((x) => x.p99)), errors: three.reduce((a, x) => a + x.errors, 0),
      });
    }
    for (const r of rows) console.log(`${r.scenario.padEnd(13)} ${r.config.padEnd(50)} ${r.rate.toFixed(0).padStart(7)}/s p50 ${r.p50} us p99 ${r.p99} us errors ${r.errors}`);

    // Memory per chain: jemalloc's allocated bytes on n1 before and after
    // generating chains of one shape (the average of 4).
    const shape = { stores: 10, bays: 6, techs: 8, parts: 500, bookings: 1000, lots: 1000 };
    const router = clients(cl.router, { key: cl.key });
    const st = C.clusterClient(n1, cl.key);
    const before = (await C.rpc(st, 'Status', {})).allocated_bytes;
    let made = 0;
    for (const m of ['m1', 'm2', 'm3', 'm4']) made += await makeChain(router, m, shape);
    const after = (await C.rpc(st, 'Status', {})).allocated_bytes;
    const per = (after - before) / 4;
    console.log(`memory: ${JSON.stringify(shape)} (bookings made: ${made / 4} per chain): ${(per / 1048576).toFixed(2)} MiB per chain (jemalloc stats.allocated, n1)`);
    console.log(`memory: chains per node at 16 GiB (half for chains): ${Math.floor(8 * 1024 / (per / 1048576))}`);
  } finally {
    await cl.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  process.exit(0);
})().catch((e) => { console.error(e); process.exit(1); });
