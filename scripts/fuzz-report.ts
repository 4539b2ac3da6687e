/** The closing report of a fuzz run: one JSON summary line, then every outcome with its count; exits 1 on any untyped failure or a case slower than 1 s. */
export function reportFuzzRun(r: {
  cases: number;
  seed: number;
  t0: number;
  slowestMs: number;
  failures: number;
  outcomes: ReadonlyMap<string, number>;
}): never {
  const secs = (performance.now() - r.t0) / 1000;
  console.log(
    JSON.stringify({
      cases: r.cases,
      seed: r.seed,
      seconds: Number(secs.toFixed(1)),
      casesPerSec: Math.round(r.cases / secs),
      slowestCaseMs: Number(r.slowestMs.toFixed(2)),
      untypedFailures: r.failures
    })
  );
  for (const [k, v] of [...r.outcomes.entries()].sort((a, b) => b[1] - a[1]))
    console.log(`${String(v).padStart(9)}  ${k}`);
  process.exit(r.failures > 0 || r.slowestMs > 1000 ? 1 : 0);
}
