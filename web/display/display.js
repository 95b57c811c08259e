// SPDX-License-Identifier: MIT
/*
 * The browser display (docs/web-display.md): pairing from the link's
 * fragment, the WebSocket connection (challenge, response, then the
 * record byte stream), every record through verifier.js, accepted frames
 * drawn on a canvas per camera, every refusal counted and shown at once.
 *
 * The rule this file keeps: only a frame the verifier accepted reaches
 * createImageBitmap and a canvas. Key material is never logged, shown or
 * stored outside non-extractable CryptoKeys.
 */
import { authResponse, parseLink } from './pairing.js';
import { FATAL, RecordReader, STATUS_TEXT, Verifier, importChannelKey }
	from './verifier.js';

const WS_PATH = '/camguard/v1/display/';	/* + the display's name */
const WS_PROTOCOL = 'camguard.v1';
const CHALLENGE_TIMEOUT_MS = 10000;	/* open + challenge, as camguard-view */
const BACKOFF_MIN_MS = 1000;
const BACKOFF_MAX_MS = 30000;
const RESTART_NOTICE_MS = 5000;
/*
 * Records waiting for the verifier. A page that cannot keep up drops
 * whole records unverified (counted, never shown) rather than queue
 * without bound; a gap in sequence numbers is fine for the order rules.
 */
const MAX_PENDING_CHECKS = 8;

/* What the page counts beyond the verifier's reasons. */
const PAGE_TEXT = {
	received: 'records received',
	accepted: 'accepted and shown',
	auth_failed: 'connection closed before any record (wrong key, or revoked?)',
	protocol_error: 'connection broke the WebSocket protocol (text, early data, bad challenge)',
	bad_jpeg: 'accepted, but not a decodable JPEG (not shown)',
	dropped: 'dropped unverified: the page could not keep up',
};

const $ = (id) => document.getElementById(id);
const subtle = globalThis.crypto?.subtle;

/* ---- The pairing, kept in IndexedDB as non-extractable CryptoKeys ---- */

const DB_NAME = 'camguard';
const DB_STORE = 'pairing';
const DB_ID = 'current';

function openDb()
{
	return new Promise((resolve, reject) => {
		const req = indexedDB.open(DB_NAME, 1);

		req.onupgradeneeded = () => req.result.createObjectStore(DB_STORE);
		req.onsuccess = () => resolve(req.result);
		req.onerror = () => reject(req.error);
	});
}

async function dbDo(mode, op)
{
	const db = await openDb();

	try {
		return await new Promise((resolve, reject) => {
			const tx = db.transaction(DB_STORE, mode);
			const req = op(tx.objectStore(DB_STORE));

			tx.oncomplete = () => resolve(req.result);
			tx.onerror = tx.onabort = () => reject(tx.error);
		});
	} finally {
		db.close();
	}
}

const loadPairing = () => dbDo('readonly', (s) => s.get(DB_ID));
const savePairing = (p) => dbDo('readwrite', (s) => s.put(p, DB_ID));
const forgetPairing = () => dbDo('readwrite', (s) => s.delete(DB_ID));

/*
 * A pairing link opened: the fragment leaves the address bar and the
 * history before anything else, then the key goes into WebCrypto and
 * the raw bytes are overwritten. Returns the pairing, { error }, or null
 * without a fragment.
 */
async function pairFromFragment()
{
	const fragment = location.hash;

	if (!fragment || fragment === '#')
		return null;
	history.replaceState(null, '', location.pathname + location.search);
	const link = parseLink(fragment);
	if (link.error)
		return { error: link.error };
	const keys = await importChannelKey(subtle, link.key);
	link.key.fill(0);
	const pairing = { version: 1, display: link.display, uid: link.uid,
			  pin: link.pin, hkdf: keys.hkdf, mac: keys.mac };
	await savePairing(pairing);
	return pairing;
}

/* ---- Counts: per second and in total ---- */

class Counts {
	constructor()
	{
		this.total = new Map();
		this.current = new Map();
		this.lastSecond = new Map();
	}

	add(what)
	{
		for (const m of [this.total, this.current])
			m.set(what, (m.get(what) ?? 0) + 1);
	}

	tick()
	{
		this.lastSecond = this.current;
		this.current = new Map();
	}
}

const counts = new Counts();
let refusedTotal = 0;

function describe(what)
{
	return STATUS_TEXT[what] ?? PAGE_TEXT[what] ?? what;
}

