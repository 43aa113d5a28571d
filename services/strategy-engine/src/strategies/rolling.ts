/**
 * The last `size` values of a series, with the statistics the built-ins need.
 * Floats are fine for signals; money never goes through here.
 */
export class RollingWindow {
  private values: number[] = [];
  constructor(readonly size: number) {}

  push(value: number): void {
    this.values.push(value);
    if (this.values.length > this.size) this.values.shift();
  }

  get full(): boolean {
    return this.values.length === this.size;
  }

  mean(): number {
    return this.values.reduce((a, b) => a + b, 0) / this.values.length;
  }

  /** Population standard deviation, as Bollinger defined the bands. */
  stdDev(): number {
    const mean = this.mean();
    return Math.sqrt(this.values.reduce((a, b) => a + (b - mean) ** 2, 0) / this.values.length);
  }

  max(): number {
    return Math.max(...this.values);
  }

  min(): number {
    return Math.min(...this.values);
  }

  snapshot(): number[] {
    return [...this.values];
  }

  restore(values: unknown): void {
    if (Array.isArray(values)) this.values = values.filter((v) => typeof v === "number").slice(-this.size);
  }
}
