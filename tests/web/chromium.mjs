// SPDX-License-Identifier: GPL-2.0
/*
 * The browser display in a real browser: Debian's Chromium, headless,
 * driven over the DevTools protocol on a pipe (--remote-debugging-pipe:
 * no port, no WebSocket client, no npm package, no download). Used by
 * tests/guest/browser.sh and make demo.
 *
 *   node tests/web/chromium.mjs --link URL --seconds N [options]
 *
 *   --link URL          the pairing link to open (camguardctl pair --link)
 *   --seconds N         how long to watch the page after it loaded
 *   --map HOST=IP       resolve HOST to IP (repeatable; the owners' [web]
 *                       hosts: camguardd routes browsers by that name)
 *   --spki B64          trust the certificates with this public key
 *                       (base64 SHA-256 of the SPKI: the owner's)
 *   --frames FILE       append every frame the page draws to FILE as a
 *                       JPEG (quality 0.95), for camguard-stamp --jpeg
 *   --sample-ms MS      how often the canvas and counts are read (500)
 *   --screenshot FILE   a PNG of the page at the end
 *   --chromium PATH     the browser (default /usr/bin/chromium)
 *
 * Prints one JSON line per sample ({"t":..,"counts":{..},"status":..})
 * and a last one with "final": true, the frames saved and their size,
 * when the time is up or at SIGTERM, whichever comes first.
 * Exit status 0 when the page ran to the end, 1 when the browser failed.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function usage(msg)
{
	process.stderr.write(`chromium.mjs: ${msg}\n`);
	process.exit(2);
}

function parseArgs(argv)
{
	const o = { maps: [], sampleMs: 500, chromium: '/usr/bin/chromium' };

	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		const v = () => argv[++i] ?? usage(`${a} needs a value`);

		switch (a) {
		case '--link': o.link = v(); break;
		case '--seconds': o.seconds = Number(v()); break;
		case '--map': o.maps.push(v()); break;
		case '--spki': o.spki = v(); break;
		case '--frames': o.frames = v(); break;
		case '--sample-ms': o.sampleMs = Number(v()); break;
		case '--screenshot': o.screenshot = v(); break;
		case '--chromium': o.chromium = v(); break;
		default: usage(`unknown option ${a}`);
		}
	}
	if (!o.link || !(o.seconds > 0) || !(o.sampleMs >= 50))
		usage('--link URL and --seconds N are needed');
	for (const m of o.maps)
		if (!/^[A-Za-z0-9.-]+=[0-9a-fA-F.:]+$/.test(m))
			usage(`bad --map ${m}: HOST=IP`);
	return o;
}

/* The DevTools protocol over fds 3 (to Chromium) and 4 (from it). */
class Cdp {
	constructor(proc)
	{
		this.out = proc.stdio[3];
		this.next = 1;
		this.waiting = new Map();
		let buf = Buffer.alloc(0);

		proc.stdio[4].on('data', (chunk) => {
			buf = Buffer.concat([buf, chunk]);
			for (let end; (end = buf.indexOf(0)) >= 0;) {
				const msg = JSON.parse(buf.subarray(0, end).toString());

				buf = buf.subarray(end + 1);
				const w = this.waiting.get(msg.id);
				if (!w)
					continue;	/* an event: not used */
				this.waiting.delete(msg.id);
				if (msg.error)
					w.reject(new Error(`${w.method}: ${msg.error.message}`));
				else
					w.resolve(msg.result);
			}
		});
	}

	send(method, params = {}, sessionId = undefined)
	{
		const id = this.next++;

		this.out.write(JSON.stringify({ id, method, params, sessionId }) + '\0');
		return new Promise((resolve, reject) =>
			this.waiting.set(id, { resolve, reject, method }));
	}
}

/*
 * What the page shows, read in the page: its counters by name (the rows'
 * data-what), its status and alarm, each camera's caption, and when
 * @pixels the frames drawn since the last call, as JPEGs in base64.
 */
