// OAuth with PKCE in headless Chromium (README "Apps: OAuth"): the test app
// (oauth_app.html) is served here on its own origin, 127.0.0.1:<port>, and
// ayb on http://localhost:<port>, so CORS, cookies and CSP are those of a
// real third-party app.  The app sends the user to ayb; the user logs in
// through the emailed link, picks a database and authorizes; the app
// redeems the code and shows its rows.  Then Deny, then the token revoked
// on the tokens page refuses the app's next query.  Started by
// oauth_flow.sh (AYB_BASE, AYB_EMAILS, AYB_SHOTS).
'use strict';

const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { ok, is, like, snap, emailToken, run } = require('./lib.js');

const BASE = process.env.AYB_BASE;
const APP_HTML = fs.readFileSync(path.join(__dirname, 'oauth_app.html'), 'utf8')
	.replaceAll('__AYB__', BASE);
// README's example app, as printed there, pointed at this server.
const README = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
const README_APP = /\n## Apps: OAuth\n[\s\S]*?\n```html\n([\s\S]*?)```/.exec(README)[1]
	.replace("'http://localhost:5433'", `'${BASE}'`);

function startApp() {
	const server = http.createServer((req, res) => {
		const page = { '/': APP_HTML, '/readme': README_APP }[new URL(req.url, 'http://x').pathname];
		if (!page) {
			res.writeHead(404).end();
			return;
		}
		res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(page);
	});
	return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function flows(browser) {
	const server = await startApp();
	const APP = `http://127.0.0.1:${server.address().port}/`;
	try {
		await oauth(browser, APP);
	} finally {
		server.close();
	}
}

async function oauth(browser, APP) {
	const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
	const page = await context.newPage();
	page.setDefaultTimeout(10000);

	// 1. The app sends a visitor who is not logged in to ayb's log in page.
	await page.goto(APP);
	await snap(page, 'app');
	await page.click('#connect');
	await page.waitForURL((u) => u.pathname === '/log_in');
	ok(new URL(page.url()).searchParams.get('next').startsWith('/oauth/authorize?response_type=code&redirect_uri='),
		'not logged in: the app lands on log in, which keeps the request as next');
	await page.fill('input[name=username]', 'alice');
	await page.click("button:has-text('Log in')");
	await page.waitForFunction(() => document.title === 'Check email - ayb');
	ok(true, 'log in sends the email');

	// 2. The emailed link, opened in this browser, logs in and goes back.
	await page.goto(`${BASE}/confirm/${emailToken('alice@example.org')}`);
	await page.click('#confirm-log-in');
	await page.waitForURL((u) => u.pathname === '/oauth/authorize');
	await page.waitForSelector('#oauth-consent');
	ok(true, 'after the emailed link: back on the consent page');
	is(await page.innerText('#consent-app'), 'Notes (test app)', 'it names the app');
	is(await page.innerText('#consent-scope'), 'read-write', 'and the level asked for');
	is(JSON.stringify(await page.$$eval('#consent-database option', (o) => o.map((x) => x.value))),
		'["alice/notes.sqlite","alice/empty.sqlite"]', "it offers the user's own databases, newest first");
	await snap(page, 'consent');

	// 3. Authorize: the app gets a token and shows the rows.
	await page.selectOption('#consent-database', 'alice/empty.sqlite');
	await page.selectOption('#consent-database', 'alice/notes.sqlite');
	await page.click('#consent-authorize');
	await page.waitForURL((u) => u.origin + u.pathname === APP);
	await page.waitForFunction(() => document.querySelector('#rows').innerText.includes('héllo') ||
		document.querySelector('#error').innerText !== '');
	is(await page.innerText('#error'), '', 'the app redeemed its code (CORS preflight and all)');
	like(await page.innerText('#rows'), 'héllo', "and shows the database's rows");
	like(await page.innerText('#rows'), 'NULL', 'NULL included');
	is(await page.innerText('#status'), 'alice/notes.sqlite (read-write)', 'for the database picked, read-write');
	ok(!page.url().includes('code='), 'the app took the code out of its address');
	await snap(page, 'app_rows');
	const grant = JSON.parse(await page.evaluate(() => sessionStorage.getItem('grant')));
	ok(grant.database_url.startsWith(`${BASE}/v1/`), 'database_url is on the server the app knows', grant.database_url);

	// 3b. README's example app does the same in its twenty lines.
	await page.goto(`${APP}readme`);
	await page.click('#go');
	await page.waitForSelector('#oauth-consent');
	is(await page.innerText('#consent-scope'), 'read-only', "README's app asks for read-only access");
	await page.click('#consent-authorize');
	await page.waitForFunction(() => document.querySelector('#out').innerText !== '');
	like(await page.innerText('#out'), 'CREATE TABLE notes', "and shows the query's answer");
	await snap(page, 'readme_app');

	// 4. Deny: back to the app with error=access_denied.
	await page.goto(APP);
	await page.click('#connect');
	await page.waitForSelector('#oauth-consent');
	await page.click('#consent-deny');
	await page.waitForURL((u) => u.origin + u.pathname === APP);
	await page.waitForFunction(() => document.querySelector('#error').innerText !== '');
	is(await page.innerText('#error'), 'Authorization failed: access_denied', 'Deny: the app hears access_denied');
	await snap(page, 'app_denied');

	// 5. The token, listed with its app and scope, revoked: the app is refused.
	await page.goto(`${BASE}/settings/tokens`);
	const short = grant.access_token.split('_')[1];
	const row = await page.innerText(`#token-row-${short}`);
	like(row, 'Notes (test app)', 'the tokens page lists the app');
	like(row, 'alice/notes.sqlite', 'with the database it may use');
	like(row, 'read-write', 'and its level');
	await snap(page, 'tokens_with_app');
	await page.click(`#token-row-${short} button:has-text('Revoke')`);
	await page.waitForSelector('#confirm-dialog[open]');
	await page.click('#confirm-ok');
	await page.waitForFunction(() => document.body.innerText.includes('revoked successfully'));
	await page.goto(APP);
	await page.evaluate((g) => sessionStorage.setItem('grant', g), JSON.stringify(grant));
	await page.click('#run');
	await page.waitForFunction(() => document.querySelector('#error').innerText !== '');
	like(await page.innerText('#error'), 'Query failed:', "after revoking, the app's next query is refused");
	like(await page.innerText('#error'), 'revoked', 'because the token was revoked');
	await snap(page, 'app_revoked');

	// 6. An app's mistake is a page on ayb, never a redirect to the app.
	const bad = await page.goto(`${BASE}/oauth/authorize?response_type=token&redirect_uri=${encodeURIComponent(APP)}` +
		'&scope=read-write&code_challenge=x&code_challenge_method=S256&app_name=Bad');
	is(bad.status(), 400, 'a bad request: status 400');
	is(new URL(page.url()).origin, new URL(BASE).origin, 'shown on ayb');
	like(await page.innerText('#oauth-error'), 'unsupported_response_type', 'naming the error');
	await snap(page, 'error_page');

	// 7. Framing the consent page is refused.
	const framed = await page.evaluate(async (url) => {
		const f = document.createElement('iframe');
		f.src = url;
		document.body.append(f);
		await new Promise((r) => { f.onload = r; setTimeout(r, 3000); });
		try { return f.contentDocument ? f.contentDocument.body.innerHTML : 'cross-origin'; } catch (e) { return 'blocked'; }
	}, `${BASE}/oauth/authorize?x=1`);
	ok(!framed.includes('oauth'), 'the consent page cannot be framed', framed);
	await context.close();
}

run(flows);
