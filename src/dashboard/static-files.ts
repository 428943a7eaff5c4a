/**
 * The page's files, read once at startup and served from memory: src/dashboard/web/ as is, plus
 * uPlot from its package under /vendor/. Only these files exist; there is no path to traverse.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface StaticFile {
  body: Buffer;
  contentType: string;
  etag: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

const WEB_DIR = join(dirname(fileURLToPath(import.meta.url)), 'web');
const UPLOT_FILES = ['uPlot.esm.js', 'uPlot.min.css'];

function file(path: string): StaticFile {
  const body = readFileSync(path);
  return { body, contentType: TYPES[extname(path)] ?? 'application/octet-stream', etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
}

export function loadStaticFiles(): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  for (const name of readdirSync(WEB_DIR)) {
    if (TYPES[extname(name)]) files.set(`/${name}`, file(join(WEB_DIR, name)));
  }
  const index = files.get('/index.html');
  if (index) files.set('/', index);
  const uplotDist = dirname(createRequire(import.meta.url).resolve('uplot'));
  for (const name of UPLOT_FILES) files.set(`/vendor/${name}`, file(join(uplotDist, name)));
  return files;
}
