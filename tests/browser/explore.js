// Explore in Chromium (README "Explore"), as a reader with no account:
// started by explore.sh with a public database alice/birds.sqlite (and a
// private one that must never show).  Without JavaScript: find it at
// /explore, open it, see its schema, open a table, filter and sort it,
// download the view; at phone width: the same pages fit the screen.  A
// full-page screenshot of every page goes to AYB_SHOTS.
'use strict';

const { ok, is, like, snap, run } = require('./lib.js');

const BASE = process.env.AYB_BASE;

async function rows(page) {
	return page.$$eval('table.browse tbody tr', (trs) => trs.map((tr) =>
		Array.from(tr.cells).map((td) => (td.classList.contains('null') ? null : td.textContent))));
}

async function flows(browser) {
	const nojs = await browser.newContext({ javaScriptEnabled: false, acceptDownloads: true,
		viewport: { width: 1280, height: 800 } });
	const page = await nojs.newPage();

	await page.goto(`${BASE}/`);
	await page.click('a.nav-link[href="/explore"]');
	is(new URL(page.url()).pathname, '/explore', 'the top bar links to Explore');
	await snap(page, 'explore');
	const listed = await page.$$eval('.explore-list a', (as) => as.map((a) => a.textContent));
	is(JSON.stringify(listed), '["alice/birds.sqlite"]', 'only the public database is listed');

	await page.fill('#q', 'COUNTY');
	await Promise.all([page.waitForNavigation(), page.click('.search-form button')]);
	like(page.url(), '/explore?q=COUNTY', 'the search is a plain GET form');
	like(await page.textContent('.explore-list'), 'Bird sightings of 2024, by county',
		'a match on the description, shown with it');
	await snap(page, 'explore_search');

	await Promise.all([page.waitForNavigation(), page.click('.explore-list a')]);
	is(new URL(page.url()).pathname, '/alice/birds.sqlite', 'the database page');
	like(await page.textContent('.schema-sidebar'), 'Bird sightings of 2024, by county',
		'the description beside the schema');
	like(await page.textContent('.schema-sidebar'), '5 rows', 'the table with its row count');
	await snap(page, 'database_schema');

	await Promise.all([page.waitForNavigation(), page.click('.schema-sidebar a[href$="/table/sightings"]')]);
	is(new URL(page.url()).pathname, '/alice/birds.sqlite/table/sightings', 'the table page');
	const all = await rows(page);
	is(all.length, 5, 'every row shown');
	is(all[1][2], null, 'NULL shown distinctly');
	is(all[3][4], '<b>not bold</b>', 'markup in a cell is text');
	ok(await page.$('details.cell') !== null, 'a long cell is cut, with its rest behind a details');
	await page.click('details.cell summary');
	like(await page.textContent('details.cell'), 'w'.repeat(400), 'the whole value on demand');
	await snap(page, 'table');

	await page.selectOption('.filter-row select[name="_fc"]', 'species');
	await page.selectOption('.filter-row select[name="_fo"]', 'exact');
	await page.fill('.filter-row input[name="_fv"]', 'heron');
	await Promise.all([page.waitForNavigation(), page.click('.filters button')]);
	is(JSON.stringify((await rows(page)).map((r) => r[0])), '["1","4"]', 'filtered by the form');
	await Promise.all([page.waitForNavigation(), page.click('th a:text-is("n")')]);
	is(JSON.stringify((await rows(page)).map((r) => r[0])), '["4","1"]', 'sorted by a header link, the filter kept');
	await snap(page, 'table_filtered');

	const [dl] = await Promise.all([page.waitForEvent('download'), page.click('a:text-is("Download CSV")')]);
	const csv = require('node:fs').readFileSync(await dl.path(), 'utf8').replace(/\r/g, '');
	is(csv, 'id,species,county,n,notes\n4,heron,Essex,2,<b>not bold</b>\n1,heron,Kent,3,"grey, by the river"\n',
		'the download holds exactly the filtered, sorted rows');

	await page.goto(`${BASE}/alice/birds.sqlite/table/sightings?species=${encodeURIComponent("x' OR 1=1")}`);
	is((await rows(page)).length, 0, 'a hostile filter value stays data');
	await page.goto(`${BASE}/alice/hidden.sqlite/table/t`);
	like(await page.textContent('main'), 'not found', 'a private database stays hidden');
	await nojs.close();

	const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
	const pp = await phone.newPage();
	for (const [path, name] of [['/explore', 'phone_explore'], ['/alice/birds.sqlite', 'phone_database'],
		['/alice/birds.sqlite/table/sightings', 'phone_table']]) {
		await pp.goto(`${BASE}${path}`);
		const w = await pp.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
		ok(w <= 1, `${path} fits a phone's width`, `overflow: ${w}px`);
		await snap(pp, name);
	}
	await phone.close();
}

run(flows);
