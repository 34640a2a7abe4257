// The few node: functions some unit tests use to read their fixtures (JSON files, the built .wasm),
// for running those tests unchanged in Chromium (vitest.browser.config.ts aliases node:fs and
// node:url here). Reads go to the Vite dev server by synchronous XHR: test files are loaded
// from it, so a path or file URL of a repository file maps to a URL it serves.

/** The URL the dev server serves a file: URL, absolute path or http URL from. */
function served(p: string | URL): string {
  const s = String(p);
  if (/^https?:/.test(s)) return s;
  const path = s.startsWith('file://') ? decodeURIComponent(new URL(s).pathname) : s;
  return `/@fs${path}`;
}

/** readFileSync(path | URL) -> bytes; readFileSync(path | URL, 'utf8') -> text. */
export function readFileSync(p: string | URL, encoding?: string | { encoding?: string }): Uint8Array | string {
  const xhr = new XMLHttpRequest();
  xhr.open('GET', served(p), false);
  xhr.overrideMimeType('text/plain; charset=x-user-defined'); // bytes as chars 0..255
  xhr.send();
  if (xhr.status !== 200) throw new Error(`ENOENT: ${String(p)} (HTTP ${xhr.status})`);
  const text = xhr.responseText;
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
  const enc = typeof encoding === 'string' ? encoding : encoding?.encoding;
  return enc ? new TextDecoder(enc === 'utf-8' ? 'utf8' : enc).decode(bytes) : bytes;
}

export function fileURLToPath(u: string | URL): string {
  const url = new URL(String(u));
  return url.protocol === 'file:' ? decodeURIComponent(url.pathname) : String(u);
}

export function pathToFileURL(p: string): URL {
  return new URL(`file://${p}`);
}

export default { readFileSync, fileURLToPath, pathToFileURL };
