/** Adam (Kingma & Ba) on a host float64 vector, with PyTorch's defaults and bias correction. */
export class HostAdam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;

  constructor(
    size: number,
    readonly lr = 1e-3,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly eps = 1e-8,
  ) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  /** x <- x - lr · m̂ / (sqrt(v̂) + eps), in place. */
  step(x: Float64Array, grad: ArrayLike<number>): void {
    this.t++;
    const bc1 = 1 - this.beta1 ** this.t;
    const bc2 = 1 - this.beta2 ** this.t;
    for (let i = 0; i < x.length; i++) {
      const g = grad[i]!;
      this.m[i] = this.beta1 * this.m[i]! + (1 - this.beta1) * g;
      this.v[i] = this.beta2 * this.v[i]! + (1 - this.beta2) * g * g;
      x[i] = x[i]! - (this.lr * (this.m[i]! / bc1)) / (Math.sqrt(this.v[i]! / bc2) + this.eps);
    }
  }
}
