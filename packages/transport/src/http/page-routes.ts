import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { BearerToken } from '../bearer-token.js';

const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
  '.ico': 'image/x-icon',
};

/** The name of the cookie the page's session keeps the API token in. */
export const sessionCookie = 'coordinator-token';

const loginPage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>coordinator</title>
<meta name="viewport" content="width=device-width"><style>body{font:15px system-ui,sans-serif;margin:4rem auto;max-width:24rem}input,button{font:inherit;padding:.4rem;width:100%;margin:.3rem 0}</style></head>
<body><h1>coordinator</h1><p>This node needs its API token.</p><form id="login"><input id="token" type="password" autocomplete="current-password" placeholder="API token" required><button>Open the inspector</button><p id="error" role="alert"></p></form>
<script>document.getElementById('login').addEventListener('submit',async(e)=>{e.preventDefault();const r=await fetch('/ui/session',{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify({token:document.getElementById('token').value})});if(r.ok)location.reload();else document.getElementById('error').textContent='That is not the token.';});</script></body></html>`;

/**
 * The inspector page at `/ui/`: the files Vite built, from `directory`. With an API token, a
 * browser without the session cookie gets a small sign-in form instead; `POST /ui/session`
 * (`{"token"}`) checks the token and sets the cookie (HttpOnly, SameSite=Strict), which the API
 * then accepts in place of the `Authorization` header.
 */
export function registerPageRoutes(
  app: FastifyInstance,
  directory: string,
  token: BearerToken | undefined,
  authorized: (cookie: string | undefined, authorization: string | undefined) => boolean,
): void {
  const root = normalize(directory + sep);
  const serve = async (file: string, reply: FastifyReply) => {
    const path = normalize(join(root, file));
    if (!path.startsWith(root)) return reply.code(404).send();
    try {
      const body = await readFile(path);
      const html = extname(path) === '.html';
      return reply
        .header('content-type', contentTypes[extname(path)] ?? 'application/octet-stream')
        .header('cache-control', html ? 'no-cache' : 'public, max-age=31536000, immutable')
        .send(body);
    } catch {
      return reply.code(404).header('content-type', 'text/plain').send(`No ${file}`);
    }
  };
  app.get('/ui', async (_request, reply) => reply.redirect('/ui/'));
  app.get('/ui/*', async (request, reply) => {
    const file = (request.params as { '*': string })['*'] || 'index.html';
    if (token && !authorized(request.headers.cookie, request.headers.authorization)) {
      if (extname(file) === '.html' || extname(file) === '') {
        return reply.header('content-type', contentTypes['.html']).send(loginPage);
      }
      return reply.code(401).send();
    }
    return serve(extname(file) === '' ? 'index.html' : file, reply);
  });
  app.post('/ui/session', async (request, reply) => {
    const given = (request.body as { token?: unknown } | undefined)?.token;
    if (!token || typeof given !== 'string' || !token.matches(given)) {
      return reply.code(401).send({ error: { code: 'UNAUTHORIZED', message: 'Wrong token' } });
    }
    const secure = request.protocol === 'https' ? '; Secure' : '';
    return reply
      .header(
        'set-cookie',
        `${sessionCookie}=${encodeURIComponent(given)}; Path=/; HttpOnly; SameSite=Strict${secure}`,
      )
      .send({ ok: true });
  });
}
