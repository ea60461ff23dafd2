/**
 * Training utilities U(x) of the reward difference x = r_better - r_worse (docs/design.md).
 *
 * Every utility except logsigmoid is a member of the smoothed Box-Cox family
 *   U_g(x) = ((x + eps)^g - eps^g) / g   (x > 0, g != 0),   log((x + eps) / eps)   (g = 0)
 *   U_g(x) = eps^(g - 1) * x                                   (x <= 0, the C1 linear extension)
 * with g fixed (linear 1, log 0, inverse -1, boxcox G) or per prompt (conditioned 1 - 2o,
 * adaptive 1 / -1 at o >= 0.5). An exponent with |g| < 1e-6 is taken as 0 (value, slope and
 * derivative alike: a 1/g coefficient there would lose every digit). logsigmoid is log(sigmoid(4x)).
 *
 * The formula is written once, generically over a small arithmetic interface, and instantiated for
 * numbers (`utility`) and tensors (`utilityTensor`), so both share one definition.
 */
import * as tf from "@tensorflow/tfjs";

export const UTILITY_NAMES = ["conditioned", "log", "logsigmoid", "linear", "inverse", "adaptive", "boxcox"] as const;
export type UtilityName = (typeof UTILITY_NAMES)[number];

export interface UtilityParams {
  /** Prompt openness in [0, 1] (conditioned, adaptive). */
  openness?: number;
  /** Box-Cox exponent (boxcox only). */
  gamma?: number;
  /** Smoothing; 0 gives the exact (unsmoothed) utility used by the theory. Default 0.1. */
  eps?: number;
}

export const DEFAULT_EPS = 0.1;
/** Openness at or above which `adaptive` switches from linear to inverse. */
export const ADAPTIVE_THRESHOLD = 0.5;

export function isUtilityName(s: string): s is UtilityName {
  return (UTILITY_NAMES as readonly string[]).includes(s);
}

/** The Box-Cox exponent of a utility for a prompt; null for logsigmoid (not in the family). */
export function utilityGamma(name: UtilityName, p: UtilityParams = {}): number | null {
  switch (name) {
    case "linear":
      return 1;
    case "log":
      return 0;
    case "inverse":
      return -1;
    case "boxcox":
      return p.gamma ?? 0;
    case "conditioned":
      return 1 - 2 * clamp01(p.openness ?? 0.5);
    case "adaptive":
      return (p.openness ?? 0.5) >= ADAPTIVE_THRESHOLD ? -1 : 1;
    case "logsigmoid":
      return null;
  }
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}

/** Minimal arithmetic used by the shared definition. */
interface Ops<T> {
  c(x: number): T;
  add(a: T, b: T): T;
  sub(a: T, b: T): T;
  mul(a: T, b: T): T;
  div(a: T, b: T): T;
  exp(a: T): T;
  expm1(a: T): T;
  log(a: T): T;
  relu(a: T): T;
  /** 1 where |a| < tiny, else 0. */
  isZero(a: T): T;
  softplus(a: T): T;
}

const GAMMA_ZERO = 1e-6;

/**
 * Per-exponent coefficients of the smoothed Box-Cox utility, so that with lp = log((x+ + eps)/eps)
 *   U(x) = z * lp + coef * expm1(gs * lp) + slope * min(x, 0)
 * where z = [g ~ 0], g0 = g (0 where g ~ 0), gs = g0 (1 where g ~ 0), coef = (1 - z) eps^gs / gs,
 * slope = eps^(g0 - 1). The derivative for any x is U'(x) = exp(gm1 * log(x+ + eps)), gm1 = g0 - 1.
 */
export interface BoxcoxCoefficients<T> {
  z: T;
  gs: T;
  coef: T;
  slope: T;
  gm1: T;
}

function boxcoxCoefficientsOf<T>(o: Ops<T>, g: T, eps: number): BoxcoxCoefficients<T> {
  const logEps = o.c(Math.log(eps));
  const z = o.isZero(g);
  const g0 = o.mul(g, o.sub(o.c(1), z));
  const gs = o.add(g0, z);
  const coef = o.div(o.mul(o.sub(o.c(1), z), o.exp(o.mul(gs, logEps))), gs);
  const gm1 = o.sub(g0, o.c(1));
  const slope = o.exp(o.mul(gm1, logEps));
  return { z, gs, coef, slope, gm1 };
}