function readPage(pixels)
{
	/*
	 * Every frame drawn, caught as it is drawn: the page sets a camera's
	 * caption right after drawing its frame, so a MutationObserver on the
	 * captions sees each canvas with its frame, however slowly the
	 * samples come (a guest under emulation). JPEG at 0.95: small to
	 * carry, and the stamp decodes from it. At most 64 wait.
	 */
	if (pixels && !globalThis.cgFrames && document.getElementById('cameras')) {
		globalThis.cgFrames = [];
		new MutationObserver((changes) => {
			for (const ch of changes) {
				const fig = ch.target.parentElement?.closest?.('figure') ??
					    ch.target.closest?.('figure');
				if (!fig || globalThis.cgFrames.length >= 64)
					continue;
				globalThis.cgFrames.push(fig.querySelector('canvas')
					.toDataURL('image/jpeg', 0.95).split(',')[1]);
			}
		}).observe(document.getElementById('cameras'),
			   { subtree: true, childList: true, characterData: true });
	}
	const counts = {};

	if (!document.getElementById('counts-body'))
		return null;	/* not the page yet */
	for (const tr of document.querySelectorAll('#counts-body tr'))
		counts[tr.dataset.what] = Number(tr.cells[2].textContent);
	const cameras = [...document.querySelectorAll('#cameras figure')].map((fig) => {
		const canvas = fig.querySelector('canvas');
		const cam = { caption: fig.querySelector('figcaption').textContent,
			      width: canvas.width, height: canvas.height,
			      muted: !fig.querySelector('.muted').hidden };

		return cam;
	});
	const frames = globalThis.cgFrames?.splice(0) ?? [];

	return { counts, cameras, frames,
		 status: document.getElementById('status').textContent,
		 alarm: document.getElementById('alarm').hidden ? '' :
			document.getElementById('alarm-text').textContent,
		 address: location.href };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main()
{
	const o = parseArgs(process.argv.slice(2));
	const profile = mkdtempSync(join(tmpdir(), 'cg-chromium-'));
	const args = [
		'--headless', '--no-sandbox', '--disable-gpu',
		'--disable-dev-shm-usage', '--no-first-run',
		'--no-default-browser-check', '--disable-extensions',
		'--disable-background-networking', '--disable-sync',
		'--remote-debugging-pipe', `--user-data-dir=${profile}`,
		'--window-size=1024,900', 'about:blank',
	];
	if (o.maps.length)
		args.push(`--host-resolver-rules=${o.maps.map((m) =>
			`MAP ${m.replace('=', ' ')}`).join(', ')}`);
	if (o.spki)
		args.push(`--ignore-certificate-errors-spki-list=${o.spki}`);

	const proc = spawn(o.chromium, args,
			   { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
	let stderr = '';
	proc.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
	const exited = new Promise((r) => proc.on('exit', (code) => r(code)));
	const cdp = new Cdp(proc);
	let saved = 0, size = '', last = null;
	const start = Date.now();

	try {
		const { targetInfos } = await cdp.send('Target.getTargets');
		const page = targetInfos.find((t) => t.type === 'page');
		const { sessionId } = await cdp.send('Target.attachToTarget',
			{ targetId: page.targetId, flatten: true });
		const evaluate = async (fn, arg) => {
			const r = await cdp.send('Runtime.evaluate', {
				expression: `(${fn})(${JSON.stringify(arg)})`,
				returnByValue: true, awaitPromise: true,
			}, sessionId);
			if (r.exceptionDetails)
				throw new Error(r.exceptionDetails.exception?.description ??
						r.exceptionDetails.text);
			return r.result.value;
		};

		await cdp.send('Page.enable', {}, sessionId);
		await cdp.send('Page.navigate', { url: o.link }, sessionId);
		const until = Date.now() + o.seconds * 1000;
		let stop = false;

		/* SIGTERM: the same end as the time running out, sooner. */
		process.on('SIGTERM', () => { stop = true; });
		while (!stop && Date.now() < until) {
			await sleep(o.sampleMs);
			const now = await evaluate(readPage, Boolean(o.frames));
			if (!now)
				continue;
			last = now;
			for (const jpeg of now.frames) {
				appendFileSync(o.frames, Buffer.from(jpeg, 'base64'));
				saved++;
			}
			for (const cam of last.cameras)
				size = `${cam.width}x${cam.height}`;
			console.log(JSON.stringify({ t: (Date.now() - start) / 1000,
						     counts: last.counts,
						     status: last.status,
						     alarm: last.alarm,
						     cameras: last.cameras }));
		}
		if (o.screenshot) {
			const shot = await cdp.send('Page.captureScreenshot',
						    { format: 'png' }, sessionId);
			writeFileSync(o.screenshot, Buffer.from(shot.data, 'base64'));
		}
		console.log(JSON.stringify({ final: true, t: (Date.now() - start) / 1000,
					     counts: last?.counts ?? {},
					     status: last?.status ?? '',
					     alarm: last?.alarm ?? '',
					     address: last?.address ?? '',
					     frames_saved: saved, size }));
		await cdp.send('Browser.close').catch(() => {});
	} catch (e) {
		process.stderr.write(`chromium.mjs: ${e.message}\n${stderr}\n`);
		proc.kill('SIGKILL');
		process.exitCode = 1;
	}
	await Promise.race([exited, sleep(10000)]);
	proc.kill('SIGKILL');
	rmSync(profile, { recursive: true, force: true });
}

main();
