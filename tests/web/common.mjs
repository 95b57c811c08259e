// SPDX-License-Identifier: GPL-2.0
/*
 * What the web tests share: the repository's top, WebCrypto (global from
 * Node 19, an import in Node 18: Debian 12's), hex, the cases file that
 * tests/web/gen-cases.c wrote, and the test vectors read from the
 * documents themselves, so a document that drifts fails the tests.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const top = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/* The page takes crypto from the global object, as in a browser. */
globalThis.crypto ??= (await import('node:crypto')).webcrypto;
export const subtle = globalThis.crypto.subtle;

export const fromHex = (h) =>
	Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
export const toHex = (a) => Buffer.from(a).toString('hex');

/* build/tests/web/cases.json, or CG_WEB_CASES. */
export function loadCases()
{
	const path = process.env.CG_WEB_CASES ??
		join(top, 'build', 'tests', 'web', 'cases.json');

	return JSON.parse(readFileSync(path, 'utf8'));
}

const doc = (name) => readFileSync(join(top, 'docs', name), 'utf8');

/* docs/record-format.md: the 276-byte record (channel key bytes 0..31). */
export function recordVector()
{
	return fromHex(doc('record-format.md')
		.split('The whole record, 276 bytes:')[1]
		.split('```')[1].replace(/\s+/g, ''));
}

/* docs/transport.md: the challenge and the response, for display kitchen. */
export function authVector()
{
	const text = doc('transport.md');

	return {
		challenge: fromHex(text.match(/^challenge ([0-9a-f]+)$/m)[1]),
		response: text.match(/^response  ([0-9a-f]+)$/m)[1],
	};
}

/* docs/pairing.md: the example link (key bytes 0..31, pin a0..bf). */
export function exampleLink()
{
	return doc('pairing.md')
		.match(/^ {4}(https:\/\/board\.example:8443\/#v=1&\S+)$/m)[1];
}

/* The channel key of all three vectors: bytes 0 to 31. */
export const vectorKey = () => Uint8Array.from({ length: 32 }, (_, i) => i);
