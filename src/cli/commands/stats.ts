/**
 * `pg-tuner stats export --url … > .pgtuner/stats.json`: a server's pg_stats and row counts as JSON, to shape the
 * embedded database's generated rows (`--stats-file`, the extension's `pgTuner.embedded.statsFile`). It holds no
 * rows beyond what pg_stats shows (most common values, histogram bounds); `--no-samples` leaves those out too.
 */
import { formatStatsFile, readServerStats } from '../../core/db/generateData/statsFile';
import type { CliRequest } from '../args';
import { exitCodes } from '../exitCodes';
import type { CommandIo } from '../io';
import { withSession } from '../runStatement';
import { workloadTarget } from './top';

export async function statsCommand(request: CliRequest, io: CommandIo): Promise<number> {
  const withoutSamples = request.statsExport?.withoutSamples === true;
  const stats = await withSession(workloadTarget(request, io), (session) =>
    readServerStats(session, { withoutSamples }),
  );
  const tables = Object.values(stats.tables);
  io.out(formatStatsFile(stats));
  io.note(
    `${tables.length} table(s), ${tables.reduce((n, t) => n + Object.keys(t.columns).length, 0)} column(s) with statistics from ${stats.source.server}` +
      (withoutSamples
        ? ' (no most common values or histogram bounds).'
        : '. The file holds what pg_stats shows, most common values and histogram bounds included (values of your data): --no-samples leaves them out.'),
  );
  return exitCodes.ok;
}
