import type { IntegrationRecord, Integrations } from './host.js';

/** `token=****abcd (env)`, `url unset (required)`: one setting, secrets masked. */
const settingLine = (s: IntegrationRecord['settings'][number]): string =>
  s.shown === undefined ? `${s.key} unset${s.required ? ' (required)' : ''}` : `${s.key}=${s.secret ? s.shown : JSON.stringify(s.shown)} (${s.source})`;

/** What an integration adds, in one line: `2 tools (ci_status, ci_rerun) · commands: deploy · hooks: after_tool_call`. */
export function contributions(r: IntegrationRecord): string {
  const parts = [
    r.tools.length ? `tools: ${r.tools.join(', ')}` : '',
    r.channel ? `channel: ${r.channel}` : '',
    r.commands.length ? `chat commands: ${r.commands.join(', ')}` : '',
    r.hooks.length ? `hooks: ${r.hooks.join(', ')}` : '',
    r.skills.length ? `skills: ${r.skills.join(', ')}` : '',
  ];
  return parts.filter(Boolean).join(' · ');
}

/** Lines under an integration's name: where it is from, what it adds or why it did not load, its settings. */
export function describeRecord(r: IntegrationRecord): string[] {
  const lines = [r.dir];
  if (r.description) lines.push(r.description);
  if (r.status === 'loaded') lines.push(contributions(r));
  else lines.push(`${r.status === 'refused' ? 'refused' : 'error'}: ${r.error}`, ...(r.fix ? [`fix: ${r.fix}`] : []));
  if (r.settings.length) lines.push(`settings: ${r.settings.map(settingLine).join(', ')}`);
  lines.push(...r.problems.map((p) => `note: ${p}`));
  return lines;
}
