/**
 * The extension's side of the ORM finder's thread (ormNPlusOneWorker.ts): started with the first check, stopped
 * with the checks. Run from source (tests), or if the thread cannot start or dies, the finder runs on the calling
 * thread as before: slower for the editor, same advice.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { OrmNPlusOneAdvice } from '../../core/advice/nPlusOne/findOrmNPlusOne';

export interface OrmFinderRequest {
  id: number;
  text: string;
  fileName: string;
}

export type OrmFinderReply = { id: number; advice: OrmNPlusOneAdvice[] } | { id: number; error: string };

interface Waiting {
  resolve(advice: OrmNPlusOneAdvice[]): void;
  reject(err: Error): void;
}

export class OrmFinderThread {
  private worker: Worker | undefined;
  /** Set once the thread failed: the finder runs in-thread from then on. */
  private broken = false;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();

  /** @param script the bundled worker; beside the extension's bundle (dist/) */
  constructor(private readonly script = join(__dirname, 'ormNPlusOneWorker.js')) {}

  /** Whether checks run off the calling thread. */
  get offThread(): boolean {
    return !this.broken && existsSync(this.script);
  }

  async advise(text: string, fileName: string): Promise<OrmNPlusOneAdvice[]> {
    const worker = this.offThread ? this.start() : undefined;
    if (!worker) return (await import('../../core/advice/nPlusOne/findOrmNPlusOne')).adviseOrmNPlusOne(text, fileName);
    const id = this.nextId++;
    return new Promise<OrmNPlusOneAdvice[]>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ id, text, fileName } satisfies OrmFinderRequest);
    });
  }

  private start(): Worker | undefined {
    if (this.worker) return this.worker;
    try {
      const worker = new Worker(this.script);
      // An idle finder does not keep the process alive (the CLI's tests, the host's shutdown).
      worker.unref();
      worker.on('message', (reply: OrmFinderReply) => {
        const w = this.waiting.get(reply.id);
        this.waiting.delete(reply.id);
        if (!w) return;
        if ('error' in reply) w.reject(new Error(reply.error));
        else w.resolve(reply.advice);
      });
      const fail = (err: Error): void => {
        this.broken = true;
        this.worker = undefined;
        this.waiting.forEach((w) => w.reject(err));
        this.waiting.clear();
      };
      worker.on('error', fail);
      worker.on('exit', (code) => {
        if (this.worker === worker) fail(new Error(`the ORM finder's thread stopped (exit ${code})`));
      });
      this.worker = worker;
      return worker;
    } catch {
      this.broken = true;
      return undefined;
    }
  }

  dispose(): void {
    const worker = this.worker;
    this.worker = undefined;
    this.waiting.forEach((w) => w.reject(new Error('the ORM checks were stopped')));
    this.waiting.clear();
    void worker?.terminate();
  }
}
