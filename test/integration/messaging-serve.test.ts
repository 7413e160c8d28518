import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram-server.js';
import { startFakeVonage, type FakeVonage } from '../fakes/vonage-server.js';
import { runCli } from '../helpers/cli.js';
import { BIN } from '../helpers/env.js';
import { waitFor } from '../helpers/wait.js';
import { makeMessagingWorld, type MessagingWorld } from './messaging-helpers.js';

/** `ag serve` and the messaging tools as a person runs them: the built CLI in a child process. */
describe('ag serve and the message commands', { timeout: 60_000 }, () => {
  let tg: FakeTelegram;
  let vonage: FakeVonage;
  let world: MessagingWorld;
  let env: Record<string, string>;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    tg = await startFakeTelegram();
    vonage = await startFakeVonage();
    world = makeMessagingWorld();
    env = {
      ...world.t.env,
      AEGIS_LOG_LEVEL: 'warn',
      AEGIS_TELEGRAM_BOT_TOKEN: tg.token,
      AEGIS_TELEGRAM_BASE_URL: tg.url,
      AEGIS_TELEGRAM_ALLOWED_CHAT_IDS: '111',
      AEGIS_TELEGRAM_POLL_SECONDS: '1',
      AEGIS_VONAGE_APPLICATION_ID: vonage.applicationId,
      AEGIS_VONAGE_PRIVATE_KEY: vonage.privateKeyBase64,
      AEGIS_VONAGE_WHATSAPP_NUMBER: '447700900001',
      AEGIS_VONAGE_BASE_URL: vonage.url,
      AEGIS_VONAGE_SIGNATURE_SECRET: 'vonage-signature-secret',
    };
  });
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await tg?.close();
    await vonage?.close();
    await world?.cleanup();
  });

  it('ag doctor says when channels are configured but no ag serve is running, and how to start it', async () => {
    const doctor = JSON.parse((await runCli(['doctor', '--json'], env)).stdout) as {
      checks: { name: string; ok: boolean; required: boolean; detail: string; fix?: string }[];
    };
    expect(doctor.checks.find((c) => c.name === 'ag serve')).toMatchObject({
      ok: false,
      required: false,
      fix: expect.stringContaining('npx ag serve') as unknown,
    });
  });

  it('refuses to start while a webhook has no signature secret, on loopback too, naming the setting', async () => {
    const unsigned = { ...env, AEGIS_VONAGE_SIGNATURE_SECRET: '' };
    for (const host of ['127.0.0.1', '0.0.0.0']) {
      const r = await runCli(['serve', '--host', host, '--port', '0'], unsigned);
      expect(r.code, host).toBe(1);
      expect(r.stderr).toContain('refusing to receive webhooks of whatsapp');
      expect(r.stderr).toContain('channels.vonage.signatureSecret');
      expect(r.stderr).toContain('AEGIS_VONAGE_SIGNATURE_SECRET');
    }
  });

  it('runs until SIGTERM: webhook listener on loopback, Telegram polling, replies; no secret in its output', async () => {
    child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    const url = await waitFor(() => /webhooks at (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1], { timeoutMs: 15_000, what: 'ag serve to start' });
    await waitFor(() => stderr.includes('whatsapp: no allowed numbers'), { what: 'the setup problems to be printed' });
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect((await fetch(`${url}/api/nope`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${url}/api/vonage/whatsapp/inbound`)).status).toBe(405);

    tg.userSays(111, 'help');
    await waitFor(() => tg.sent.find((s) => s.text.includes('Aegis commands')), { what: 'the reply' });
    const doctor = JSON.parse((await runCli(['doctor', '--json'], env)).stdout) as { checks: { name: string; ok: boolean; detail: string }[] };
    expect(doctor.checks.find((c) => c.name === 'ag serve')).toMatchObject({
      ok: true,
      detail: expect.stringContaining(`running (pid ${child.pid})`) as unknown,
    });

    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toContain('stopping');
    expect(stderr).not.toContain(tg.token);
    expect(stderr).not.toContain(vonage.privateKeyBase64.slice(0, 40));
  });

  it('message handle, message list and channel list work from the command line', async () => {
    const handled = await runCli(['message', 'handle', 'journal: from the cli'], env);
    expect(handled.code).toBe(0);
    expect(handled.stdout).toContain('Noted');
    const list = await runCli(['message', 'list', '--json', '--channel', 'telegram'], env);
    expect(list.code).toBe(0);
    const rows = (JSON.parse(list.stdout) as { messages: { direction: string; status: string; text: string }[] }).messages;
    expect(rows.some((m) => m.direction === 'in' && m.text === 'help' && m.status === 'handled')).toBe(true);
    const channels = await runCli(['channel', 'list', '--json', '--probe'], env);
    expect(channels.code).toBe(0);
    const tgRow = (JSON.parse(channels.stdout) as { channels: { channel: string; probe?: { ok: boolean; detail: string } }[] }).channels.find(
      (c) => c.channel === 'telegram',
    )!;
    expect(tgRow.probe).toEqual({ ok: true, detail: '@aegis_test_bot' });
    expect(channels.stdout).not.toContain(tg.token);
  });
});
