// Entry point of the exporter wizard.
const res = await fetch('api/health');
const health = await res.json();
document.getElementById('version').textContent = health.version;
