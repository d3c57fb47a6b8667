// The bundle card: a drop area (and file picker) that uploads the bundle as soon as it arrives.
import { upload } from './api.js';
import { $, fill, message } from './dom.js';
import { bytes } from './format.js';

const accepted = /\.(zip|jsonl|jsonl\.gz|gz|json)$/i;

async function send(file, onUploaded) {
  const status = $('upload-status');
  if (!accepted.test(file.name)) {
    fill(status, message('error', `${file.name} is not a bundle`, 'choose a .zip from vmexporter, a .jsonl or a .jsonl.gz file'));
    return;
  }
  const form = new FormData();
  // Upload first, import later: the preflight needs the bundle, the import needs the options.
  form.append('config', JSON.stringify({ start: false }));
  form.append('bundle', file, file.name);
  const bar = $('upload-bar');
  bar.hidden = false;
  fill(status, message('info', `Uploading ${file.name} (${bytes(file.size)})…`));
  try {
    const job = await upload('api/upload', form, (sent, total) => {
      $('upload-fill').style.width = `${Math.round((100 * sent) / total)}%`;
    });
    $('upload-fill').style.width = '100%';
    fill(status, message('ok', `${file.name} uploaded (${bytes(file.size)}).`));
    onUploaded(job);
  } catch (e) {
    bar.hidden = true;
    fill(status, message('error', e.message, e.hint));
  }
}

export function initDropzone(onUploaded) {
  const zone = $('dropzone');
  const input = $('file-input');
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const file = e.dataTransfer && e.dataTransfer.files[0];
    if (file) send(file, onUploaded);
  });
  input.addEventListener('change', () => {
    if (input.files[0]) send(input.files[0], onUploaded);
    input.value = '';
  });
}
