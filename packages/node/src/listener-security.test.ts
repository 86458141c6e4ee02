import { describe, expect, it } from 'vitest';
import { nodeOptions } from './config/node-options.js';
import { isLoopback, loadListenerSecurity } from './listener-security.js';

const options = (values: Record<string, unknown>) =>
  nodeOptions.resolveLayers([{ source: 'flags', values }]);

describe('listener security', () => {
  it('knows loopback hosts', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1'])
      expect(isLoopback(host)).toBe(true);
    for (const host of ['0.0.0.0', '10.0.0.1', '::', 'example.com', ''])
      expect(isLoopback(host)).toBe(false);
  });

  it('refuses a listener beyond loopback without a token, names it, and allows it with a token or allowInsecure', async () => {
    const open = [{ name: 'http', host: '0.0.0.0', port: 7401 }];
    await expect(loadListenerSecurity(options({}), open)).rejects.toMatchObject({
      code: 'INVALID_OPTION',
      message: expect.stringMatching(
        /Refusing to listen on http 0\.0\.0\.0:7401 without an API token/,
      ),
    });
    await expect(loadListenerSecurity(options({ apiToken: 't0k' }), open)).resolves.toMatchObject({
      token: 't0k',
      exposed: [],
    });
    await expect(
      loadListenerSecurity(options({ allowInsecure: 'true' }), open),
    ).resolves.toMatchObject({ exposed: ['http 0.0.0.0:7401'] });
  });

  it('wants both TLS files or neither, and one token source', async () => {
    await expect(loadListenerSecurity(options({ tlsCertFile: 'c.pem' }), [])).rejects.toThrow(
      /both `tlsCertFile` and `tlsKeyFile`/,
    );
    await expect(
      loadListenerSecurity(options({ apiToken: 'a', apiTokenFile: '/x' }), []),
    ).rejects.toThrow(/not both/);
    await expect(
      loadListenerSecurity(options({ apiTokenFile: '/no/such/file' }), []),
    ).rejects.toThrow(/Cannot read `apiTokenFile`/);
  });
});
