import type { Command } from 'commander';
import { resolve, join } from 'node:path';
import { aegisHome } from '../config/load.js';
import { HOST_ONE_LINERS, listTemplates, mergeMcpJson, scaffoldTemplate, writeStarterConfig } from '../system/index.js';

/** `ag init`: a starter config, the project's .mcp.json, host one-liners, and optional Claude Code templates. */
export function addInitCommand(program: Command): void {
  program
    .command('init')
    .summary('write config.json and .mcp.json for an MCP host')
    .description('write a starter $AEGIS_HOME/config.json and the project .mcp.json, print how to add Aegis to Claude Code, Cursor and Windsurf')
    .option('--force', 'overwrite files that exist')
    .option('--dir <path>', 'project folder for .mcp.json and .claude/', process.cwd())
    .option('--list-templates', 'list starter files for Claude Code (agents, commands, skills)')
    .option('--from-template <name>', 'scaffold a template into the project .claude/')
    .option('--no-mcp-json', 'do not write the project .mcp.json')
    .action((opts: { force?: boolean; dir: string; listTemplates?: boolean; fromTemplate?: string; mcpJson: boolean }) => {
      const out = (line = '') => process.stdout.write(`${line}\n`);
      const dir = resolve(opts.dir);
      if (opts.listTemplates) {
        for (const t of listTemplates()) out(`${t.name.padEnd(16)} ${t.description}\n${' '.repeat(17)}${t.files.join(', ')}`);
        return;
      }
      if (opts.fromTemplate) {
        for (const r of scaffoldTemplate(opts.fromTemplate, dir, !!opts.force))
          out(`${r.outcome.padEnd(11)} ${r.file}${r.outcome === 'kept' ? ' (exists; --force overwrites)' : ''}`);
        return;
      }
      const configFile = join(aegisHome(), 'config.json');
      const configOutcome = writeStarterConfig(configFile, !!opts.force);
      out(`${configOutcome.padEnd(11)} ${configFile}${configOutcome === 'kept' ? ' (exists; --force overwrites)' : ''}`);
      if (opts.mcpJson) {
        const mcp = mergeMcpJson(dir);
        out(`${mcp.outcome.padEnd(11)} ${mcp.file}`);
      }
      out('\nAdd Aegis to your MCP host:');
      HOST_ONE_LINERS.forEach((l) => out(`  ${l}`));
      out('\nThen check the machine with: npx ag doctor');
    });
}
