// The findings card: one line per flagged instance, linking to the panel that shows it.
import { $, el, fill } from './dom.js';
import { componentPanels, componentTitles, panelId } from './panels.js';
import { formatValue } from './units.js';
import { rules } from './findings.js';

export function renderFindings(found, components) {
  const componentOf = new Map();
  for (const c of components) for (const j of c.jobs) componentOf.set(j, c.component);
  const items = [];
  const failed = found.filter((f) => f.error);
  const hits = found.filter((f) => !f.error);
  for (const f of hits) {
    const component = componentOf.get(f.job) || 'other';
    const hasPanel = (componentPanels[component] || []).some((p) => p.key === f.rule.panel);
    const href = hasPanel ? `#${panelId(component, f.rule.panel)}` : `#component-${component}`;
    const value = Math.round(f.value * 1000) / 1000;
    items.push(el('li', { class: `finding sev-${f.rule.severity}`, 'data-rule': f.rule.id, 'data-instance': f.instance || '' },
      el('div', {},
        el('strong', { text: f.instance || f.job || 'all instances' }),
        ` (${componentTitles[component] || component}${f.job ? `, job ${f.job}` : ''}): ${f.rule.text(value)} `,
        el('a', { href, text: 'see the panel' })),
      el('div', { class: 'threshold', text: `Rule: ${f.rule.threshold} (value ${formatValue(f.value, f.rule.unit)}).` })));
  }
  if (!items.length) {
    items.push(el('li', { class: 'finding sev-ok', id: 'no-findings' },
      el('div', { text: 'No findings: nothing in this bundle crosses the thresholds below.' }),
      el('div', { class: 'threshold', text: rules.map((r) => r.threshold).join('; ') + '.' })));
  }
  for (const f of failed) {
    items.push(el('li', { class: 'finding sev-warn', text: `Check "${f.rule.id}" could not run: ${f.error}` }));
  }
  fill($('findings'), ...items);
}
