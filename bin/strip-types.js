// Off-thread type stripping. Preloaded with `node --import ./bin/strip-types.js` (the npm scripts and the
// `tradestate` launcher do this), it takes the stripping of the project's `.ts` modules away from Node's
// built-in stripper on this thread and hands it to a helper worker thread; this thread only ever sees plain
// JavaScript.
//
// Why: Node's stripper runs in WebAssembly, and growing its memory detaches an ArrayBuffer. The first detach
// in a V8 isolate invalidates its ArrayBufferDetaching protector for good, and from then on every typed-array
// access in optimised code also tests a "was detached" bit: ~10–15 % on the book, matching and codec hot
// paths (docs/PERFORMANCE.md). The helper worker is its own isolate, so only its protector is lost.
//
// How: a synchronous in-thread `load` hook (module.registerHooks) posts each `.ts` source to the helper and
// blocks on Atomics.wait until the stripped code is back (~0.2 ms a module; a whole CLI start-up pays
// ~50 ms, mostly starting the helper). The output is Node's own stripper's: whitespace replaces the types,
// so line and column numbers in stack traces do not move, and non-erasable syntax fails with Node's error.
// Files under node_modules, which Node refuses to strip, and everything else go to Node's loader unchanged.
// Worker threads inherit the preload, so each gets the same treatment. The helper exits after a second idle.
//
// This file is plain JavaScript on purpose: loading a `.ts` file here would run the stripper it avoids.
import { readFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';

const HELPER = `
const { workerData } = require('node:worker_threads');
const { stripTypeScriptTypes } = require('node:module');
// stripTypeScriptTypes warns that it is experimental; the same stripper runs unflagged for .ts entry points.
process.emitWarning = () => {};
const { port, flag } = workerData;
port.on('message', (source) => {
  let reply;
  try {
    reply = { code: stripTypeScriptTypes(source, { mode: 'strip' }) };
  } catch (e) {
    reply = { error: { name: e.name, message: e.message, code: e.code } };
  }
  port.postMessage(reply);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
`;
const IDLE_MS = 1000;

let helper;
let port;
let flag;
let idle;

function stopHelper() {
  helper?.terminate();
  port?.close();
  helper = undefined;
  port = undefined;
}

function strip(url, source) {
  if (helper === undefined) {
    const channel = new MessageChannel();
    flag = new Int32Array(new SharedArrayBuffer(4));
    helper = new Worker(HELPER, {
      eval: true,
      execArgv: [],
      workerData: { port: channel.port2, flag },
      transferList: [channel.port2]
    });
    helper.unref();
    port = channel.port1;
    port.unref();
  }
  clearTimeout(idle);
  Atomics.store(flag, 0, 0);
  port.postMessage(source);
  Atomics.wait(flag, 0, 0);
  const reply = receiveMessageOnPort(port).message;
  idle = setTimeout(stopHelper, IDLE_MS);
  idle.unref();
  if (reply.error !== undefined) {
    const { name, message, code } = reply.error;
    const Type = name === 'SyntaxError' ? SyntaxError : Error;
    throw Object.assign(new Type(`${message} (${url})`), { code });
  }
  return reply.code;
}

// Workers inherit `--import` from the command line, not a hook registered by an import (the launcher's
// case); src/threads/worker-exec-argv.ts reads this to pass the preload on.
globalThis[Symbol.for('tradestate.stripTypesPreload')] = import.meta.url;

registerHooks({
  load(url, context, nextLoad) {
    if (
      context.format === 'module-typescript' &&
      url.startsWith('file:') &&
      !url.includes('/node_modules/')
    ) {
      return { format: 'module', source: strip(url, readFileSync(new URL(url), 'utf8')), shortCircuit: true };
    }
    return nextLoad(url, context);
  }
});
