/**
 * The active connection and its sessions. Two lifetimes: the manager lives as long as the extension; a session
 * (and what watches for it, e.g. the schema files behind the embedded database) lives until its inputs change.
 * The embedded database is kept across connection switches (building it again took 16 s, issue 13): a switch
 * closes only the server session. Nothing connects at activation: the embedded database starts in the
 * background once a SQL file is in view (`warmEmbedded`), a server connects on the first explain.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { SessionTarget } from '../../core/db/openSession';
import type { DatabaseSession } from '../../core/db/session';
import { TunerError } from '../../core/errors';
import type { TunerConfig } from '../config';
import type { Log } from '../log';
import { describeConnection, type ConnectionSetting } from '../settings';
import { readWorkspaceSqlFiles, watchWorkspaceSqlFiles } from './embeddedWorkspace';

export const embeddedLabel = 'Embedded (workspace schema)';
const activeKey = 'pgTuner.activeConnection';

export type ActiveConnection = { kind: 'embedded' } | { kind: 'server'; setting: ConnectionSetting };

/** Where the embedded database is, for the status bar. */
export type EmbeddedState =
  { kind: 'idle' } | { kind: 'starting' } | { kind: 'ready'; ms: number } | { kind: 'failed'; message: string };

export class ConnectionManager implements vscode.Disposable {
  private embedded: Promise<DatabaseSession> | undefined;
  private embeddedDisposables: vscode.Disposable[] = [];
  private server: Promise<DatabaseSession> | undefined;
  private embeddedStateNow: EmbeddedState = { kind: 'idle' };
  private readonly changed = new vscode.EventEmitter<ActiveConnection>();
  readonly onDidChange = this.changed.event;
  private readonly embeddedChanged = new vscode.EventEmitter<EmbeddedState>();
  readonly onDidChangeEmbeddedState = this.embeddedChanged.event;

  constructor(
    private readonly config: TunerConfig,
    private readonly secrets: vscode.SecretStorage,
    private readonly state: vscode.Memento,
    private readonly log: Log,
  ) {}

  /** The selected server connection, else the embedded default (also when the selected one was removed). */
  get active(): ActiveConnection {
    const label = this.state.get<string>(activeKey);
    const setting = label ? this.config.connections.find((c) => c.label === label) : undefined;
    return setting ? { kind: 'server', setting } : { kind: 'embedded' };
  }

  get activeLabel(): string {
    const a = this.active;
    return a.kind === 'embedded' ? embeddedLabel : a.setting.label;
  }

  get embeddedState(): EmbeddedState {
    return this.embeddedStateNow;
  }

  /** A switch closes the server session only: the embedded database stays loaded for a switch back. */
  async select(label: string | undefined): Promise<void> {
    await this.state.update(activeKey, label);
    await this.resetServer();
    this.changed.fire(this.active);
  }

  /** True once the active connection's session is open or opening (the next explain does not start a database). */
  get hasSession(): boolean {
    return (this.active.kind === 'embedded' ? this.embedded : this.server) !== undefined;
  }

  /** The active session, opened on first use and kept until its inputs change. */
  getSession(token?: vscode.CancellationToken): Promise<DatabaseSession> {
    const active = this.active;
    if (active.kind === 'embedded') return this.embeddedSession(token);
    if (!this.server) {
      const opening = this.openServer(active.setting);
      this.server = opening;
      // A failed open must not stick: the next explain tries again (after the user fixed the cause).
      opening.catch(() => {
        if (this.server === opening) void this.resetServer();
      });
    }
    return this.server;
  }

  /**
   * Starts the embedded database in the background when it is the active connection and not started yet, so
   * that the first explain finds it ready. A failure is logged here and reported by the explain that retries.
   */
  warmEmbedded(reason: string): void {
    if (this.active.kind !== 'embedded' || this.embedded) return;
    this.log.info(`Embedded database: starting in the background (${reason})`);
    this.embeddedSession().catch((err: unknown) =>
      this.log.warn(
        `Embedded database: the background start failed: ${err instanceof Error ? err.message : String(err)}`,
      ),
    );
  }

