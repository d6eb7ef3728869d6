import type { SchedulerLogger } from '../../src/logger';

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields: Record<string, unknown>;
}

/** A logger that keeps what it was told, for tests that read what a role did. */
export function recordingLogger(): SchedulerLogger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at =
    (level: LogEntry['level']) =>
    (first: unknown, second?: unknown): void => {
      if (typeof first === 'string') entries.push({ level, message: first, fields: {} });
      else entries.push({ level, message: typeof second === 'string' ? second : '', fields: (first ?? {}) as Record<string, unknown> });
    };
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } as SchedulerLogger & { entries: LogEntry[] };
}
