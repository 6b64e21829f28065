// The results of a benchmark run: one row per measurement, ours against native and,
// for the warm writers, against the floor (sql.js alone), and the table they print as.

export const rows = [];
export const failures = [];
export const details = {};

/**
 * A row of the table. `target` is { ratio: max } (ours / native), { floorRatio: max }
 * (ours / floor), or { ours: max, unit, strict } (ours alone); `floor` is optional.
 */
export function record(workload, label, unit, oursValue, nativeValue, target, floor) {
  const ratio = oursValue / nativeValue;
  const floorRatio = floor === undefined ? undefined : oursValue / floor;
  let met;
  if (target?.ratio !== undefined) met = ratio <= target.ratio;
  else if (target?.floorRatio !== undefined) met = floorRatio <= target.floorRatio;
  else if (target?.ours !== undefined) met = target.strict ? oursValue < target.ours : oursValue <= target.ours;
  rows.push({ workload, label, unit, ours: oursValue, native: nativeValue, floor, ratio, floorRatio, target, met });
}

export function fmt(value, unit) {
  if (value === undefined || Number.isNaN(value)) return '—';
  if (unit === 'text') return value;
  if (unit === 'count') return value.toFixed(0);
  if (unit === 's') return `${(value / 1000).toFixed(2)} s`;
  if (unit === 'MiB') return `${(value / 1024 / 1024).toFixed(1)} MiB`;
  if (value < 1) return `${value.toFixed(3)} ms`;
  if (value < 10) return `${value.toFixed(2)} ms`;
  return `${value.toFixed(1)} ms`;
}

export function targetText(target) {
  if (!target) return '—';
  if (target.ratio !== undefined) return `≤ ${target.ratio}× native`;
  if (target.floorRatio !== undefined) return `≤ ${target.floorRatio}× the floor`;
  const amount = target.unit === 'MiB' ? `${target.ours / 1024 / 1024} MiB` : `${target.ours} ms`;
  return `ours ${target.strict ? '<' : '≤'} ${amount}`;
}

const times = (ratio) => (ratio === undefined ? '—' : `${ratio.toFixed(2)}×`);

/** The table, in Markdown, one line per row. */
export function printTable() {
  console.log('| # | workload | ours | floor | native | ours / floor | ours / native | target | met |');
  console.log('| - | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |');
  for (const row of rows) {
    if (row.failed) {
      console.log(
        `| ${row.workload} | ${row.label} | failed | — | — | — | — | ${targetText(row.target)} | **failed** |`,
      );
      continue;
    }
    const met = row.met === undefined ? '' : row.met ? 'met' : '**not met**';
    const text = row.unit === 'text';
    console.log(
      `| ${row.workload} | ${row.label} | ${fmt(row.ours, row.unit)} | ${fmt(row.floor, row.unit)} | ${fmt(row.native, row.unit)} | ${text ? '—' : times(row.floorRatio)} | ${text ? '—' : times(row.ratio)} | ${targetText(row.target)} | ${met} |`,
    );
  }
}