  /** Closes the active connection's session; the next explain opens a fresh one. */
  async resetSession(): Promise<void> {
    await (this.active.kind === 'embedded' ? this.resetEmbedded() : this.resetServer());
  }

  private embeddedSession(token?: vscode.CancellationToken): Promise<DatabaseSession> {
    if (!this.embedded) {
      const opening = this.openEmbedded(token);
      this.embedded = opening;
      this.setEmbeddedState({ kind: 'starting' });
      const started = Date.now();
      opening.then(
        () => {
          if (this.embedded === opening) this.setEmbeddedState({ kind: 'ready', ms: Date.now() - started });
        },
        (err: unknown) => {
          if (this.embedded !== opening) return;
          this.setEmbeddedState({ kind: 'failed', message: err instanceof Error ? err.message : String(err) });
          // Not kept: the next explain tries again (after the user fixed the file).
          this.embedded = undefined;
          for (const d of this.embeddedDisposables.splice(0)) d.dispose();
        },
      );
    }
    return this.embedded;
  }

  private setEmbeddedState(state: EmbeddedState): void {
    this.embeddedStateNow = state;
    this.embeddedChanged.fire(state);
  }

  private async resetEmbedded(): Promise<void> {
    const old = this.embedded;
    this.embedded = undefined;
    for (const d of this.embeddedDisposables.splice(0)) d.dispose();
    if (old) this.setEmbeddedState({ kind: 'idle' });
    await this.closeQuietly(old);
  }

  private async resetServer(): Promise<void> {
    const old = this.server;
    this.server = undefined;
    await this.closeQuietly(old);
  }

  private async closeQuietly(session: Promise<DatabaseSession> | undefined): Promise<void> {
    const s = await session?.catch(() => undefined);
    await s?.close().catch((err: unknown) => this.log.error('Closing the session', err));
  }

  /** Forget a rejected password so that the next connect asks again. */
  async forgetPassword(label: string): Promise<void> {
    await this.secrets.delete(secretKey(label));
  }

  async storePassword(label: string, password: string): Promise<void> {
    await this.secrets.store(secretKey(label), password);
  }

  private async openEmbedded(token?: vscode.CancellationToken): Promise<DatabaseSession> {
    const { openSession } = await import('../../core/db/openSession');
    const started = Date.now();
    // PGlite on a thread of its own: loading a schema and generated rows is seconds of synchronous WASM, which
    // on the extension host would freeze every extension in the window (and time out a server connecting).
    // Started at once, so that its start and the search for the workspace's files overlap.
    const thread = join(__dirname, 'pgliteWorker.js');
    const threadScript = existsSync(thread) ? thread : undefined;
    if (threadScript) (await import('../../core/db/pgliteThread')).prestartEngineOnThread(threadScript);
    const { files, seedFiles, statsFile } = await readWorkspaceSqlFiles(this.config, token);
    this.log.info(`Embedded database: loading ${files.length} schema file(s) and ${seedFiles.length} seed file(s)`);
    this.embeddedDisposables.push(...watchWorkspaceSqlFiles(this.config, () => void this.onSchemaFilesChanged()));
    const session = await openSession(
      { kind: 'embedded', files, seedFiles, label: embeddedLabel, ...(await this.embeddedData(statsFile)) },
      { log: this.dbLog, embeddedThreadScript: threadScript },
    );
    this.log.info(`Embedded database ready in ${Date.now() - started} ms`);
    const { embeddedDataOf, describeEmbeddedData } = await import('../../core/db/generateData/embeddedDataNote');
    const summary = embeddedDataOf(session);
    const note = summary && describeEmbeddedData(summary);
    if (note) this.log.info(note);
    return session;
  }

