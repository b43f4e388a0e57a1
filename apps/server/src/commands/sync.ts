/** `registry-admin sync`: makes the index equal to the registry now, with a progress bar on stderr. */
import type { Config } from '../config/schema';
import { SyncRunningElsewhere } from '../runtime/cluster-sync';
import { createServices } from '../runtime/services';
import { CliError, type CliIo } from './io';

export async function syncIndex(config: Config, io: CliIo): Promise<void> {
  if (!config.registry.host) throw new CliError('no registry to sync with: set --registry.host (RA_REGISTRY_HOST)', 2);
  const services = await createServices(config, { cwd: io.cwd, announce: (line) => io.stderr.write(`${line}\n`) });
  try {
    const sync = services.indexSync;
    if (!sync) throw new CliError('no registry to sync with: set --registry.host (RA_REGISTRY_HOST)', 2);
    const width = 30;
    const report = await sync
      .run(({ repositoriesDone, repositoriesTotal, configsRead }) => {
        const filled = Math.round((repositoriesDone / Math.max(1, repositoriesTotal)) * width);
        io.stderr.write(
          `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${repositoriesDone}/${repositoriesTotal} repositories` +
            (configsRead === undefined ? '' : `, ${configsRead} image configs read`),
        );
      })
      .catch((error: unknown) => {
        if (error instanceof SyncRunningElsewhere) throw new CliError(error.message, 1);
        throw error;
      });
    io.stderr.write('\n');
    io.stdout.write(
      `synced ${report.repositories} repositories, ${report.tags} tags in ${(report.durationMs / 1000).toFixed(1)} s ` +
        `(indexed in ${(report.indexedMs / 1000).toFixed(1)} s): ${report.fetched} manifests fetched, ` +
        `${report.configsRead} image configs read, ${report.removedTags} tags and ${report.removedRepositories} repositories removed\n`,
    );
    for (const skipped of report.skipped) {
      io.stdout.write(`skipped ${skipped.repository}${skipped.tag ? `:${skipped.tag}` : ''}: ${skipped.reason}\n`);
    }
  } finally {
    await services.close();
  }
}
