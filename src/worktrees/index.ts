/** The worktrees area's front door: everything other code uses from src/worktrees/. */

export { gitEnv, inCheckout } from './git.js';
export { type DiffPage, type MergeResult, type WorktreeInfo, WorktreeService, type WorktreeState, worktreeHolding } from './service.js';
