/**
 * An image's history as the Dockerfile that made it: each step's `created_by` as an instruction. Classic builders
 * record `/bin/sh -c #(nop)  CMD ["sh"]` for metadata steps and `/bin/sh -c <command>` for RUN; BuildKit records the
 * instruction itself, marked `# buildkit`.
 */
export interface HistoryStep {
  created: string | null;
  createdBy: string | null;
  comment: string | null;
  emptyLayer: boolean;
}

export function dockerfileLine(createdBy: string): string {
  const line = createdBy.trim();
  const nop = /^\/bin\/sh -c #\(nop\)\s*/.exec(line);
  if (nop) return line.slice(nop[0].length).trim();
  const shell = /^\/bin\/sh -c\s+/.exec(line);
  if (shell) return `RUN ${line.slice(shell[0].length)}`;
  const buildkit = line.replace(/\s*#\s*buildkit$/, '');
  return /^[A-Z]+(\s|$)/.test(buildkit) ? buildkit : `RUN ${buildkit}`;
}

export function historyAsDockerfile(history: readonly HistoryStep[]): string {
  return history
    .filter((step) => step.createdBy)
    .map((step) => dockerfileLine(step.createdBy ?? ''))
    .join('\n');
}
