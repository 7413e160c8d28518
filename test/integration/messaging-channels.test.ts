import { createHmac, generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookPeer } from '../../src/channels/outbound-webhooks.js';
import { localDay, listMessages } from '../../src/messaging/index.js';
import { buttonPress, signedInteraction, startFakeDiscord, type FakeDiscord } from '../fakes/discord-server.js';
import { blockActions, messageEvent, postSlackEvent, postSlackInteraction, urlVerification } from '../fakes/slack-events.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack-server.js';
import { runCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';
import { makeMessagingWorld, startServe, type MessagingWorld } from './messaging-helpers.js';

const SIGNING = 'slack-signing-secret-0123456789';
const HOOK_SECRET = 'webhook-secret-0123456789';
const HOOK_TOKEN = 'hook-url-token-0123456789';
const TASKS = '400';
/** The Discord application's signing keys: the public one goes into config, the private one signs the fake's interactions. */
const DISCORD_KEYS = generateKeyPairSync('ed25519');
const DISCORD_PUBLIC_HEX = Buffer.from(DISCORD_KEYS.publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('hex');

interface Delivery {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A webhook receiver that answers with the next status in `plan` (then 200), recording every delivery. */
async function receiver(plan: number[] = []): Promise<{ url: string; got: Delivery[]; server: Server }> {
  const got: Delivery[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(plan.shift() ?? 200);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  // With a token in its path, as Discord's and Slack's webhook URLs carry one.
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook/${HOOK_TOKEN}`, got, server };
}

/**
 * Discord (REST polling of a tasks channel), Slack (signed Events API, Web API replies, incoming
 * webhook) and outbound webhooks (HMAC with timestamp, retries with backoff, dead-letter list),
 * each against a local fake of the real service.
 */
describe('Discord, Slack and outbound webhooks', { timeout: 60_000 }, () => {
  let discord: FakeDiscord;
  let slack: FakeSlack;
  let good: Awaited<ReturnType<typeof receiver>>;
  let broken: Awaited<ReturnType<typeof receiver>>;
  let world: MessagingWorld;
  let serve: Awaited<ReturnType<typeof startServe>>;
  let events: string;

  beforeAll(async () => {
    discord = await startFakeDiscord();
    slack = await startFakeSlack();
    good = await receiver([503, 503]);
    broken = await receiver(Array(50).fill(500) as number[]);
    // History from before Aegis listened: must not run.
    discord.userPosts(TASKS, '77', 'task: old history');
    world = makeMessagingWorld({
      AEGIS_DISCORD_BOT_TOKEN: discord.token,
      AEGIS_DISCORD_BASE_URL: discord.url,
      AEGIS_DISCORD_TASKS_CHANNEL: TASKS,
      AEGIS_DISCORD_ALLOWED_USER_IDS: '77',
      AEGIS_DISCORD_POLL_SECONDS: '1',
      AEGIS_DISCORD_PUBLIC_KEY: DISCORD_PUBLIC_HEX,
      AEGIS_SLACK_SIGNING_SECRET: SIGNING,
      AEGIS_SLACK_BOT_TOKEN: slack.token,
      AEGIS_SLACK_BASE_URL: slack.apiUrl,
      AEGIS_SLACK_WEBHOOK_URL: slack.webhookUrl,
      AEGIS_SLACK_ALLOWED_USER_IDS: 'U123',
      AEGIS_HOOK_WEBHOOK_URLS: `${good.url},${broken.url}`,
      AEGIS_HOOK_WEBHOOK_SECRET: HOOK_SECRET,
      AEGIS_HOOK_WEBHOOK_MAX_ATTEMPTS: '3',
    });
    serve = await startServe(world.t.env);
    events = `${serve.serve.url}/api/slack/events`;
  });
  afterAll(async () => {
    await serve?.stop();
    await discord?.close();
    await slack?.close();
    good?.server.close();
    broken?.server.close();
    await world?.cleanup();
  });

  it('Discord: answers new messages of allowed users in the tasks channel, never history or strangers', async () => {
    // Let the first poll set the cursor past the history.
    await waitFor(() => serve.app.messaging.cursors.get('discord.after'), { what: 'the Discord cursor' });
    discord.userPosts(TASKS, '88', 'status');
    discord.userPosts(TASKS, '77', 'help');
    const reply = await waitFor(() => discord.posted.find((p) => p.channel_id === TASKS && p.content.includes('Aegis commands')), { what: 'the reply' });
    expect(reply.content).toContain('**Aegis commands**');
    expect(reply.allowed_mentions).toEqual({ parse: [] });
    expect(discord.posted.some((p) => p.content.includes('Started'))).toBe(false);
    const ignored = listMessages(serve.app.db, { channel: 'discord', direction: 'in', status: ['ignored'], limit: 10, offset: 0 }).messages;
    expect(ignored.map((m) => m.peer)).toEqual(['88']);
  });

  it('Discord: a task posted two days before it is polled (no ag serve ran) is not run; its sender is told', async () => {
    await waitFor(() => serve.app.messaging.cursors.get('discord.after'), { what: 'the Discord cursor' });
    discord.userPosts(TASKS, '77', 'task: stale discord work', Date.now() - 48 * 3_600_000);
    const told = await waitFor(() => discord.posted.find((p) => p.content.includes('Not run') && p.content.includes('stale discord work')), {
      what: 'the sender told',
    });
    expect(told.content).toContain('2d ago');
    expect(discord.posted.some((p) => p.content.includes('Started'))).toBe(false);
  });

  it('Discord: waits out a 429 and sends the reply', async () => {
    discord.rateLimitNext(1, 0.3);
    discord.userPosts(TASKS, '77', 'journal: discord note');
    await waitFor(() => discord.posted.find((p) => p.content.includes('Noted')), { what: 'the reply after the rate limit' });
  });

  it('Discord: sends prompts with Approve/Reject buttons, and a press runs its command once, removing the buttons', async () => {
    const interactions = `${serve.serve.url}/api/discord/interactions`;
    const post = (payload: unknown, opts: { timestamp?: number; tamper?: boolean } = {}) => {
      const { headers, body } = signedInteraction(DISCORD_KEYS.privateKey, payload, opts);
      return fetch(interactions, { method: 'POST', headers, body: opts.tamper ? body.replace('help', 'tasks') : body }).then(async (r) => ({
        status: r.status,
        json: (await r.json()) as Record<string, unknown>,
      }));
    };
    // Discord checks the endpoint with a signed PING, and with a bad signature that must be refused.
    expect(await post({ id: '1', type: 1 })).toEqual({ status: 200, json: { type: 1 } });
    expect((await post(buttonPress('77', TASKS, '5', 'help'), { tamper: true })).status).toBe(401);
    expect((await post(buttonPress('77', TASKS, '5', 'help'), { timestamp: Math.floor(Date.now() / 1000) - 900 })).status).toBe(401);

    const discordAdapter = serve.app.messaging.adapters.get('discord')!;
    expect(discordAdapter.describe().modes).toContain('buttons (interactions webhook)');
    const { externalId } = await discordAdapter.send({
      to: TASKS,
      text: 'Claude wants to run `ls`',
      buttons: [
        [
          { label: '✅ Approve', data: 'approve abc' },
          { label: '❌ Reject', data: 'reject abc' },
        ],
      ],
    });
    const prompt = discord.posted.find((p) => p.id === externalId)!;
    expect(prompt.components).toEqual([
      {
        type: 1,
        components: [
          { type: 2, style: 3, label: '✅ Approve', custom_id: 'approve abc' },
          { type: 2, style: 4, label: '❌ Reject', custom_id: 'reject abc' },
        ],
      },
    ]);

    const helpReplies = () => discord.posted.filter((p) => p.content.includes('Aegis commands')).length;
    const before = helpReplies();
    const press = buttonPress('77', TASKS, externalId!, 'help');
    expect(await post(press)).toEqual({ status: 200, json: { type: 7, data: { components: [] } } });
    expect((await post(press)).status).toBe(200); // Discord retrying the same interaction
    await waitFor(() => helpReplies() > before, { what: 'the reply to the press' });
    const stranger = await post(buttonPress('88', TASKS, externalId!, 'help'));
    expect(stranger.json).toMatchObject({ type: 4, data: { flags: 64 } });
    const presses = () =>
      listMessages(serve.app.db, { channel: 'discord', direction: 'in', limit: 50, offset: 0 })
        .messages.filter((m) => m.externalId?.startsWith('interaction:'))
        .map((m) => `${m.peer} ${m.status}`)
        .sort();
    await waitFor(() => presses().join() === '77 handled,88 ignored' || undefined, { what: `the presses handled once and ignored (now: ${presses().join()})` });
    expect(helpReplies()).toBe(before + 1);
  });

  it('Slack: a task whose event comes 30 minutes after it was posted (a retry, a backlog) is not run; its sender is told', async () => {
    const ev = messageEvent('U123', 'C998', 'task: stale slack work', undefined, Date.now() - 30 * 60_000);
    expect((await postSlackEvent(events, SIGNING, ev)).status).toBe(200);
    const told = await waitFor(() => slack.posts.find((p) => p.channel === 'C998' && p.text.includes('Not run')), { what: 'the sender told' });
    expect(told.text).toContain('30m ago');
  });

  it('Slack: answers the url_verification handshake', async () => {
    const r = await postSlackEvent(events, SIGNING, urlVerification('challenge-abc'));
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ challenge: 'challenge-abc' });
  });

  it('Slack: runs a signed message event once (Slack retries carry the same event_id) and replies through the Web API', async () => {
    const ev = messageEvent('U123', 'C999', 'help');
    expect((await postSlackEvent(events, SIGNING, ev)).status).toBe(200);
    expect((await postSlackEvent(events, SIGNING, ev)).status).toBe(200);
    const post = await waitFor(() => slack.posts.find((p) => p.channel === 'C999' && p.text.includes('Aegis commands')), { what: 'the reply' });
    expect(post.via).toBe('web-api');
    expect(post.text).toContain('*Aegis commands*');
    const { channel, ts } = ev.event as { channel: string; ts: string };
    expect(
      listMessages(serve.app.db, { channel: 'slack', direction: 'in', limit: 50, offset: 0 }).messages.filter((m) => m.externalId === `${channel}:${ts}`),
    ).toHaveLength(1);
  });

  it('Slack: runs a message that mentions the app once, though it arrives as `message` and `app_mention` (two event_ids)', async () => {
    const note = `slack-mention-${Date.now()}`;
    const asMessage = messageEvent('U123', 'C999', `@UAEGISBOT journal: ${note}`);
    const asMention = messageEvent('U123', 'C999', `@UAEGISBOT journal: ${note}`);
    asMention.event = { ...(asMessage.event as object), type: 'app_mention' };
    expect(asMention.event_id).not.toBe(asMessage.event_id);
    expect((await postSlackEvent(events, SIGNING, asMessage)).status).toBe(200);
    expect((await postSlackEvent(events, SIGNING, asMention)).status).toBe(200);
    // Both answers came after the message was stored (or found a duplicate).
    const stored = listMessages(serve.app.db, { channel: 'slack', direction: 'in', limit: 50, offset: 0 }).messages.filter((m) => m.text.includes(note));
    expect(stored).toHaveLength(1);
    const inbound = () => listMessages(serve.app.db, { channel: 'slack', direction: 'in', limit: 50, offset: 0 }).messages.find((m) => m.id === stored[0]!.id);
    await waitFor(() => inbound()?.status === 'handled', { what: 'the note handled' });
    expect(serve.app.messaging.journal.day(localDay(Date.now())).filter((e) => e.text.includes(note))).toHaveLength(1);
  });

  it('Slack: refuses bad or stale signatures with 401 and stores nothing', async () => {
    const before = listMessages(serve.app.db, { channel: 'slack', direction: 'in', limit: 500, offset: 0 }).total;
    const bad = await postSlackEvent(events, SIGNING, messageEvent('U123', 'C999', 'status'), { signature: 'v0=deadbeef' });
    const stale = await postSlackEvent(events, SIGNING, messageEvent('U123', 'C999', 'status'), { timestamp: Math.floor(Date.now() / 1000) - 600 });
    const missing = await postSlackEvent(events, SIGNING, messageEvent('U123', 'C999', 'status'), { signature: null });
    expect([bad.status, stale.status, missing.status]).toEqual([401, 401, 401]);
    expect(listMessages(serve.app.db, { channel: 'slack', direction: 'in', limit: 500, offset: 0 }).total).toBe(before);
  });

  it('Slack: prompts carry Approve/Reject buttons; a signed press runs its command once and the message loses its buttons', async () => {
    const slackAdapter = serve.app.messaging.adapters.get('slack')!;
    const { externalId } = await slackAdapter.send({
      to: 'C777',
      text: 'Claude wants to run `ls`',
      buttons: [
        [
          { label: '✅ Approve', data: 'approve abc' },
          { label: '❌ Reject', data: 'reject abc' },
        ],
      ],
    });
    const prompt = slack.posts.find((p) => `${p.channel}:${p.ts}` === externalId)!;
    expect(prompt.blocks).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: 'Claude wants to run `ls`' } },
      {
        type: 'actions',
        elements: [
          { type: 'button', action_id: 'aegis-0', text: { type: 'plain_text', text: '✅ Approve', emoji: true }, value: 'approve abc', style: 'primary' },
          { type: 'button', action_id: 'aegis-1', text: { type: 'plain_text', text: '❌ Reject', emoji: true }, value: 'reject abc', style: 'danger' },
        ],
      },
    ]);

    const interactions = `${serve.serve.url}/api/slack/interactions`;
    const press = blockActions('U123', 'C777', 'journal: pressed a button', {
      responseUrl: slack.responseUrl('press1'),
      messageText: 'Claude wants to run `ls`',
      messageTs: prompt.ts,
    });
    expect((await postSlackInteraction(interactions, SIGNING, press, { signature: 'v0=00' })).status).toBe(401);
    expect((await postSlackInteraction(interactions, SIGNING, press)).status).toBe(200);
    expect((await postSlackInteraction(interactions, SIGNING, press)).status).toBe(200); // a retry: same trigger_id
    const replaced = await waitFor(() => slack.replaced.find((r) => r.path.includes('press1')), { what: 'the pressed message replaced without buttons' });
    expect(replaced).toMatchObject({ replaceOriginal: true, blocks: undefined });
    expect(replaced.text).toMatch(/^Claude wants to run `ls`\n/);
    await waitFor(() => slack.posts.find((p) => p.channel === 'C777' && p.text.includes('Noted')), { what: 'the reply to the press' });
    const runs = listMessages(serve.app.db, { channel: 'slack', direction: 'in', limit: 50, offset: 0 }).messages.filter((m) =>
      m.externalId?.startsWith('action:'),
    );
    expect(runs).toHaveLength(1);
    expect(slack.posts.filter((p) => p.channel === 'C777' && p.text.includes('Noted'))).toHaveLength(1);
  });

  it('Slack: a stranger’s press is answered "not allowed" (ephemeral), recorded, and changes nothing', async () => {
    const interactions = `${serve.serve.url}/api/slack/interactions`;
    const press = blockActions('U999', 'C777', 'journal: a stranger pressed', {
      responseUrl: slack.responseUrl('stranger1'),
      messageText: 'Claude wants to run `ls`',
      messageTs: '1.0001',
    });
    expect((await postSlackInteraction(interactions, SIGNING, press)).status).toBe(200);
    const answer = await waitFor(() => slack.replaced.find((r) => r.path.includes('stranger1')), { what: 'the ephemeral answer' });
    expect(answer).toMatchObject({ ephemeral: true, replaceOriginal: false, text: expect.stringContaining('Not allowed') as unknown });
    await waitFor(
      () =>
        listMessages(serve.app.db, { channel: 'slack', direction: 'in', limit: 50, offset: 0 }).messages.find(
          (m) => m.peer === 'U999' && m.status === 'ignored',
        ),
      { what: 'the refused press recorded' },
    );
    expect(serve.app.messaging.journal.day(localDay(Date.now())).some((e) => e.text.includes('a stranger pressed'))).toBe(false);
  });

  it('Slack: message_send to "webhook" posts through the incoming webhook', async () => {
    const r = await serve.app.messaging.sendDirect({ channel: 'slack', to: 'webhook', rich: ['deploy finished <ok> & done'] });
    const post = await waitFor(() => slack.posts.find((p) => p.via === 'webhook'), { what: 'the webhook post' });
    expect(post.text).toBe('deploy finished &lt;ok&gt; &amp; done');
    expect(listMessages(serve.app.db, { channel: 'slack', direction: 'out', limit: 10, offset: 0 }).messages.find((m) => m.id === r[0])?.status).toBe('sent');
  });

  it('outbound webhooks: every event as signed JSON, retried with backoff, dead-lettered when the receiver keeps failing', async () => {
    const received = await waitFor(() => good.got.find((d) => d.headers['x-aegis-event'] === 'message_received' && d.headers['x-aegis-signature']), {
      timeoutMs: 20_000,
      what: 'a delivered event',
    });
    const ts = String(received.headers['x-aegis-timestamp']);
    const expected = `t=${ts},v1=${createHmac('sha256', HOOK_SECRET).update(`${ts}.${received.body}`).digest('hex')}`;
    expect(received.headers['x-aegis-signature']).toBe(expected);
    const body = JSON.parse(received.body) as { id: string; event: string; timestamp: string; context: { aegis: string }; data: { channel: string } };
    expect(body.event).toBe('message_received');
    expect(Number.isNaN(Date.parse(body.timestamp))).toBe(false);
    expect(body.context.aegis).toMatch(/^\d+\.\d+\.\d+$/);
    // The receiver answered the first requests with 503: that delivery came again, with the same id.
    const idOf = (d: Delivery) => (JSON.parse(d.body) as { id: string }).id;
    await waitFor(() => good.got.filter((d) => idOf(d) === idOf(good.got[0]!)).length >= 2, { what: 'the retried delivery' });

    const dead = await waitFor(
      () =>
        listMessages(serve.app.db, { channel: 'webhooks', direction: 'out', status: ['dead'], limit: 50, offset: 0 }).messages.find(
          (m) => m.peer === webhookPeer(broken.url),
        ),
      { timeoutMs: 30_000, what: 'a dead-lettered delivery' },
    );
    expect(dead.attempts).toBe(3);
    expect(dead.error).toContain('HTTP 500');
    // Each delivery names its URL by origin (and a hash), never by the URL and its token.
    expect(dead.peer).toMatch(/^http:\/\/127\.0\.0\.1:\d+ \[[0-9a-f]{8}\]$/);
    const listed = await runCli(['message', 'list', '--json', '--channel', 'webhooks'], world.t.env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(webhookPeer(good.url));
    expect(listed.stdout).not.toContain(HOOK_TOKEN);
    const doctor = await runCli(['doctor', '--json'], world.t.env);
    expect(doctor.stdout).not.toContain(HOOK_TOKEN);
  });

  it('outbound webhooks: tool-call events of another process (a CLI command) reach the receiver once, through ag serve', async () => {
    const r = await runCli(['memory', 'set', 'webhook/probe', 'forwarded', '--json'], world.t.env);
    expect(r.code, r.stderr).toBe(0);
    type Body = { id: string; event: string; context: { pid: number }; data: { tool: string; caller: string; ok?: boolean; input: { key: string } } };
    const bodies = () => good.got.map((d) => JSON.parse(d.body) as Body).filter((b) => b.data.tool === 'memory_set' && b.data.input.key === 'webhook/probe');
    const after = await waitFor(() => bodies().find((b) => b.event === 'after_tool_call'), { timeoutMs: 20_000, what: "the CLI's after_tool_call delivered" });
    expect(after.data).toMatchObject({ caller: 'cli', ok: true });
    expect(after.context.pid).not.toBe(process.pid);
    expect(
      bodies()
        .map((b) => b.event)
        .sort(),
    ).toEqual(['after_tool_call', 'before_tool_call']);
  });
});
