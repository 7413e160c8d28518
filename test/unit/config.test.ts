import { mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, maskSetting } from '../../src/config/load.js';
import { AegisError } from '../../src/errors.js';
import { failure } from '../helpers/errors.js';

const home = () => mkdtempSync(join(tmpdir(), 'aegis-config-'));

describe('config', () => {
  it('takes defaults, then config.json, then AEGIS_* env, and says where each value came from', () => {
    const h = home();
    writeFileSync(join(h, 'config.json'), JSON.stringify({ tmux: { socket: 'fromfile' }, sessions: { stallSeconds: 60, paneWidth: 120 } }));
    const c = loadConfig({ AEGIS_HOME: h, AEGIS_STALL_SECONDS: '90' });
    expect(c.get('tmux.socket')).toBe('fromfile');
    expect(c.settings.get('tmux.socket')?.source).toBe('config');
    expect(c.get('sessions.stallSeconds')).toBe(90);
    expect(c.settings.get('sessions.stallSeconds')?.source).toBe('env');
    expect(c.get('sessions.paneWidth')).toBe(120);
    expect(c.get('sessions.paneHeight')).toBe(50);
    expect(c.settings.get('sessions.paneHeight')?.source).toBe('default');
    expect(c.home).toBe(h);
  });

  it('require() gives a set value and refuses an unset one naming the key and where to set it', () => {
    const h = home();
    const c = loadConfig({ AEGIS_HOME: h, AEGIS_TELEGRAM_BOT_TOKEN: '123:abc' });
    expect(c.require('channels.telegram.botToken')).toBe('123:abc');
    expect(c.get('channels.discord.botToken')).toBeUndefined();
    let err: unknown;
    try {
      c.require('channels.discord.botToken');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AegisError);
    expect((err as AegisError).field).toBe('channels.discord.botToken');
    expect((err as AegisError).message).toBe('setting channels.discord.botToken is not set');
    expect((err as AegisError).fix).toContain('$AEGIS_DISCORD_BOT_TOKEN');
  });

  it('rejects a bad value naming the key, the value and what is allowed', () => {
    const h = home();
    let err: unknown;
    try {
      loadConfig({ AEGIS_HOME: h, AEGIS_LOG_LEVEL: 'loud' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AegisError);
    const e = err as AegisError;
    expect(e.field).toBe('log.level');
    expect(e.message).toContain('"loud"');
    expect(e.fix).toContain('AEGIS_LOG_LEVEL');
    expect(e.fix).toContain('debug, info, warn, error, silent');
  });

  it('rejects bad values from config.json naming the file', () => {
    const h = home();
    writeFileSync(join(h, 'config.json'), JSON.stringify({ tmux: { socket: 'has space' } }));
    expect(() => loadConfig({ AEGIS_HOME: h })).toThrow(/tmux\.socket/);
    writeFileSync(join(h, 'config.json'), '{ not json');
    expect(() => loadConfig({ AEGIS_HOME: h })).toThrow(/not valid JSON/);
  });

  it('takes folders as absolute paths or ~/…, never relative to wherever a command runs', () => {
    const h = home();
    writeFileSync(join(h, 'config.json'), JSON.stringify({ worktrees: { dir: '~/aegis-worktrees' }, messaging: { workDir: '/srv/app' } }));
    const c = loadConfig({ AEGIS_HOME: h });
    expect(c.get('worktrees.dir')).toBe(join(homedir(), 'aegis-worktrees'));
    expect(c.get('messaging.workDir')).toBe('/srv/app');
    // A relative folder meant another one in each process's current directory (inside a repository, say).
    const e = failure(() => loadConfig({ AEGIS_HOME: h, AEGIS_WORKTREES_DIR: 'worktrees' }));
    expect(e.field).toBe('worktrees.dir');
    expect(e.message).toContain('absolute');
    expect(e.fix).toContain('AEGIS_WORKTREES_DIR');
    writeFileSync(join(h, 'config.json'), JSON.stringify({ messaging: { workDir: 'app' } }));
    expect(failure(() => loadConfig({ AEGIS_HOME: h })).field).toBe('messaging.workDir');
  });

  it('reads a config.json an editor saved with a byte order mark (Notepad writes one)', () => {
    const h = home();
    writeFileSync(join(h, 'config.json'), `\ufeff${JSON.stringify({ tmux: { socket: 'marked' } })}`);
    expect(loadConfig({ AEGIS_HOME: h }).get('tmux.socket')).toBe('marked');
  });

  it('never shows a secret in full', () => {
    const c = loadConfig({ AEGIS_HOME: home(), AEGIS_TELEGRAM_BOT_TOKEN: '123456:SECRETSECRETSECRET' });
    const s = c.settings.get('channels.telegram.botToken')!;
    expect(s.value).toBe('123456:SECRETSECRETSECRET');
    expect(String(maskSetting(s))).not.toContain('SECRETSECRET');
  });

  it('parses lists and numbers from the environment', () => {
    const c = loadConfig({ AEGIS_HOME: home(), AEGIS_TELEGRAM_ALLOWED_CHAT_IDS: '1, 2,3', AEGIS_SERVE_PORT: '8080' });
    expect(c.get('channels.telegram.allowedChatIds')).toEqual(['1', '2', '3']);
    expect(c.get('serve.port')).toBe(8080);
  });
});
