// The row of step indicators at the top: done steps can be revisited with mouse or keyboard.
import { h, replace } from './dom.js';

// Renders `steps` into `nav`. `passed[i]` says whether step i's checks succeeded: only those get
// a ✓, and a step can be opened only when every step before it passed. `locked` (an export is
// running) turns navigation off.
export function renderStepper(nav, steps, current, passed, go, locked) {
  const list = h('ol', {});
  const firstOpen = passed.findIndex((ok) => !ok);
  const reachable = firstOpen < 0 ? steps.length - 1 : firstOpen;
  steps.forEach((step, i) => {
    const status = i === current ? 'current' : passed[i] ? 'done' : 'todo';
    const content = [h('span', { class: 'step-num', 'aria-hidden': 'true' }, status === 'done' ? '✓' : String(i + 1)),
      h('span', { class: 'step-title' }, step.title)];
    const item = i !== current && i <= reachable && !locked
      ? h('button', { type: 'button', class: 'step-link', onclick: () => go(i), 'aria-label': `Step ${i + 1}: ${step.title}` }, content)
      : h('span', { class: 'step-link', 'aria-current': i === current ? 'step' : null,
        'aria-label': `Step ${i + 1}: ${step.title}${i === current ? ' (current)' : ''}` }, content);
    list.appendChild(h('li', { class: `step ${status}` }, item));
  });
  replace(nav, list);
}
