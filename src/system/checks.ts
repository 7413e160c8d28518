/** One line of `ag doctor`: what was checked, how it went, and what to do when it failed. */
export interface Check {
  name: string;
  ok: boolean;
  /** A failing required check makes `ag doctor` exit non-zero. */
  required: boolean;
  detail: string;
  fix?: string;
  /** Agent checks: the installed version and the screen rule set it gets. */
  agentVersion?: string;
  rules?: string;
  rulesExact?: boolean;
}
