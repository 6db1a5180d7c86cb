// The web UI's flows in headless Chromium (playwright-core, Debian's
// chromium) against a running ayb server: every flow of README "Web UI" plus XSS, CSRF,
// phone width, keyboard and no-JavaScript checks.  Prints TAP; saves a
// full-page screenshot per step in AYB_SHOTS.  Started by ui_flows.sh, which
// provides the server (AYB_BASE), its email file (AYB_EMAILS) and the
// snapshot command (AYB_SNAPSHOT).
'use strict';

const fs = require('node:fs');
const http = require('node:http');
const { execFileSync } = require('node:child_process');
const { ok, is, like, snap, emailToken, run } = require('./lib.js');

const BASE = process.env.AYB_BASE;
const SNAPSHOT = JSON.parse(process.env.AYB_SNAPSHOT || '[]');

// ---- helpers --------------------------------------------------------------
// Snapshots one database now with ayb-snapshot; its output shows on failure.
function takeSnapshot(db) {
	try {
		execFileSync(SNAPSHOT[0], [...SNAPSHOT.slice(1), '--database', db], { stdio: 'pipe' });
	} catch (e) {
		throw new Error(`ayb-snapshot failed: ${e.stdout}${e.stderr}`);
	}
}

// Registers `user` in a fresh browser context and returns its page, logged in.
async function register(browser, user, shots) {
	const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
	const page = await context.newPage();
	page.setDefaultTimeout(8000);
	await page.goto(`${BASE}/register`);
	if (shots) {
		is(await page.title(), 'Create account - ayb', 'register page title');
		await snap(page, 'register');
	}
	await page.fill('input[name=username]', user);
	await page.fill('input[name=email]', `${user}@example.org`);
	await page.click("button:has-text('Create account')");
	await page.waitForURL(`${BASE}/register`);
	is(await page.title(), 'Check email - ayb', `${user}: check email page`);
	if (shots) await snap(page, 'check_email');
	await page.goto(`${BASE}/confirm/${emailToken(`${user}@example.org`)}`);
	if (shots) {
		is(await page.title(), 'Confirm log in - ayb', 'the confirmation link asks first');
		ok(!(await context.cookies(BASE)).some((c) => c.name === 'auth'), 'opening it logs nobody in');
		await snap(page, 'confirm');
	}
	await page.click('#confirm-log-in');
	await page.waitForURL(`${BASE}/${user}`);
	is(await page.title(), `${user} - ayb`, `${user}: the confirmation link logs in and lands on the entity page`);
	if (shots) await snap(page, 'entity_page');
	return page;
}

async function runQuery(page, sql) {
	await page.fill('textarea[name=query]', sql);
	const done = page.waitForResponse((r) => r.url().endsWith('/query') && r.request().method() === 'POST');
	await page.click('#run-query-btn');
	await done;
	await page.waitForFunction(() => !document.querySelector('#run-query-btn').classList.contains('is-busy'));
	return (await page.innerText('#query-results')).trim();
}

async function apiQuery(token, db, sql) {
	const res = await fetch(`${BASE}/v1/${db}/query`, {
		method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: sql,
	});
	return { status: res.status, body: await res.text() };
}

async function cookieToken(context) {
	const auth = (await context.cookies(BASE)).find((c) => c.name === 'auth');
	return auth ? auth.value.split(':')[1] : null;
}

