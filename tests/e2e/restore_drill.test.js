// Restore drill (issue #24): pitlaned writes bookings and stock under a
// concurrent load while Admin/CreateBackup takes backups mid-stream; each
// backup checked is restored with `pl-admin restore` into a new directory,
// `pl-admin backup --verify [--deep]` and `pl-admin verify-ledger` run, and a
// new pitlaned started on it must show:
//   - every write acknowledged before the backup began (receipts,
//     holds, confirms, cancels);
//   - nothing whose request was sent after the backup returned; and the
//     cut is exact: a receipt is there if and only if its ledger sequence
//     number is <= the chain's head that CreateBackup reported;
//   - stock equal to its ledger replayed from zero (VerifyLedger), never
//     negative, and no bay or technician booked twice.
// CI: two concurrent backups mid-stream (both checked). Long mode (docs/reliability.md):
// PL_DRILL_SECONDS=N runs the load N seconds with a backup every
// PL_DRILL_EVERY_MS (default 2000) and restores PL_DRILL_CHECK (default 3)
// of them picked at random.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { startServer, clients, call, closeAll, tempDir, PITLANED } = require('./lib');

const PL_ADMIN = process.env.PL_ADMIN || path.join(path.dirname(PITLANED), 'pl-admin');
const LONG = Number(process.env.PL_DRILL_SECONDS || 0);
const SECONDS = LONG || 3;
const EVERY_MS = LONG ? Number(process.env.PL_DRILL_EVERY_MS || 2000) : 1500;
const CHECK = LONG ? Number(process.env.PL_DRILL_CHECK || 3) : Infinity;
const LIVE = ['BOOKING_STATE_HELD', 'BOOKING_STATE_CONFIRMED', 'BOOKING_STATE_CHECKED_IN'];
const nowMin = () => Math.floor(Date.now() / 60000);
const rnd = (n) => Math.floor(Math.random() * n);

// What clients sent and were told, with times (ms, this process's clock).
const receipts = []; // { key, qty, seq, sent, acked }
const bookings = new Map(); // id -> [{ state, sent, acked }]

async function worker(c, stopAt, uid) {
  for (let n = 0; Date.now() < stopAt; n++) {
    try {
      if (rnd(2) === 0) {
        const req = { chain: 'demo', warehouse: 'DC-EAST', part_no: 'OF-1001', qty: 1 + rnd(3), actor: 'drill', unit_cost_fen: 2300, idempotency_key: `dr-${uid}-${n}` };
        const sent = Date.now();
        const mv = await call(c.inventory, 'Receive', req, 5000);
        receipts.push({ key: req.idempotency_key, seq: Number(mv.seq), sent, acked: Date.now() });
      } else {
        const t = nowMin();
        const { options } = await call(c.sched, 'RecommendSlots', { chain: 'demo', stores: ['SH01', 'SH02'], services: ['TYRE'], earliest_min: t + rnd(10) * 1440, latest_min: t + 20 * 1440, k: 1 }, 5000);
        if (options.length === 0) continue;
        const o = options[0];
        let sent = Date.now();
        const b = await call(c.sched, 'Hold', { chain: 'demo', store: o.store, segments: o.segments, channel: 'CHANNEL_APP', customer: 'drill', plate: 'DRILL', ttl_ms: 3600000 }, 5000);
        const ev = [{ state: b.state, sent, acked: Date.now() }];
        bookings.set(String(b.id), ev);
        for (const [m, st] of [['Confirm', 'BOOKING_STATE_CONFIRMED'], ['Cancel', 'BOOKING_STATE_CANCELLED']]) {
          if (rnd(2) === 0) break;
          const e = { state: st, sent: Date.now(), acked: Infinity };
          ev.push(e);
          const r = await call(c.sched, m, { chain: 'demo', booking_id: b.id }, 5000);
          e.state = r.state;
          e.acked = Date.now();
        }
      }
    } catch (err) {
      // a lost race for a slot: nothing acknowledged
    }
  }
}

