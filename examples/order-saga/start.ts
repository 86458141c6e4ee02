/**
 * `pnpm example`: starts the three services and one coordinator node on the embedded file log,
 * then prints where to send Commands.
 */
import { createNode, nodeOptions } from '@coordinator/node';
import config from './coordinator.config.js';
import { startServices } from './services.js';

const services = await startServices();
const node = createNode({
  config,
  overrides: [{ source: 'environment', values: nodeOptions.fromEnv(process.env) }],
});
let stopping = false;
const stop = async () => {
  if (stopping) process.exit(1);
  stopping = true;
  await node.close();
  await Promise.all(Object.values(services).map((s) => s.close()));
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());

const { http, stream } = await node.start();
const base = `http://${http.host}:${http.port}`;
const admin = (name: keyof typeof services, mode: string) =>
  `curl -s -X POST ${services[name].url}/admin/mode -H 'content-type: application/json' -d '{"mode":"${mode}"}'`;
process.stdout.write(`
coordinator is running the order saga (reserve stock -> charge card -> ship).
  HTTP   ${base}        stream ${stream.host}:${stream.port}
  inspector  ${base}/ui/   (the machine with its live Commands; retry and cancel from there)
  data   ${node.options.dataDir} (file log, fsync on)
  services: inventory ${services.inventory.url}, payments ${services.payments.url}, shipping ${services.shipping.url}

Place an order and wait up to 10 s for its result:
  curl -s -X POST '${base}/v1/commands?wait=10000' -H 'content-type: application/json' \\
    -d '{"type":"order","payload":{"sku":"A-1","qty":2,"amount":40}}'

Look at one (use the id from the answer), or at all:
  curl -s ${base}/v1/commands/<id>
  curl -s '${base}/v1/commands?limit=10'

Follow what happens, live:
  curl -sN ${base}/v1/events

Make a service misbehave (modes: ok, slow, down, fail, flaky) and watch delays, blocking, compensation:
  ${admin('payments', 'down')}     # Delayed, then Blocked: the node suspends (503 SUSPENDED)
  ${admin('shipping', 'fail')}     # terminal: the saga refunds and releases
  ${admin('payments', 'ok')}

Lose payments' data and rebuild it from coordinator's Outcomes (docs/outcome-replay.md):
  curl -s ${services.payments.url}/admin/state > before.json
  curl -s -X POST ${services.payments.url}/admin/wipe
  pnpm coordinator replay --service payments --url ${base} --to ${services.payments.url}/admin/rebuild
  curl -s ${services.payments.url}/admin/state | cmp - before.json && echo identical

Stop with Ctrl-C (a graceful shutdown); kill -9 and start again to see recovery.
`);
