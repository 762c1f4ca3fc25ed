/** Where EXPLAIN's buffer counters and I/O times are, by FORMAT JSON key. */
import type { BufferCounts } from './planNode';

/** BufferCounts member → FORMAT JSON key. */
export const BUFFER_KEYS: ReadonlyArray<readonly [keyof BufferCounts, string]> = [
  ['sharedHit', 'Shared Hit Blocks'],
  ['sharedRead', 'Shared Read Blocks'],
  ['sharedDirtied', 'Shared Dirtied Blocks'],
  ['sharedWritten', 'Shared Written Blocks'],
  ['localHit', 'Local Hit Blocks'],
  ['localRead', 'Local Read Blocks'],
  ['localDirtied', 'Local Dirtied Blocks'],
  ['localWritten', 'Local Written Blocks'],
  ['tempRead', 'Temp Read Blocks'],
  ['tempWritten', 'Temp Written Blocks'],
];

/** I/O timing keys across versions: ≤ 15 "I/O Read Time"; 16 adds "Temp I/O …"; 17+ "Shared/Local I/O …". */
export const IO_TIME_KEYS = [
  'I/O Read Time',
  'I/O Write Time',
  'Shared I/O Read Time',
  'Shared I/O Write Time',
  'Local I/O Read Time',
  'Local I/O Write Time',
  'Temp I/O Read Time',
  'Temp I/O Write Time',
] as const;
