// SPDX-License-Identifier: MIT
/*
 * The browser display's pairing: the link's fragment (docs/pairing.md,
 * "The link") and the connection's challenge response
 * (docs/transport.md, sections 3-4; docs/web-display.md for the
 * WebSocket messages). Pure functions, no DOM, tested under Node by
 * tests/web/.
 */

export const LINK_VERSION = 1;
const FIELDS = ['v', 'display', 'uid', 'key', 'pin'];
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,30}$/;
const KEY_RE = /^[A-Za-z0-9_-]{43}$/;
const PIN_RE = /^[0-9a-f]{64}$/;

function base64urlDecode(s)
{
	const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '=';
	const bin = atob(b64);

	return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/*
 * The fragment (with or without its '#') to { display, uid, key (32
 * bytes), pin (hex) }, or { error } saying what is wrong, never quoting
 * the key.
 */
export function parseLink(fragment)
{
	const text = fragment.startsWith('#') ? fragment.slice(1) : fragment;
	const parts = text.split('&').map((p) => {
		const i = p.indexOf('=');
		return i < 0 ? [p, null] : [p.slice(0, i), p.slice(i + 1)];
	});

	if (parts[0][0] !== 'v')
		return { error: 'not a camguard pairing link (no version first)' };
	if (parts[0][1] !== String(LINK_VERSION))
		return { error: `pairing link version ${String(parts[0][1]).slice(0, 8)}: this page reads version ${LINK_VERSION}` };
	if (parts.length !== FIELDS.length ||
	    parts.some(([k], i) => k !== FIELDS[i]))
		return { error: `pairing link fields must be ${FIELDS.join(', ')}, in that order` };
	const f = Object.fromEntries(parts);
	if (!NAME_RE.test(f.display))
		return { error: 'bad display name in the pairing link' };
	const uid = /^[1-9][0-9]{0,9}$/.test(f.uid) ? Number(f.uid) : 0;
	if (!uid || uid > 4294967294)
		return { error: 'bad uid in the pairing link' };
	if (!KEY_RE.test(f.key))
		return { error: 'bad key in the pairing link (expected 43 base64url characters)' };
	const key = base64urlDecode(f.key);
	/* 43 characters carry 258 bits: the last 2 must be 0 (canonical). */
	if (key.length !== 32 || 'AEIMQUYcgkosw048'.indexOf(f.key[42]) < 0)
		return { error: 'bad key in the pairing link (not 32 bytes)' };
	if (!PIN_RE.test(f.pin))
		return { error: 'bad pin in the pairing link (expected 64 lowercase hex digits)' };
	return { display: f.display, uid, key, pin: f.pin };
}

export const CHALLENGE_MAGIC = 'CGCH';
export const RESPONSE_MAGIC = 'CGAU';
export const CHALLENGE_LEN = 36;
const AUTH_LABEL = 'camguard display auth v1\0';

/*
 * The answer to a challenge message (36 bytes, "CGCH" + 32 random): 36
 * bytes "CGAU" + HMAC-SHA256(channel key, label NUL name random), or
 * null if the challenge is malformed. macKey: importChannelKey()'s mac.
 */
export async function authResponse(subtle, macKey, display, challenge)
{
	const c = new Uint8Array(challenge);
	const enc = new TextEncoder();

	if (c.length !== CHALLENGE_LEN ||
	    new TextDecoder().decode(c.subarray(0, 4)) !== CHALLENGE_MAGIC)
		return null;
	const label = enc.encode(AUTH_LABEL);
	const name = enc.encode(display);
	const msg = new Uint8Array(label.length + name.length + 32);
	msg.set(label);
	msg.set(name, label.length);
	msg.set(c.subarray(4), label.length + name.length);
	const mac = new Uint8Array(await subtle.sign('HMAC', macKey, msg));
	const out = new Uint8Array(4 + mac.length);
	out.set(enc.encode(RESPONSE_MAGIC));
	out.set(mac, 4);
	return out;
}
