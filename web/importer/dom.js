// Tiny DOM helpers. Text always goes in through textContent, never as HTML.

// Creates an element with attributes and children (strings become text nodes).
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return node;
}

export const $ = (id) => document.getElementById(id);

// Replaces the children of `node` with `children`.
export function fill(node, ...children) {
  node.replaceChildren(...children);
}

// A <dl> body from [term, value] pairs.
export function facts(pairs) {
  const out = [];
  for (const [term, value] of pairs) {
    out.push(el('dt', { text: term }), el('dd', { text: String(value) }));
  }
  return out;
}

// A message box: kind is 'ok', 'warn' or 'error'; the hint goes on its own line.
export function message(kind, text, hint) {
  const box = el('div', { class: `msg msg-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, el('div', { text }));
  if (hint) box.append(el('div', { class: 'hint', text: hint }));
  return box;
}
