// Powertools Metrics that also keeps every metric it was given, so a test can assert what the
// functions counted (the real EMF output is still produced and flushed as in Lambda).
import { Metrics } from '@aws-lambda-powertools/metrics';

export class RecordingMetrics extends Metrics {
  readonly recorded: Array<{ name: string; unit: string; value: number }> = [];

  override addMetric(...args: Parameters<Metrics['addMetric']>): this {
    const [name, unit, value] = args;
    this.recorded.push({ name, unit, value });
    return super.addMetric(...args);
  }

  total(name: string): number {
    return this.recorded.filter((m) => m.name === name).reduce((sum, m) => sum + m.value, 0);
  }
}
