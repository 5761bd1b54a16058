// A Chart.js chart as a Preact component (the library draws; we only feed it).
import { useEffect, useRef } from 'preact/hooks';
import Chart from 'chart.js/auto';
import { html } from './ui.js';

// Draws each point's `label` next to it (for the lanes map).
const pointLabels = {
  id: 'pointLabels',
  afterDatasetsDraw(chart) {
    const { ctx } = chart;
    chart.data.datasets.forEach((ds, i) => {
      if (!ds.pointLabels) return;
      chart.getDatasetMeta(i).data.forEach((pt, j) => {
        const label = ds.data[j]?.label;
        if (!label) return;
        ctx.save();
        ctx.font = '12px sans-serif';
        ctx.fillStyle = '#222';
        ctx.fillText(label, pt.x + 8, pt.y - 8);
        ctx.restore();
      });
    });
  },
};

// `values` (optional) goes on the element as data-values, for tests.
export function ChartBox({ type, data, options, name, height = 260, values }) {
  const ref = useRef(null);
  const chart = useRef(null);
  useEffect(() => {
    chart.current = new Chart(ref.current, { type, data, options: { animation: false, maintainAspectRatio: false, ...options }, plugins: [pointLabels] });
    return () => chart.current.destroy();
  }, [type, JSON.stringify(data), JSON.stringify(options)]);
  return html`<div class="chart" data-chart=${name} data-values=${values ? JSON.stringify(values) : undefined} style=${`height:${height}px`}><canvas ref=${ref}></canvas></div>`;
}
