// SPDX-License-Identifier: GPL-2.0
/*
 * web/display/display.js, the page, run under Node with just enough of a
 * browser faked around it (DOM elements, location and history,
 * IndexedDB, WebSocket, createImageBitmap, requestAnimationFrame): not a
 * browser test, but the page's own flow, end to end:
 *
 *   pairing link opened ── fragment removed, keys stored non-extractable
 *   WebSocket to wss://HOST/camguard/v1/display/NAME, subprotocol camguard.v1
 *   challenge ── CGAU answer (docs/transport.md's vector)
 *   the record of docs/record-format.md in two messages ── drawn once
 *   the same record again (replay), a forged one (bad_seal) ── refused,
 *       red banner, nothing more decoded or drawn
 *   garbage (bad_magic) ── counted, closed 4000, reconnects
 *   the record again on the new connection ── still a replay
 *   a burst of 12 ── 8 verified (replays), 4 dropped unverified
 *
 * The page's real timers run (unref'd, so the test process can end).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { authVector, exampleLink, recordVector, toHex } from './common.mjs';

/* The three documents' vectors share the key: bytes 0 to 31. */
const record = recordVector();
const { challenge, response } = authVector();
const link = exampleLink();
const linkKey = link.match(/key=([^&]+)/)[1];

/* ---- The fake browser ---- */

class El {
	constructor(parts = {})
	{
		this.textContent = '';
		this.hidden = false;
		this.className = '';
		this.dataset = {};
		this.children = [];
		this.parts = parts;
		this.draws = [];
		this.width = 0;
		this.height = 0;
		const classes = new Set();
		this.classList = {
			add: (c) => classes.add(c),
			remove: (c) => classes.delete(c),
			contains: (c) => classes.has(c),
		};
	}

	append(...c) { this.children.push(...c); }
	replaceChildren(...c) { this.children = c; }
	setAttribute(k, v) { this[k] = v; }
	querySelector(sel) { return this.parts[sel]; }
	getContext() { return { drawImage: (b) => this.draws.push(b) }; }
}

function cameraFigure()
{
	const muted = new El();
	const restarted = new El();

	muted.hidden = restarted.hidden = true;
	return new El({ canvas: new El(), '.muted': muted,
			'.restarted': restarted, figcaption: new El() });
}

const elements = new Map();
const template = { content: { firstElementChild: { cloneNode: cameraFigure } } };
globalThis.document = {
	body: new El(),
	createElement: () => new El(),
	getElementById(id)
	{
		if (id === 'camera-template')
			return template;
		if (!elements.has(id)) {
			const el = new El();
			el.hidden = ['alarm', 'pin-line', 'unpair'].includes(id);
			elements.set(id, el);
		}
		return elements.get(id);
	},
};
const $ = (id) => document.getElementById(id);

const replaced = [];
globalThis.location = {
	hash: link.slice(link.indexOf('#')), pathname: '/', search: '',
	host: 'board.example:8443', reload() {},
};
globalThis.history = {
	replaceState(state, title, url)
	{
		replaced.push(url);
		location.hash = '';
	},
};

const stored = new Map();
const db = {
	createObjectStore() {},
	close() {},
	transaction()
	{
		const tx = {};
		const op = (fn) => {
			const req = {};
			setImmediate(() => {
				req.result = fn();
				tx.oncomplete?.();
			});
			return req;
		};
		tx.objectStore = () => ({
			get: (k) => op(() => stored.get(k)),
			put: (v, k) => op(() => { stored.set(k, v); }),
			delete: (k) => op(() => { stored.delete(k); }),
		});
		return tx;
	},
};
globalThis.indexedDB = {
	open()
	{
		const req = {};
		setImmediate(() => {
			req.result = db;
			req.onupgradeneeded?.();
			req.onsuccess();
		});
		return req;
	},
};

const sockets = [];
class FakeWebSocket {
	constructor(url, protocol)
	{
		this.url = url;
		this.protocolAsked = protocol;
		this.sent = [];
		this.closed = null;
		sockets.push(this);
		setImmediate(() => this.onopen?.());
	}

	send(data) { this.sent.push(new Uint8Array(data)); }

	close(code, reason)
	{
		if (this.closed)
			return;
		this.closed = { code, reason };
		setImmediate(() => this.onclose?.({ code }));
	}

	/* The server's side. */
	deliver(bytes)
	{
		if (!this.closed)
			this.onmessage({ data: bytes.slice().buffer });
	}
}
globalThis.WebSocket = FakeWebSocket;

const decoded = [];
globalThis.createImageBitmap = async (blob) => {
	const bytes = new Uint8Array(await blob.arrayBuffer());

	decoded.push(bytes);
	return { width: 4, height: 2, close() {} };
};
globalThis.requestAnimationFrame = (fn) => setImmediate(fn);

