import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../src/app.js';
import { BUILTIN_CHANNELS } from '../../src/channels/builtin.js';
import { buildBuiltinAdapters, buildChannel, missingSettings } from '../../src/channels/registry.js';
import type { ChannelAdapter } from '../../src/channels/types.js';
import { AegisError } from '../../src/errors.js';
import type { ChannelContext } from '../../src/integrations/types.js';
import { loadConfig } from '../../src/config/load.js';
import { matchChatCommand } from '../../src/integrations/chat-match.js';
import { builtinChatWord } from '../../src/integrations/commands.js';
import { discover } from '../../src/config/integration-folders.js';
import { builtinNames, settingEnv } from '../../src/integrations/names.js';
import { readSetup, resolveSettings } from '../../src/integrations/settings.js';
import * as chatGrammar from '../../src/messaging/index.js';
import { parseCommand } from '../../src/messaging/index.js';
import { builtinToolNames } from '../../src/tools/registry.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'integrations');

describe('integration settings', () => {
  let dir: string;
  let home: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'aegis-int-settings-'));
    home = mkdtempSync(join(tmpdir(), 'aegis-int-home-'));
    writeFileSync(
      join(dir, 'setup.json'),
      JSON.stringify({
        settings: [
          { key: 'apiToken', description: 'token', secret: true, required: true },
          { key: 'baseUrl', description: 'url', default: 'https://ci.example' },
          { key: 'retries', description: 'retries', default: 3 },
          { key: 'team', description: 'team' },
        ],
      }),
    );
    writeFileSync(
      join(home, 'config.json'),
      JSON.stringify({ integrations: { myci: { apiToken: 'from-config-file', baseUrl: 'https://config.example', team: 7 } } }),
    );
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  it('names the variable AEGIS_<INTEGRATION>_<KEY> in upper snake case', () => {
    expect(settingEnv('myci', 'apiToken')).toBe('AEGIS_MYCI_API_TOKEN');
    expect(settingEnv('myci', 'base_url')).toBe('AEGIS_MYCI_BASE_URL');
  });

  it('takes the environment over config.json over the default, as strings, and masks secrets', () => {
    const env = { AEGIS_HOME: home, AEGIS_MYCI_API_TOKEN: 'env-token-abcdef123' };
    const r = resolveSettings('myci', dir, env, loadConfig(env));
    expect(r.values).toEqual({ apiToken: 'env-token-abcdef123', baseUrl: 'https://config.example', retries: '3', team: '7' });
    expect(r.missing).toEqual([]);
    expect(r.secrets).toEqual(['env-token-abcdef123']);
    const token = r.report.find((s) => s.key === 'apiToken')!;
    expect(token).toMatchObject({ source: 'env', shown: '****f123', configKey: 'integrations.myci.apiToken' });
    expect(r.report.find((s) => s.key === 'retries')).toMatchObject({ source: 'default', shown: '3' });
    expect(JSON.stringify(r.report)).not.toContain('env-token-abcdef123');
  });

  it('reports a required setting that is unset', () => {
    const env = { AEGIS_HOME: mkdtempSync(join(tmpdir(), 'aegis-int-empty-')) };
    const r = resolveSettings('myci', dir, env, loadConfig(env));
    expect(r.missing.map((m) => m.key)).toEqual(['apiToken']);
    expect(r.values.apiToken).toBeUndefined();
    rmSync(env.AEGIS_HOME, { recursive: true, force: true });
  });

  it('refuses a setting whose variable Aegis reads itself, and a malformed setup.json names the field', () => {
    const tmux = mkdtempSync(join(tmpdir(), 'aegis-int-tmux-'));
    writeFileSync(join(tmux, 'setup.json'), JSON.stringify({ settings: [{ key: 'socket', description: 'x' }] }));
    expect(() => resolveSettings('tmux', tmux, { AEGIS_HOME: home }, loadConfig({ AEGIS_HOME: home }))).toThrow(/AEGIS_TMUX_SOCKET, which Aegis itself uses/);
    writeFileSync(join(tmux, 'setup.json'), JSON.stringify({ settings: [{ key: 'Bad-Key', description: 'x' }] }));
    expect(() => readSetup(tmux)).toThrow(/settings\.0\.key/);
    writeFileSync(join(tmux, 'setup.json'), '{ not json');
    expect(() => readSetup(tmux)).toThrow(/not valid JSON/);
    rmSync(tmux, { recursive: true, force: true });
  });

  it('reads a setup.json an editor saved with a byte order mark', () => {
    const marked = mkdtempSync(join(tmpdir(), 'aegis-int-bom-'));
    writeFileSync(join(marked, 'setup.json'), `\ufeff${JSON.stringify({ description: 'marked', settings: [{ key: 'apiToken', description: 'token' }] })}`);
    expect(readSetup(marked)).toMatchObject({ description: 'marked', settings: [{ key: 'apiToken' }] });
    rmSync(marked, { recursive: true, force: true });
  });
});

