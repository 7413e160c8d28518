import { describe, expect, it } from 'vitest';
import { filesWrittenByCommand } from '../../src/agents/claude/bash-files.js';

describe('files a Bash command writes', () => {
  it.each([
    ['echo cli > /tmp/w/cli.txt', ['/tmp/w/cli.txt']],
    ['printf "a b" >> "my file.txt" 2>/dev/null', ['my file.txt']],
    ['npm test 2> err.log && cat err.log | tee -a out.log', ['err.log', 'out.log']],
    ['touch a b; cp -r src dst; mv x y/z', ['a', 'b', 'dst', 'y/z']],
    ["sed -i 's/a/b/' conf.ini", ['conf.ini']],
    ['ls -la; cat a.txt; grep x < in.txt', []],
    ['echo ">not a redirect" && echo hi >&2', []],
    ["echo 'x' > 'quoted > name'", ['quoted > name']],
  ])('%s', (command, files) => {
    expect(filesWrittenByCommand(command)).toEqual(files);
  });
});
