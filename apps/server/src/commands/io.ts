/** What a command may touch: its arguments, the environment, the working directory and the output streams. */
import type { Readable, Writable } from 'node:stream';

export interface CliIo {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: Writable;
  stderr: Writable;
  stdin?: Readable;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM); `serve` waits on it. */
  stopSignal?: Promise<string>;
  /** Called by `serve` once it listens (the process's start-up work is done). */
  onListening?: () => void;
  /** Called by `serve` after each index sync it ran (a large batch of work done). */
  afterSync?: () => void;
}

/** A command failure: one clear line for the user, and the exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export async function readFirstLine(stream: Readable | undefined): Promise<string> {
  if (!stream) throw new CliError('no password given: use --password or --password-stdin', 2);
  let data = '';
  for await (const chunk of stream) {
    data += chunk.toString();
    const newline = data.indexOf('\n');
    if (newline >= 0) return data.slice(0, newline).replace(/\r$/, '');
    if (data.length > 8192) break;
  }
  return data.replace(/\r?\n$/, '');
}
