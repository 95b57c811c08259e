// SPDX-License-Identifier: GPL-2.0
/*
 * web/display/verifier.js against the C reference: every case that
 * tests/web/gen-cases.c wrote (with the verdicts of user/lib/verifier.c)
 * is run through the JavaScript reader and verifier, fed in several chunk
 * sizes, and must give the same verdicts, the same decrypted bytes and
 * the same counters. Then the test vector of docs/record-format.md, read
 * from the document itself. Node >= 18 (WebCrypto), no npm package.
 *
 *   node --test tests/web/      (make web-check writes the cases first)
 *   CG_WEB_CASES=path/cases.json overrides build/tests/web/cases.json
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { fromHex, loadCases, recordVector, subtle, toHex, vectorKey }
	from './common.mjs';
import { FATAL, RecordReader, STATUS_NAMES, STATUS_TEXT, Verifier,
	 importChannelKey }
	from '../../web/display/verifier.js';

const { cases, statuses } = loadCases();

async function newVerifier(keyHex, cfg)
{
	const keys = await importChannelKey(subtle, fromHex(keyHex));

	return Verifier.create(subtle, keys, {
		channelId: cfg.channelId,
		checkOwner: cfg.checkOwner,
		ownerUid: cfg.ownerUid,
		maxAgeNs: BigInt(cfg.maxAgeNs),
	});
}

/*
 * What a display does with its connections (display.js does the same):
 * frame, verify in order, count a framing error and stop reading that
 * connection, count a truncation at its end; the verifier outlives them.
 */
async function runDisplay(c, chunk)
{
	const v = await newVerifier(c.key, c.config);
	const reader = new RecordReader(c.config.maxPayload);
	const now = BigInt(c.config.nowNs);
	const verdicts = [];

	for (const [conn, hex] of c.connections.entries()) {
		const bytes = fromHex(hex);

		reader.reset();
		for (let off = 0; off < bytes.length; off += chunk) {
			const { records, error } =
				reader.push(bytes.subarray(off, off + chunk));

			for (const rec of records) {
				const r = await v.check(rec, now);
				const out = { conn, status: r.status };

				if (r.status === 'ok') {
					const f = r.frame;
					Object.assign(out, {
						camera: f.camera,
						streamId: String(f.streamId),
						sequence: f.sequence,
						newStream: f.newStream,
						previousStream: String(f.previousStream),
						skipped: f.skipped,
						muted: f.muted,
						jpeg: toHex(f.jpeg),
					});
				}
				verdicts.push(out);
			}
			if (error) {
				assert.ok(FATAL.has(error), error);
				v.count(error);
				verdicts.push({ conn, status: error });
				break;
			}
		}
		const end = reader.finish();
		if (end) {
			v.count(end);
			verdicts.push({ conn, status: end });
		}
	}
	return { verdicts, stats: v.stats };
}

let nChecks = 0;

for (const c of cases) {
	test(`case ${c.name}: same verdicts and counters as verifier.c`,
	     async () => {
		for (const chunk of [1 << 30, 1, 7, 100]) {
			const got = await runDisplay(c, chunk);

			assert.deepEqual(got.verdicts, c.verdicts,
					 `${c.name}, chunks of ${chunk}`);
			assert.deepEqual(got.stats, c.stats,
					 `${c.name}, chunks of ${chunk}`);
			nChecks += c.verdicts.length + 1;
		}
	});
}

test('status names, texts and fatality are record.c\'s', () => {
	assert.deepEqual(STATUS_NAMES, statuses.map((s) => s.name));
	for (const s of statuses) {
		assert.equal(STATUS_TEXT[s.name], s.text);
		assert.equal(FATAL.has(s.name), s.fatal, s.name);
	}
	assert.equal(Object.keys(STATUS_TEXT).length, statuses.length);
});

test('the cases cover every refusal and framing error', () => {
	const seen = new Set(cases.flatMap((c) => c.verdicts.map((v) => v.status)));
	/* Not made by a test: no_memory (C only), need_more (not a verdict). */
	const want = STATUS_NAMES.filter((s) => s !== 'need_more' && s !== 'no_memory');

	assert.deepEqual(want.filter((s) => !seen.has(s)), []);
	assert.ok(cases.length >= 30, `${cases.length} cases`);
});

/* The test vector of docs/record-format.md, taken from the document. */
const docKey = vectorKey();

test('docs/record-format.md test vector', async () => {
	const rec = recordVector();
	assert.equal(rec.length, 276);
	const v = await Verifier.create(subtle, await importChannelKey(subtle, docKey),
		{ channelId: 7, checkOwner: true, ownerUid: 1000 });
	const reader = new RecordReader();
	const { records, error } = reader.push(rec);

	assert.equal(error, null);
	assert.equal(records.length, 1);
	const r = await v.check(records[0]);
	assert.equal(r.status, 'ok');
	assert.equal(toHex(r.frame.jpeg), 'ffd8ffd9');
	assert.equal(r.frame.camera, 2);
	assert.equal(r.frame.sequence, 42);
	assert.equal(r.frame.streamId, 0x1122334455n);
	assert.equal(r.frame.captureNs, 1700000000000000000n);
	assert.equal(r.frame.muted, false);
	assert.equal(reader.finish(), null);
	nChecks += 8;
});

/*
 * Every single bit flipped in the vector, each to a fresh display: never
 * accepted, never an exception, always a known reason.
 */
test('every bit flip of the vector is refused, without an exception', async () => {
	const keys = await importChannelKey(subtle, docKey);
	const rec = recordVector();
	const reasons = {};

	for (let bit = 0; bit < rec.length * 8; bit++) {
		const v = await Verifier.create(subtle, keys,
			{ channelId: 7, checkOwner: true, ownerUid: 1000 });
		const bad = rec.slice();
		bad[bit >> 3] ^= 1 << (bit & 7);
		const reader = new RecordReader();
		const { records, error } = reader.push(bad);
		let st = error ?? reader.finish();

		for (const r of records)
			st = (await v.check(r)).status;
		assert.notEqual(st, 'ok', `bit ${bit}`);
		assert.ok(STATUS_NAMES.includes(st), st);
		reasons[st] = (reasons[st] ?? 0) + 1;
		nChecks++;
	}
	/* Header bytes fail the seal or the framing; payload bytes the digest. */
	assert.equal(reasons.bad_payload, 20 * 8);
});

test('keys are not extractable', async () => {
	const keys = await importChannelKey(subtle, docKey);

	for (const k of [keys.hkdf, keys.mac]) {
		assert.equal(k.extractable, false);
		await assert.rejects(subtle.exportKey('raw', k));
	}
	const v = await Verifier.create(subtle, keys);
	for (const k of Object.values(v.keys))
		assert.equal(k.extractable, false);
});

test('summary', () => {
	console.log(`web-check: ${cases.length} cases from verifier.c, ${nChecks} checks`);
});
