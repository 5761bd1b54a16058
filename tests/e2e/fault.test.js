// Fault injection: the disk fills up under a running pitlaned (an
// LD_PRELOAD shim fails its RocksDB writes and syncs on demand). Writes must
// then be refused with UNAVAILABLE, reads must go on, health must say
// NOT_SERVING, and after a restart on a healthy disk every acknowledged
// write is there and the server takes writes again.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { grpc, startServer, clients, call, closeAll, tempDir } = require('./lib');

const S = grpc.status;
const FAULTFS = process.env.PL_FAULTFS;

test('a full disk stops writes, not reads, and loses nothing acknowledged', { skip: !FAULTFS && 'PL_FAULTFS not set' }, async () => {
  const dataDir = tempDir();
  const trigger = path.join(tempDir(), 'disk-full');
  const env = { LD_PRELOAD: FAULTFS, PL_FAULT_DIR: dataDir, PL_FAULT_TRIGGER: trigger };
  const srv = await startServer({ dataDir, env });
  let c = clients(srv.addr);
  const part = (no) => ({ part: { chain: 'demo', part_no: no, name: 'f', unit: 'pc' } });
  const acked = [];
  for (let i = 0; i < 5; i++) acked.push((await call(c.admin, 'CreatePart', part(`F-${i}`))).part_no);
  fs.writeFileSync(trigger, '');
  await assert.rejects(call(c.admin, 'CreatePart', part('F-lost')), (err) => {
    assert.equal(err.code, S.UNAVAILABLE, err.details);
    return true;
  });
  // later writes are refused at once, before touching memory
  await assert.rejects(call(c.admin, 'CreatePart', part('F-refused')), (err) => {
    assert.equal(err.code, S.UNAVAILABLE, err.details);
    assert.match(err.details, /storage/);
    return true;
  });
  // reads go on; health tells balancers to move away
  assert.equal((await call(c.admin, 'GetPart', { chain: 'demo', part_no: 'F-0' })).part_no, 'F-0');
  assert.equal((await call(c.health, 'Check', { service: '' })).status, 'NOT_SERVING');
  // the disk is freed: the engine stays read-only until restarted
  fs.unlinkSync(trigger);
  await assert.rejects(call(c.admin, 'CreatePart', part('F-still')), (err) => err.code === S.UNAVAILABLE);
  closeAll(c);
  await srv.stop('SIGKILL');
  const again = await startServer({ dataDir, demo: false, env });
  c = clients(again.addr);
  try {
    for (const no of acked) await call(c.admin, 'GetPart', { chain: 'demo', part_no: no });
    await assert.rejects(call(c.admin, 'GetPart', { chain: 'demo', part_no: 'F-refused' }), (err) => err.code === S.NOT_FOUND);
    assert.equal((await call(c.health, 'Check', { service: '' })).status, 'SERVING');
    await call(c.admin, 'CreatePart', part('F-after'));
  } finally {
    closeAll(c);
    await again.stop();
  }
});
