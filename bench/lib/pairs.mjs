// Shared by the benchmarks: interleaved pairs of two commands, median of the per-pair ratios.

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * `a.run()` ÷ `b.run()` (each returns ms) over `pairs` interleaved pairs after one warm-up each;
 * prints every pair and the median ratio against `target`, and returns that ratio.
 */
export function comparePairs(title, target, a, b, pairs) {
  a.run(); // warm-up: image pulled, caches filled
  b.run();
  const rows = [];
  for (let i = 0; i < pairs; i++) {
    // alternate which side goes first, so neither always runs on a warmer machine
    const [first, second] = i % 2 === 0 ? [a, b] : [b, a];
    const t1 = first.run();
    const t2 = second.run();
    const ta = first === a ? t1 : t2;
    const tb = first === a ? t2 : t1;
    rows.push({ a: ta, b: tb, ratio: ta / tb });
  }
  const ratio = median(rows.map((r) => r.ratio));
  console.log(`\n${title}`);
  for (const [i, r] of rows.entries()) {
    console.log(
      `  pair ${String(i + 1).padStart(2)}: ${a.name} ${r.a.toFixed(0).padStart(5)} ms   ${b.name} ${r.b.toFixed(0).padStart(5)} ms   ratio ${r.ratio.toFixed(3)}`,
    );
  }
  const verdict = ratio <= target ? 'meets' : 'MISSES';
  console.log(
    `  median: ${a.name} ${median(rows.map((r) => r.a)).toFixed(0)} ms, ${b.name} ${median(rows.map((r) => r.b)).toFixed(0)} ms`,
  );
  console.log(`  median ratio ${ratio.toFixed(3)} (target <= ${target}: ${verdict})`);
  return ratio;
}