  /** pgTuner.embedded.generateData/scale and the workspace's stats file; a bad stats file is said, then left out. */
  private async embeddedData(
    statsFile: { path: string; text: string } | undefined,
  ): Promise<Pick<Extract<SessionTarget, { kind: 'embedded' }>, 'generateData' | 'generateOptions'>> {
    if (this.config.embeddedGenerateData === 'off') return { generateData: 'off' };
    const scale = this.config.embeddedScale;
    if (!statsFile) return { generateData: 'auto', generateOptions: { scale } };
    const { parseStatsFile } = await import('../../core/db/generateData/statsFile');
    try {
      const stats = parseStatsFile(statsFile.text, statsFile.path);
      return {
        generateData: 'auto',
        generateOptions: { scale, stats, statsSource: { kind: 'stats-file', name: statsFile.path } },
      };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.log.warn(message);
      void vscode.window.showWarningMessage(
        `PostgreSQL Query Tuner: ${message} Generating rows from defaults instead.`,
      );
      return { generateData: 'auto', generateOptions: { scale } };
    }
  }

  private async openServer(c: ConnectionSetting): Promise<DatabaseSession> {
    const { openSession } = await import('../../core/db/openSession');
    const started = Date.now();
    // A connection that broke (dropped, or no answer in time) is not reused: the next explain reconnects.
    let session: DatabaseSession | undefined;
    for (let rejected = false; ; rejected = true) {
      const { password, entered } = await this.passwordFor(c, rejected);
      this.log.info(`Connecting to ${c.label} (${describeConnection(c)})`);
      try {
        session = await openSession(
          {
            kind: 'server',
            host: c.host,
            port: c.port,
            database: c.database,
            user: c.user,
            password,
            sslmode: c.sslmode,
            label: c.label,
          },
          { log: this.dbLog, onBroken: () => void this.dropBroken(session) },
        );
        break;
      } catch (err) {
        // A stored or typed password that the server rejects is asked for again at once, the prompt saying
        // why: no "rejected" toast that would stay up after the retry succeeded (issue 13). One from passwordEnv
        // is the user's to fix in their environment: that failure is reported.
        if (!(err instanceof TunerError && err.reason === 'authentication-failed') || !entered) throw err;
        await this.forgetPassword(c.label);
        this.log.warn(`${c.label}: the password was rejected; asking again`);
      }
    }
    this.log.info(`Connected to ${c.label} in ${Date.now() - started} ms`);
    return session;
  }

  private async dropBroken(broken: DatabaseSession | undefined): Promise<void> {
    const current = await this.server?.catch(() => undefined);
    if (broken === undefined || current !== broken) return;
    this.log.warn(`${broken.label}: the connection broke; the next explain reconnects`);
    await this.resetServer();
  }

  /** Statements and durations from the database module (it never passes parameter values or passwords). */
  private readonly dbLog = (line: string): void => this.log.info(line);

  private async onSchemaFilesChanged(): Promise<void> {
    this.log.info('Schema or seed files changed: the embedded database will be rebuilt on the next explain');
    await this.resetEmbedded();
  }

  /** The password to try; `entered`: it came from the secret storage or the prompt, so a rejection asks again. */
  private async passwordFor(
    c: ConnectionSetting,
    rejected: boolean,
  ): Promise<{ password: string | undefined; entered: boolean }> {
    if (c.passwordEnv) {
      const fromEnv = process.env[c.passwordEnv];
      if (fromEnv !== undefined) return { password: fromEnv, entered: false };
      if (!rejected)
        this.log.warn(`${c.label}: environment variable ${c.passwordEnv} is not set; asking for the password instead`);
    }
    const stored = await this.secrets.get(secretKey(c.label));
    if (stored !== undefined) return { password: stored === '' ? undefined : stored, entered: true };
    const entered = await vscode.window.showInputBox({
      title: `Password for ${c.label}`,
      prompt: `${rejected ? 'The server rejected the password: enter it again. ' : ''}${describeConnection(c)} — stored in the editor's secret storage, never in settings. Leave empty for none.`,
      password: true,
      ignoreFocusOut: true,
    });
    if (entered === undefined) throw new TunerError('cancelled', 'No password entered.');
    await this.storePassword(c.label, entered);
    return { password: entered === '' ? undefined : entered, entered: true };
  }

  dispose(): void {
    void this.resetEmbedded();
    void this.resetServer();
    this.changed.dispose();
    this.embeddedChanged.dispose();
  }
}

function secretKey(label: string): string {
  return `pgTuner.password.${label}`;
}
