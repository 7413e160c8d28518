import { claude } from './claude/profile.js';
import { codex } from './codex/profile.js';
import { custom, shell } from './generic/profiles.js';
import { geminiProfile } from './gemini/profile.js';
import type { AgentName } from './names.js';
import type { AgentProfile } from './profile.js';

/** Every agent Aegis can run, by the name sessions and pipeline stages use. */
export const PROFILES: Record<AgentName, AgentProfile> = { claude, codex, gemini: geminiProfile, shell, custom };

/** The profile a stored session was started with (an unknown name reads as a custom command). */
export const profileOf = (agent: string | undefined): AgentProfile => PROFILES[agent as AgentName] ?? PROFILES.custom;
