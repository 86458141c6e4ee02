import {
  StreamClient,
  type StreamClientOptions,
  StreamServer,
  type StreamServerOptions,
  type TransportEvent,
} from '@coordinator/transport';
import { MemoryCommandHandler } from '@coordinator/transport/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateCertificates, type TestCertificates } from './support/transport-certs.js';
import { waitFor } from './support/wait-for.js';

let certs: TestCertificates;
beforeAll(() => {
  certs = generateCertificates();
});
afterAll(() => certs.remove());

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function tlsServer(tls: NonNullable<StreamServerOptions['tls']>) {
  const events: TransportEvent[] = [];
  const server = new StreamServer(new MemoryCommandHandler(), {
    tls,
    onEvent: (e) => events.push(e),
  });
  const { port } = await server.listen();
  cleanup.push(() => server.close());
  return { port, events };
}

function client(port: number, tls: NonNullable<StreamClientOptions['tls']>) {
  const c = new StreamClient({ port, tls, reconnectInitialDelayMs: 1_000 });
  cleanup.push(() => c.close());
  return c;
}

describe('stream protocol over TLS', () => {
  it('runs Commands over TLS', async () => {
    const { port } = await tlsServer({ key: certs.serverKey, cert: certs.serverCert });
    const c = client(port, { ca: certs.ca, servername: 'localhost' });
    await expect(c.submit({ type: 'echo', payload: { secret: 1 } }).result).resolves.toMatchObject({
      state: 'done',
      result: { secret: 1 },
    });
  });

  it('refuses a server whose certificate the client does not trust', async () => {
    const { port } = await tlsServer({ key: certs.serverKey, cert: certs.serverCert });
    const c = client(port, {});
    await expect(c.connect()).rejects.toMatchObject({
      code: 'CONNECTION_LOST',
      message: expect.stringMatching(/certificate/i),
    });
  });
});

describe('stream protocol over mutual TLS', () => {
  const mutual = () => ({
    key: certs.serverKey,
    cert: certs.serverCert,
    ca: certs.ca,
    requestCert: true,
    rejectUnauthorized: true,
  });

  it('accepts a client with a certificate signed by the CA', async () => {
    const { port } = await tlsServer(mutual());
    const c = client(port, { ca: certs.ca, key: certs.clientKey, cert: certs.clientCert });
    await expect(c.submit({ type: 'echo', payload: 'hi' }).result).resolves.toMatchObject({
      result: 'hi',
    });
  });

  it('refuses a client without a certificate', async () => {
    const { port, events } = await tlsServer(mutual());
    const c = client(port, { ca: certs.ca });
    await expect(c.connect()).rejects.toMatchObject({ code: 'CONNECTION_LOST' });
    await waitFor('the server to report the refused handshake', () =>
      events.find((e) => e.type === 'stream.protocol-error'),
    );
    expect(events.some((e) => e.type === 'stream.connection.opened')).toBe(false);
  });

  it('refuses a client whose certificate another CA signed', async () => {
    const { port } = await tlsServer(mutual());
    const c = client(port, { ca: certs.ca, key: certs.strangerKey, cert: certs.strangerCert });
    await expect(c.connect()).rejects.toMatchObject({ code: 'CONNECTION_LOST' });
  });
});