function admin(args) {
  return execFileSync(PL_ADMIN, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

// Every movement of the chain (paged).
async function movements(c) {
  const all = [];
  for (let cursor = 0; ;) {
    const r = await call(c.inventory, 'ListMovements', { chain: 'demo', cursor, limit: 500 }, 10000);
    all.push(...r.movements);
    if (!Number(r.next_cursor)) break;
    cursor = Number(r.next_cursor);
  }
  return all;
}

// Checks the restored server c against backup b ({ began, ended, head }).
async function check(c, b) {
  const seqs = new Set((await movements(c)).map((m) => Number(m.seq)));
  let before = 0, after = 0;
  for (const r of receipts) {
    const there = seqs.has(r.seq);
    if (r.acked < b.began) {
      before++;
      assert.ok(there, `receipt ${r.key} (seq ${r.seq}) acknowledged before the backup began, missing`);
    }
    if (r.sent > b.ended) {
      after++;
      assert.ok(!there, `receipt ${r.key} (seq ${r.seq}) sent after the backup, present`);
    }
    assert.equal(there, r.seq <= b.head, `receipt ${r.key}: seq ${r.seq}, head ${b.head}, present ${there}`);
  }
  for (const [id, ev] of bookings) {
    let got = null;
    try {
      got = await call(c.sched, 'GetBooking', { chain: 'demo', booking_id: Number(id) }, 5000);
    } catch (err) {
      assert.equal(err.code, 5, `GetBooking ${id}: ${err.details}`);
    }
    const mustHave = ev.filter((e) => e.acked < b.began).pop();
    if (mustHave) before++;
    if (ev[0].sent > b.ended) {
      after++;
      assert.equal(got, null, `booking ${id} held after the backup, present`);
    }
    if (mustHave) assert.ok(got, `booking ${id} acknowledged ${mustHave.state} before the backup began, missing`);
    if (got) {
      const allowed = ev.filter((e) => e.sent <= b.ended && ev.indexOf(e) >= ev.indexOf(mustHave || ev[0])).map((e) => e.state);
      assert.ok(allowed.includes(got.state), `booking ${id}: found ${got.state}, allowed ${allowed}`);
    }
  }
  // no bay or technician booked twice
  const segs = [];
  for (const store of ['SH01', 'SH02']) {
    for (let d = 0; d < 21; d++) {
      const date = new Date((nowMin() + d * 1440 + 480) * 60000).toISOString().slice(0, 10);
      const { bookings: page } = await call(c.sched, 'ListBookings', { chain: 'demo', store, date }, 5000);
      for (const bk of page) if (LIVE.includes(bk.state)) for (const s of bk.segments) segs.push({ ...s, id: bk.id, store });
    }
  }
  const byRes = new Map();
  for (const s of segs) {
    for (const r of [`bay ${s.bay}`, ...s.technicians.map((t) => `tech ${t}`)]) {
      const k = `${s.store}/${r}`;
      if (!byRes.has(k)) byRes.set(k, []);
      byRes.get(k).push(s);
    }
  }
  for (const [k, list] of byRes) {
    list.sort((x, y) => Number(x.start_min) - Number(y.start_min));
    for (let i = 1; i < list.length; i++) {
      assert.ok(Number(list[i - 1].end_min) <= Number(list[i].start_min), `bookings ${list[i - 1].id} and ${list[i].id} share ${k}`);
    }
  }
  const stock = await call(c.inventory, 'GetStock', { chain: 'demo', part_no: 'OF-1001' }, 5000);
  for (const row of stock.rows) assert.ok(row.on_hand >= 0 && row.reserved >= 0 && row.reserved <= row.on_hand, JSON.stringify(row));
  const v = await call(c.inventory, 'VerifyLedger', { chain: 'demo' }, 10000);
  assert.ok(v.consistent, v.detail);
  return { before, after };
}

test(`restore drill: backups under ${SECONDS} s of load, restored and checked`, { timeout: SECONDS * 1000 + 600000 }, async () => {
  const backupDir = path.join(tempDir(), 'backups');
  const srv = await startServer({ args: ['--backup-dir', backupDir] });
  const c = clients(srv.addr);
  const backups = [];
  try {
    const load = Array.from({ length: 4 }, () => clients(srv.addr));
    const stopAt = Date.now() + SECONDS * 1000;
    const work = load.map((cl, i) => worker(cl, stopAt, i));
    await new Promise((r) => setTimeout(r, EVERY_MS));
    const backup = async () => {
      const began = Date.now();
      const r = await call(c.admin, 'CreateBackup', { keep: 0 }, 60000);
      const ended = Date.now();
      const head = r.heads.find((h) => h.chain === 'demo');
      assert.ok(head && Number(head.seq) > 0, 'the backup names the demo chain\'s ledger head');
      backups.push({ id: r.backup_id, began, ended, head: Number(head.seq) });
    };
    // the first time, two at once (the server serializes them)
    await Promise.all([backup(), backup()]);
    assert.notEqual(backups[0].id, backups[1].id);
    while (Date.now() < stopAt - 500) {
      await new Promise((res) => setTimeout(res, EVERY_MS));
      if (Date.now() < stopAt - 500) await backup();
    }
    await Promise.all(work);
    load.forEach(closeAll);
  } finally {
    closeAll(c);
    await srv.stop();
  }
  assert.ok(backups.length > 0, 'a backup was taken mid-stream');
  assert.ok(receipts.length > 0 && bookings.size > 0, 'the load acknowledged writes');
  assert.match(admin(['backup', '--verify', '--to', backupDir]), /verified/);
  assert.match(admin(['backup', '--verify', '--deep', '--to', backupDir]), /verified \(deep\)/);
  const picked = CHECK >= backups.length ? backups : Array.from({ length: CHECK }, () => backups[rnd(backups.length)]);
  for (const b of picked) {
    const to = path.join(tempDir(), 'restored');
    admin(['restore', '--from', backupDir, '--to', to, '--backup-id', String(b.id)]);
    assert.match(admin(['verify-ledger', '--data', to]), /chain demo: ledger and stock agree/);
    const rs = await startServer({ dataDir: to, demo: false });
    const rc = clients(rs.addr);
    try {
      const { before, after } = await check(rc, b);
      console.log(`# backup ${b.id} (head ${b.head}): ${before} writes acknowledged before it there, ${after} sent after it absent`);
      assert.ok(before > 0, 'writes were acknowledged before the backup');
    } finally {
      closeAll(rc);
      await rs.stop();
    }
  }
  console.log(`# ${backups.length} backups, ${picked.length} restored; ${receipts.length} receipts, ${bookings.size} bookings acknowledged`);
});