/** U_g(x) for eps > 0 from the coefficients (g may vary element-wise). */
function boxcoxFrom<T>(o: Ops<T>, x: T, c: BoxcoxCoefficients<T>, eps: number): T {
  const xp = o.relu(x); // x > 0 branch input
  const xn = o.sub(x, xp); // min(x, 0)
  const lp = o.sub(o.log(o.add(xp, o.c(eps))), o.c(Math.log(eps))); // log((x+ + eps)/eps) >= 0
  const pos = o.add(o.mul(c.z, lp), o.mul(c.coef, o.expm1(o.mul(c.gs, lp))));
  return o.add(pos, o.mul(c.slope, xn));
}

function boxcoxSmoothed<T>(o: Ops<T>, x: T, g: T, eps: number): T {
  return boxcoxFrom(o, x, boxcoxCoefficientsOf(o, g, eps), eps);
}

function logsigmoid4<T>(o: Ops<T>, x: T): T {
  return o.sub(o.c(0), o.softplus(o.mul(o.c(-4), x)));
}

const numberOps: Ops<number> = {
  c: (x) => x,
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  exp: Math.exp,
  expm1: Math.expm1,
  log: Math.log,
  relu: (a) => (a > 0 ? a : 0),
  isZero: (a) => (Math.abs(a) < GAMMA_ZERO ? 1 : 0),
  softplus: (a) => (a > 0 ? a + Math.log1p(Math.exp(-a)) : Math.log1p(Math.exp(a))),
};

/** Box-Cox coefficients of one exponent (numbers), e.g. per prompt for the fused loss. */
export function boxcoxCoefficients(g: number, eps: number): BoxcoxCoefficients<number> {
  return boxcoxCoefficientsOf(numberOps, g, eps);
}

const tensorOps: Ops<tf.Tensor> = {
  c: (x) => tf.scalar(x),
  add: (a, b) => tf.add(a, b),
  sub: (a, b) => tf.sub(a, b),
  mul: (a, b) => tf.mul(a, b),
  div: (a, b) => tf.div(a, b),
  exp: (a) => tf.exp(a),
  expm1: (a) => tf.expm1(a),
  log: (a) => tf.log(a),
  relu: (a) => tf.relu(a),
  isZero: (a) => tf.sub(tf.scalar(1), tf.step(tf.sub(tf.abs(a), tf.scalar(GAMMA_ZERO)))),
  softplus: (a) => tf.softplus(a),
};

/** Exact Box-Cox with eps = 0 (theory): x^g / g, log x; -Infinity / linear-limit for x <= 0. */
function boxcoxExact(x: number, g: number): number {
  if (x <= 0) {
    if (g > 1) return 0 * x; // slope 0^(g-1) = 0
    if (g === 1) return x;
    return x === 0 && g > 0 ? 0 : -Infinity;
  }
  if (Math.abs(g) < GAMMA_ZERO) return Math.log(x);
  return Math.pow(x, g) / g;
}

/** Scalar utility U(x). With eps = 0 the Box-Cox family drops its (possibly infinite) constant. */
export function utility(name: UtilityName, x: number, p: UtilityParams = {}): number {
  if (name === "logsigmoid") return logsigmoid4(numberOps, x);
  const eps = p.eps ?? DEFAULT_EPS;
  const g = utilityGamma(name, p) as number;
  if (eps === 0) return boxcoxExact(x, g);
  return boxcoxSmoothed(numberOps, x, g, eps);
}

/** Scalar derivative U'(x) (used by the theory solver). */
export function utilityDerivative(name: UtilityName, x: number, p: UtilityParams = {}): number {
  if (name === "logsigmoid") return 4 / (1 + Math.exp(4 * x));
  const eps = p.eps ?? DEFAULT_EPS;
  const exponent = utilityGamma(name, p) as number;
  const g = Math.abs(exponent) < GAMMA_ZERO ? 0 : exponent; // as the utility itself takes it
  if (x <= 0 && eps === 0) return g === 1 ? 1 : g > 1 ? 0 : Infinity;
  return Math.exp((g - 1) * Math.log(Math.max(x, 0) + eps)); // the same form the fused loss uses
}

/**
 * Tensor utility, element-wise. `gamma` is the per-element (broadcastable) Box-Cox exponent
 * tensor (ignored for logsigmoid); eps must be > 0.
 */
export function utilityTensor(
  name: UtilityName,
  x: tf.Tensor,
  gamma: tf.Tensor | null,
  eps: number = DEFAULT_EPS,
): tf.Tensor {
  if (name === "logsigmoid") return logsigmoid4(tensorOps, x);
  if (!(eps > 0)) throw new Error("utilityTensor needs eps > 0");
  if (!gamma) throw new Error(`utility ${name} needs a gamma tensor`);
  return boxcoxSmoothed(tensorOps, x, gamma, eps);
}
