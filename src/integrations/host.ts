import { AegisError, toAegisError } from '../errors.js';
import { buildChannel } from '../channels/registry.js';
import type { ChannelAdapter } from '../channels/types.js';
import { withFields } from '../util/log.js';
import { builtinChatWord, type ActiveChatCommand } from './commands.js';
import type { IntegrationDeps } from './deps.js';
import { discover, type FoundFolder } from '../config/integration-folders.js';
import { activateHooks } from './hooks.js';
import { enableIntegrationImports } from './import.js';
import { loadFolder, type LoadedFolder } from './load.js';
import { builtinNames, INTEGRATION_NAME } from './names.js';
import type { SettingReport } from './settings.js';
import { readSkills, type Skill } from './skills.js';
import type { IntegrationContext, IntegrationSettings, IntegrationToolDef } from './types.js';

export type IntegrationStatus = 'loaded' | 'failed' | 'refused';

/** What `ag integrations list` and `ag doctor` show for one folder. */
export interface IntegrationRecord {
  name: string;
  dir: string;
  /** loaded; failed = broken (syntax, throw at import, missing setting, bad export); refused = a name clash. */
  status: IntegrationStatus;
  description?: string;
  error?: string;
  fix?: string;
  settings: SettingReport[];
  tools: string[];
  commands: string[];
  channel?: string;
  hooks: string[];
  skills: string[];
  /** Things that did not stop it loading (a skill that is not a valid prompt...). */
  problems: string[];
}

export interface ActiveChannel {
  integration: string;
  file: string;
  adapter: ChannelAdapter;
}

/** An integration's tool with what its handler gets besides the built-in tool context (the tools layer serves it). */
export interface IntegrationTool {
  tool: IntegrationToolDef;
  integration: string;
  settings: IntegrationSettings;
}

/** Everything the integrations contribute to this process, and a record per folder found. */
export interface IntegrationSet {
  searched: string[];
  /** Searched folders that are missing or unreadable. */
  problems: string[];
  records: IntegrationRecord[];
  tools: IntegrationTool[];
  commands: ActiveChatCommand[];
  channels: ActiveChannel[];
  skills: Skill[];
  /** Values of every loaded integration's secret settings: masked wherever replies leave Aegis. */
  secrets: string[];
}

const emptyRecord = (f: FoundFolder, status: IntegrationStatus, err: AegisError, settings: SettingReport[] = []): IntegrationRecord => ({
  name: f.name,
  dir: f.dir,
  status,
  error: err.message,
  fix: err.fix,
  settings,
  tools: [],
  commands: [],
  hooks: [],
  skills: [],
  problems: [],
});

/**
 * Integrations: user folders that add tools, a channel, chat commands, lifecycle hooks and skills.
 * load() discovers and loads them once per process (later calls get the same set) and never
 * throws: a broken or clashing integration is recorded and logged, and everything else loads.
 * Built-ins come first; an integration whose name or chat command is taken is refused whole.
 */
export class Integrations {
  private loading?: Promise<IntegrationSet>;
  /** Prompt names taken so far (built-in prompts, then skills), read on the first skill that is a prompt. */
  private prompts?: Promise<Map<string, string>>;

  constructor(private readonly deps: IntegrationDeps) {}

  load(): Promise<IntegrationSet> {
    this.loading ??= this.loadAll();
    return this.loading;
  }

  private async loadAll(): Promise<IntegrationSet> {
    const { config, env, log } = this.deps;
    // Event webhooks are the built-in subscriber to the lifecycle hooks: every process forwards the
    // events it originates (tool calls, sessions it created...); `ag serve` adds the observed ones.
    if (config.get('hooks.webhookUrls').length) await this.deps.forwardOriginEvents();
    const found = discover(config.home, env);
    const set: IntegrationSet = {
      searched: found.searched,
      problems: found.problems,
      records: [],
      tools: [],
      commands: [],
      channels: [],
      skills: [],
      secrets: [],
    };
    for (const problem of found.problems) log.warn('integration folder problem', { problem });
    if (!found.folders.length) return set;

    const records = new Map<FoundFolder, IntegrationRecord>();
    const refuse = (f: FoundFolder, status: IntegrationStatus, err: AegisError, settings?: SettingReport[]) => {
      records.set(f, emptyRecord(f, status, err, settings));
      log.warn(`integration ${f.name} ${status === 'refused' ? 'refused' : 'not loaded'}`, { dir: f.dir, error: err.message, fix: err.fix });
    };

    // Names first: a folder whose name is unusable or taken runs none of its code.
    const builtin = builtinNames(await this.deps.builtinTools());
    const owners = new Map<string, string>();
    const candidates: FoundFolder[] = [];
    for (const f of found.folders) {
      if (!INTEGRATION_NAME.test(f.name)) {
        refuse(
          f,
          'failed',
          new AegisError('invalid_input', `folder ${f.dir}: "${f.name}" is not a usable integration name`, {
            field: f.dir,
            fix: 'rename the folder to lowercase letters and digits, starting with a letter (the name prefixes its tools: <name>_<verb>)',
          }),
        );
      } else if (builtin.has(f.name) || owners.has(f.name)) {
        const other = builtin.get(f.name) ?? `integration ${f.name} from ${owners.get(f.name)}, loaded first`;
        refuse(
          f,
          'refused',
          new AegisError('conflict', `integration ${f.name} from ${f.dir} clashes with ${other}`, {
            field: f.dir,
            fix: 'rename the folder (an integration is named after its folder)',
          }),
        );
      } else {
        owners.set(f.name, f.dir);
        candidates.push(f);
      }
    }

    if (candidates.length) enableIntegrationImports(candidates.map((c) => c.dir));
    const outcomes = await Promise.all(candidates.map((f) => loadFolder(f, env, config)));
    const isChatWord = outcomes.some((o) => o.ok && o.folder.commands.length) ? builtinChatWord(await this.deps.chatGrammar()) : () => false;
    const operators = this.operatorNames();
    const chatOwners = new Map<string, string>();

    for (const [i, outcome] of outcomes.entries()) {
      const f = candidates[i]!;
      if (!outcome.ok) {
        refuse(f, 'failed', outcome.error, outcome.settings);
        continue;
      }
      const folder = outcome.folder;
      const clash = this.commandClash(folder, chatOwners, isChatWord, operators);
      if (clash) {
        refuse(f, 'refused', clash, folder.settings.report);
        continue;
      }
      try {
        const record = await this.activate(folder, set);
        for (const c of folder.commands) chatOwners.set(c.value.name, `integration ${folder.name} (${c.file})`);
        records.set(f, record);
      } catch (err) {
        refuse(f, 'failed', toAegisError(err), folder.settings.report);
      }
    }
    set.records = found.folders.map((f) => records.get(f)!);
    return set;
  }

