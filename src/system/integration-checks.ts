import { describeRecord, type Integrations } from '../integrations/index.js';
import type { Check } from './checks.js';

/** `ag doctor`: one line per integration (a broken one warns, it is not required), or where none were found. */
export async function integrationChecks(integrations: Pick<Integrations, 'load'>): Promise<Check[]> {
  const set = await integrations.load();
  const searched: Check = {
    name: 'integrations',
    ok: set.problems.length === 0,
    required: false,
    detail: `${set.records.filter((r) => r.status === 'loaded').length} of ${set.records.length} loaded; searched ${set.searched.join(', ')}`,
    fix: set.problems.length ? set.problems.join('; ') : undefined,
  };
  return [
    searched,
    ...set.records.map((r): Check => {
      const [, ...rest] = describeRecord(r).filter((l) => !l.startsWith('fix: '));
      return {
        name: `integration ${r.name}`,
        ok: r.status === 'loaded',
        required: false,
        detail: [`${r.status} from ${r.dir}`, ...rest].join('\n'),
        fix: r.fix,
      };
    }),
  ];
}
