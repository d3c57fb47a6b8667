// The query card: any MetricsQL over the bundle's range, as a chart and a table.
import { $, el, fill, message } from './dom.js';
import { drawChart, seriesLabel } from './chart.js';
import { queryRange } from './view-api.js';
import { formatValue } from './units.js';

const maxLines = 30;
const maxRows = 100;

function table(series) {
  const t = el('table', { class: 'data-table', id: 'query-result-table' },
    el('thead', {}, el('tr', {}, el('th', { text: 'Series' }), el('th', { text: 'Last' }), el('th', { text: 'Min' }), el('th', { text: 'Max' }))));
  const body = el('tbody');
  for (const s of series.slice(0, maxRows)) {
    const vs = s.points.map((p) => p[1]).filter(Number.isFinite);
    body.append(el('tr', {},
      el('td', { class: 'series', text: s.label }),
      el('td', { class: 'num', text: formatValue(vs[vs.length - 1], 'short') }),
      el('td', { class: 'num', text: formatValue(Math.min(...vs), 'short') }),
      el('td', { class: 'num', text: formatValue(Math.max(...vs), 'short') })));
  }
  t.append(body);
  return t;
}

export function initQuery(ctx) {
  const run = async (ev) => {
    ev.preventDefault();
    const q = $('query-input').value.trim();
    if (!q) return;
    $('query-run').disabled = true;
    fill($('query-error'));
    try {
      const rows = await queryRange(q, ctx.startS, ctx.endS, ctx.stepS);
      const kept = rows.filter((r) => r.points.some(([, v]) => Number.isFinite(v)));
      // Labels every series shares are said once above the table, not on every line.
      const common = kept.length > 1 ? Object.entries(kept[0].metric)
        .filter(([k, v]) => kept.every((r) => r.metric[k] === v)) : [];
      const series = kept.map((r) => {
        const own = { ...r.metric };
        for (const [k] of common) delete own[k];
        return { label: seriesLabel(own, ['instance']), points: r.points };
      });
      if (!series.length) {
        fill($('query-chart'));
        fill($('query-table'), message('warn', 'The query returned no data over the bundle\'s range.'));
        return;
      }
      drawChart($('query-chart'), series.slice(0, maxLines), { startS: ctx.startS, endS: ctx.endS, height: 280 });
      const notes = [];
      if (common.length) notes.push(el('p', { class: 'muted-dark', text: `All series: ${common.map(([k, v]) => `${k}=${v}`).join(', ')}` }));
      if (series.length > maxLines) notes.push(el('p', { class: 'muted-dark', text: `${series.length} series; the chart shows the first ${maxLines}, the table the first ${maxRows}.` }));
      fill($('query-table'), ...notes, table(series));
      $('query-card').dataset.series = String(series.length);
    } catch (e) {
      fill($('query-chart'));
      fill($('query-table'));
      fill($('query-error'), message('error', e.message, e.hint));
    } finally {
      $('query-run').disabled = false;
    }
  };
  $('query-form').addEventListener('submit', run);
}