function renderCounts()
{
	const rows = ['received', 'accepted',
		      ...[...counts.total.keys()].filter((k) =>
			      k !== 'received' && k !== 'accepted').sort()];
	const body = $('counts-body');

	body.replaceChildren(...rows.map((what) => {
		const tr = document.createElement('tr');
		const name = document.createElement('td');
		const last = document.createElement('td');
		const total = document.createElement('td');

		tr.dataset.what = what;	/* the counter's name, for tests */
		if (STATUS_TEXT[what] || what === 'bad_jpeg')
			tr.className = 'refusal';
		name.textContent = what === 'received' || what === 'accepted' ?
				   describe(what) : `${what}: ${describe(what)}`;
		last.textContent = counts.lastSecond.get(what) ?? 0;
		total.textContent = counts.total.get(what) ?? 0;
		last.className = total.className = 'n';
		tr.append(name, last, total);
		return tr;
	}));
}

function setStatus(text)
{
	$('status').textContent = text;
}

/* A record refused (or a framing error): counted and shown, at once. */
function refuse(reason)
{
	counts.add(reason);
	refusedTotal++;
	$('alarm-text').textContent =
		`${refusedTotal} refused since this page opened; the last: ` +
		`${reason} (${describe(reason)}) at ` +
		`${new Date().toLocaleTimeString()}.`;
	$('alarm').hidden = false;
	document.body.classList.add('refused');
	renderCounts();
}

/* ---- Cameras: a canvas each, the newest accepted frame drawn ---- */

const cameras = new Map();
let drawScheduled = false;
let frameOrder = 0;

function cameraView(camera)
{
	let view = cameras.get(camera);

	if (view)
		return view;
	const fig = $('camera-template').content.firstElementChild.cloneNode(true);
	view = {
		fig,
		canvas: fig.querySelector('canvas'),
		muted: fig.querySelector('.muted'),
		restarted: fig.querySelector('.restarted'),
		caption: fig.querySelector('figcaption'),
		pending: null,		/* { bitmap, frame, order } */
		drawn: -1,		/* order of the frame on the canvas */
		restartTimer: 0,
	};
	view.canvas.setAttribute('aria-label', `camera ${camera}`);
	$('cameras').append(fig);
	cameras.set(camera, view);
	return view;
}

function drawPending()
{
	drawScheduled = false;
	for (const view of cameras.values()) {
		const p = view.pending;

		if (!p)
			continue;
		view.pending = null;
		const { bitmap, frame } = p;
		if (view.canvas.width !== bitmap.width ||
		    view.canvas.height !== bitmap.height) {
			view.canvas.width = bitmap.width;
			view.canvas.height = bitmap.height;
		}
		view.canvas.getContext('2d').drawImage(bitmap, 0, 0);
		bitmap.close();
		view.drawn = p.order;
		view.muted.hidden = !frame.muted;
		const when = new Date(Number(frame.captureNs / 1000000n));
		view.caption.textContent =
			`${pairing.display} · camera ${frame.camera} · ` +
			`stream ${frame.streamId} · frame ${frame.sequence} · ` +
			`captured ${when.toLocaleTimeString()}` +
			(frame.muted ? ' · muted' : '');
	}
}

/*
 * An accepted frame. Decoding is asynchronous and may finish out of
 * order: a frame older than the one drawn or pending is dropped, so the
 * canvas never steps back. Frames are drawn as they come, at most one
 * per camera per screen refresh: the camera's rate, or the screen's.
 */
async function showFrame(frame)
{
	const order = frameOrder++;
	const view = cameraView(frame.camera);
	let bitmap;

	if (frame.newStream && frame.previousStream) {
		view.restarted.textContent =
			`↻ Camera restarted (stream ${frame.previousStream} → ${frame.streamId}).`;
		view.restarted.hidden = false;
		clearTimeout(view.restartTimer);
		view.restartTimer = setTimeout(() => {
			view.restarted.hidden = true;
		}, RESTART_NOTICE_MS);
	}
	try {
		bitmap = await createImageBitmap(new Blob([frame.jpeg],
							  { type: 'image/jpeg' }));
	} catch {
		refuse('bad_jpeg');
		return;
	}
	if (order < view.drawn || (view.pending && order < view.pending.order)) {
		bitmap.close();
		return;
	}
	view.pending?.bitmap.close();
	view.pending = { bitmap, frame, order };
	if (!drawScheduled) {
		drawScheduled = true;
		requestAnimationFrame(drawPending);
	}
}

/* ---- The connection ---- */

let pairing = null;
let verifier = null;
const reader = new RecordReader();
let attempt = 0;
let pendingChecks = 0;

function nowNs()
{
	return BigInt(Date.now()) * 1000000n;
}

