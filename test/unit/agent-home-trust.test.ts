import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeCodexHome } from '../../src/agents/codex/launch.js';
import { writeGeminiHome } from '../../src/agents/gemini/launch.js';

/** The private agent homes name the work folder as trusted only when asked to (the user trusted it, or opted in). */
describe('work folder trust in the agent homes Aegis writes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aegis-home-trust-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const workDir = '/work/some "repo"';

  for (const trusted of [false, true]) {
    it(`Codex config.toml ${trusted ? 'lists' : 'does not list'} the work folder as a trusted project`, () => {
      const dataDir = join(dir, `codex-${trusted}`);
      const { codexHome } = writeCodexHome({
        dataDir,
        workDir,
        workDirTrusted: trusted,
        baseUrl: 'http://127.0.0.1:9/v1',
        apiKeyEnv: 'K',
        permissionMode: 'default',
      });
      const config = readFileSync(join(codexHome, 'config.toml'), 'utf8');
      expect(config.includes(`[projects."/work/some \\"repo\\""]\ntrust_level = "trusted"`)).toBe(trusted);
      if (!trusted) expect(config).not.toContain('[projects.');
    });

    it(`Gemini trustedFolders.json ${trusted ? 'holds' : 'is not written, so nothing trusts'} the work folder`, () => {
      const home = writeGeminiHome({ dataDir: join(dir, `gemini-${trusted}`), workDir, workDirTrusted: trusted });
      const file = join(home, '.gemini', 'trustedFolders.json');
      expect(existsSync(file)).toBe(trusted);
      if (trusted) expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ [workDir]: 'TRUST_FOLDER' });
    });
  }
});
