// Two small HTTP services for trying the saga out: inventory on 7611, payments on 7612.
// Each answers a repeated Idempotency-Key with its first answer, as real services should.
import { createServer } from 'node:http';

function start(name, port, routes) {
  const answers = new Map();
  createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const route = routes[request.url];
      if (!route) return response.writeHead(404).end();
      const key = request.headers['idempotency-key'] ?? '';
      if (!answers.has(key)) answers.set(key, route(JSON.parse(body || '{}')));
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(answers.get(key)));
    });
  }).listen(port, '127.0.0.1', () => console.log(`${name} on http://127.0.0.1:${port}`));
}

let n = 0;
start('inventory', 7611, {
  '/reserve': (b) => ({ reservation: `R-${++n}`, sku: b.sku }),
  '/release': (b) => ({ released: true, sku: b.sku }),
});
start('payments', 7612, { '/charge': (b) => ({ payment: `P-${++n}`, amount: b.amount }) });
