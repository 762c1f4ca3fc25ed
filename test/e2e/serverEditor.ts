/**
 * The set-up the suites that drive a server connection share: a database of their own on the run's test server,
 * loaded and vacuumed before the editor opens, one connection to it in the profile, the desktop's editing
 * defaults, and the database dropped afterwards.
 */
import { testServer } from '../helpers/globalServer';
import { createDatabase, dropDatabase, runSql } from '../helpers/testDatabase';
import { serverConnection, useEditor, type EditorHandle } from './codeServer';

export interface ServerEditorOptions {
  /** The database made for the suite on the run's test server (dropped after it). */
  database: string;
  /** The connection's label in the editor. */
  label: string;
  /** Tables and rows. */
  dataSql: string;
  /** Tables VACUUM ANALYZEd after the load, as autovacuum would have (statistics and the visibility map). */
  vacuum?: string[];
  /** Names the profile, the workspace and the screenshots of failed tests. */
  name: string;
  /** Files written into the workspace. */
  files: Record<string, string>;
}

export interface ServerEditor {
  ed: EditorHandle;
  /** The suite's database (set in its before hook). */
  url(): string;
}

export function useServerEditor(options: ServerEditorOptions): ServerEditor {
  let url = '';
  before(async () => {
    url = await createDatabase(await testServer(), options.database);
    await runSql(url, options.dataSql);
    // Not in the load's multi-statement batch: VACUUM cannot run inside one.
    for (const table of options.vacuum ?? []) await runSql(url, `VACUUM ANALYZE ${table}`);
  });

  const ed = useEditor(async () => {
    const connection = await serverConnection(options.label, options.database);
    return {
      ...connection,
      // The desktop default: a fix stays unsaved until the user saves (the web build auto-saves after a second);
      // once the editor scrolls, a sticky header would lie over the lines the tests point at.
      settings: { ...connection.settings, 'files.autoSave': 'off', 'editor.stickyScroll.enabled': false },
      name: options.name,
      files: options.files,
      // The document's exact text goes through the clipboard: the editor draws only the lines in view.
      clipboard: true,
    };
  });

  after(async () => dropDatabase(await testServer(), options.database));

  return { ed, url: () => url };
}
