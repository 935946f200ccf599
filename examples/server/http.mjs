// Small HTTP helpers over node:http: JSON in and out, cookies, static files.
// Nothing here knows about tokens or users.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';

/** An error that already knows its HTTP response; thrown by helpers, sent by the dispatcher. */
export class HttpError extends Error {
  /**
   * @param {number} status
   * @param {Record<string, unknown>} body
   * @param {Record<string, string>} [headers]
   */
  constructor(status, body, headers = {}) {
    super(`${status} ${String(body.error)}`);
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

/**
 * Reads a JSON object body of at most `limit` bytes. An empty body is `{}`
 * (keycard's cookie-mode refresh may send none); anything else that is not a
 * JSON object is a 400, and a body over the limit a 413.
 *
 * @param {import('node:http').IncomingMessage} req
 * @param {number} limit
 * @returns {Promise<Record<string, unknown>>}
 */
export function readJson(req, limit) {
  return new Promise((resolveBody, reject) => {
    /** @type {Buffer[]} */
    const chunks = [];
    let size = 0;
    const onData = (/** @type {Buffer} */ chunk) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      // Answer at once and stop buffering; resume() drains the rest unread.
      req.off('data', onData);
      req.resume();
      reject(
        new HttpError(
          413,
          { error: 'payload_too_large', error_description: `body over ${limit} bytes` },
          { Connection: 'close' },
        ),
      );
    };
    req.on('data', onData);
    req.on('error', reject);
    req.on('end', () => {
      if (size > limit) return;
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return resolveBody({});
      try {
        const value = JSON.parse(text);
        if (value && typeof value === 'object' && !Array.isArray(value)) return resolveBody(value);
      } catch {
        // fall through to the 400 below
      }
      reject(new HttpError(400, { error: 'invalid_request', error_description: 'body is not a JSON object' }));
    });
  });
}

/**
 * Sends a JSON response (or an empty one for `body === undefined`).
 * `no-store` because token responses must never be cached (RFC 6749 §5.1),
 * and nothing else here is worth caching either.
 *
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {unknown} [body]
 * @param {Record<string, string | string[]>} [headers]
 */
export function sendJson(res, status, body, headers = {}) {
  res.setHeader('Cache-Control', 'no-store');
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  if (body === undefined) return void res.writeHead(status).end();
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

/**
 * The value of one cookie from the request's `Cookie` header, or undefined.
 *
 * @param {import('node:http').IncomingMessage} req
 * @param {string} name
 */
export function readCookie(req, name) {
  for (const pair of (req.headers.cookie ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (at > 0 && pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim();
  }
  return undefined;
}

/**
 * True when the request came over plain http to localhost: the one case where
 * a `Secure` cookie would be lost (browsers exempt only localhost from the
 * https rule, and some clients not even that), so the flag is dropped.
 *
 * @param {import('node:http').IncomingMessage} req
 */
export function isLocalHttp(req) {
  const tls = /** @type {import('node:tls').TLSSocket} */ (req.socket).encrypted === true;
  const https = tls || req.headers['x-forwarded-proto'] === 'https';
  const hostname = (req.headers.host ?? '').replace(/:\d+$/, '');
  return !https && ['localhost', '127.0.0.1', '[::1]'].includes(hostname);
}

const contentTypes = /** @type {Record<string, string>} */ ({
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
});

/**
 * Serves a file from `root`, or `index.html` for extension-less paths a
 * client-side router owns (`/settings`, `/items/3`). Returns false when
 * nothing matched, so the caller can 404.
 *
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {string} root
 * @param {string} pathname
 */
export async function serveStatic(req, res, root, pathname) {
  const base = resolve(root);
  let decoded;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return false; // malformed %-escape
  }
  let file = resolve(join(base, decoded));
  if (file !== base && !file.startsWith(base + sep)) return false; // `..` escapes the root
  let info = await stat(file).catch(() => null);
  if (info?.isDirectory()) {
    file = join(file, 'index.html');
    info = await stat(file).catch(() => null);
  }
  if (!info?.isFile()) {
    if (extname(pathname) !== '') return false; // a missing asset is a 404, not the app shell
    file = join(base, 'index.html');
    info = await stat(file).catch(() => null);
    if (!info?.isFile()) return false;
  }
  const html = extname(file) === '.html';
  res.writeHead(200, {
    'Content-Type': contentTypes[extname(file)] ?? 'application/octet-stream',
    'Content-Length': info.size,
    // The shell must be re-fetched so a new build's asset names are seen.
    'Cache-Control': html ? 'no-cache' : 'public, max-age=3600',
  });
  if (req.method === 'HEAD') res.end();
  else createReadStream(file).pipe(res);
  return true;
}
