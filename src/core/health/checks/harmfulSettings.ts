/**
 * Settings that hurt the workload as its statistics show it: work_mem too small for the sorts and hashes
 * that spill to temp files; random_page_cost left at the spinning-disk default while nearly every block is
 * a cache hit; shared_buffers at a small default for a database many times larger (RAM is not visible from
 * SQL, so the database size is the yardstick).
 */
import { quoteIdentifier } from '../../advice/index/identifiers';
import { formatBytes, formatCount, formatShare } from '../../text/formatNumbers';
import type { HealthCheck, HealthFinding } from '../healthFinding';

interface SettingsRow extends Record<string, unknown> {
  work_mem_kb: number;
  random_page_cost: number;
  shared_buffers_bytes: number;
  temp_files: number;
  temp_bytes: number;
  hit: number;
  read: number;
  database_bytes: number;
}

/** The next power of two in MB at or above `bytes`, at least 8 MB, at most 1 GB. */
function workMemFor(bytes: number): string {
  let mb = 8;
  while (mb * 1024 * 1024 < bytes && mb < 1024) mb *= 2;
  return `${mb}MB`;
}

export const harmfulSettings: HealthCheck = {
  id: 'settings',
  title: 'Settings that hurt the workload',
  weight: 8,
  async run({ session, thresholds, database }) {
    const [s] = await session.query<SettingsRow>(`
SELECT (SELECT p.setting::float8 FROM pg_catalog.pg_settings p WHERE p.name = 'work_mem') AS work_mem_kb,
       pg_catalog.current_setting('random_page_cost')::float8 AS random_page_cost,
       (SELECT p.setting::float8 * pg_catalog.current_setting('block_size')::float8 FROM pg_catalog.pg_settings p WHERE p.name = 'shared_buffers') AS shared_buffers_bytes,
       d.temp_files::float8 AS temp_files, d.temp_bytes::float8 AS temp_bytes,
       d.blks_hit::float8 AS hit, d.blks_read::float8 AS read,
       pg_catalog.pg_database_size(d.datid)::float8 AS database_bytes
FROM pg_catalog.pg_stat_database d WHERE d.datname = pg_catalog.current_database()`);
    const findings: HealthFinding[] = [];
    const db = quoteIdentifier(database);
    if (s.temp_bytes >= thresholds.tempBytes && s.temp_files > 0) {
      const perFile = s.temp_bytes / s.temp_files;
      const suggested = workMemFor(Math.max(perFile, s.work_mem_kb * 1024 * 2));
      findings.push({
        checkId: 'settings',
        severity: s.temp_bytes >= 1024 ** 3 ? 'warning' : 'info',
        key: 'setting:work_mem',
        title: `Queries wrote ${formatBytes(s.temp_bytes)} of temp files (${formatCount(s.temp_files)} files) with work_mem = ${formatBytes(s.work_mem_kb * 1024)}`,
        target: { kind: 'setting', name: 'work_mem' },
        explanation:
          'Sorts and hashes that do not fit in work_mem spill to temporary files on disk, which is many times slower than memory.',
        evidence: [
          { label: 'Temp files', value: s.temp_files },
          { label: 'Temp bytes', value: formatBytes(s.temp_bytes) },
          { label: 'Average per file', value: formatBytes(perFile) },
          { label: 'work_mem', value: formatBytes(s.work_mem_kb * 1024) },
        ],
        suggestion:
          `Find the spilling statements (pg-tuner top --by temp) and raise work_mem for them (SET LOCAL work_mem) or for this database; ` +
          'log_temp_files = 0 logs each spill.',
        fix: {
          ddl: `ALTER DATABASE ${db} SET work_mem = '${suggested}';  -- new sessions only`,
          rollback: `ALTER DATABASE ${db} RESET work_mem;`,
        },
        risk:
          'work_mem is per sort or hash node, per parallel worker, per connection: many connections with a large work_mem can exhaust memory. ' +
          'Prefer raising it only for the statements that spill.',
      });
    }
    const accesses = s.hit + s.read;
    const hitRatio = accesses > 0 ? s.hit / accesses : 0;
    if (s.random_page_cost >= 4 && accesses >= thresholds.ssdMinBlocks && hitRatio >= thresholds.ssdHitRatio) {
      findings.push({
        checkId: 'settings',
        severity: 'info',
        key: 'setting:random_page_cost',
        title: `random_page_cost = ${s.random_page_cost} while ${formatShare(hitRatio)} of block reads are cache hits`,
        target: { kind: 'setting', name: 'random_page_cost' },
        explanation:
          'The default of 4 models a spinning disk where a random read costs four sequential ones. With the data cached (or on SSD) random ' +
          'reads are nearly as cheap, and the high value makes the planner shun index scans it should use.',
        evidence: [
          { label: 'random_page_cost', value: s.random_page_cost },
          { label: 'Cache hit ratio', value: formatShare(hitRatio) },
          { label: 'Block accesses', value: accesses },
        ],
        suggestion: 'Set random_page_cost to 1.1 (SSD or cached data), for this database first.',
        fix: {
          ddl: `ALTER DATABASE ${db} SET random_page_cost = 1.1;  -- new sessions only`,
          rollback: `ALTER DATABASE ${db} RESET random_page_cost;`,
        },
        risk: 'Plans change towards index scans; on real spinning disks with a cold cache that can be slower. Compare the top statements before and after.',
      });
    }
    const defaultSharedBuffers = 128 * 1024 * 1024;
    if (
      s.shared_buffers_bytes <= defaultSharedBuffers &&
      s.database_bytes >= thresholds.sharedBuffersDatabaseFactor * s.shared_buffers_bytes
    ) {
      findings.push({
        checkId: 'settings',
        severity: 'info',
        key: 'setting:shared_buffers',
        title: `shared_buffers is ${formatBytes(s.shared_buffers_bytes)} for a ${formatBytes(s.database_bytes)} database`,
        target: { kind: 'setting', name: 'shared_buffers' },
        explanation:
          'shared_buffers at or below the 128 MB default holds a small part of this database; PostgreSQL then relies on the OS cache, with an extra copy per read.',
        evidence: [
          { label: 'shared_buffers', value: formatBytes(s.shared_buffers_bytes) },
          { label: 'Database size', value: formatBytes(s.database_bytes) },
        ],
        suggestion:
          "Give shared_buffers about 25% of the server's RAM (the RAM is not visible from SQL; check it on the host).",
        fix: {
          ddl: `ALTER SYSTEM SET shared_buffers = '${Math.ceil(Math.min(s.database_bytes, 8 * 1024 ** 3) / 1024 ** 2)}MB';  -- after checking the RAM; restart needed`,
          rollback: 'ALTER SYSTEM RESET shared_buffers;  -- then restart',
        },
        risk: 'Needs a restart; more than about 40% of RAM leaves too little for the OS cache and work_mem.',
      });
    }
    return { findings };
  },
};
