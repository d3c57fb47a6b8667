// A component's section of the overview: its panels laid out, then filled with charts.
import { el } from './dom.js';
import { drawChart, seriesLabel } from './chart.js';
import { componentPanels, componentTitles, expand, panelId } from './panels.js';
import { exactRegex, quote, rangeQuery, runBatch } from './view-api.js';
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

// Fills one panel from its queries' answers (each a list of series, or an Error).
function drawOne(p, answers, ctx, width) {
  const failed = answers.find((a) => a instanceof Error);
  if (failed) {
    p.panel.dataset.state = 'error';
    p.note.textContent = `The query failed: ${failed.message}`;
    return;
  }
  const series = answers.flat().filter((s) => s.points.some(([, v]) => Number.isFinite(v)))
    .map((s) => ({ label: seriesLabel(s.metric, ['instance', 'series', 'level', 'location', 'path', 'type']), points: s.points }));
  series.sort((a, b) => a.label.localeCompare(b.label));
  if (!series.length) {
    p.panel.dataset.state = 'empty';
    p.note.textContent = 'No data in this bundle for this panel.';
    return;
  }
  drawChart(p.chart, series, { unit: p.def.unit, startS: ctx.startS, endS: ctx.endS, height: 200, width });
  p.panel.dataset.state = 'data';
  p.panel.dataset.series = String(series.length);
  p.note.textContent = '';
}

// Draws the panels of one component: all their queries in one request, then every chart.
async function drawComponent(panels, ctx) {
  const queries = panels.flatMap((p) => p.queries.map((q) => rangeQuery(q.replaceAll('$WINDOW', `${ctx.windowS}s`), ctx.startS, ctx.endS, ctx.stepS)));
  let answers;
  try {
    answers = await runBatch(queries);
  } catch (e) {
    answers = queries.map(() => e);
  }
  // The panels of a grid are equally wide: one layout to measure them, not one per chart.
  const width = panels.length ? panels[0].chart.clientWidth : 0;
  let at = 0;
  for (const p of panels) {
    drawOne(p, answers.slice(at, at + p.queries.length), ctx, width);
    at += p.queries.length;
  }
}

// Draws every component's panels (a list of lists). All components are asked at once (vmimport
// runs a few of their queries at a time) and each is drawn as soon as its answer is in, so
// drawing one overlaps waiting for the others.
export async function drawPanels(components, ctx) {
  await Promise.all(components.map((panels) => drawComponent(panels, ctx)));
}