/* Whole records to the verifier, in order; accepted ones to the canvas. */
function feed(ws, conn, bytes)
{
	if (reader.error)	/* broken and counted: closing already */
		return;
	const { records, error } = reader.push(bytes);

	for (const rec of records) {
		counts.add('received');
		if (pendingChecks >= MAX_PENDING_CHECKS) {
			counts.add('dropped');
			continue;
		}
		pendingChecks++;
		verifier.check(rec, nowNs()).then((r) => {
			pendingChecks--;
			if (r.status !== 'ok') {
				refuse(r.status);
				return;
			}
			counts.add('accepted');
			conn.accepted = true;
			attempt = 0;
			showFrame(r.frame);
		});
	}
	if (error) {
		/* The framing is lost: count it and start over. */
		verifier.count(error);
		refuse(error);
		ws.close(4000, 'record stream broken');
	}
}

function reconnectLater(why)
{
	const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** attempt);
	const delay = Math.round(base * (0.8 + 0.4 * Math.random()));

	attempt = Math.min(attempt + 1, 16);
	setStatus(`${why}; connecting again in ${Math.ceil(delay / 1000)} s`);
	setTimeout(connect, delay);
}

function connect()
{
	const url = `wss://${location.host}${WS_PATH}${encodeURIComponent(pairing.display)}`;
	/* phase: challenge, answering, records */
	const conn = { phase: 'challenge', gotBytes: false, accepted: false };
	let ws;

	reader.reset();
	setStatus(`connecting to ${url}`);
	try {
		ws = new WebSocket(url, WS_PROTOCOL);
	} catch {
		reconnectLater('cannot open the WebSocket');
		return;
	}
	ws.binaryType = 'arraybuffer';
	const timer = setTimeout(() => ws.close(4001, 'no challenge'),
				 CHALLENGE_TIMEOUT_MS);

	ws.onopen = () => setStatus('connected: waiting for the challenge');
	ws.onmessage = async (ev) => {
		if (typeof ev.data === 'string' || conn.phase === 'answering') {
			counts.add('protocol_error');
			ws.close(4002, 'protocol error');
			return;
		}
		if (conn.phase === 'records') {
			conn.gotBytes = true;
			feed(ws, conn, new Uint8Array(ev.data));
			return;
		}
		conn.phase = 'answering';
		clearTimeout(timer);
		const answer = await authResponse(subtle, pairing.mac,
						  pairing.display, ev.data);
		if (!answer) {
			counts.add('protocol_error');
			ws.close(4002, 'bad challenge');
			return;
		}
		conn.phase = 'records';
		ws.send(answer);
		setStatus(`receiving records for display ${pairing.display}`);
	};
	ws.onclose = () => {
		clearTimeout(timer);
		const end = conn.phase === 'records' ? reader.finish() : null;
		if (end) {
			verifier.count(end);
			refuse(end);
		}
		if (conn.phase === 'records' && !conn.gotBytes)
			counts.add('auth_failed');
		renderCounts();
		reconnectLater(conn.phase === 'records' && !conn.gotBytes ?
			       'closed before any record (wrong key, or revoked?)' :
			       'disconnected');
	};
	/* An error is always followed by close, which does the rest. */
	ws.onerror = () => {};
}

/* ---- Start ---- */

function showPairing()
{
	$('display-name').textContent = pairing.display;
	$('pairing-text').textContent =
		`paired as display ${pairing.display} of uid ${pairing.uid}; ` +
		'frames of any other owner are refused.';
	$('pin').textContent = pairing.pin.match(/../g).join(':').toUpperCase();
	$('pin-line').hidden = false;
	$('unpair').hidden = false;
}

async function main()
{
	if (!subtle) {
		setStatus('this page needs WebCrypto: open it over https');
		return;
	}
	const fresh = await pairFromFragment();
	if (fresh?.error) {
		setStatus(`pairing link refused: ${fresh.error}`);
		return;
	}
	pairing = fresh ?? await loadPairing();
	if (!pairing) {
		setStatus('not paired');
		return;
	}
	showPairing();
	$('unpair').onclick = async () => {
		await forgetPairing();
		location.reload();
	};
	/*
	 * One verifier for the life of the page: its order state outlives
	 * reconnections, so a relay cannot serve an old frame to a display
	 * that reconnects.
	 */
	verifier = await Verifier.create(subtle, pairing, {
		checkOwner: true,
		ownerUid: pairing.uid,
	});
	setInterval(() => {
		counts.tick();
		renderCounts();
	}, 1000);
	renderCounts();
	connect();
}

main().catch((e) => setStatus(`error: ${e?.name ?? 'unknown'}`));
