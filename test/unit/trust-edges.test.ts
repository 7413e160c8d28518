import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../../src/config/settings.js';
import { agentBaseEnv, agentMaySee } from '../../src/agents/env.js';
import { checkTypedAnswer, MAX_TYPED_ANSWER_BYTES } from '../../src/terminal/typed-text.js';
import { argLiteral } from '../../src/tmux/command.js';
import { formatLiteral } from '../../src/tmux/server.js';

describe('what an agent may inherit', () => {
  it('keeps what programs and the agents need', () => {
    for (const name of [
      'PATH',
      'HOME',
      'USER',
      'LOGNAME',
      'SHELL',
      'LANG',
      'LC_ALL',
      'LC_CTYPE',
      'TERM',
      'COLORTERM',
      'TZ',
      'TMPDIR',
      'ANTHROPIC_API_KEY',
      'ANTHROPIC_BASE_URL',
      'CLAUDE_CONFIG_DIR',
      'OPENAI_API_KEY',
      'CODEX_HOME',
      'GEMINI_API_KEY',
      'GOOGLE_CLOUD_PROJECT',
      'DISABLE_AUTOUPDATER',
      'HTTPS_PROXY',
    ]) {
      expect(agentMaySee(name), name).toBe(true);
    }
  });

  it('drops every setting marked secret, every other AEGIS_ variable and unknown host variables', () => {
    const secrets = SETTINGS.filter((s) => s.secret).map((s) => s.env);
    expect(secrets.length).toBeGreaterThan(5);
    for (const name of [...secrets, 'AEGIS_HOME', 'AEGIS_TMUX_SOCKET', 'DATABASE_URL', 'AWS_SECRET_ACCESS_KEY', 'GITHUB_TOKEN', 'SSH_AUTH_SOCK', 'TMUX']) {
      expect(agentMaySee(name), name).toBe(false);
    }
    expect(agentBaseEnv({ PATH: '/bin', AEGIS_TELEGRAM_BOT_TOKEN: 't', GITHUB_TOKEN: 'g', LC_ALL: 'C', UNSET: undefined })).toEqual({
      PATH: '/bin',
      LC_ALL: 'C',
    });
  });
});

describe('tmux arguments stay literal', () => {
  it('doubles # where tmux expands formats', () => {
    expect(formatLiteral('/w/a#(id)#{pane_id}##')).toBe('/w/a##(id)##{pane_id}####');
  });

  it('escapes only a final ; (tmux reads it as a command separator)', () => {
    expect(argLiteral('a;b')).toBe('a;b');
    expect(argLiteral('a;')).toBe('a\\;');
    expect(argLiteral('a\\;')).toBe('a\\\\;');
    expect(argLiteral(';')).toBe('\\;');
  });
});

describe('a typed answer', () => {
  it('keeps text, removes control characters, makes line breaks spaces, and refuses what a tmux command line cannot hold', () => {
    expect(checkTypedAnswer('answer', 'src/app.ts;')).toBe('src/app.ts;');
    expect(checkTypedAnswer('answer', 'a\x1b[201~b\nc\td\x03')).toBe('a[201~b c d');
    expect(() => checkTypedAnswer('answer', 'x'.repeat(MAX_TYPED_ANSWER_BYTES + 1))).toThrow(/answer is 8001 bytes/);
  });
});
