/**
 * One figure of a benchmark and the table every bench script prints them in: figures with their targets,
 * PASS/MISS where a target applies; nothing here fails a run.
 */
export interface Figure {
  name: string;
  value: string;
  target: string;
  /** true = within target, false = over, undefined = no target. */
  met?: boolean;
}

export function printFigures(figures: readonly Figure[]): void {
  const header: [string, string, string, string] = ['Figure', 'Value', 'Target', ''];
  const rows = figures.map((f): [string, string, string, string] => [
    f.name,
    f.value,
    f.target,
    f.met === undefined ? '' : f.met ? 'PASS' : 'MISS',
  ]);
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((r) => r[i].length)));
  const line = (r: string[]): string =>
    r
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  console.log(`\n${line(header)}\n${widths.map((w) => '─'.repeat(w)).join('  ')}`);
  for (const r of rows) console.log(line(r));
  console.log(
    `\nNode ${process.version}, ${process.platform}/${process.arch}; figures only, nothing here fails the run.`,
  );
}

/** Runs a bench script's main and exits with its outcome (open handles such as servers' sockets must not keep it alive). */
export function runBench(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
