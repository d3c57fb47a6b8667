// Entry point of the exporter wizard: session token, version, server config, then six steps.
import { api, initSession } from './api.js';
import { h, replace } from './dom.js';
import { button, showError } from './controls.js';
import { renderStepper } from './stepper.js';
import { state } from './state.js';
import welcome from './steps/welcome.js';
import timeRange from './steps/time-range.js';
import connection from './steps/connection.js';
import components from './steps/components.js';
import privacy from './steps/privacy.js';
import exportStep from './steps/export.js';

const steps = [welcome, timeRange, connection, components, privacy, exportStep];
let current = 0;
let reached = 0;

const exportRunning = () => !!(state.job && state.job.status && ['pending', 'running'].includes(state.job.status.state));

const card = document.getElementById('step-card');
const nav = document.getElementById('stepper');
const banner = document.getElementById('banner');

function go(index) {
  if (steps[current].dispose) steps[current].dispose();
  current = index;
  reached = Math.max(reached, index);
  render();
}

// After a refused Next, moves keyboard focus to what needs attention (unless a step already
// focused the field at fault), so keyboard and screen-reader users land on the explanation.
function focusProblem(nextButton) {
  if (document.activeElement && document.activeElement !== nextButton && document.activeElement !== document.body) return;
  const problem = card.querySelector('.stage.fail, .error-box:not([hidden]), .field-error:not([hidden])');
  if (!problem) return;
  problem.setAttribute('tabindex', '-1');
  problem.focus();
}

async function next() {
  const step = steps[current];
  const nextButton = card.querySelector('[data-role="next"]');
  if (nextButton) nextButton.disabled = true;
  try {
    if (step.leave && !(await step.leave())) {
      focusProblem(nextButton);
      return;
    }
  } finally {
    if (nextButton) nextButton.disabled = false;
  }
  go(current + 1);
}

const ctx = { next: () => next(), go: (i) => go(i), restart: () => { reached = 0; go(0); }, refreshStepper: () => renderStepper(nav, steps, current, reached, go, exportRunning()) };

function render() {
  const step = steps[current];
  renderStepper(nav, steps, current, reached, go, exportRunning());
  const heading = h('h2', { id: 'step-heading', tabindex: '-1' },
    h('span', { class: 'step-count' }, `Step ${current + 1} of ${steps.length}`), step.title);
  const body = step.render(ctx);
  const footer = step.ownFooter ? null : h('div', { class: 'step-nav' },
    current > 0 ? button('Back', () => go(current - 1)) : h('span'),
    button(step.nextLabel || 'Next', () => next(), { kind: 'primary', 'data-role': 'next' }));
  replace(card, h('section', { class: 'card', 'aria-labelledby': 'step-heading' }, heading, body, footer));
  heading.focus({ preventScroll: false });
}

async function start() {
  initSession();
  try {
    const health = await api('api/health');
    document.getElementById('version').textContent = health.version;
  } catch (e) {
    showError(banner, e);
  }
  try {
    state.serverConfig = await api('api/config');
    if (!state.connection.url && state.serverConfig.default_vm_url) {
      state.connection.url = state.serverConfig.default_vm_url;
      // -vm.url held user:pass@: the server keeps the password to itself, the user types it here.
      if (state.serverConfig.default_vm_username && state.connection.authType === 'none') {
        Object.assign(state.connection, { authType: 'basic', username: state.serverConfig.default_vm_username });
      }
    }
    if (!state.stagingDir && state.serverConfig.default_staging_dir) state.stagingDir = state.serverConfig.default_staging_dir;
  } catch (e) {
    showError(banner, e);
  }
  render();
}

start();
