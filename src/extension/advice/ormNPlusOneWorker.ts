/**
 * The ORM N+1 finder on a thread of its own (dist/ormNPlusOneWorker.js): it builds a TypeScript program, seconds
 * for the first file, and on the extension host's thread that would freeze every extension in the window. One
 * request at a time: { id, text, fileName } in, { id, advice } or { id, error } out (the advice is plain data).
 * Its program and parsed declaration files stay in this thread between files, so later files cost little.
 */
import { parentPort } from 'node:worker_threads';
import { adviseOrmNPlusOne } from '../../core/advice/nPlusOne/findOrmNPlusOne';
import type { OrmFinderReply, OrmFinderRequest } from './ormFinderThread';

parentPort?.on('message', (request: OrmFinderRequest) => {
  let reply: OrmFinderReply;
  try {
    reply = { id: request.id, advice: adviseOrmNPlusOne(request.text, request.fileName) };
  } catch (err) {
    reply = { id: request.id, error: err instanceof Error ? err.message : String(err) };
  }
  parentPort?.postMessage(reply);
});
