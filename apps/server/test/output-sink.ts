/** A writable stream that keeps what is written to it, for tests that read a command's or a server's output. */
import { Writable } from 'node:stream';

export function outputSink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}
