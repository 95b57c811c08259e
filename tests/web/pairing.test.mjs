// SPDX-License-Identifier: GPL-2.0
/*
 * web/display/pairing.js: the links cg_pairing_link() wrote (in the cases
 * file of tests/web/gen-cases.c) and the example of docs/pairing.md parse
 * back to their fields; malformed links are refused with a message that
 * never quotes the key; the challenge response is docs/transport.md's
 * test vector, read from the document.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { authVector, exampleLink, loadCases, subtle, toHex, vectorKey }
	from './common.mjs';
import { authResponse, parseLink } from '../../web/display/pairing.js';
import { importChannelKey } from '../../web/display/verifier.js';

const { links } = loadCases();

function fragment(link)
{
	return link.slice(link.indexOf('#'));
}

test('links from cg_pairing_link() parse back to their fields', () => {
	assert.ok(links.length >= 4);
	for (const l of links) {
		const p = parseLink(fragment(l.link));

		assert.equal(p.error, undefined, l.link);
		assert.equal(p.display, l.display);
		assert.equal(p.uid, l.uid);
		assert.equal(toHex(p.key), l.key);
		assert.equal(p.pin, l.pin);
	}
});

test("docs/pairing.md's example link", () => {
	const p = parseLink(fragment(exampleLink()));

	assert.equal(p.display, 'kitchen');
	assert.equal(p.uid, 1000);
	assert.equal(toHex(p.key), toHex(vectorKey()));
	assert.equal(p.pin, Array.from({ length: 32 }, (_, i) => (0xa0 + i).toString(16)).join(''));
});

test('malformed links are refused, never quoting the key', () => {
	const good = fragment(links[0].link);
	const key = good.match(/key=([^&]+)/)[1];
	const bad = [
		'', '#', '#v=2&display=a', good.replace('v=1', 'v=01'),
		good.replace('#v=1&', '#') + '&v=1',
		good.replace('&uid=1000', ''),
		good + '&extra=1',
		good.replace('display=kitchen', 'display=kit%20chen'),
		good.replace('display=kitchen', 'display=-kitchen'),
		good.replace('uid=1000', 'uid=0'),
		good.replace('uid=1000', 'uid=4294967295'),
		good.replace('uid=1000', 'uid=01000'),
		good.replace(key, key.slice(0, 42)),
		good.replace(key, key + 'A'),
		good.replace(key, key.slice(0, 42) + 'B'),	/* not canonical */
		good.replace(key, key.slice(0, 41) + '+A'),
		good.replace(/pin=[0-9a-f]+/, (m) => m.toUpperCase()),
		good.replace(/pin=[0-9a-f]+/, (m) => m.slice(0, -2)),
	];

	for (const f of bad) {
		const p = parseLink(f);

		assert.ok(p.error, `accepted: ${f}`);
		assert.ok(!p.error.includes(key.slice(0, 8)), p.error);
		assert.equal(p.key, undefined);
	}
});

test("challenge response: docs/transport.md's test vector", async () => {
	const { challenge, response } = authVector();
	const keys = await importChannelKey(subtle, vectorKey());

	assert.equal(toHex(await authResponse(subtle, keys.mac, 'kitchen',
					      challenge)), response);
	/* A malformed challenge gets no answer at all. */
	assert.equal(await authResponse(subtle, keys.mac, 'kitchen',
					challenge.subarray(0, 35)), null);
	const wrong = challenge.slice();
	wrong[3] ^= 1;
	assert.equal(await authResponse(subtle, keys.mac, 'kitchen', wrong), null);
});