// ---- the flows --------------------------------------------------------------
async function flows(browser) {
	// 1. Registration.
	const alice = await register(browser, 'alice', true);
	const aliceCookie = (await alice.context().cookies(BASE)).find((c) => c.name === 'auth');
	ok(aliceCookie && aliceCookie.httpOnly && aliceCookie.sameSite === 'Lax' && !aliceCookie.secure,
		'login cookie: HttpOnly, SameSite=Lax, not Secure over plain HTTP', JSON.stringify(aliceCookie));
	like(aliceCookie.value, 'alice:ayb_', 'login cookie holds <entity>:<api token>');

	// 2. Profile.
	await alice.click("summary:has-text('Edit profile')");
	await alice.fill('input[name=display_name]', 'Entity 0');
	await alice.fill('textarea[name=description]', 'Just a test entity');
	await alice.fill('input[name=organization]', 'Test Org');
	await alice.fill('input[name=location]', 'NYC');
	await alice.fill('#links-list .link-input-group:nth-child(1) input', 'http://example.org/alice');
	await alice.click('#add-link');
	await alice.fill('#links-list .link-input-group:nth-child(2) input', 'http://example.net/two');
	await snap(alice, 'profile_edit');
	await alice.click('#profile-save');
	await alice.waitForFunction(() => document.querySelector('.profile-name').textContent === 'Entity 0');
	await alice.reload();
	const body = await alice.innerText('body');
	for (const v of ['Entity 0', 'Just a test entity', 'Test Org', 'NYC', 'http://example.org/alice', 'http://example.net/two'])
		like(body, v, `profile shows ${v} after a reload`);
	is(await alice.getAttribute("a[href='http://example.org/alice']", 'rel'), 'nofollow me noopener', 'profile links are rel=me');
	await snap(alice, 'profile_saved');

	// 3. Create a database and query it.
	is(await alice.title(), 'Entity 0 - ayb', 'the title is the display name');
	like(await alice.innerText('body'), 'No databases...yet!', 'empty state before the first database');
	await alice.click("summary:has-text('Create database')");
	ok(await alice.isDisabled('#create-database-submit'), 'Create is disabled while the name is blank');
	await alice.fill('input[name=database_slug]', 'test.sqlite');
	await snap(alice, 'create_database');
	await alice.click("button[type=submit]:has-text('Create database')");
	await alice.waitForURL(`${BASE}/alice/test.sqlite`);
	is(await alice.title(), 'Explore alice/test.sqlite - ayb', 'create lands on the database page');
	ok(await alice.isDisabled('#run-query-btn'), 'Run query is disabled while the query is blank');
	is(await runQuery(alice, 'CREATE TABLE test_table(fname varchar, lname varchar)'),
		'Query executed successfully. No results returned.', 'CREATE TABLE');
	await runQuery(alice, "INSERT INTO test_table (fname, lname) VALUES ('the first', 'the last')");
	await runQuery(alice, "INSERT INTO test_table (fname, lname) VALUES ('the first2', 'the last2')");
	is(await runQuery(alice, 'SELECT * FROM test_table'),
		'Download CSV\nDownload JSON\nfname\tlname\nthe first\tthe last\nthe first2\tthe last2\n2 rows',
		'SELECT shows the table and the row count');
	await snap(alice, 'query_results');
	await alice.fill('textarea[name=query]', 'SELECT fname FROM test_table');
	ok(await alice.$eval('#query-results', (e) => e.classList.contains('is-stale')), 'editing the query marks the results stale');
	await alice.fill('textarea[name=query]', 'SELECT * FROM test_table');

	let dl = alice.waitForEvent('download');
	await alice.click("button:has-text('Download CSV')");
	let file = await dl;
	is(file.suggestedFilename(), 'query-result-alice-test.sqlite.csv', 'CSV file name');
	is(fs.readFileSync(await file.path(), 'utf8'), 'fname,lname\nthe first,the last\nthe first2,the last2\n', 'CSV download');
	dl = alice.waitForEvent('download');
	await alice.click("button:has-text('Download JSON')");
	file = await dl;
	const json = fs.readFileSync(await file.path(), 'utf8');
	is(JSON.stringify(JSON.parse(json)),
		JSON.stringify({ fields: ['fname', 'lname'], rows: [['the first', 'the last'], ['the first2', 'the last2']] }),
		'JSON download');
	like(json, '{\n  "fields": [\n    "fname",', 'JSON download is pretty-printed');

	// Keyboard: Ctrl+Enter runs the query from the text area.
	await alice.fill('textarea[name=query]', "SELECT 'keyboard' AS how");
	const kb = alice.waitForResponse((r) => r.url().endsWith('/query'));
	await alice.press('textarea[name=query]', 'Control+Enter');
	await kb;
	await alice.waitForFunction(() => document.querySelector('#query-results').innerText.includes('keyboard'));
	ok(true, 'Ctrl+Enter runs the query');

	// Errors inline, and the 500-row cap with the full count.
	like(await runQuery(alice, 'SELECT * FROM nope'), 'no such table: nope', 'SQL errors are shown inline');
	ok(await alice.isVisible('#query-results .alert-error'), 'as an error alert');
	await snap(alice, 'query_error');
	await runQuery(alice, 'CREATE TABLE many(i integer)');
	await runQuery(alice, 'WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 1234) INSERT INTO many SELECT i FROM c');
	like(await runQuery(alice, 'SELECT i, i * 2 AS twice FROM many'), '500/1234 rows', 'more than 500 rows: 500 shown, total counted');
	is(await alice.$$eval('#query-results tbody tr', (r) => r.length), 500, 'the table holds 500 rows');
	like(await alice.innerText('#query-results .result-note'), 'The other 734 rows are not shown', 'a note says what was left out');
	await snap(alice, 'query_capped');
	dl = alice.waitForEvent('download');
	await alice.click(".result-note button:has-text('Download CSV')");
	file = await dl;
	const csv = fs.readFileSync(await file.path(), 'utf8').trim().split('\n');
	ok(csv.length === 1235 && csv[1234] === '1234,2468', 'the CSV download has every row', `${csv.length} lines, last ${csv[csv.length - 1]}`);

	// XSS probe: markup from a table cell and from profile fields stays text.
	const evil = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">';
	await runQuery(alice, 'CREATE TABLE notes(body text)');
	await runQuery(alice, `INSERT INTO notes VALUES ('${evil}')`);
	await runQuery(alice, 'SELECT body FROM notes');
	is(await alice.innerText('#query-results tbody td'), evil, 'XSS: a cell with markup is shown as text');
	is(await alice.$$eval('#query-results img, #query-results script', (e) => e.length), 0, 'XSS: no element was created from the cell');
	await snap(alice, 'xss_cell');
	await alice.goto(`${BASE}/alice`);
	await alice.click("summary:has-text('Edit profile')");
	await alice.fill('input[name=display_name]', '<img src=x onerror=window.__xss=3>');
	await alice.fill('textarea[name=description]', '<script>window.__xss=4</script>');
	await alice.click('#profile-save');
	await alice.waitForFunction(() => document.querySelector('.profile-name').textContent.startsWith('<img'));
	await alice.reload();
	is(await alice.innerText('.profile-name'), '<img src=x onerror=window.__xss=3>', 'XSS: a display name with markup is shown as text');
	is(await alice.innerText('.profile-description'), '<script>window.__xss=4</script>', 'XSS: a description with markup is shown as text');
	is(await alice.title(), '<img src=x onerror=window.__xss=3> - ayb', 'XSS: the title is text too');
	is(await alice.evaluate(() => window.__xss), undefined, 'XSS: no injected script ran');
	await snap(alice, 'xss_profile');
	await alice.click("summary:has-text('Edit profile')");
	await alice.fill('input[name=display_name]', 'Entity 0');
	await alice.fill('textarea[name=description]', 'Just a test entity');
	await alice.click('#profile-save');
	await alice.waitForFunction(() => document.querySelector('.profile-name').textContent === 'Entity 0');

	// 4. Sharing between users.
	await alice.goto(`${BASE}/alice`);
	await alice.click("summary:has-text('Create database')");
	await alice.fill('input[name=database_slug]', 'shared_test.sqlite');
	await alice.click('#create-database-submit');
	await alice.waitForURL(`${BASE}/alice/shared_test.sqlite`);
	await runQuery(alice, 'CREATE TABLE t(x integer)');
	const bob = await register(browser, 'bob', false);
	const carol = await register(browser, 'carol', false);
	for (const [who, page] of [['bob', bob], ['carol', carol]]) {
		await page.goto(`${BASE}/alice`);
		ok(!(await page.innerText('body')).includes('shared_test.sqlite'), `${who} does not see alice's private database`);
	}
	await snap(bob, 'others_see_nothing');
	await alice.click("a[href='#sharing']");
	ok(await alice.isVisible('section#sharing') && !(await alice.isVisible('section#query')),
		'the Sharing tab shows its panel in place of the query console');
	is(await alice.getAttribute("a[href='#sharing']", 'aria-current'), 'page', 'the Sharing tab is marked current');
	await alice.check("#public-sharing-form input[value='read-only']");
	await alice.click('#update-public-sharing-btn');
	await alice.waitForSelector('#public-sharing-results .alert-success');
	like(await alice.innerText('#public-sharing-results'), 'Public sharing level updated successfully.', 'public level set to read-only');
	await snap(alice, 'sharing_public');
	await bob.goto(`${BASE}/alice/shared_test.sqlite`);
	like(await bob.innerText('body'), 'Your access: read-only', 'bob has read-only access');
	ok(!(await bob.isVisible("a[href='#sharing']")), 'bob sees no sharing tab');
	like(await runQuery(bob, 'SELECT COUNT(*) FROM t'), '0', 'bob reads the public read-only database');
	like(await runQuery(bob, 'INSERT INTO t VALUES (1)'), 'Attempted to write to database while in read-only mode', "bob's insert fails with the read-only message");
	await snap(bob, 'read_only_insert');
	await carol.goto(`${BASE}/alice/shared_test.sqlite`);
	is(await carol.title(), 'Explore alice/shared_test.sqlite - ayb', 'carol can open the public database');
	await alice.check("#public-sharing-form input[value='no-access']");
	await alice.click('#update-public-sharing-btn');
	await alice.waitForFunction(() => document.querySelector('#public-sharing-results').innerText.includes('updated'));
	await alice.fill('#share-entity', 'Bob ');
	await alice.check("#entity-sharing-form input[value='read-only']");
	await alice.click('#share-entity-btn');
	await alice.waitForSelector('#sharing-results .alert-success');
	like(await alice.innerText('#sharing-results'), "Database access updated for user 'bob'.", 'shared with bob (name trimmed and lowercased)');
	like(await alice.innerText('#share-list-container'), 'bob', 'bob is in the permissions list');
	is(await alice.inputValue('#share-entity'), '', 'the share form is cleared');
	await snap(alice, 'sharing_user');
	await bob.reload();
	like(await runQuery(bob, 'SELECT COUNT(*) FROM t'), 'COUNT(*)\n0\n1 row', 'bob can query through his grant');
	await carol.goto(`${BASE}/alice/shared_test.sqlite`);
	const carolBody = await carol.innerText('body');
	ok(!carolBody.includes('shared_test.sqlite') && !carolBody.includes('Run query'), 'carol no longer sees the database');
	like(carolBody, 'Database not found', 'carol gets "Database not found"');
	await snap(carol, 'not_found');
	await alice.click("#share-list-container button:has-text('Remove')");
	await alice.waitForSelector('#confirm-dialog[open]');
	like(await alice.innerText('#confirm-dialog'), 'remove access for bob', 'removing asks first');
	await snap(alice, 'remove_dialog');
	await alice.click('#confirm-ok');
	await alice.waitForFunction(() => document.querySelector('#sharing-results').innerText.includes('Access removed'));
	like(await alice.innerText('#share-list-container'), 'Not shared with anyone yet.', 'bob removed from the list');
	await bob.reload();
	like(await bob.innerText('body'), 'Database not found', 'bob lost access');

	// 5. Snapshots: two snapshots, then restore the older one.
	await alice.goto(`${BASE}/alice/test.sqlite`);
	takeSnapshot('alice/test.sqlite');
	like(await runQuery(alice, 'SELECT COUNT(*) FROM test_table'), '2', 'two rows before the first snapshot');
	await runQuery(alice, "INSERT INTO test_table VALUES ('the third', 'the last3')");
	await new Promise((r) => setTimeout(r, 1100)); // distinct S3 timestamps
	takeSnapshot('alice/test.sqlite');
	await alice.click("a[href='#snapshots']");
	await alice.waitForSelector('#snapshots-list-container tbody tr');
	is(await alice.$$eval('#snapshots-list-container tbody tr', (r) => r.length), 2, 'two snapshots listed');
	await snap(alice, 'snapshots');
	await alice.click("#snapshots-list-container tbody tr:nth-child(2) button[title='Restore from this snapshot']");
	await alice.waitForSelector('#confirm-dialog[open]');
	await alice.click('#confirm-ok');
	await alice.waitForSelector('#restore-snapshot-results .alert');
	like(await alice.innerText('#restore-snapshot-results'), 'Database successfully restored from snapshot', 'restore succeeds');
	await snap(alice, 'restored');
	await alice.goto(`${BASE}/alice/test.sqlite`);
	like(await runQuery(alice, 'SELECT COUNT(*) FROM test_table'), '2', 'the restored database has the older content');

	// 6. CSRF probe: a page on another origin posts a form into alice's session.
	const attacker = http.createServer((req, res) => {
		const csrf = req.url.includes('guess') ? '<input type="hidden" name="csrf" value="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA">' : '';
		res.writeHead(200, { 'Content-Type': 'text/html' });
		res.end(`<!doctype html><title>win a prize</title><form id="f" method="post" action="${BASE}/alice/test.sqlite/query">` +
			`<input type="hidden" name="query" value="INSERT INTO test_table VALUES ('evil', 'evil')">${csrf}</form>` +
			'<script>document.getElementById("f").submit()</script>');
	});
	await new Promise((r) => attacker.listen(0, '127.0.0.1', r));
	const evilBase = `http://127.0.0.1:${attacker.address().port}`;
	try {
		for (const variant of ['plain', 'guess']) {
			const refused = alice.waitForResponse((r) => r.url() === `${BASE}/alice/test.sqlite/query`);
			await alice.goto(`${evilBase}/${variant}`);
			const res = await refused;
			is(res.status(), 403, `CSRF: a cross-origin form post is refused (${variant})`);
			await alice.waitForLoadState();
			like(await alice.innerText('body'), 'Request refused', `CSRF: the refusal says why (${variant})`);
		}
		await snap(alice, 'csrf_refused');
	} finally {
		attacker.close();
	}
	await alice.goto(`${BASE}/alice/test.sqlite`);
	is(await runQuery(alice, "SELECT COUNT(*) AS n FROM test_table WHERE fname = 'evil'"),
		'Download CSV\nDownload JSON\nn\n0\n1 row', 'CSRF: nothing was written');

	// 7. Phone width, and the page without JavaScript.
	const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
	await phone.addCookies([aliceCookie]);
	const pp = await phone.newPage();
	for (const p of ['/alice', '/alice/test.sqlite', '/settings/tokens']) {
		await pp.goto(`${BASE}${p}`);
		const width = await pp.evaluate(() => document.documentElement.scrollWidth);
		ok(width <= 390, `phone width: ${p} fits 390 px`, `scrollWidth ${width}`);
	}
	await pp.goto(`${BASE}/alice/test.sqlite`);
	await runQuery(pp, 'SELECT * FROM test_table');
	await snap(pp, 'phone_query');
	await phone.close();

	const nojs = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 800 } });
	await nojs.addCookies([aliceCookie]);
	const np = await nojs.newPage();
	np.setDefaultTimeout(8000);
	await np.goto(`${BASE}/alice`);
	await np.click("summary:has-text('Create database')");
	await np.fill('input[name=database_slug]', 'plain.sqlite');
	await np.click('#create-database-submit');
	await np.waitForURL(`${BASE}/alice/plain.sqlite`);
	ok(true, 'no JavaScript: create database by a plain form post');
	await np.fill('textarea[name=query]', "SELECT 'works without a script' AS note");
	await np.click('#run-query-btn');
	await np.waitForURL(`${BASE}/alice/plain.sqlite/query`);
	like(await np.innerText('#query-results'), 'works without a script', 'no JavaScript: the query runs and the page shows the results');
	is(await np.inputValue('textarea[name=query]'), "SELECT 'works without a script' AS note", 'no JavaScript: the query stays in the console');
	await snap(np, 'nojs_query');
	await np.goto(`${BASE}/alice/plain.sqlite#sharing`);
	ok(await np.isVisible('#public-sharing-form') && !(await np.isVisible('section#query')),
		'no JavaScript: the sharing tab opens from its link');
	await np.click("a[href='#query']");
	ok(await np.isVisible('section#query') && !(await np.isVisible('section#sharing')), 'no JavaScript: and back to the query tab');
	await nojs.close();

	// 8. Tokens: list, revoke, and the menu.
	// A link works once: a fresh log-in link for a second token.
	await fetch(`${BASE}/v1/log_in`, { method: 'POST', headers: { entity: 'alice' } });
	const aliceApi = emailToken('alice@example.org');
	const confirmed = await (await fetch(`${BASE}/v1/confirm`, { method: 'POST', headers: { 'authentication-token': aliceApi } })).json();
	const other = confirmed.token;
	const otherShort = other.split('_')[1];
	await alice.goto(`${BASE}/alice`);
	await alice.click('#user-menu summary');
	await snap(alice, 'user_menu');
	await alice.click("a:has-text('Tokens')");
	await alice.waitForURL(`${BASE}/settings/tokens`);
	is(await alice.title(), 'alice - API Tokens - ayb', 'tokens page title');
	like(await alice.innerText('body'), 'Short token', 'tokens table');
	is(await alice.$$eval('#tokens-table tr', (r) => r.length), 2, 'two live tokens: this browser and the API one');
	is(await alice.$$eval("#tokens-table button:has-text('Revoke')", (b) => b.length), 2, 'each with a Revoke button');
	like(await alice.innerText('#tokens-table'), 'This browser', "the browser's own token is marked");
	await snap(alice, 'tokens');
	await alice.click(`#token-row-${otherShort} button:has-text('Revoke')`);
	await alice.waitForSelector('#confirm-dialog[open]');
	await alice.click('#confirm-ok');
	await alice.waitForFunction(() => document.body.innerText.includes('revoked successfully'));
	ok(true, 'revoking shows "revoked successfully"');
	await snap(alice, 'token_revoked');
	await alice.reload();
	is(await alice.$$eval('#tokens-table tr', (r) => r.length), 1, 'one token left after a reload');
	const revoked = await apiQuery(other, 'alice/test.sqlite', 'SELECT 1');
	ok(revoked.status !== 200 && revoked.body.includes('revoked'), 'the revoked token is refused by the API', JSON.stringify(revoked));
	await alice.click('#user-menu summary');
	await alice.click("a:has-text('Profile')");
	await alice.waitForURL(`${BASE}/alice`);
	ok(true, 'the menu leads back to the profile');

	// 9. Log out revokes the browser's token and clears the cookie.
	const session = await cookieToken(alice.context());
	await alice.click('#user-menu summary');
	await alice.click("button:has-text('Log out')");
	await alice.waitForURL(`${BASE}/log_in`);
	is(await alice.title(), 'Log in - ayb', 'log out lands on the log in page');
	is(await cookieToken(alice.context()), null, 'log out clears the cookie');
	const after = await apiQuery(session, 'alice/test.sqlite', 'SELECT 1');
	is(after.status, 401, "log out revokes the browser's token");
	await snap(alice, 'logged_out');

	// A stale or forged cookie is just "not logged in".
	await alice.context().addCookies([{ ...aliceCookie, value: `alice:${session}` }]);
	await alice.goto(`${BASE}/alice`);
	ok(await alice.isVisible("a:has-text('Log in')") && !(await alice.isVisible('#user-menu')), 'a revoked cookie is not a session');
	await alice.context().addCookies([{ ...aliceCookie, value: `alice:${(await cookieToken(bob.context()))}` }]);
	await alice.goto(`${BASE}/alice`);
	ok(!(await alice.isVisible('#user-menu')), "a cookie naming alice with bob's token is not a session");
}

run(flows);
