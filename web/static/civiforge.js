// civiforge — progressive enhancement only: every page works without this file.
// Search boxes marked data-autocomplete="…" become accessible comboboxes (WAI-ARIA 1.2
// pattern: role=combobox, a listbox, aria-activedescendant, arrows, Enter, Escape).
'use strict';

(function () {
  const SOURCES = {
    // Organisations for the adoption form: choosing one fills the form's "organisation".
    organisations: {
      url: (q) => `/api/v1/organisations?limit=8&q=${encodeURIComponent(q)}`,
      options: (body) => body.items.map((o) => ({
        id: o.id,
        label: o.name,
        detail: [o.kind === 'commune' ? 'Commune' : o.kind, o.departement, o.code].filter(Boolean).join(' · '),
      })),
      choose: (input, option) => {
        const form = input.form;
        let hidden = form.querySelector('input[name="organisation"]');
        if (!hidden) {
          hidden = document.createElement('input');
          hidden.type = 'hidden';
          hidden.name = 'organisation';
          form.appendChild(hidden);
        }
        hidden.value = option.id;
        form.submit();
      },
    },
    // Projects and categories for the search boxes: choosing one opens its page.
    search: {
      url: (q) => `/api/v1/search/suggest?q=${encodeURIComponent(q)}`,
      options: (body) => body.items.map((s) => ({
        id: s.slug || s.category,
        label: s.label,
        detail: s.category ? 'Domaine' : 'Logiciel',
        href: s.slug ? `/projets/${s.slug}` : `/categories/${s.category}`,
      })),
      choose: (input, option) => { window.location.assign(option.href); },
    },
  };

  let counter = 0;

  function enhance(input) {
    const source = SOURCES[input.dataset.autocomplete];
    if (!source) return;
    counter += 1;
    const listId = `suggestions-${counter}`;
    const list = document.createElement('ul');
    list.id = listId;
    list.setAttribute('role', 'listbox');
    list.className = 'suggestions';
    list.hidden = true;
    const status = document.createElement('p');
    status.className = 'visually-hidden';
    status.setAttribute('role', 'status');
    input.insertAdjacentElement('afterend', list);
    list.insertAdjacentElement('afterend', status);
    input.setAttribute('role', 'combobox');
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-expanded', 'false');
    input.setAttribute('aria-controls', listId);
    input.setAttribute('autocomplete', 'off');

    let options = [];
    let active = -1;
    let timer = null;
    let latest = 0;

    function close() {
      list.hidden = true;
      input.setAttribute('aria-expanded', 'false');
      input.removeAttribute('aria-activedescendant');
      active = -1;
    }

    function highlight(index) {
      active = index;
      Array.from(list.children).forEach((li, i) => li.setAttribute('aria-selected', String(i === index)));
      if (index >= 0) input.setAttribute('aria-activedescendant', `${listId}-${index}`);
      else input.removeAttribute('aria-activedescendant');
    }

    function render() {
      list.replaceChildren(...options.map((option, i) => {
        const li = document.createElement('li');
        li.id = `${listId}-${i}`;
        li.setAttribute('role', 'option');
        li.setAttribute('aria-selected', 'false');
        li.textContent = option.label;
        if (option.detail) {
          const detail = document.createElement('span');
          detail.className = 'muted';
          detail.textContent = ` — ${option.detail}`;
          li.appendChild(detail);
        }
        li.addEventListener('mousedown', (event) => { event.preventDefault(); source.choose(input, option); });
        return li;
      }));
      const open = options.length > 0;
      list.hidden = !open;
      input.setAttribute('aria-expanded', String(open));
      status.textContent = open ? `${options.length} suggestion${options.length > 1 ? 's' : ''}` : '';
      highlight(-1);
    }

    async function update() {
      const query = input.value.trim();
      const ticket = ++latest;
      if (query.length < 2) { options = []; render(); return; }
      try {
        const response = await fetch(source.url(query), { headers: { Accept: 'application/json' } });
        if (!response.ok || ticket !== latest) return;
        options = source.options(await response.json());
        render();
      } catch (_) {
        // No suggestions: the form still works as it is.
      }
    }

    input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(update, 150); });
    input.addEventListener('blur', () => setTimeout(close, 100));
    input.addEventListener('keydown', (event) => {
      if (list.hidden && event.key !== 'Escape') return;
      if (event.key === 'ArrowDown') { event.preventDefault(); highlight(Math.min(active + 1, options.length - 1)); }
      else if (event.key === 'ArrowUp') { event.preventDefault(); highlight(Math.max(active - 1, 0)); }
      else if (event.key === 'Enter' && active >= 0) { event.preventDefault(); source.choose(input, options[active]); }
      else if (event.key === 'Escape') { close(); }
    });
  }

  document.querySelectorAll('input[data-autocomplete]').forEach(enhance);
}());
