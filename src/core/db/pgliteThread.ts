/**
 * A PGlite engine on a thread of its own (the bundled pgliteWorker.js): the same three calls as on the calling
 * thread, carried as messages. The database's errors come back with their fields (code, position, hint…), so
 * they read as they do in-thread. If the thread dies, every waiting call and every later one fails with a
 * message saying so; the session is then closed and the next explain starts a new one.
 */
import { Worker } from 'node:worker_threads';
import type { Row } from './statementRunner';
import type { PgliteEngine, StartedEngine } from './pgliteEngine';

export type PgliteCall =
  | { op: 'start' }
  | { op: 'query'; sql: string; params: unknown[]; jsonAsText: boolean }
  | { op: 'exec'; sql: string; jsonAsText: boolean }
  | { op: 'close' };

export type PgliteRequest = { id: number } & PgliteCall;

/** An error as it crosses the thread: its message and its own plain fields. */
export interface CarriedError {
  message: string;
  fields: Record<string, string | number | boolean>;
}

export type PgliteReply =
  | { id: number; ok: true; value: Row[] | Row[][] | StartedEngine['how'] | null }
  | { id: number; ok: false; error: CarriedError };

export function carryError(err: unknown): CarriedError {
  const fields: Record<string, string | number | boolean> = {};
  if (err && typeof err === 'object') {
    for (const [k, v] of Object.entries(err)) {
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') fields[k] = v;
    }
  }
  return { message: err instanceof Error ? err.message : String(err), fields };
}

function rebuildError(carried: CarriedError): Error {
  return Object.assign(new Error(carried.message), carried.fields);
}

interface Waiting {
  resolve(value: PgliteReply & { ok: true }): void;
  reject(err: Error): void;
}

/** Starts PGlite on a new thread running `script` (dist/pgliteWorker.js). */
export async function startEngineOnThread(script: string): Promise<StartedEngine> {
  const worker = new Worker(script);
  const waiting = new Map<number, Waiting>();
  let nextId = 1;
  let dead: Error | undefined;
  const fail = (err: Error): void => {
    dead ??= new Error(`The embedded database's thread stopped: ${err.message}`);
    for (const w of waiting.values()) w.reject(dead);
    waiting.clear();
  };
  worker.on('message', (reply: PgliteReply) => {
    const w = waiting.get(reply.id);
    waiting.delete(reply.id);
    if (waiting.size === 0) worker.unref();
    if (!w) return;
    if (reply.ok) w.resolve(reply);
    else w.reject(rebuildError(reply.error));
  });
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
  // Idle, the thread does not keep the process alive; a call under way does.
  worker.unref();
  const call = (c: PgliteCall): Promise<PgliteReply & { ok: true }> => {
    if (dead) return Promise.reject(dead);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, ...c } satisfies PgliteRequest);
    });
  };
  const how = (
    await call({ op: 'start' }).catch(async (err: unknown) => {
      await worker.terminate();
      throw err;
    })
  ).value as StartedEngine['how'];
  const engine: PgliteEngine = {
    query: async (sql, params, jsonAsText) => (await call({ op: 'query', sql, params, jsonAsText })).value as Row[],
    exec: async (sql, jsonAsText) => (await call({ op: 'exec', sql, jsonAsText })).value as Row[][],
    close: async () => {
      try {
        if (!dead) await call({ op: 'close' });
      } finally {
        dead ??= new Error('The embedded database is closed.');
        await worker.terminate();
      }
    },
  };
  return { how, engine };
}

/** Engines started ahead of need, by script: the next session on a thread takes it. */
const spares = new Map<string, Promise<StartedEngine>>();

/**
 * Starts PGlite on a thread ahead of need (while the caller still reads the schema files), so that starting it and
 * reading them overlap; the next `takeEngineOnThread(script)` gets it. One spare per script at most.
 */
export function prestartEngineOnThread(script: string): void {
  if (spares.has(script)) return;
  const spare = startEngineOnThread(script);
  spare.catch(() => {
    if (spares.get(script) === spare) spares.delete(script);
  });
  spares.set(script, spare);
}

/** The engine started ahead of need for `script`, else a new one. */
export function takeEngineOnThread(script: string): Promise<StartedEngine> {
  const spare = spares.get(script);
  spares.delete(script);
  return spare ?? startEngineOnThread(script);
}
