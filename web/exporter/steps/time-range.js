// Step 2: the time range, as a preset ending now or a custom range to the second, in a chosen
// time zone. The summary shows exactly the instants that will be exported.
import { h, replace, uid } from '../dom.js';
import { button, field, selectInput, showError } from '../controls.js';
import { state } from '../state.js';
import { PRESETS, formatInZone, parseInputValue, presetRange, toInputValue, toRfc3339, zoneChoices } from '../time.js';
import { formatDuration } from '../format.js';

let summary = null;
let customBox = null;
let startField = null;
let endField = null;

function applyPreset(key) {
  const preset = PRESETS.find((p) => p.key === key);
  const r = presetRange(preset.seconds);
  Object.assign(state.range, { preset: key, startMs: r.startMs, endMs: r.endMs });
}

// Reads the custom inputs (wall-clock in the chosen zone); shows errors beside them.
function readCustom() {
  const zone = state.range.zone;
  const s = parseInputValue(startField.input.value, zone);
  const e = parseInputValue(endField.input.value, zone);
  showError(startField.error, s.error || null);
  showError(endField.error, e.error || null);
  if (s.error || e.error) return false;
  if (e.ms <= s.ms) {
    showError(endField.error, 'The end must be after the start.');
    return false;
  }
  if (e.ms > Date.now() + 60000) {
    showError(endField.error, 'The end is in the future; there is no data there yet. Use "now" or an earlier time.');
    return false;
  }
  state.range.startMs = s.ms;
  state.range.endMs = e.ms;
  return true;
}

function renderSummary() {
  const { startMs, endMs, zone } = state.range;
  replace(summary,
    h('div', { class: 'summary-main' },
      h('span', { class: 'mono' }, formatInZone(startMs, zone)), ' → ', h('span', { class: 'mono' }, formatInZone(endMs, zone)),
      h('span', { class: 'pill' }, formatDuration((endMs - startMs) / 1000))),
    h('div', { class: 'help' }, 'Exported as UTC ', h('span', { class: 'mono', 'data-role': 'utc-range' }, `${toRfc3339(startMs)} – ${toRfc3339(endMs)}`),
      ' (start included, end excluded).'));
}

function fillCustomInputs() {
  startField.input.value = toInputValue(state.range.startMs, state.range.zone);
  endField.input.value = toInputValue(state.range.endMs, state.range.zone);
}

function render() {
  summary = h('div', { class: 'range-summary', 'aria-live': 'polite' });
  const presetGroup = h('fieldset', { class: 'segmented' }, h('legend', {}, 'Range'));
  const options = [...PRESETS.map((p) => ({ value: p.key, label: `Last ${p.label}` })), { value: 'custom', label: 'Custom' }];
  for (const opt of options) {
    const id = uid('p');
    presetGroup.append(h('input', { type: 'radio', name: 'preset', id, value: opt.value, checked: state.range.preset === opt.value,
      onchange: () => {
        if (opt.value === 'custom') {
          state.range.preset = 'custom';
          fillCustomInputs();
        } else {
          applyPreset(opt.value);
        }
        customBox.hidden = opt.value !== 'custom';
        renderSummary();
      } }), h('label', { for: id }, opt.label));
  }

  const zone = selectInput(zoneChoices().map((z, i) => ({ value: z, label: i === 0 && z !== 'UTC' ? `${z} (this browser)` : z })),
    state.range.zone, (v) => {
      state.range.zone = v;
      // Custom times are wall-clock times in the zone: re-read them in the new zone.
      if (state.range.preset === 'custom') readCustom();
      renderSummary();
    });
  const zoneField = field({ label: 'Time zone', input: zone, help: 'Times below are shown and typed in this zone.' });

  const startInput = h('input', { type: 'datetime-local', step: '1', oninput: () => { if (readCustom()) renderSummary(); } });
  const endInput = h('input', { type: 'datetime-local', step: '1', oninput: () => { if (readCustom()) renderSummary(); } });
  startField = field({ label: 'Start', input: startInput });
  endField = field({ label: 'End', input: endInput });
  const nowButton = button('End now', () => {
    const length = state.range.endMs - state.range.startMs;
    state.range.endMs = Math.floor(Date.now() / 1000) * 1000;
    state.range.startMs = state.range.endMs - length;
    fillCustomInputs();
    readCustom();
    renderSummary();
  }, { 'aria-label': 'Move the range so that it ends now' });
  customBox = h('div', { class: 'row custom-range', hidden: state.range.preset !== 'custom' }, startField.root, endField.root,
    h('div', { class: 'field' }, h('span', { class: 'label-spacer', 'aria-hidden': 'true' }, ' '), nowButton));
  fillCustomInputs();
  if (state.range.preset !== 'custom') applyPreset(state.range.preset);
  renderSummary();
  return h('div', {}, h('p', { class: 'lead' }, 'Pick the time around the problem. Support usually needs the hours before and after it.'),
    presetGroup, h('div', { class: 'row' }, zoneField.root), customBox, summary);
}

async function leave() {
  if (state.range.preset === 'custom') return readCustom();
  return true;
}

export default { title: 'Time range', render, leave };
