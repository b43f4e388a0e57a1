// Child processes of the benchmarks: a Node program that announces "listening on <url>", and stopping them all.
import { spawn } from 'node:child_process';

const children = new Set();

/**
 * Starts `node <args>` and resolves with its URL once it prints "listening on http://…". A first argument that is
 * not a JavaScript file (nor a Node option, as BENCH_NODE_ARGS gives) is an executable of its own (the single executable `pnpm package` builds) and is run as such. `env` is added to this process's environment.
 */
export function startListening(args, label, env = {}) {
  const [first = '', ...rest] = args;
  const [command, commandArgs] =
    /\.[cm]?js$/.test(first) || first.startsWith('-') ? [process.execPath, args] : [first, rest];
  const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve({ child, url: match[1] });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${label} exited with ${code}:\n${output}`)));
  });
}

/** SIGTERM, then wait for the exit. */
export function stop({ child }) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** SIGTERM to every child still running. */
export function stopAll() {
  for (const child of children) child.kill('SIGTERM');
}
