/** What advice needs to know about the tables behind a plan, read from pg_class, pg_index and pg_stats. */
export interface TableStats {
  schema: string;
  name: string;
  /** pg_class.reltuples: the planner's row estimate (-1 when never analysed, on 14+). */
  estimatedRows: number;
  relPages: number;
  totalBytes: number;
  tableBytes: number;
  lastAnalyze?: string;
  lastAutoAnalyze?: string;
  /** n_mod_since_analyze from pg_stat_user_tables. */
  modificationsSinceAnalyze?: number;
  seqScans?: number;
  seqTuplesRead?: number;
  inserts?: number;
  updates?: number;
  deletes?: number;
}

export interface IndexInfo {
  schema: string;
  table: string;
  name: string;
  /** pg_get_indexdef(), e.g. `CREATE INDEX idx ON public.orders USING btree (user_id)`. */
  definition: string;
  method: string;
  /** Key columns in order; an expression key appears as its text. */
  keyColumns: string[];
  /** Per key, its operator class when not the default (`text_pattern_ops`), else ''. */
  keyOpclasses?: string[];
  /** Per key, its collation when set on the key (`C`), else ''. */
  keyCollations?: string[];
  includeColumns: string[];
  /** Partial index predicate, when any. */
  predicate?: string;
  unique: boolean;
  primary: boolean;
  valid: boolean;
  sizeBytes: number;
  scans?: number;
}

export interface ColumnStats {
  schema: string;
  table: string;
  column: string;
  nullFrac: number;
  /** pg_stats.n_distinct: > 0 a count, < 0 a fraction of rows (−1 = unique). */
  nDistinct: number;
  correlation?: number;
  dataType: string;
}

export interface ServerInfo {
  /** server_version_num, e.g. 150012. */
  versionNum: number;
  versionText: string;
  /** Extensions installed in the database, by name → version. */
  extensions: Record<string, string>;
  settings: Record<string, string>;
}

export interface CatalogSnapshot {
  server: ServerInfo;
  tables: TableStats[];
  indexes: IndexInfo[];
  columns: ColumnStats[];
}
