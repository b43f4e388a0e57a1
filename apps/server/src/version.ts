/**
 * The server's version, from its package.json. Imported (the bundlers inline it) rather than read beside the module
 * at run time, so the single executable, which has no package folder, knows it too.
 */
import packageJson from '../package.json' with { type: 'json' };

export const VERSION: string = packageJson.version;
