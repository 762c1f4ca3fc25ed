/**
 * The active connection and its session. Two lifetimes: the manager lives as long as the extension; a session
 * (and what watches for it, e.g. the schema files behind the embedded database) lives until the user switches
 * connection or its inputs change. Nothing connects at activation: the first explain opens the session.
 */
import * as vscode from 'vscode';
import type { DatabaseSession } from '../../core/db/session';
import { TunerError } from '../../core/errors';
import type { TunerConfig } from '../config';
import type { Log } from '../log';
import { describeConnection, type ConnectionSetting } from '../settings';
import { readWorkspaceSqlFiles, watchWorkspaceSqlFiles } from './embeddedWorkspace';

export const embeddedLabel = 'Embedded (workspace schema)';
const activeKey = 'pgTuner.activeConnection';

export type ActiveConnection = { kind: 'embedded' } | { kind: 'server'; setting: ConnectionSetting };

export class ConnectionManager implements vscode.Disposable {
  private session: Promise<DatabaseSession> | undefined;
  private sessionDisposables: vscode.Disposable[] = [];
  private readonly changed = new vscode.EventEmitter<ActiveConnection>();
  readonly onDidChange = this.changed.event;

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

  async select(label: string | undefined): Promise<void> {
    await this.state.update(activeKey, label);
    await this.resetSession();
    this.changed.fire(this.active);
  }

  /** True once a session is open or opening (the next explain does not start a database). */
  get hasSession(): boolean {
    return this.session !== undefined;
  }

  /** The active session, opened on first use and kept until the connection changes. */
  getSession(token?: vscode.CancellationToken): Promise<DatabaseSession> {
    if (!this.session) {
      const opening = this.open(this.active, token);
      this.session = opening;
      // A failed open must not stick: the next explain tries again (after the user fixed the cause).
      opening.catch(() => {
        if (this.session === opening) void this.resetSession();
      });
    }
    return this.session;
  }

  /** Closes the session; the next explain opens a fresh one. */
  async resetSession(): Promise<void> {
    const old = this.session;
    this.session = undefined;
    for (const d of this.sessionDisposables.splice(0)) d.dispose();
    const s = await old?.catch(() => undefined);
    await s?.close().catch((err: unknown) => this.log.error('Closing the session', err));
  }

  /** Forget a rejected password so that the next connect asks again. */
  async forgetPassword(label: string): Promise<void> {
    await this.secrets.delete(secretKey(label));
  }

  async storePassword(label: string, password: string): Promise<void> {
    await this.secrets.store(secretKey(label), password);
  }

  private async open(active: ActiveConnection, token?: vscode.CancellationToken): Promise<DatabaseSession> {
    const { openSession } = await import('../../core/db/openSession');
    const started = Date.now();
    if (active.kind === 'embedded') {
      const { files, seedFiles } = await readWorkspaceSqlFiles(this.config, token);
      this.log.info(`Embedded database: loading ${files.length} schema file(s) and ${seedFiles.length} seed file(s)`);
      this.sessionDisposables.push(...watchWorkspaceSqlFiles(this.config, () => void this.onSchemaFilesChanged()));
      const session = await openSession({ kind: 'embedded', files, seedFiles, label: embeddedLabel }, { log: this.dbLog });
      this.log.info(`Embedded database ready in ${Date.now() - started} ms`);
      return session;
    }
    const c = active.setting;
    const password = await this.passwordFor(c);
    this.log.info(`Connecting to ${c.label} (${describeConnection(c)})`);
    // A connection that broke (dropped, or no answer in time) is not reused: the next explain reconnects.
    let session: DatabaseSession | undefined;
    session = await openSession({
      kind: 'server',
      host: c.host,
      port: c.port,
      database: c.database,
      user: c.user,
      password,
      sslmode: c.sslmode,
      label: c.label,
    }, { log: this.dbLog, onBroken: () => void this.dropBroken(session) });
    this.log.info(`Connected to ${c.label} in ${Date.now() - started} ms`);
    return session;
  }

  private async dropBroken(broken: DatabaseSession | undefined): Promise<void> {
    const current = await this.session?.catch(() => undefined);
    if (broken === undefined || current !== broken) return;
    this.log.warn(`${broken.label}: the connection broke; the next explain reconnects`);
    await this.resetSession();
  }

  /** Statements and durations from the database module (it never passes parameter values or passwords). */
  private readonly dbLog = (line: string): void => this.log.info(line);

  private async onSchemaFilesChanged(): Promise<void> {
    this.log.info('Schema or seed files changed: the embedded database will be rebuilt on the next explain');
    await this.resetSession();
  }

  private async passwordFor(c: ConnectionSetting): Promise<string | undefined> {
    if (c.passwordEnv) {
      const fromEnv = process.env[c.passwordEnv];
      if (fromEnv !== undefined) return fromEnv;
      this.log.warn(`${c.label}: environment variable ${c.passwordEnv} is not set; asking for the password instead`);
    }
    const stored = await this.secrets.get(secretKey(c.label));
    if (stored !== undefined) return stored;
    const entered = await vscode.window.showInputBox({
      title: `Password for ${c.label}`,
      prompt: `${describeConnection(c)} — stored in the editor's secret storage, never in settings. Leave empty for none.`,
      password: true,
      ignoreFocusOut: true,
    });
    if (entered === undefined) throw new TunerError('cancelled', 'No password entered.');
    await this.storePassword(c.label, entered);
    return entered === '' ? undefined : entered;
  }

  dispose(): void {
    void this.resetSession();
    this.changed.dispose();
  }
}

function secretKey(label: string): string {
  return `pgTuner.password.${label}`;
}
