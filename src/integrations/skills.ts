import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { type DynamicResourceProvider, parsePromptFile, type PromptTemplate, loadStaticResources } from '../content/index.js';

/** A document from an integration's skills/ folder, served as an MCP resource (and a prompt when its front matter makes one). */
export interface Skill {
  integration: string;
  uri: string;
  name: string;
  title: string;
  description: string;
  path: string;
  prompt?: PromptTemplate;
}

/** What the skill resources and prompts read: the loaded integrations' skills (the MCP server hands it the App). */
export interface SkillDeps {
  integrations: { load(): Promise<{ skills: Skill[] }> };
}

const FRONT_MATTER = /^---\r?\n([\s\S]*?)\r?\n---/;

/**
 * Reads an integration's skill files. Title and description come from the front matter when there
 * is one, else from the first heading and paragraph. A file whose front matter is a valid prompt
 * (name, description, arguments: the format of prompts/*.md) is also a prompt; one whose front
 * matter is not stays a resource, and why is returned as a problem.
 */
export async function readSkills(integration: string, files: string[]): Promise<{ skills: Skill[]; problems: string[] }> {
  if (!files.length) return { skills: [], problems: [] };
  const problems: string[] = [];
  const wanted = new Set(files);
  const docs = loadStaticResources(dirname(files[0]!)).filter((r) => wanted.has(r.path));
  const parseYaml = docs.some((d) => FRONT_MATTER.test(readFileSync(d.path, 'utf8'))) ? (await import('yaml')).parse : undefined;
  const skills = docs.map((doc): Skill => {
    const name = basename(doc.path, '.md');
    const skill: Skill = {
      integration,
      uri: `aegis://integrations/${integration}/skills/${name}`,
      name,
      title: doc.title,
      description: doc.description,
      path: doc.path,
    };
    const text = readFileSync(doc.path, 'utf8');
    const front = FRONT_MATTER.exec(text);
    if (!front || !parseYaml) return skill;
    try {
      const meta = (parseYaml(front[1]!) ?? {}) as { title?: unknown; name?: unknown; description?: unknown };
      if (typeof meta.description === 'string') skill.description = meta.description;
      if (typeof meta.title === 'string' || typeof meta.name === 'string') skill.title = String(meta.title ?? meta.name);
      skill.prompt = parsePromptFile(text, doc.path, parseYaml);
    } catch (err) {
      problems.push(
        `${doc.path} is served as a resource but not as a prompt: ${(err as Error).message} (fix: front matter needs name (lowercase letters, digits, _) and description; see prompts/*.md)`,
      );
    }
    return skill;
  });
  return { skills, problems };
}

/** The skills of every loaded integration as MCP resources, `aegis://integrations/<name>/skills/<file>`. */
export const skillResources: DynamicResourceProvider<SkillDeps> = {
  templates: [],
  async list({ integrations }) {
    return (await integrations.load()).skills.map(({ uri, name, title, description }) => ({ uri, name, title, description, mimeType: 'text/markdown' }));
  },
  async read({ integrations }, uri) {
    if (!uri.startsWith('aegis://integrations/')) return undefined;
    const skill = (await integrations.load()).skills.find((s) => s.uri === uri);
    return skill && { text: readFileSync(skill.path, 'utf8'), mimeType: 'text/markdown' };
  },
};

/** The built-in prompts followed by the integrations' skill prompts (name clashes were settled at load). */
export async function withSkillPrompts({ integrations }: SkillDeps, builtin: Promise<PromptTemplate[]>): Promise<PromptTemplate[]> {
  const [own, set] = await Promise.all([builtin, integrations.load()]);
  return [...own, ...set.skills.flatMap((s) => (s.prompt ? [s.prompt] : []))];
}
