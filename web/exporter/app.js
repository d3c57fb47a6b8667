// Entry point of the exporter wizard: session token, version, server config, then six steps.
import { api, initSession } from './api.js';
import { h, replace } from './dom.js';
import { button, showError } from './controls.js';
import { renderStepper } from './stepper.js';
import { state } from './state.js';
import { restoreSettings, saveSettings } from './session.js';
import welcome from './steps/welcome.js';
import timeRange from './steps/time-range.js';
import connection from './steps/connection.js';
import components from './steps/components.js';
import privacy from './steps/privacy.js';
import exportStep from './steps/export.js';

const steps = [welcome, timeRange, connection, components, privacy, exportStep];
let current = 0;
// passed[i]: step i's checks succeeded (its Next was accepted). Only passed steps get a ✓, and a
// step can be opened from the stepper or the address bar only when every step before it passed.
let passed = steps.map(() => false);

const exportRunning = () => !!(state.job && state.job.status && ['pending', 'running'].includes(state.job.status.state));

const card = document.getElementById('step-card');
const nav = document.getElementById('stepper');
const banner = document.getElementById('banner');

// The furthest step that may be opened: the first one whose checks have not passed yet.
function reachable() {
  const firstOpen = passed.findIndex((ok) => !ok);
  return firstOpen < 0 ? steps.length - 1 : firstOpen;
}

// Opens step `index`. `fromHistory`: the browser's Back/Forward asked for it, so the address
// bar already shows it; otherwise the step becomes a new history entry (#step-N).
function go(index, fromHistory = false) {
  const target = Math.max(0, Math.min(index, reachable()));
  if (fromHistory && target === current) {
    // The address bar asked for a step that cannot be opened yet: stay, keep what is shown.
    window.history.replaceState({ step: current }, '', `#step-${current + 1}`);
    return;
  }
  if (steps[current].dispose) steps[current].dispose();
  current = target;
  const hash = `#step-${current + 1}`;
  if (!fromHistory && window.location.hash !== hash) window.history.pushState({ step: current }, '', hash);
  else if (fromHistory && target !== index) window.history.replaceState({ step: current }, '', hash);
  render();
}

function stepFromHash() {
  const m = /^#step-(\d+)$/.exec(window.location.hash);
  return m ? Number(m[1]) - 1 : 0;
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
      // A step that fails its checks now is no longer done, whatever it was before, and
      // neither is anything after it.
      passed = passed.map((ok, i) => ok && i < current);
      renderStepper(nav, steps, current, passed, go, exportRunning());
      focusProblem(nextButton);
      return;
    }
  } finally {
    if (nextButton) nextButton.disabled = false;
  }
  passed[current] = true;
  saveSettings();
  go(current + 1);
}

const ctx = {
  next: () => next(),
  go: (i) => go(i),
  restart: () => { passed = steps.map(() => false); go(0); },
  // Opens the Export step for a job attached from the welcome step.
  showExport: () => { passed = steps.map((_, i) => i < steps.length - 1); go(steps.length - 1); },
  refreshStepper: () => renderStepper(nav, steps, current, passed, go, exportRunning()),
};

function render() {
  const step = steps[current];
  renderStepper(nav, steps, current, passed, go, exportRunning());
  const heading = h('h2', { id: 'step-heading', tabindex: '-1' },
    h('span', { class: 'step-count' }, `Step ${current + 1} of ${steps.length}`), step.title);
  const body = step.render(ctx);
  const footer = step.ownFooter ? null : h('div', { class: 'step-nav' },
    current > 0 ? button('Back', () => go(current - 1)) : h('span'),
    button(step.nextLabel || 'Next', () => next(), { kind: 'primary', 'data-role': 'next' }));
  replace(card, h('section', { class: 'card', 'aria-labelledby': 'step-heading' }, heading, body, footer));
  heading.focus({ preventScroll: false });
}

window.addEventListener('popstate', () => {
  if (exportRunning() && stepFromHash() !== current) {
    // An export is running: its step stays on screen; the history entry is put back.
    window.history.pushState({ step: current }, '', `#step-${current + 1}`);
    return;
  }
  saveSettings();
  go(stepFromHash(), true);
});

async function start() {
  initSession();
  restoreSettings();
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
  // A reload or a Back into the app lands on the step in the address bar, as far as the
  // restored settings allow: the connection must be tested again (its secrets were not kept).
  const wanted = stepFromHash();
  passed = steps.map((_, i) => i < wanted && i < 2);
  current = Math.min(wanted, reachable());
  window.history.replaceState({ step: current }, '', `#step-${current + 1}`);
  render();
}

start();