  /** Operator names from config.json: a chat command must not take one. A bad operators block is messaging's to report. */
  private operatorNames(): Set<string> {
    const raw = this.deps.config.extra.operators;
    return new Set(raw && typeof raw === 'object' ? Object.keys(raw).map((k) => k.toLowerCase()) : []);
  }

  /** The first chat command of the folder whose name is taken, as the error naming both sources. */
  private commandClash(folder: LoadedFolder, taken: Map<string, string>, isChatWord: (w: string) => boolean, operators: Set<string>): AegisError | undefined {
    const mine = new Map<string, string>();
    for (const { value, file } of folder.commands) {
      const other = isChatWord(value.name)
        ? `the built-in chat command "${value.name}" (src/messaging/commands/parser.ts)`
        : operators.has(value.name)
          ? `the operator "${value.name}" in ${this.deps.config.configFile}`
          : (taken.get(value.name) ?? (mine.has(value.name) ? `the chat command of the same name in ${mine.get(value.name)}` : undefined));
      if (other)
        return new AegisError('conflict', `chat command "${value.name}" of integration ${folder.name} (${file}) clashes with ${other}`, {
          field: file,
          fix: `rename the command in ${file}`,
        });
      mine.set(value.name, file);
    }
    return undefined;
  }

  private promptOwners(): Promise<Map<string, string>> {
    this.prompts ??= import('../content/index.js')
      .then(({ loadPrompts }) => loadPrompts())
      .then((prompts) => new Map(prompts.map((p) => [p.name, `the built-in prompt ${p.name} (${p.source})`])));
    return this.prompts;
  }

  /** Builds the channel, reads the skills, then makes the integration live: tools, commands, channel, skills, hooks. */
  private async activate(folder: LoadedFolder, set: IntegrationSet): Promise<IntegrationRecord> {
    const { name, settings } = folder;
    const ctx: IntegrationContext = { integration: name, settings: settings.values, log: withFields(this.deps.log, { integration: name }) };
    const adapter = folder.channel && (await buildChannel(folder.channel.value, { ...ctx, cursors: await this.deps.cursors() }, folder.channel.file));
    const { skills, problems } = await readSkills(name, folder.skillFiles);
    for (const s of skills) {
      if (!s.prompt) continue;
      const promptOwners = await this.promptOwners();
      const other = promptOwners.get(s.prompt.name);
      if (other) {
        problems.push(`${s.path}: prompt ${s.prompt.name} clashes with ${other}; it is served as a resource only (fix: rename it in the front matter)`);
        delete s.prompt;
      } else promptOwners.set(s.prompt.name, s.path);
    }

    for (const { value: tool } of folder.tools) set.tools.push({ tool, integration: name, settings: settings.values });
    for (const { value, file } of folder.commands) set.commands.push({ command: value, file, ctx, secrets: settings.secrets });
    if (adapter) set.channels.push({ integration: name, file: folder.channel!.file, adapter });
    set.skills.push(...skills);
    set.secrets.push(...settings.secrets);
    if (folder.hooks) activateHooks(this.deps, folder.hooks.value, ctx);
    return {
      name,
      dir: folder.dir,
      status: 'loaded',
      description: settings.description,
      settings: settings.report,
      tools: folder.tools.map((t) => t.value.name),
      commands: folder.commands.map((c) => c.value.name),
      channel: adapter?.name,
      hooks: Object.keys(folder.hooks?.value ?? {}),
      skills: skills.map((s) => (s.prompt ? `${s.name} (prompt ${s.prompt.name})` : s.name)),
      problems,
    };
  }
}
