import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { Refusal, startToyService, type ToyService } from './toy-service.js';

/** Ports of the example's services; `<NAME>_PORT` overrides each (0 picks a free one). */
export const servicePorts = { inventory: 7501, payments: 7502, shipping: 7503 } as const;

const configuredPort = (name: keyof typeof servicePorts) =>
  Number(process.env[`${name.toUpperCase()}_PORT`] ?? servicePorts[name]);

/** The environment that points the example's config at running services. */
export function serviceEnv(services: OrderServiceSet): Record<string, string> {
  return {
    INVENTORY_URL: services.inventory.url,
    PAYMENTS_URL: services.payments.url,
    SHIPPING_URL: services.shipping.url,
  };
}

export type OrderServiceSet = Record<keyof typeof servicePorts, ToyService>;

/** Payments declines a charge over this amount (a terminal 422: the saga compensates). */
export const cardLimit = 10_000;

/** Inventory's totals: units held per SKU (reserved, less released), from its answers. */
function stockHeld(answers: readonly Record<string, unknown>[]) {
  const held: Record<string, number> = {};
  for (const a of answers) {
    const sku = String(a.sku);
    held[sku] = (held[sku] ?? 0) + (a.released ? -Number(a.qty) : Number(a.qty));
  }
  return { held };
}

/** Payments' totals: money charged and refunded, from its answers (in key order: exact sums). */
function money(answers: readonly Record<string, unknown>[]) {
  let charged = 0;
  let refunded = 0;
  for (const a of answers) {
    if (a.refunded) refunded += Number(a.amount);
    else charged += Number(a.amount);
  }
  return { charged, refunded };
}

/** Starts inventory, payments and shipping (on free ports with `anyPort`). */
export async function startServices({ anyPort = false } = {}): Promise<OrderServiceSet> {
  const port = (name: keyof typeof servicePorts) => (anyPort ? 0 : configuredPort(name));
  const short = () => randomUUID().slice(0, 8);
  const [inventory, payments, shipping] = await Promise.all([
    startToyService(
      'inventory',
      port('inventory'),
      {
        '/reserve': (b) => ({ reservation: `R-${short()}`, sku: b.sku, qty: b.qty }),
        '/release': (b) => ({ released: true, sku: b.sku, qty: b.qty }),
      },
      stockHeld,
    ),
    startToyService(
      'payments',
      port('payments'),
      {
        // A business rule, to see compensation: amounts over the card limit are declined.
        '/charge': (b) => {
          if (Number(b.amount) > cardLimit)
            throw new Refusal(`${String(b.amount)} is over the card limit of ${cardLimit}`);
          return { payment: `P-${short()}`, amount: b.amount };
        },
        '/refund': (b) => ({ refunded: true, amount: b.amount }),
      },
      money,
    ),
    startToyService('shipping', port('shipping'), {
      // A business rule, to see compensation: SKUs starting with NOSHIP cannot be shipped.
      '/ship': (b) => {
        if (String(b.sku).startsWith('NOSHIP'))
          throw new Refusal(`${String(b.sku)} cannot be shipped`);
        return { tracking: `T-${short()}` };
      },
    }),
  ]);
  return { inventory, payments, shipping };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const services = await startServices();
  for (const s of Object.values(services))
    console.log(`${s.name} listening on ${s.url} (mode ${s.mode})`);
}
