import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { notFound } from '../errors.js';
import { PACKAGE_ROOT } from '../util/package-root.js';

export interface StaticResource {
  uri: string;
  name: string;
  title: string;
  description: string;
  mimeType: string;
  path: string;
}

const MIME: Record<string, string> = { '.md': 'text/markdown', '.json': 'application/json', '.txt': 'text/plain' };

/** The first `# Heading` and first paragraph of a Markdown file serve as its title and description. */
function describe(text: string, fallback: string): { title: string; description: string } {
  const title = /^#\s+(.+)$/m.exec(text)?.[1]?.trim() ?? fallback;
  const para = text.split(/\n\s*\n/).find((p) => p.trim() && !p.trim().startsWith('#'));
  return { title, description: para ? para.replace(/\s+/g, ' ').trim().slice(0, 300) : title };
}

/** Files in `resources/`, served as `aegis://docs/<file name without extension>`. */
export function loadStaticResources(dir = join(PACKAGE_ROOT, 'resources')): StaticResource[] {
  return readdirSync(dir)
    .filter((f) => MIME[extname(f)])
    .sort()
    .map((f) => {
      const path = join(dir, f);
      const name = f.slice(0, -extname(f).length);
      return { uri: `aegis://docs/${name}`, name, ...describe(readFileSync(path, 'utf8'), name), mimeType: MIME[extname(f)]!, path };
    });
}

export function readStaticResource(resources: StaticResource[], uri: string): { text: string; mimeType: string } {
  const r = resources.find((x) => x.uri === uri);
  if (!r) throw notFound(`no resource ${uri}`, 'list resources to see what exists', 'uri');
  return { text: readFileSync(r.path, 'utf8'), mimeType: r.mimeType };
}
