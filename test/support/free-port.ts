import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';

/** Ports this process handed out already: never twice, even once their holder closed them. */
const handedOut = new Set<number>();

/** Whether `port` can be listened on at 127.0.0.1 now. */
function listenable(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** The low end of the kernel's ephemeral range (outgoing connections take their ports there). */
function ephemeralLow(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/);
    return Number(low) || 32768;
  } catch {
    return 32768;
  }
}

/**
 * `count` distinct ports on 127.0.0.1 that are free now, for a process to bind, again after a
 * restart. Picked at random below the ephemeral range: a port there (what `listen(0)` hands
 * out) may be taken meanwhile as the local port of any outgoing connection, such as a Kafka
 * client's, and a restarted node or a broker started on it would not get it. Never hands out
 * the same port twice in one process.
 */
export async function freePorts(count: number): Promise<number[]> {
  const low = Math.max(Math.min(ephemeralLow(), 32768), 21_000);
  const ports: number[] = [];
  for (let attempt = 0; ports.length < count; attempt++) {
    if (attempt >= 50 * count) throw new Error('No free port found below the ephemeral range');
    const port = 20_000 + Math.floor(Math.random() * (low - 20_000));
    if (handedOut.has(port) || !(await listenable(port))) continue;
    handedOut.add(port);
    ports.push(port);
  }
  return ports;
}

/** One port from {@link freePorts}. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port as number;
}

/** Whether something accepts connections on 127.0.0.1:`port` now. */
export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
