/**
 * The V8 young generation of the registry-admin process. V8 starts it at two 1 MiB semi-spaces and doubles it
 * whenever many objects survive a scavenge, up to two 16 MiB ones — and loading the server's modules at start is such
 * a time, so every process held 32 MiB of young generation from its first second on, idle or not, which was most of
 * its memory above a bare Fastify server's. Its requests make short-lived objects that a small young generation
 * collects as well (token load and a full sync were measured at the same speed either way), so it is kept at its
 * initial size. Only a flag read at each growth can do that once the process runs (the maximum is fixed at start):
 * `--semi-space-growth-factor=1`. A young-generation option given to Node itself (NODE_OPTIONS or the command line)
 * is left to rule.
 */
import v8 from 'node:v8';

const YOUNG_GENERATION_FLAGS = /--(?:max-semi-space-size|min-semi-space-size|semi-space-growth-factor)\b/;

/** Sets the flag unless Node was given one; says whether it did. */
export function keepYoungGenerationSmall(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env.NODE_OPTIONS ?? '',
): boolean {
  if (YOUNG_GENERATION_FLAGS.test(`${execArgv.join(' ')} ${nodeOptions}`)) return false;
  v8.setFlagsFromString('--semi-space-growth-factor=1');
  return true;
}
