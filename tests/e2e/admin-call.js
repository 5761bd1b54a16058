#!/usr/bin/env node
// Usage: node tests/e2e/admin-call.js METHOD 'JSON request' [HOST:PORT]
// Calls one pitlane.v1.Admin method and prints the reply as JSON.
// The bearer key: $PITLANE_KEY, else the platform admin key that
// `pitlaned --demo` wrote to var/db/demo-keys.json (scripts/run.sh).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { clients, call } = require('./lib');

function demoKey() {
  try {
    const f = path.join(__dirname, '..', '..', 'var', 'db', 'demo-keys.json');
    return JSON.parse(fs.readFileSync(f, 'utf8'))['platform-admin'];
  } catch {
    return null;
  }
}

const [method, json = '{}', addr = '127.0.0.1:50051'] = process.argv.slice(2);
if (!method) {
  console.error("usage: admin-call.js METHOD 'JSON' [HOST:PORT]");
  process.exit(2);
}
const c = clients(addr, { key: process.env.PITLANE_KEY || demoKey() });
call(c.admin, method, JSON.parse(json), 5000)
  .then((res) => {
    console.log(JSON.stringify(res, null, 2));
    process.exit(0);
  })
  .catch((err) => {
    console.error(`${err.code} ${err.details}`);
    process.exit(1);
  });
