/**
 * Prints the gzip size of the built JavaScript after `vite build`: what the first page loads (the entry and the
 * chunks index.html preloads) and all of it, lazily loaded views included.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

const dist = resolve(import.meta.dirname, '../dist');
const assets = join(dist, 'assets');
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const initial = new Set([...html.matchAll(/(?:src|href)="\/assets\/([^"]+\.js)"/g)].map((match) => match[1]));

const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
let initialRaw = 0;
let initialGzip = 0;
let totalRaw = 0;
let totalGzip = 0;
for (const name of readdirSync(assets).filter((file) => file.endsWith('.js'))) {
  const content = readFileSync(join(assets, name));
  const gzip = gzipSync(content, { level: 9 }).length;
  totalRaw += content.length;
  totalGzip += gzip;
  if (initial.has(name)) {
    initialRaw += content.length;
    initialGzip += gzip;
  }
}
console.log(`web: initial JavaScript ${kib(initialGzip)} gzip (${kib(initialRaw)} raw, ${initial.size} files)`);
console.log(`web: all JavaScript ${kib(totalGzip)} gzip (${kib(totalRaw)} raw)`);
