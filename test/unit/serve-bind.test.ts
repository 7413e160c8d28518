import { describe, expect, it } from 'vitest';
import { checkBind, isLoopback, type MountedRoute } from '../../src/messaging/serve/inbound-webhook-server.js';

const unsigned: MountedRoute[] = [{ channel: 'whatsapp', route: { signed: false } as MountedRoute['route'] }];
const fixed = (addresses: string[]) => async () => addresses;

describe('ag serve public-bind check decides by resolved address', () => {
  it('an address literal is judged as it is', async () => {
    for (const host of ['127.0.0.1', '127.5.6.7', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) expect(await isLoopback(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.168.1.10', '::ffff:10.0.0.1', '128.0.0.1']) expect(await isLoopback(host), host).toBe(false);
  });

  it('a name is loopback only if every address it resolves to is', async () => {
    expect(await isLoopback('localhost')).toBe(true); // the system resolver: 127.0.0.1 / ::1
    expect(await isLoopback('both.example', fixed(['127.0.0.1', '203.0.113.9']))).toBe(false);
    expect(await isLoopback('none.example', fixed([]))).toBe(false);
    expect(await isLoopback('evil.example', fixed(['127.0.0.1', '::1']))).toBe(true);
  });

  it('"127.evil.example" is a name: it does not resolve here, so it is not loopback and unsigned webhooks are refused', async () => {
    expect(await isLoopback('127.evil.example')).toBe(false);
    await expect(checkBind('127.evil.example', unsigned)).rejects.toThrow(/refusing to listen on 127\.evil\.example/);
    await expect(checkBind('127.evil.example', unsigned, fixed(['198.51.100.7']))).rejects.toThrow(/whatsapp/);
    await expect(checkBind('0.0.0.0', unsigned)).rejects.toMatchObject({ field: 'serve.host' });
    await expect(checkBind('127.0.0.1', unsigned)).resolves.toBeUndefined();
    await expect(checkBind('localhost', unsigned)).resolves.toBeUndefined();
    await expect(checkBind('::1', unsigned)).resolves.toBeUndefined();
    // Signed webhooks may be public.
    await expect(checkBind('0.0.0.0', [{ channel: 'telegram', route: { signed: true } as MountedRoute['route'] }])).resolves.toBeUndefined();
  });
});