/* The page's timers, unref'd: the reconnection runs, the process ends. */
const realSetTimeout = globalThis.setTimeout;
const realSetInterval = globalThis.setInterval;
globalThis.setTimeout = (fn, ms) => realSetTimeout(fn, ms).unref();
globalThis.setInterval = (fn, ms) => realSetInterval(fn, ms).unref();

/* Until @cond() holds, at most @ms. */
async function until(cond, ms = 3000)
{
	const end = Date.now() + ms;

	while (!cond()) {
		if (Date.now() > end)
			throw new Error(`timed out waiting for ${cond}`);
		await new Promise((r) => realSetTimeout(r, 5));
	}
}

function countsTable()
{
	return Object.fromEntries($('counts-body').children.map((tr) =>
		[tr.children[0].textContent.split(':')[0], Number(tr.children[2].textContent)]));
}

/* ---- The page ---- */

test('the page: pairing, challenge, records, refusals, reconnection', async () => {
	await import('../../web/display/display.js');
	await until(() => sockets.length === 1);

	/* The link: gone from the address bar, keys stored non-extractable. */
	assert.deepEqual(replaced, ['/']);
	assert.equal(location.hash, '');
	const p = stored.get('current');
	assert.deepEqual(Object.keys(p).sort(), ['display', 'hkdf', 'mac', 'pin', 'uid', 'version']);
	assert.equal(p.display, 'kitchen');
	assert.equal(p.uid, 1000);
	assert.equal(p.hkdf.extractable, false);
	assert.equal(p.mac.extractable, false);
	assert.ok(!$('status').textContent.includes(linkKey.slice(0, 8)));

	/* The connection and the challenge. */
	const ws = sockets[0];
	assert.equal(ws.url, 'wss://board.example:8443/camguard/v1/display/kitchen');
	assert.equal(ws.protocolAsked, 'camguard.v1');
	ws.deliver(challenge);
	await until(() => ws.sent.length === 1);
	assert.equal(toHex(ws.sent[0]), response);

	/* A record in two messages: accepted, decoded and drawn once. */
	ws.deliver(record.subarray(0, 100));
	ws.deliver(record.subarray(100));
	await until(() => $('cameras').children.length === 1 &&
		    $('cameras').children[0].parts.canvas.draws.length === 1);
	assert.deepEqual(decoded.map(toHex), ['ffd8ffd9']);
	assert.equal($('alarm').hidden, true);
	const fig = $('cameras').children[0];
	assert.match(fig.parts.figcaption.textContent, /kitchen · camera 2 · stream 73588229205 · frame 42/);
	assert.equal(fig.parts['.muted'].hidden, true);

	/* A replay and a forgery: refused, the banner up, nothing decoded. */
	ws.deliver(record);
	const forged = record.slice();
	forged[44] ^= 1;		/* send time: the seal fails */
	ws.deliver(forged);
	await until(() => !$('alarm').hidden && /bad_seal/.test($('alarm-text').textContent));
	assert.match($('alarm-text').textContent, /^2 refused/);
	assert.equal(document.body.classList.contains('refused'), true);
	assert.equal(decoded.length, 1);

	/* Garbage: the stream is broken, counted, closed, and reconnected. */
	ws.deliver(new TextEncoder().encode('HTTP/1.1 200 OK\r\n'));
	await until(() => ws.closed);
	assert.equal(ws.closed.code, 4000);
	await until(() => sockets.length === 2, 5000);
	const ws2 = sockets[1];
	ws2.deliver(challenge);
	await until(() => ws2.sent.length === 1);
	/* The same record on the new connection: the order state remains. */
	ws2.deliver(record);
	await until(() => /^4 refused.*replay/.test($('alarm-text').textContent));
	assert.equal(decoded.length, 1);
	assert.equal(fig.parts.canvas.draws.length, 1);

	/*
	 * A burst faster than the page can verify: 8 records wait for the
	 * verifier (all replays here), the rest are dropped unverified.
	 */
	const burst = new Uint8Array(12 * record.length);
	for (let i = 0; i < 12; i++)
		burst.set(record, i * record.length);
	ws2.deliver(burst);
	await until(() => /^12 refused/.test($('alarm-text').textContent));
	assert.equal(decoded.length, 1);

	/* Text on the socket is a protocol error, not a crash. */
	ws2.onmessage({ data: 'hello' });
	await until(() => ws2.closed);
	assert.equal(ws2.closed.code, 4002);

	/* The table, redrawn at the close and every second. */
	await until(() => countsTable().protocol_error === 1, 2500);
	const t = countsTable();
	assert.equal(t['records received'], 16);
	assert.equal(t['accepted and shown'], 1);
	assert.equal(t.replay, 10);
	assert.equal(t.dropped, 4);
	assert.equal(t.bad_seal, 1);
	assert.equal(t.bad_magic, 1);
});
