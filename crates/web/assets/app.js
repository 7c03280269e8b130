// Small progressive enhancements; every page works without them.
// (The CSP forbids inline scripts, so behaviour hangs on data- attributes.)
document.addEventListener('DOMContentLoaded', () => {
  // "Select all" for bulk actions: <input type="checkbox" data-select-all="ids">.
  for (const all of document.querySelectorAll('input[data-select-all]')) {
    all.addEventListener('change', () => {
      for (const box of document.querySelectorAll(`input[name="${all.dataset.selectAll}"]`)) box.checked = all.checked;
    });
  }
  // Copy a text (the 接龙 list) for pasting into a group chat: <button data-copy="id">.
  for (const b of document.querySelectorAll('[data-copy]')) {
    b.addEventListener('click', async () => {
      const el = document.getElementById(b.dataset.copy);
      if (!el) return;
      el.select();
      try { await navigator.clipboard.writeText(el.value); } catch { document.execCommand('copy'); }
      b.textContent = b.dataset.copied || '✓';
    });
  }
  // Live countdowns to a claim's expiry: <b data-countdown="RFC 3339" data-expired="text">.
  const countdowns = document.querySelectorAll('[data-countdown]');
  if (countdowns.length) {
    const tick = () => {
      for (const el of countdowns) {
        const left = Math.floor((Date.parse(el.dataset.countdown) - Date.now()) / 1000);
        if (Number.isNaN(left)) continue;
        if (left <= 0) { el.textContent = el.dataset.expired || '0:00'; continue; }
        const h = Math.floor(left / 3600), m = Math.floor(left / 60) % 60, s = left % 60;
        el.textContent = `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
      }
    };
    tick();
    setInterval(tick, 1000);
  }
  // Print buttons: <button data-print>.
  for (const b of document.querySelectorAll('[data-print]')) b.addEventListener('click', () => window.print());
  // The duty form: only the buildings of the chosen compound.
  const compound = document.querySelector('select[data-compound-select]');
  const building = document.querySelector('select[data-building-select]');
  if (compound && building) {
    const filter = () => {
      for (const group of building.querySelectorAll('optgroup')) {
        const show = group.dataset.compound === compound.value;
        group.hidden = !show;
        group.disabled = !show;
      }
      const chosen = building.selectedOptions[0];
      if (chosen && chosen.parentElement.tagName === 'OPTGROUP' && chosen.parentElement.disabled) building.value = '';
    };
    compound.addEventListener('change', filter);
    filter();
  }
});
