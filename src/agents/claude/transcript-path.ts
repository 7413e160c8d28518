import { join } from 'node:path';

/** Claude Code 2.1.197 cuts encoded directory names at this length and appends a hash (from its source). */
const MAX_ENCODED_LENGTH = 200;

/**
 * The directory name Claude Code derives from a working directory: every character that is not
 * `[A-Za-z0-9]` (per UTF-16 code unit, as JavaScript's replace sees it) becomes `-`, so
 * `/tmp/cc test_dir.v2/My Proj` → `-tmp-cc-test-dir-v2-My-Proj`. Names longer than 200 characters
 * are cut to 200 and get `-<base-36 of |32-bit string hash of the raw cwd|>` appended.
 */
export function encodeClaudeProjectName(cwd: string): string {
  const encoded = cwd.replace(/[^A-Za-z0-9]/g, '-');
  if (encoded.length <= MAX_ENCODED_LENGTH) return encoded;
  return `${encoded.slice(0, MAX_ENCODED_LENGTH)}-${Math.abs(stringHash32(cwd)).toString(36)}`;
}

/** The 31-multiplier string hash wrapped to signed 32 bits, over UTF-16 code units. */
function stringHash32(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(hash, 31) + text.charCodeAt(i)) | 0;
  return hash;
}

/**
 * Where Claude Code keeps a project's transcripts: `$HOME/.claude/projects/<encoded cwd>`.
 * `cwd` must be the directory Claude Code runs in, as a physical path (symlinks resolved).
 */
export function claudeProjectDir(home: string, cwd: string): string {
  return join(home, '.claude', 'projects', encodeClaudeProjectName(cwd));
}

/** The JSONL transcript of one session. The file appears only at the session's first prompt. */
export function claudeTranscriptPath(home: string, cwd: string, sessionId: string): string {
  return join(claudeProjectDir(home, cwd), `${sessionId}.jsonl`);
}
