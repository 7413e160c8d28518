export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** Keys whose values are never written to a log, whatever the caller passes. */
const SECRET_KEY = /token|secret|password|private.?key|api.?key|authorization/i;

function redact(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = SECRET_KEY.test(k) ? '[redacted]' : v;
  return out;
}

/**
 * A deep copy of `value` fit to leave the machine: values under secret-looking keys, and every value
 * of an `env` map (session_create and pipeline stages pass API keys there), become '[redacted]'.
 */
export function redactDeep(value: unknown, depth = 0): unknown {
  if (depth > 20 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (SECRET_KEY.test(k)) out[k] = '[redacted]';
    else if (k === 'env' && v && typeof v === 'object' && !Array.isArray(v)) out[k] = Object.fromEntries(Object.keys(v).map((name) => [name, '[redacted]']));
    else out[k] = redactDeep(v, depth + 1);
  }
  return out;
}

/** One JSON line per record on `stream` (stderr by default: stdout may belong to MCP). */
export function createLogger(level: LogLevel, stream: NodeJS.WritableStream): Logger {
  const min = ORDER[level];
  const write = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < min) return;
    const rec = { t: new Date().toISOString(), level: lvl, msg, ...(fields ? redact(fields) : {}) };
    stream.write(`${JSON.stringify(rec)}\n`);
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}

/** The same logger with `fields` on every record (an integration's or a channel's name). */
export function withFields(log: Logger, fields: Record<string, unknown>): Logger {
  const at = (level: keyof Logger) => (msg: string, more?: Record<string, unknown>) => log[level](msg, { ...fields, ...more });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
