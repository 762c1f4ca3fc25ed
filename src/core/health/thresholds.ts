/** The limits the checks flag at; the defaults suit a production database, tests may lower them. */
export interface HealthThresholds {
  /** A table whose sequential scans read at least this many rows since the stats reset … */
  seqScanRowsRead: number;
  /** … with at least this many rows per scan on average (small lookup tables are fine to scan). */
  seqScanRowsPerScan: number;
  /** Estimated bloat is flagged from this share of the relation … */
  bloatRatio: number;
  /** … and this many bytes. */
  bloatMinBytes: number;
  /** Dead tuples: share of all tuples, and a minimum count. */
  deadTupleRatio: number;
  deadTupleMin: number;
  /** A never-analysed table is flagged once it holds (or has had written) this many rows. */
  analyzeMinRows: number;
  /** Last analyse older than this, with more than 10% of the rows changed since. */
  staleAnalyzeDays: number;
  /** Cache hit ratio below this, once this many blocks were read from outside shared buffers. */
  databaseHitRatio: number;
  databaseMinBlocksRead: number;
  tableHitRatio: number;
  tableMinBlocksRead: number;
  /** Connections in use as a share of max_connections. */
  connectionWarnRatio: number;
  connectionCriticalRatio: number;
  /** Active statement running longer than this, in seconds. */
  longRunningSeconds: number;
  /** Idle in transaction longer than this, in seconds. */
  idleInTransactionSeconds: number;
  /** Temp files written to this database since the stats reset, bytes. */
  tempBytes: number;
  /** A hit ratio at least this high over at least this many block accesses looks like a cached/SSD workload. */
  ssdHitRatio: number;
  ssdMinBlocks: number;
  /** shared_buffers is flagged when the database is this many times larger. */
  sharedBuffersDatabaseFactor: number;
}

export const defaultHealthThresholds: HealthThresholds = {
  seqScanRowsRead: 1_000_000,
  seqScanRowsPerScan: 10_000,
  bloatRatio: 0.4,
  bloatMinBytes: 1024 * 1024,
  deadTupleRatio: 0.2,
  deadTupleMin: 1_000,
  analyzeMinRows: 1_000,
  staleAnalyzeDays: 7,
  databaseHitRatio: 0.95,
  databaseMinBlocksRead: 100_000,
  tableHitRatio: 0.9,
  tableMinBlocksRead: 10_000,
  connectionWarnRatio: 0.8,
  connectionCriticalRatio: 0.95,
  longRunningSeconds: 300,
  idleInTransactionSeconds: 60,
  tempBytes: 1024 * 1024,
  ssdHitRatio: 0.99,
  ssdMinBlocks: 1_000_000,
  sharedBuffersDatabaseFactor: 4,
};
