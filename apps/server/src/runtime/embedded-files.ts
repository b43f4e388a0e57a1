/**
 * The files the single executable carries (`pnpm package`): the web UI, the API docs page's assets and the native
 * addons, unpacked by its entry point into a private cache directory before any command runs. Unset when the server
 * runs from the workspace or an installed package, where these files are found beside the code.
 */
export interface EmbeddedFiles {
  /** The built web UI (a folder with `index.html`); absent when the executable was built without one. */
  webDir?: string;
  /** @fastify/swagger-ui's static folder. */
  swaggerUiDir: string;
  /** better-sqlite3's native addon (`.node`). */
  sqliteAddon: string;
  /** argon2's native addon (`.node`). */
  argon2Addon: string;
}

let embedded: EmbeddedFiles | undefined;

/** Called once by the single executable's entry point. */
export function setEmbeddedFiles(files: EmbeddedFiles): void {
  embedded = files;
}

export function embeddedFiles(): EmbeddedFiles | undefined {
  return embedded;
}

/** better-sqlite3's `nativeBinding` option: the carried addon in the single executable, nothing elsewhere. */
export function sqliteAddon(): { nativeBinding?: string } {
  return embedded ? { nativeBinding: embedded.sqliteAddon } : {};
}
