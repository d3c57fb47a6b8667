// A quick look at the brackets and quotes of a series selector or MetricsQL query, so an obvious
// typo is named on the step where it is typed. VictoriaMetrics judges everything else
// (/api/validate-query, once the connection is known).

const OPENING = { '}': '{', ')': '(', ']': '[' };

// Returns what is wrong, naming the character position, or null.
export function querySyntaxError(text) {
  const open = [];
  let quote = null;
  let quoteAt = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\' && quote !== '`') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      quote = c;
      quoteAt = i;
    } else if (c === '#') {
      const end = text.indexOf('\n', i);  // a MetricsQL comment runs to the end of its line
      i = end < 0 ? text.length : end;
    } else if (c === '{' || c === '(' || c === '[') {
      open.push(i);
    } else if (OPENING[c]) {
      if (!open.length || text[open[open.length - 1]] !== OPENING[c]) return `Unexpected "${c}" at character ${i + 1}.`;
      open.pop();
    }
  }
  if (quote) return `The quote ${quote} at character ${quoteAt + 1} is never closed.`;
  if (open.length) {
    const at = open[open.length - 1];
    return `"${text[at]}" at character ${at + 1} is never closed.`;
  }
  return null;
}
