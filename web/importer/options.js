// The import options: time shift, dropped labels, retention trim, strict mode.
import { $ } from './dom.js';

function showShiftFields() {
  const mode = $('time-shift').value;
  $('align-field').hidden = mode !== 'align';
  $('shift-field').hidden = mode !== 'fixed';
}

// The option part of the import config.
export function optionsConfig() {
  const mode = $('time-shift').value;
  let timeShift = mode;
  let alignTo = '';
  if (mode === 'fixed') timeShift = $('shift-by').value.trim() || 'none';
  if (mode === 'align') {
    const local = $('align-to').value;
    alignTo = local ? new Date(local).toISOString() : '';
  }
  return {
    time_shift: timeShift,
    align_to: alignTo,
    drop_labels: $('drop-labels').value.split(',').map((s) => s.trim()).filter(Boolean),
    skip_outside_retention: $('skip-retention').checked,
    retention: $('retention').value.trim(),
    max_labels_per_series: Number.parseInt($('max-labels').value, 10) || 0,
    strict: $('strict').checked,
  };
}

export function initOptions(onChange) {
  $('time-shift').addEventListener('change', () => { showShiftFields(); onChange(); });
  showShiftFields();
  for (const id of ['align-to', 'shift-by', 'retention', 'max-labels', 'skip-retention', 'drop-labels']) {
    $(id).addEventListener('change', onChange);
  }
}
