// Tiny DOM builders. Every string becomes a text node or an attribute value: nothing is ever
// parsed as HTML, so values coming from VictoriaMetrics cannot inject markup.

// h('button', {class: 'btn', onclick: fn, disabled: true}, 'Label', childNode, ...)
// Props: "class", "text", "dataset" (object), on<event> functions, DOM properties that are not
// attributes ("value", "checked", "indeterminate", "disabled", "hidden", "selected"); anything
// else becomes an attribute (true → empty attribute, false/null/undefined → omitted).
const PROPERTIES = new Set(['value', 'checked', 'indeterminate', 'disabled', 'hidden', 'selected']);

export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'class') {
      el.className = value;
    } else if (key === 'text') {
      el.textContent = String(value);
    } else if (key === 'dataset') {
      Object.assign(el.dataset, value);
    } else if (PROPERTIES.has(key)) {
      el[key] = value;
    } else if (value !== false) {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

// Appends children (nested arrays allowed); strings and numbers become text nodes.
export function append(parent, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

// Replaces all children of `parent`.
export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

let idCounter = 0;
// A unique element id for label/for and aria-describedby pairs.
export function uid(prefix = 'f') {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}
