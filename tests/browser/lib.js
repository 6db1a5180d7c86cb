// What the browser tests share: TAP output, screenshots, the emailed
// confirmation tokens, and running a flow in Debian's Chromium headless
// (playwright-core) with a screenshot of every open page when it stops.
'use strict';

const { chromium } = require('playwright-core');
const fs = require('node:fs');
const path = require('node:path');

const CHROMIUM = process.env.AYB_CHROMIUM || '/usr/bin/chromium';
const SHOTS = process.env.AYB_SHOTS;
// Only loopback names resolve: nothing a test does leaves the machine.
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
	'--no-default-browser-check', '--disable-background-networking', '--disable-component-update',
	'--disable-sync', '--disable-default-apps', '--disable-domain-reliability', '--no-pings',
	'--metrics-recording-only', '--disable-features=Translate,OptimizationHints,MediaRouter',
	'--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost'];

// ---- TAP ------------------------------------------------------------------
let n = 0;
let failed = 0;
function ok(pass, name, detail) {
	n++;
	console.log(`${pass ? '' : 'not '}ok ${n} - ${name}`);
	if (!pass) {
		failed++;
		if (detail !== undefined) console.log(String(detail).split('\n').map((l) => '#   ' + l).join('\n'));
	}
	return pass;
}
function is(got, want, name) {
	return ok(got === want, name, `got:  ${JSON.stringify(got)}\nwant: ${JSON.stringify(want)}`);
}
function like(got, want, name) {
	return ok(typeof got === 'string' && got.includes(want), name,
		`got:  ${JSON.stringify(got)}\nwant substring: ${JSON.stringify(want)}`);
}

let shot = 0;
async function snap(page, name) {
	shot++;
	await page.screenshot({ path: path.join(SHOTS, `${String(shot).padStart(2, '0')}_${name}.png`), fullPage: true });
}

// The confirmation token of the newest email to address, from the file
// email backend's JSON lines (AYB_EMAILS).
function emailToken(address) {
	const lines = fs.readFileSync(process.env.AYB_EMAILS, 'utf8').trim().split('\n').reverse();
	for (const line of lines) {
		const mail = JSON.parse(line);
		if (mail.to !== address) continue;
		for (const c of mail.content) {
			const m = /^\tayb client confirm (\S+)$/.exec(c);
			if (m) return m[1];
		}
	}
	throw new Error(`no email for ${address}`);
}

// Runs flows(browser), then prints the plan and exits 0 only when every
// check passed; a flow that throws is one more failure.
function run(flows) {
	async function main() {
		fs.mkdirSync(SHOTS, { recursive: true });
		const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
		try {
			await flows(browser);
		} catch (e) {
			// Keep what every open page showed when the flow stopped.
			let i = 0;
			for (const context of browser.contexts())
				for (const page of context.pages())
					await page.screenshot({ path: path.join(SHOTS, `failure_${++i}.png`), fullPage: true }).catch(() => {});
			throw e;
		} finally {
			await browser.close();
		}
	}
	main().then(() => {
		console.log(`1..${n}`);
		process.exit(failed ? 1 : 0);
	}).catch((e) => {
		console.log(`not ok ${++n} - flow stopped: ${String(e.message || e).split('\n')[0]}`);
		console.log(String(e.stack || e).split('\n').map((l) => '#   ' + l).join('\n'));
		console.log(`1..${n}`);
		process.exit(1);
	});
}

module.exports = { ok, is, like, snap, emailToken, run };
