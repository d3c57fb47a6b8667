// A component's section of the overview: its panels laid out, then filled with charts.
import { el } from './dom.js';
import { drawChart, seriesLabel } from './chart.js';
import { componentPanels, componentTitles, expand, panelId } from './panels.js';
import { exactRegex, quote, queryRange } from './view-api.js';
import { unitNames } from './units.js';

// Adds the section of component `c` to `container`; returns its panels to draw.
export function renderComponent(container, c) {
  const defs = componentPanels[c.component] || componentPanels.other;
  const jobMatcher = `job=~${quote(exactRegex(c.jobs))}`;
  const grid = el('div', { class: 'panels' });
  const about = `${c.instances.length} instance${c.instances.length === 1 ? '' : 's'}${c.versions.length ? ` · ${c.versions.join(', ')}` : ''} · job ${c.jobs.join(', ')}`;
  container.append(el('section', { class: 'component', id: `component-${c.component}`, 'data-component': c.component },
    el('h2', { text: componentTitles[c.component] || c.component }),
    el('p', { class: 'muted-dark', text: about }),
    grid));
  return defs.map((def) => {
    const queries = def.exprs.map((e) => expand(e, jobMatcher, '$WINDOW'));
    const chart = el('div', { class: 'chart' });
    const note = el('p', { class: 'panel-note', text: 'Loading…' });
    const panel = el('article', { class: 'panel', id: panelId(c.component, def.key), 'data-state': 'loading', 'data-key': def.key },
      el('h3', {}, def.title, el('span', { class: 'unit', text: unitNames[def.unit] ? ` · ${unitNames[def.unit]}` : '' })),
      chart, note,
      el('details', { class: 'panel-query' }, el('summary', { text: 'Query' }),
        ...queries.map((q) => el('code', { text: q.replaceAll('$WINDOW', '<window>') }))));
    grid.append(panel);
    return { def, queries, panel, chart, note };
  });
}

async function drawOne(p, ctx) {
  try {
    const results = await Promise.all(p.queries.map((q) => queryRange(q.replaceAll('$WINDOW', `${ctx.windowS}s`), ctx.startS, ctx.endS, ctx.stepS)));
    const series = results.flat().filter((s) => s.points.some(([, v]) => Number.isFinite(v)))
      .map((s) => ({ label: seriesLabel(s.metric, ['instance', 'series', 'level', 'location', 'path', 'type']), points: s.points }));
    series.sort((a, b) => a.label.localeCompare(b.label));
    if (!series.length) {
      p.panel.dataset.state = 'empty';
      p.note.textContent = 'No data in this bundle for this panel.';
      return;
    }
    drawChart(p.chart, series, { unit: p.def.unit, startS: ctx.startS, endS: ctx.endS, height: 200 });
    p.panel.dataset.state = 'data';
    p.panel.dataset.series = String(series.length);
    p.note.textContent = '';
  } catch (e) {
    p.panel.dataset.state = 'error';
    p.note.textContent = `The query failed: ${e.message}`;
  }
}

// Draws every panel, a few queries at a time so a large bundle does not queue up
// hundreds of requests at once.
export async function drawPanels(panels, ctx, parallel = 4) {
  let next = 0;
  const worker = async () => {
    while (next < panels.length) {
      const p = panels[next++];
      await drawOne(p, ctx);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}
