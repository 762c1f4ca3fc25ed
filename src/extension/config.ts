/** The one reader of `pgTuner.*` settings: typed getters over the live configuration. */
import * as vscode from 'vscode';
import { defaultSettings, sanitizeConnections, type ConnectionSetting } from './settings';

export const configSection = 'pgTuner';

export class TunerConfig {
  private get cfg(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration(configSection);
  }

  get connections(): ConnectionSetting[] {
    return sanitizeConnections(this.cfg.get<unknown>('connections'));
  }

  get lockTimeoutMs(): number {
    return this.cfg.get<number>('lockTimeoutMs') ?? defaultSettings.lockTimeoutMs;
  }

  get embeddedSchemaGlob(): string {
    return this.cfg.get<string>('embedded.schemaGlob') || defaultSettings.embeddedSchemaGlob;
  }

  get embeddedSeedGlob(): string {
    return this.cfg.get<string>('embedded.seedGlob') ?? defaultSettings.embeddedSeedGlob;
  }

  get embeddedGenerateData(): 'off' | 'auto' {
    return this.cfg.get<string>('embedded.generateData') === 'off' ? 'off' : defaultSettings.embeddedGenerateData;
  }

  get embeddedScale(): number {
    const scale = this.cfg.get<number>('embedded.scale');
    return typeof scale === 'number' && Number.isInteger(scale) && scale >= 1 ? scale : defaultSettings.embeddedScale;
  }

  get embeddedStatsFile(): string {
    return (this.cfg.get<string>('embedded.statsFile') ?? defaultSettings.embeddedStatsFile).trim();
  }

  get embeddedStartWhen(): 'workspaceOpens' | 'sqlInView' {
    return this.cfg.get<string>('embedded.startWhen') === 'sqlInView' ? 'sqlInView' : defaultSettings.embeddedStartWhen;
  }

  get staticDiagnostics(): boolean {
    return this.cfg.get<boolean>('diagnostics.static') ?? defaultSettings.staticDiagnostics;
  }

  get adviceAfterExplain(): boolean {
    return this.cfg.get<boolean>('advice.afterExplain') ?? defaultSettings.adviceAfterExplain;
  }

  /** Workspace-relative folder for index migrations; empty: the DDL opens in an untitled editor. */
  get adviceMigrationFolder(): string {
    return (this.cfg.get<string>('advice.migrationFolder') ?? defaultSettings.adviceMigrationFolder).trim();
  }

  /** `{ fraction }` when index candidates are to be built on sample copies of the tables, else undefined. */
  get adviseSampleCopy(): { fraction: number } | undefined {
    if (!(this.cfg.get<boolean>('advise.sampleCopy') ?? defaultSettings.adviseSampleCopy)) return undefined;
    const f = this.cfg.get<number>('advise.sampleCopyFraction') ?? defaultSettings.adviseSampleCopyFraction;
    return { fraction: typeof f === 'number' && f > 0 && f <= 1 ? f : defaultSettings.adviseSampleCopyFraction };
  }

  async addConnection(setting: ConnectionSetting): Promise<void> {
    const list = this.cfg.inspect<unknown>('connections');
    const current = sanitizeConnections(list?.globalValue);
    await this.cfg.update(
      'connections',
      [...current.filter((c) => c.label !== setting.label), dropUndefined(setting)],
      vscode.ConfigurationTarget.Global,
    );
  }

  affects(event: vscode.ConfigurationChangeEvent, key?: string): boolean {
    return event.affectsConfiguration(key ? `${configSection}.${key}` : configSection);
  }
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== false)) as T;
}
