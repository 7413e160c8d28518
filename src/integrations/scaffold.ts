import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PACKAGE_ROOT } from '../util/package-root.js';
import { AegisError, invalidInput } from '../errors.js';
import { builtinChatWord, type ChatGrammar } from './commands.js';
import { builtinNames, INTEGRATION_NAME, type BuiltinToolName } from './names.js';

const TEMPLATE_DIR = join(PACKAGE_ROOT, 'resources', 'integration-template');

/**
 * `ag integrations new <name>`: copies resources/integration-template/ into `<parent>/<name>`,
 * replacing `{{name}}` and `{{NAME}}` in every file. The result is a working integration (a tool,
 * hooks, a chat command named after it) with a test that drives it through `ag`. Refuses a name
 * the loader would refuse, and an existing folder unless `force`. The built-in tools' names and the
 * chat grammar come from the CLI, which knows both.
 */
export function scaffoldIntegration(
  name: string,
  parent: string,
  force: boolean,
  builtin: { tools: readonly BuiltinToolName[]; chatGrammar: ChatGrammar },
): { dir: string; files: string[] } {
  if (!INTEGRATION_NAME.test(name))
    throw invalidInput('name', `"${name}" is not a usable integration name`, 'use lowercase letters and digits, starting with a letter, e.g. myci');
  const owner = builtinNames(builtin.tools).get(name);
  if (owner) throw invalidInput('name', `"${name}" is taken by ${owner}`, 'pick another name');
  // The example chat command is named after the integration, so the name must be free in chat too.
  if (builtinChatWord(builtin.chatGrammar)(name)) throw invalidInput('name', `"${name}" is a built-in chat command`, 'pick another name');
  const dir = join(parent, name);
  if (existsSync(dir) && !force)
    throw new AegisError('conflict', `${dir} already exists`, { field: 'name', fix: 'pick another name, or pass --force to overwrite its template files' });

  const files = readdirSync(TEMPLATE_DIR, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(join(TEMPLATE_DIR, f)).isFile())
    .sort();
  for (const rel of files) {
    const text = readFileSync(join(TEMPLATE_DIR, rel), 'utf8').replaceAll('{{name}}', name).replaceAll('{{NAME}}', name.toUpperCase());
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return { dir, files: files.map((f) => join(dir, f)) };
}