describe('integration discovery', () => {
  let home: string;
  let elsewhere: string;
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'aegis-int-disc-'));
    elsewhere = mkdtempSync(join(tmpdir(), 'aegis-int-else-'));
    mkdirSync(join(home, 'integrations', 'zeta', 'tools'), { recursive: true });
    mkdirSync(join(home, 'integrations', 'alpha'), { recursive: true });
    writeFileSync(join(home, 'integrations', 'alpha', 'hooks.js'), 'export default {}');
    mkdirSync(join(home, 'integrations', '.hidden'));
    symlinkSync(join(home, 'integrations', 'alpha'), join(elsewhere, 'alias'));
  });
  afterAll(() => {
    rmSync(home, { recursive: true, force: true });
    rmSync(elsewhere, { recursive: true, force: true });
  });

  it('searches $AEGIS_HOME/integrations first, then AEGIS_INTEGRATION_DIRS; a folder is a parent of integrations or one itself', () => {
    const d = discover(home, { AEGIS_INTEGRATION_DIRS: `${join(FIXTURES, 'example')}:${join(FIXTURES, 'broken')}` });
    expect(d.folders.map((f) => f.name)).toEqual(['alpha', 'zeta', 'example', 'needssetting', 'syntaxerror', 'throwsatimport']);
    expect(d.searched).toEqual([join(home, 'integrations'), join(FIXTURES, 'example'), join(FIXTURES, 'broken')]);
    expect(d.problems).toEqual([]);
  });

  it('loads a folder reached twice once, and reports a named folder that is missing', () => {
    const d = discover(home, { AEGIS_INTEGRATION_DIRS: `${elsewhere}:/nowhere/at/all` });
    expect(d.folders.map((f) => f.name)).toEqual(['alpha', 'zeta']);
    expect(d.problems).toEqual([expect.stringContaining('AEGIS_INTEGRATION_DIRS names /nowhere/at/all, which does not exist')]);
  });
});

