import type { BufferCounts } from './planNode';
import { formatCount } from '../text/formatNumbers';

/** "hit 1,907 read 12 temp 40/40" with the zero parts left out; "" when nothing was touched. */
export function formatBuffers(b: BufferCounts): string {
  const parts: string[] = [];
  const hit = b.sharedHit + b.localHit;
  const read = b.sharedRead + b.localRead;
  if (hit) parts.push(`hit ${formatCount(hit)}`);
  if (read) parts.push(`read ${formatCount(read)}`);
  if (b.sharedDirtied + b.localDirtied) parts.push(`dirtied ${formatCount(b.sharedDirtied + b.localDirtied)}`);
  if (b.sharedWritten + b.localWritten) parts.push(`written ${formatCount(b.sharedWritten + b.localWritten)}`);
  if (b.tempRead || b.tempWritten) parts.push(`temp ${formatCount(b.tempRead)}/${formatCount(b.tempWritten)}`);
  return parts.join(' ');
}
