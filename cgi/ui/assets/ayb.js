/* ayb web UI: small enhancements over pages that work without it.
 *  - forms marked data-fragment are sent with fetch and only the part of the
 *    page they name is replaced (the server answers "HX-Request: true" with
 *    a fragment); data-swap="outer" replaces the element itself
 *  - forms marked data-confirm ask first, in the page's <dialog>
 *  - the query console: Ctrl/Cmd+Enter runs, Run is disabled while empty,
 *    results are marked stale once the query changes
 *  - profile links can be added and removed; the snapshots list loads when
 *    its tab opens; log in remembers where to go back to (`next`). */
(function () {
	'use strict';

	var NEXT_KEY = 'ayb_login_next';

	function safeNext(next) {
		return typeof next === 'string' && next.charAt(0) === '/' &&
			next.charAt(1) !== '/' && next.charAt(1) !== '\\';
	}

	function setBusy(button, busy) {
		if (!button) return;
		button.disabled = busy;
		button.classList.toggle('is-busy', busy);
		button.setAttribute('aria-busy', busy ? 'true' : 'false');
	}

	/* Inserts server HTML (escaped by the server) in place of target. */
	function swap(target, html, outer) {
		if (outer) {
			target.outerHTML = html;
		} else {
			target.innerHTML = html;
		}
	}

	/* A message answers the form just sent: older ones elsewhere in the
	 * same tab (another form's "Success") would read as if they did too. */
	function clearOtherAlerts(form, target) {
		var panel = form.closest('.tab-panel');
		if (!panel) return;
		panel.querySelectorAll('.alert').forEach(function (el) {
			if (!target.contains(el)) el.remove();
		});
	}

	function sendFragment(form, submitter) {
		var target = document.querySelector(form.getAttribute('data-fragment'));
		var data = new FormData(form);
		var button = submitter || form.querySelector('[type=submit]');
		if (submitter && submitter.name) data.append(submitter.name, submitter.value);
		if (!target) {
			form.submit();
			return;
		}
		setBusy(button, true);
		return fetch(form.action, {
			method: 'POST',
			body: new URLSearchParams(data),
			headers: { 'HX-Request': 'true' },
			credentials: 'same-origin'
		}).then(function (res) {
			var redirect = res.headers.get('HX-Redirect');
			if (redirect && safeNext(redirect)) {
				window.location.assign(redirect);
				return null;
			}
			return res.text().then(function (html) {
				setBusy(button, false);
				clearOtherAlerts(form, target);
				swap(target, html, form.getAttribute('data-swap') === 'outer');
				if (res.ok && form.hasAttribute('data-reset') && form.isConnected) form.reset();
				document.dispatchEvent(new CustomEvent('ayb:updated', { detail: { form: form } }));
			});
		}).catch(function () {
			setBusy(button, false);
			/* The network failed: fall back to a plain form post, which
			 * shows the browser's own error page if the server is gone. */
			form.submit();
		});
	}

	/* ---- confirmation dialog ---- */
	function confirmThen(form, proceed) {
		var dialog = document.getElementById('confirm-dialog');
		if (!dialog || typeof dialog.showModal !== 'function') {
			if (window.confirm(form.getAttribute('data-confirm'))) proceed();
			return;
		}
		document.getElementById('confirm-title').textContent =
			form.getAttribute('data-confirm-title') || 'Are you sure?';
		document.getElementById('confirm-message').textContent = form.getAttribute('data-confirm');
		document.getElementById('confirm-ok').textContent =
			form.getAttribute('data-confirm-button') || 'Confirm';
		dialog.returnValue = '';
		dialog.addEventListener('close', function onClose() {
			dialog.removeEventListener('close', onClose);
			if (dialog.returnValue === 'ok') proceed();
		});
		dialog.showModal();
	}

	document.addEventListener('submit', function (ev) {
		var form = ev.target;
		if (!(form instanceof HTMLFormElement) || form.method === 'dialog') return;
		var fragment = form.hasAttribute('data-fragment');
		var needsConfirm = form.hasAttribute('data-confirm') && !form.dataset.confirmed;
		if (!fragment && !needsConfirm) return;
		ev.preventDefault();
		var submitter = ev.submitter;
		var go = function () {
			if (fragment) {
				sendFragment(form, submitter);
			} else {
				form.dataset.confirmed = '1';
				form.submit();
			}
		};
		if (needsConfirm) confirmThen(form, go); else go();
	});

	/* ---- query console ---- */
	function setupQuery() {
		var form = document.getElementById('query-form');
		if (!form) return;
		var text = document.getElementById('query-input');
		var run = document.getElementById('run-query-btn');
		var results = document.getElementById('query-results');
		var lastRun = null;
		var sync = function () {
			run.disabled = text.value.trim() === '';
			if (results && lastRun !== null) {
				results.classList.toggle('is-stale', text.value !== lastRun && results.children.length > 0);
			}
		};
		text.addEventListener('input', sync);
		text.addEventListener('keydown', function (ev) {
			if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) {
				ev.preventDefault();
				if (!run.disabled) form.requestSubmit(run);
			}
		});
		form.addEventListener('submit', function () { lastRun = text.value; });
		document.addEventListener('ayb:updated', function (ev) {
			if (ev.detail.form === form) {
				results.classList.remove('is-stale');
				run.focus();
			}
		});
		sync();
	}

	/* ---- create database: the button waits for a name ---- */
	function setupCreate() {
		var slug = document.getElementById('database-slug');
		var submit = document.getElementById('create-database-submit');
		if (!slug || !submit) return;
		var sync = function () { submit.disabled = slug.value.trim() === ''; };
		slug.addEventListener('input', sync);
		sync();
		var details = document.getElementById('create-database');
		if (details) details.addEventListener('toggle', function () { if (details.open) slug.focus(); });
	}

	/* ---- profile links ---- */
	function setupLinks() {
		document.addEventListener('click', function (ev) {
			var t = ev.target;
			if (!(t instanceof Element)) return;
			if (t.id === 'add-link') {
				var list = document.getElementById('links-list');
				var group = list.querySelector('.link-input-group');
				var copy = group.cloneNode(true);
				copy.querySelector('input').value = '';
				list.appendChild(copy);
				copy.querySelector('input').focus();
			} else if (t.classList.contains('link-remove')) {
				var g = t.closest('.link-input-group');
				var all = g.parentNode.querySelectorAll('.link-input-group');
				if (all.length > 1) g.remove(); else g.querySelector('input').value = '';
			}
		});
		var showAdd = function () {
			var add = document.getElementById('add-link');
			if (add) add.hidden = false;
		};
		showAdd();
		document.addEventListener('ayb:updated', showAdd);
	}

	/* ---- snapshots: listed when their tab is opened ---- */
	function loadSnapshots() {
		var area = document.getElementById('snapshots-area');
		if (!area || location.hash !== '#snapshots' || area.dataset.loaded ||
		    !document.getElementById('snapshots-placeholder')) return;
		area.dataset.loaded = '1';
		area.innerHTML = '<p class="muted">Loading snapshots…</p>';
		fetch(area.getAttribute('data-src'), { headers: { 'HX-Request': 'true' }, credentials: 'same-origin' })
			.then(function (res) { return res.text(); })
			.then(function (html) { area.innerHTML = html; })
			.catch(function () { area.innerHTML = '<p class="muted">Could not load the snapshots.</p>'; });
	}

	/* ---- tabs: keep aria-current in step with the visible panel ---- */
	function syncTabs() {
		var tabs = document.querySelector('.tabs');
		if (!tabs) return;
		var current = location.hash && tabs.querySelector(location.hash + '.tab-panel')
			? location.hash.slice(1) : tabs.getAttribute('data-tab');
		tabs.querySelectorAll('.tab').forEach(function (a) {
			if (a.getAttribute('href') === '#' + current) a.setAttribute('aria-current', 'page');
			else a.removeAttribute('aria-current');
		});
	}

	/* ---- the account menu closes on Escape and outside clicks ---- */
	function setupMenu() {
		var menu = document.getElementById('user-menu');
		if (!menu) return;
		document.addEventListener('click', function (ev) {
			if (menu.open && !menu.contains(ev.target)) menu.open = false;
		});
		document.addEventListener('keydown', function (ev) {
			if (ev.key === 'Escape' && menu.open) {
				menu.open = false;
				menu.querySelector('summary').focus();
			}
		});
	}

	/* ---- log in: come back to where the visitor started ---- */
	function setupLogin() {
		var next = document.getElementById('login-next');
		if (next && safeNext(next.getAttribute('data-next'))) {
			try { localStorage.setItem(NEXT_KEY, next.getAttribute('data-next')); } catch (e) { /* storage off */ }
		}
		var redirect = document.getElementById('default-redirect');
		if (redirect) {
			var to = redirect.getAttribute('data-url');
			try {
				var stored = localStorage.getItem(NEXT_KEY);
				localStorage.removeItem(NEXT_KEY);
				if (safeNext(stored)) to = stored;
			} catch (e) { /* storage off */ }
			if (safeNext(to)) window.location.replace(to);
		}
	}

	function init() {
		setupQuery();
		setupCreate();
		setupLinks();
		setupMenu();
		setupLogin();
		syncTabs();
		loadSnapshots();
		window.addEventListener('hashchange', function () { syncTabs(); loadSnapshots(); });
	}

	if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
	else init();
}());