describe('chat commands from integrations', () => {
  const commands = [{ name: 'deploy' }, { name: 'ticket', pattern: /^ticket\s+#?(\d+)$/gi }, { name: 'jira', pattern: /\b([A-Z]+-\d+)\b/ }];

  it('matches by first word, then by pattern, and answers usage when the word is right but the pattern is not', () => {
    expect(matchChatCommand(commands, 'Deploy prod now')).toEqual({ kind: 'command', name: 'deploy', text: 'Deploy prod now', args: 'prod now' });
    const t = matchChatCommand(commands, 'ticket #42')!;
    expect(t.match?.[1]).toBe('42');
    // A /g pattern matches again on the next message (lastIndex is reset).
    expect(matchChatCommand(commands, 'ticket 43')!.match?.[1]).toBe('43');
    expect(matchChatCommand(commands, 'look at ABC-12 please')).toMatchObject({ name: 'jira', match: expect.arrayContaining(['ABC-12']) });
    expect(matchChatCommand(commands, 'ticket')).toMatchObject({ name: 'ticket', usage: true });
    expect(matchChatCommand(commands, 'nothing here')).toBeUndefined();
  });

  it('comes after the built-in grammar, and joins did-you-mean', () => {
    expect(parseCommand('status', { commands: [{ name: 'status' }] }).kind).toBe('status');
    expect(parseCommand('/deploy@my_bot prod', { commands })).toMatchObject({ kind: 'command', name: 'deploy', args: 'prod' });
    expect(parseCommand('deplyo', { commands })).toMatchObject({ kind: 'unknown', suggestions: expect.arrayContaining(['deploy']) });
    const without = parseCommand('deplyo', {});
    expect(without.kind === 'unknown' ? without.suggestions : ['(not unknown)']).not.toContain('deploy');
  });

  it('knows which words the built-in grammar owns, aliases and text commands included', () => {
    const taken = builtinChatWord(chatGrammar);
    for (const w of ['status', 'approve', 'y', 'yes', 'task', 'c', 'continue', 'journal', 'help', 'pending']) expect(taken(w), w).toBe(true);
    for (const w of ['deploy', 'ticket', 'homelab']) expect(taken(w), w).toBe(false);
  });
});

describe('names the built-ins own', () => {
  it('covers tool areas, aliases, channels and top-level commands, each with its owner', () => {
    const names = builtinNames(builtinToolNames());
    expect(names.get('session')).toBe('the built-in session_* tools');
    expect(names.get('create')).toContain('session_create');
    expect(names.get('telegram')).toContain('telegram channel');
    expect(names.get('mcp')).toContain('ag mcp');
    expect(names.get('integrations')).toBeDefined();
    expect(names.has('homelab')).toBe(false);
  });
});

describe('channel adapters, built-in and from integrations', () => {
  const ok = () => ({
    name: 'tracker',
    maxLength: 500,
    markup: 'plain',
    send: async () => ({}),
    isAllowed: () => true,
    describe: () => ({ channel: 'tracker', modes: [], allowedSenders: 0, problems: [] }),
  });
  const build = (adapter: unknown) => buildChannel(() => adapter as ChannelAdapter, { integration: 'tracker' } as ChannelContext, '/x/tracker/channel.js');

  it('accepts a complete adapter and names what is missing or wrong in one that is not', async () => {
    await expect(build(ok())).resolves.toMatchObject({ name: 'tracker' });
    await expect(build({ ...ok(), send: undefined, maxLength: 0 })).rejects.toThrow('/x/tracker/channel.js: the channel factory returned no send, maxLength');
    await expect(build({ ...ok(), name: 'telegram' })).rejects.toThrow('the channel is named "telegram"');
    await expect(build({ ...ok(), poll: 'soon' })).rejects.toThrow("the channel's poll is not a function");
    await expect(build({ ...ok(), describe: () => ({ modes: 'webhook' }) })).rejects.toThrow(
      'describe() does not return { modes: [], allowedSenders: number, problems: [] }',
    );
    await expect(
      build({
        ...ok(),
        describe: () => {
          throw new Error('no config');
        },
      }),
    ).rejects.toThrow("the channel's describe() threw: no config");
    await expect(
      buildChannel(
        () => {
          throw new Error('no token');
        },
        { integration: 'tracker' } as ChannelContext,
        'channel.js',
      ),
    ).rejects.toThrow('the channel factory threw: no token');
  });

  it('keeps an integration webhook under /api/<name>/ so it cannot take a built-in route', async () => {
    const route = (path: string) => ({ ...ok(), webhooks: [{ path, signed: true, handle: () => ({ status: 200 }) }] });
    await expect(build(route('/api/tracker/inbound'))).resolves.toBeTruthy();
    const err = await build(route('/api/vonage/whatsapp/inbound')).catch((e: AegisError) => e);
    expect(err).toBeInstanceOf(AegisError);
    expect((err as AegisError).message).toContain('webhook path /api/vonage/whatsapp/inbound is outside /api/tracker/');
    expect((err as AegisError).fix).toContain('/api/tracker/inbound');
  });

  it('builds the configured built-in channels through the same check, and only those', () => {
    const home = mkdtempSync(join(tmpdir(), 'aegis-channels-'));
    try {
      const app = new App({
        env: { AEGIS_HOME: home, AEGIS_TELEGRAM_BOT_TOKEN: '123:abc', AEGIS_HOOK_WEBHOOK_URLS: 'http://127.0.0.1:9/h' },
        logStream: new PassThrough(),
      });
      const adapters = buildBuiltinAdapters(app, { get: () => undefined, set: () => {} });
      expect([...adapters.keys()]).toEqual(['telegram', 'webhooks']);
      expect(BUILTIN_CHANNELS.map((c) => c.name)).toEqual(['telegram', 'whatsapp', 'discord', 'slack', 'webhooks']);
      expect(missingSettings(app.config, 'discord')).toEqual(['channels.discord.botToken', 'channels.discord.tasksChannelId']);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
