/**
 * The embedded database's thread (bundled as dist/pgliteWorker.js, started by pgliteThread.ts): one PGlite,
 * answering the calls of its session in order.
 */
import { parentPort } from 'node:worker_threads';
import { startEngineHere, type PgliteEngine } from './pgliteEngine';
import { carryError, type PgliteReply, type PgliteRequest } from './pgliteThread';

let engine: PgliteEngine | undefined;

async function answer(request: PgliteRequest): Promise<PgliteReply> {
  try {
    switch (request.op) {
      case 'start': {
        const started = await startEngineHere();
        engine = started.engine;
        return { id: request.id, ok: true, value: started.how };
      }
      case 'query':
        return {
          id: request.id,
          ok: true,
          value: await ready().query(request.sql, request.params, request.jsonAsText),
        };
      case 'exec':
        return { id: request.id, ok: true, value: await ready().exec(request.sql, request.jsonAsText) };
      case 'close':
        await engine?.close();
        engine = undefined;
        return { id: request.id, ok: true, value: null };
    }
  } catch (err) {
    return { id: request.id, ok: false, error: carryError(err) };
  }
}

function ready(): PgliteEngine {
  if (!engine) throw new Error('The embedded database has not started.');
  return engine;
}

// Calls are answered one at a time, in the order they came (the session sends them so too).
let queue: Promise<void> = Promise.resolve();
parentPort?.on('message', (request: PgliteRequest) => {
  queue = queue.then(async () => parentPort?.postMessage(await answer(request)));
});
