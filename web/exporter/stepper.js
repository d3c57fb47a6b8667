// The row of step indicators at the top: done steps can be revisited with mouse or keyboard.
import { h, replace } from './dom.js';

// Renders `steps` into `nav`; `reached` is the furthest step opened so far; `locked` (an export
// is running) turns navigation off.
export function renderStepper(nav, steps, current, reached, go, locked) {
  const list = h('ol', {});
  steps.forEach((step, i) => {
    const status = i === current ? 'current' : i < current || i <= reached ? 'done' : 'todo';
    const content = [h('span', { class: 'step-num', 'aria-hidden': 'true' }, status === 'done' && i < current ? '✓' : String(i + 1)),
      h('span', { class: 'step-title' }, step.title)];
    const item = i !== current && i <= reached && !locked
      ? h('button', { type: 'button', class: 'step-link', onclick: () => go(i), 'aria-label': `Step ${i + 1}: ${step.title}` }, content)
      : h('span', { class: 'step-link', 'aria-current': i === current ? 'step' : null,
        'aria-label': `Step ${i + 1}: ${step.title}${i === current ? ' (current)' : ''}` }, content);
    list.appendChild(h('li', { class: `step ${status}` }, item));
  });
  replace(nav, list);
}
