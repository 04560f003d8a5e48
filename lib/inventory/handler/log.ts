/**
 * Structured JSON logging and CloudWatch Embedded Metric Format (EMF) metrics.
 *
 * Every line is one JSON object written to stdout, which Lambda forwards to CloudWatch Logs. A metrics line
 * carries an `_aws` block, so CloudWatch extracts RowsWritten, RowsRejected and DurationMs from it without
 * any API call (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
 */

/** `SILENT` suppresses everything, metrics included (tests only). */
export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';

/** Where log lines go; replaceable in tests. */
export type LogSink = (line: string) => void;

const LEVELS: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40, SILENT: 100 };

/** Namespace of the EMF metrics. */
export const METRIC_NAMESPACE = 'CdkComputePatterns/InventoryLoader';

export class Logger {
  private readonly minLevel: number;

  constructor(
    private readonly context: Record<string, unknown> = {},
    private readonly sink: LogSink = (line) => process.stdout.write(line + '\n'),
    level: LogLevel = (process.env.LOG_LEVEL?.toUpperCase() as LogLevel | undefined) ?? 'INFO',
  ) {
    this.minLevel = LEVELS[level] ?? LEVELS.INFO;
  }

  /** A logger whose lines also carry `fields`. */
  child(fields: Record<string, unknown>): Logger {
    const level = (Object.keys(LEVELS) as LogLevel[]).find((l) => LEVELS[l] === this.minLevel) ?? 'INFO';
    return new Logger({ ...this.context, ...fields }, this.sink, level);
  }

  debug(message: string, fields?: Record<string, unknown>): void {
    this.write('DEBUG', message, fields);
  }

  info(message: string, fields?: Record<string, unknown>): void {
    this.write('INFO', message, fields);
  }

  warn(message: string, fields?: Record<string, unknown>): void {
    this.write('WARN', message, fields);
  }

  error(message: string, fields?: Record<string, unknown>): void {
    this.write('ERROR', message, fields);
  }

  /**
   * Emits one EMF record with the given metrics (all dimensionless plus one `Status` dimension set, so
   * dashboards can split successes from failures).
   */
  metrics(values: Record<string, { value: number; unit: 'Count' | 'Milliseconds' }>, status: string): void {
    if (this.minLevel === LEVELS.SILENT) return;
    const names = Object.keys(values);
    const record: Record<string, unknown> = {
      _aws: {
        Timestamp: Date.now(),
        CloudWatchMetrics: [
          {
            Namespace: METRIC_NAMESPACE,
            Dimensions: [[], ['Status']],
            Metrics: names.map((name) => ({ Name: name, Unit: values[name].unit })),
          },
        ],
      },
      Status: status,
    };
    for (const name of names) record[name] = values[name].value;
    this.sink(JSON.stringify(record));
  }

  private write(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
    if (LEVELS[level] < this.minLevel) return;
    this.sink(JSON.stringify({ timestamp: new Date().toISOString(), level, message, ...this.context, ...fields }));
  }
}

/** Message and name of an unknown thrown value, for log fields. */
export function errorFields(err: unknown): Record<string, unknown> {
  if (err instanceof Error) return { errorName: err.name, errorMessage: err.message };
  return { errorMessage: String(err) };
}
