// Entry point of the importer page.
const res = await fetch('api/health');
const health = await res.json();
document.getElementById('version').textContent = health.version;
