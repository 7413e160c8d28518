/** The usage area's front door: everything other code uses from src/usage/. */

export { type Budget, type BudgetSessions, type UsageSession, checkBudgets, pipelineUsage, sessionUsage, spendView } from './budget.js';
export { type Usage } from './usage.js';
