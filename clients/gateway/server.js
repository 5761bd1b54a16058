#!/usr/bin/env node
// pitlane-gateway: serves the console (/) and the mobile client (/m/) and
// forwards their JSON calls to pitlaned over gRPC (see gateway.js).
//
//   node gateway/server.js [--listen HOST:PORT] [--target HOST:PORT] [--static DIR]
//
// Environment: PL_GATEWAY_LISTEN, PL_TARGET, PL_STATIC (flags win).
// Defaults: 127.0.0.1:8080, 127.0.0.1:50051, clients/dist.
'use strict';
const path = require('node:path');
const { createGateway } = require('./gateway');

function parseArgs(argv) {
  const o = {
    listen: process.env.PL_GATEWAY_LISTEN || '127.0.0.1:8080',
    target: process.env.PL_TARGET || '127.0.0.1:50051',
    static: process.env.PL_STATIC || path.resolve(__dirname, '..', 'dist'),
    verbose: !!process.env.PL_GATEWAY_VERBOSE,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const take = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--listen') o.listen = take();
    else if (a === '--target') o.target = take();
    else if (a === '--static') o.static = path.resolve(take());
    else if (a === '--verbose') o.verbose = true;
    else if (a === '--help' || a === '-h') {
      console.log('usage: server.js [--listen HOST:PORT] [--target HOST:PORT] [--static DIR] [--verbose]');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  return o;
}

function main() {
  let o;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`pitlane-gateway: ${e.message}`);
    process.exit(2);
  }
  const i = o.listen.lastIndexOf(':');
  const host = o.listen.slice(0, i) || '127.0.0.1';
  const port = Number(o.listen.slice(i + 1));
  const gw = createGateway({ target: o.target, staticDir: o.static, log: o.verbose ? (s) => console.log(s) : () => {} });
  gw.server.on('error', (e) => {
    console.error(`pitlane-gateway: ${e.message}`);
    process.exit(1);
  });
  gw.server.listen(port, host, () => {
    const a = gw.server.address();
    const base = `http://${a.address}:${a.port}`;
    // Tests read this line for the port.
    console.log(`pitlane-gateway listening on ${base}/ (console) and ${base}/m/ (mobile) -> pitlaned at ${o.target}`);
  });
  const stop = () => gw.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
