// Form pieces shared by the steps: labelled fields, switches, radio groups and error boxes.
import { h, replace, uid } from './dom.js';

// A labelled control: <label> + control + optional help text + a slot for its own error.
// Returns {root, input, error} where error is the element to pass to showError().
export function field({ label, input, help, wide }) {
  const id = input.id || uid('in');
  input.id = id;
  const error = h('div', { class: 'field-error', id: `${id}-err`, role: 'alert', hidden: true });
  const describedBy = [`${id}-err`];
  let helpEl = null;
  if (help) {
    helpEl = h('div', { class: 'help', id: `${id}-help` }, help);
    describedBy.push(`${id}-help`);
  }
  input.setAttribute('aria-describedby', describedBy.join(' '));
  const root = h('div', { class: wide ? 'field wide' : 'field' }, h('label', { for: id }, label), input, helpEl, error);
  return { root, input, error, help: helpEl };
}

export function textInput(props = {}) {
  return h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', ...props });
}

// A checkbox styled as a switch, with a label and a one-line explanation.
export function switchRow({ label, help, checked, onchange, disabled }) {
  const id = uid('sw');
  const input = h('input', { type: 'checkbox', id, class: 'switch', checked: !!checked, disabled: !!disabled,
    onchange: (e) => onchange(e.target.checked) });
  const helpId = help ? `${id}-help` : null;
  if (helpId) input.setAttribute('aria-describedby', helpId);
  return h('div', { class: 'switch-row' }, input,
    h('div', {}, h('label', { for: id }, label), help ? h('div', { class: 'help', id: helpId }, help) : null));
}

// A radio group in a fieldset: options [{value, label, help}].
export function radioGroup({ legend, name, options, value, onchange, horizontal }) {
  const fs = h('fieldset', { class: horizontal ? 'radios horizontal' : 'radios' }, h('legend', {}, legend));
  for (const opt of options) {
    const id = uid('r');
    const input = h('input', { type: 'radio', name, id, value: opt.value, checked: opt.value === value,
      onchange: () => onchange(opt.value) });
    fs.appendChild(h('div', { class: 'radio' }, input, h('label', { for: id }, h('span', { class: 'radio-label' }, opt.label),
      opt.help ? h('span', { class: 'help' }, opt.help) : null)));
  }
  return fs;
}

export function selectInput(options, value, onchange, props = {}) {
  const sel = h('select', { ...props, onchange: (e) => onchange(e.target.value) });
  for (const opt of options) {
    sel.appendChild(h('option', { value: String(opt.value), selected: String(opt.value) === String(value) }, opt.label));
  }
  return sel;
}

// Shows an ApiError (or any Error, or a string) in `slot`, with its hint; null hides it.
export function showError(slot, err) {
  if (!err) {
    slot.hidden = true;
    replace(slot);
    return;
  }
  const message = typeof err === 'string' ? err : err.message;
  const hint = typeof err === 'string' ? '' : err.hint;
  replace(slot, h('div', { class: 'error-message' }, message), hint ? h('div', { class: 'error-hint' }, hint) : null);
  slot.hidden = false;
}

// An error box (for errors that belong to a whole action rather than one field).
export function errorBox() {
  return h('div', { class: 'error-box', role: 'alert', hidden: true });
}

export function button(label, onclick, { kind = 'secondary', ...props } = {}) {
  return h('button', { type: 'button', class: `btn ${kind}`, onclick, ...props }, label);
}
