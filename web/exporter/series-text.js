// Series from /api/sample replies, and their text form name{label="value", …}.

// The list of series in a /api/sample reply, each as {metric: {...}, samples: n}.
export function seriesOf(reply) {
  const list = Array.isArray(reply) ? reply
    : (reply && (reply.series || reply.samples || reply.data || reply.results || reply.metrics)) || [];
  if (!Array.isArray(list)) return [];
  return list.map((item) => {
    const metric = item && typeof item.metric === 'object' ? item.metric : (item && item.labels) || item || {};
    const values = item && (item.values || item.value);
    return { metric, samples: Array.isArray(values) ? values.length : undefined, item };
  });
}

// name{a="x", b="y"} (values quoted and escaped like PromQL strings) as text nodes, each
// label="value" pair in its own span so narrow screens wrap between pairs, not inside an address.
export function seriesNodes(metric) {
  const name = metric.__name__ || '';
  const keys = Object.keys(metric).filter((k) => k !== '__name__').sort();
  const nodes = [document.createTextNode(`${name}{`)];
  keys.forEach((k, i) => {
    const pair = document.createElement('span');
    pair.className = 'label-pair';
    pair.textContent = `${k}=${JSON.stringify(String(metric[k]))}${i < keys.length - 1 ? ',' : ''}`;
    nodes.push(pair);
    if (i < keys.length - 1) nodes.push(document.createTextNode(' '));
  });
  nodes.push(document.createTextNode('}'));
  return nodes;
}

// {label: {count, examples: [up to 3 values]}} over `series`, without __name__.
export function labelStats(series) {
  const stats = new Map();
  for (const s of series) {
    for (const [k, v] of Object.entries(s.metric)) {
      if (k === '__name__') continue;
      if (!stats.has(k)) stats.set(k, { count: 0, examples: [] });
      const st = stats.get(k);
      st.count += 1;
      if (st.examples.length < 3 && !st.examples.includes(String(v))) st.examples.push(String(v));
    }
  }
  return new Map([...stats.entries()].sort((a, b) => a[0].localeCompare(b[0])));
}
