// SPDX-License-Identifier: MIT
/*
 * The browser display's verifier: a version-2 camguard display as
 * docs/record-format.md describes it, on WebCrypto alone. No DOM: the page
 * (display.js) and the host tests (tests/web/verifier.test.mjs) use it the
 * same way.
 *
 *   RecordReader  frames a byte stream into records, refusing a bad header
 *                 as soon as its bytes arrive (like user/lib/record.c's
 *                 decoder); a fatal error sticks until reset()
 *                 (a new connection).
 *   Verifier      the rules of user/lib/verifier.c, in the same order,
 *                 with the same counter names; its per-camera order state
 *                 outlives connections, so a relay cannot serve a
 *                 reconnecting display an old frame.
 *
 * Nothing here throws on bad input: every refusal is a status and a
 * counter. Keys are CryptoKeys imported non-extractable; no key material
 * is ever logged or returned.
 */

/* cg_record_status_name(), indexed like enum cg_record_status. */
export const STATUS_NAMES = Object.freeze([
	'ok', 'need_more',
	'bad_magic', 'bad_version', 'bad_type', 'bad_header_len', 'bad_flags',
	'oversize', 'no_memory', 'truncated',
	'bad_seal', 'bad_tag', 'tag_mismatch', 'bad_kernel_mac',
	'wrong_channel', 'wrong_owner', 'stale', 'replay', 'old_stream',
	'too_many_cameras', 'bad_payload', 'decrypt_failed',
]);

/* cg_record_status_text(): for people. */
export const STATUS_TEXT = Object.freeze({
	ok: 'accepted',
	need_more: 'incomplete record',
	bad_magic: 'bad magic (not a camguard record stream)',
	bad_version: 'unsupported record version',
	bad_type: 'unknown payload type',
	bad_header_len: 'wrong header length for the version',
	bad_flags: 'undefined flags set',
	oversize: 'payload length above the limit',
	no_memory: 'out of memory',
	truncated: 'stream ended inside a record',
	bad_seal: "bad seal (HMAC under the display's seal key)",
	bad_tag: 'unknown frame tag version',
	tag_mismatch: 'frame tag does not match the header',
	bad_kernel_mac: 'bad kernel MAC of the frame tag',
	wrong_channel: 'record for another channel',
	wrong_owner: 'frame of another owner',
	stale: 'send time outside the accepted age',
	replay: 'sequence not after the last accepted (replay or reorder)',
	old_stream: "stream older than the camera's current stream",
	too_many_cameras: 'more cameras than the verifier tracks',
	bad_payload: 'payload differs from the digest in the sealed header',
	decrypt_failed: 'payload does not decrypt (content key or GCM tag)',
});

/* Statuses after which the framing is lost: close the connection. */
export const FATAL = Object.freeze(new Set([
	'bad_magic', 'bad_version', 'bad_type', 'bad_header_len', 'bad_flags',
	'oversize', 'no_memory', 'truncated',
]));

export const HEADER_LEN = 256;
export const VERSION = 2;
export const TYPE_JPEG = 1;
export const DEFAULT_MAX_PAYLOAD = 8 * 1024 * 1024;	/* encrypted payload */
export const MAX_CAMERAS = 16;				/* CG_VERIFIER_MAX_CAMERAS */
export const TAG_VERSION = 1;
export const TAG_F_MUTED = 0x01;
const GCM_TAG_LEN = 16;
const MAGIC = [0x43, 0x47, 0x52, 0x44];			/* "CGRD" */

/* Header offsets (record.h, enum cg_record_offset). */
const OFF = Object.freeze({
	version: 4, type: 5, headerLen: 6, flags: 8, payloadLen: 12,
	channel: 16, sequence: 20, stream: 24, captureNs: 32, sendNs: 40,
	tag: 48, kernelMac: 120, wrappedKey: 152, digest: 192, seal: 224,
});
const TAG_LEN = 72;
const MAC_LEN = 32;
const WRAPPED_KEY_LEN = 40;

const utf8 = (s) => new TextEncoder().encode(s);
const INFO_SEAL = utf8('camguard record v2 seal');
const INFO_WRAP = utf8('camguard record v2 wrap');

/*
 * Header fields lying wholly within the first n bytes of p, in wire order
 * (cg_check_header_prefix): garbage is refused as soon as it cannot be the
 * start of a record, and the size is bounded before anything is buffered.
 */
function checkHeaderPrefix(p, n, maxPayload)
{
	const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);

	for (let i = 0; i < n && i < MAGIC.length; i++)
		if (p[i] !== MAGIC[i])
			return 'bad_magic';
	if (n > OFF.version && p[OFF.version] !== VERSION)
		return 'bad_version';
	if (n > OFF.type && p[OFF.type] !== TYPE_JPEG)
		return 'bad_type';
	if (n >= OFF.headerLen + 2 &&
	    dv.getUint16(OFF.headerLen, true) !== HEADER_LEN)
		return 'bad_header_len';
	if (n >= OFF.flags + 4 && dv.getUint32(OFF.flags, true) !== 0)
		return 'bad_flags';
	if (n >= OFF.payloadLen + 4 &&
	    dv.getUint32(OFF.payloadLen, true) > maxPayload)
		return 'oversize';
	return 'ok';
}

/*
 * Incremental framing. push() takes whatever arrived and returns the
 * whole records it completed and, if the stream broke, the fatal status;
 * later pushes return that status again and take nothing.
 */
export class RecordReader {
	constructor(maxPayload = DEFAULT_MAX_PAYLOAD)
	{
		this.maxPayload = maxPayload;
		this.reset();
	}

	/* A new connection: forget a partial record and a sticky error. */
	reset()
	{
		this.header = new Uint8Array(HEADER_LEN);
		this.buf = null;	/* the record, once its size is known */
		this.have = 0;
		this.need = 0;
		this.error = null;
	}

	push(chunk)
	{
		const records = [];
		let src = chunk instanceof Uint8Array ? chunk :
			  new Uint8Array(chunk);
		let off = 0;

		while (!this.error && off < src.length) {
			if (this.need === 0) {
				const take = Math.min(HEADER_LEN - this.have,
						      src.length - off);

				this.header.set(src.subarray(off, off + take),
						this.have);
				this.have += take;
				off += take;
				const st = checkHeaderPrefix(this.header,
							     this.have,
							     this.maxPayload);
				if (st !== 'ok') {
					this.error = st;
					break;
				}
				if (this.have < HEADER_LEN)
					break;
				const plen = new DataView(this.header.buffer)
					.getUint32(OFF.payloadLen, true);
				this.need = HEADER_LEN + plen;
				this.buf = new Uint8Array(this.need);
				this.buf.set(this.header);
			}
			const take = Math.min(this.need - this.have,
					      src.length - off);
			this.buf.set(src.subarray(off, off + take), this.have);
			this.have += take;
			off += take;
			if (this.have === this.need) {
				records.push(this.buf);
				this.buf = null;
				this.have = 0;
				this.need = 0;
			}
		}
		return { records, error: this.error };
	}

	/*
	 * The stream ended: 'truncated' if it ended inside a record (count
	 * it), else null (between records, or already broken and counted).
	 */
	finish()
	{
		if (this.error || !this.have)
			return null;
		this.error = 'truncated';
		return this.error;
	}
}

/*
 * The display's two keys from its 32-byte channel key, both
 * non-extractable: an HKDF key (record keys derive from it) and an HMAC
 * key (the kernel's tag MAC; the connection's CGAU response).
 */
export async function importChannelKey(subtle, raw)
{
	if (!(raw instanceof Uint8Array) || raw.length !== 32)
		throw new Error('a channel key is 32 bytes');
	const hkdf = await subtle.importKey('raw', raw, 'HKDF', false,
					    ['deriveKey']);
	const mac = await subtle.importKey('raw', raw,
					   { name: 'HMAC', hash: 'SHA-256' },
					   false, ['sign', 'verify']);
	return { hkdf, mac };
}

function hkdfParams(info)
{
	return { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info };
}

/* The tag (bytes 48..119), unpacked (cg_frame_tag_unpack). */
function unpackTag(t)
{
	const dv = new DataView(t.buffer, t.byteOffset, TAG_LEN);

	return {
		version: t[0],
		flags: t[1],
		camera: dv.getUint16(2, true),
		sequence: dv.getUint32(4, true),
		streamId: dv.getBigUint64(8, true),
		timestampNs: dv.getBigUint64(16, true),
		rawLength: dv.getUint32(24, true),
		ownerUid: dv.getUint32(28, true),
		ownerGid: dv.getUint32(32, true),
		channelId: dv.getUint32(36, true),
	};
}

/* Compare without stopping at the first difference. */
function equalCt(a, b)
{
	let d = a.length ^ b.length;

	for (let i = 0; i < a.length && i < b.length; i++)
		d |= a[i] ^ b[i];
	return d === 0;
}

/* |send - now| <= maxAge, on BigInts. */
function fresh(sendNs, nowNs, maxAgeNs)
{
	return (sendNs <= nowNs ? nowNs - sendNs : sendNs - nowNs) <= maxAgeNs;
}

export class Verifier {
	/*
	 * Use Verifier.create(). cfg: { channelId (0: any), checkOwner,
	 * ownerUid, maxAgeNs (BigInt, 0n: off), checkKernelMac (default
	 * true: the display's key is the kernel's channel key) }.
	 */
	constructor(subtle, keys, cfg)
	{
		this.subtle = subtle;
		this.keys = keys;
		this.cfg = {
			channelId: cfg.channelId ?? 0,
			checkOwner: !!cfg.checkOwner,
			ownerUid: cfg.ownerUid ?? 0,
			maxAgeNs: BigInt(cfg.maxAgeNs ?? 0),
			checkKernelMac: cfg.checkKernelMac ?? true,
		};
		this.cameras = new Map();	/* camera -> {streamId, sequence} */
		this.stats = { accepted: 0, stream_changes: 0, skipped: 0,
			       rejected: {} };
		this.queue = Promise.resolve();
	}

	/* keys: from importChannelKey(). */
	static async create(subtle, keys, cfg = {})
	{
		const seal = await subtle.deriveKey(hkdfParams(INFO_SEAL), keys.hkdf,
			{ name: 'HMAC', hash: 'SHA-256', length: 256 }, false,
			['verify']);
		const wrap = await subtle.deriveKey(hkdfParams(INFO_WRAP), keys.hkdf,
			{ name: 'AES-KW', length: 256 }, false, ['unwrapKey']);
		return new Verifier(subtle, { seal, wrap, tag: keys.mac }, cfg);
	}

	/* Count a refusal decided elsewhere (a reader error): one tally. */
	count(status)
	{
		if (status === 'ok')
			this.stats.accepted++;
		else
			this.stats.rejected[status] =
				(this.stats.rejected[status] ?? 0) + 1;
	}

	/*
	 * One whole record (from RecordReader). Records are checked one at a
	 * time in the order given, even if the caller does not wait: the
	 * order state must see them in stream order. Resolves to
	 * { status: 'ok', frame } or { status: reason }; never rejects.
	 */
	check(rec, nowNs = 0n)
	{
		const run = async () => {
			let r;

			try {
				r = await this.verify(rec, BigInt(nowNs));
			} catch {
				/* A WebCrypto failure must not let a record through. */
				r = { status: 'decrypt_failed' };
			}
			this.count(r.status);
			if (r.status === 'ok') {
				this.stats.stream_changes += r.frame.newStream;
				this.stats.skipped += r.frame.skipped;
			}
			return r;
		};
		const p = this.queue.then(run, run);

		this.queue = p;
		return p;
	}

	async verify(rec, nowNs)
	{
		const s = this.subtle;
		const dv = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
		const sub = (o, n) => rec.subarray(o, o + n);

		/* 1. The seal, so nothing without the key reaches our state. */
		if (rec.length < HEADER_LEN ||
		    !await s.verify('HMAC', this.keys.seal, sub(OFF.seal, MAC_LEN),
				    sub(0, OFF.seal)))
			return { status: 'bad_seal' };
		const hdr = {
			payloadLen: dv.getUint32(OFF.payloadLen, true),
			channelId: dv.getUint32(OFF.channel, true),
			sequence: dv.getUint32(OFF.sequence, true),
			streamId: dv.getBigUint64(OFF.stream, true),
			captureNs: dv.getBigUint64(OFF.captureNs, true),
			sendNs: dv.getBigUint64(OFF.sendNs, true),
		};
		if (rec.length !== HEADER_LEN + hdr.payloadLen)
			return { status: 'bad_seal' };	/* not from RecordReader */
		const tag = unpackTag(sub(OFF.tag, TAG_LEN));

		/* 2.-6. The tag: version, header match, kernel MAC, whose. */
		if (tag.version !== TAG_VERSION)
			return { status: 'bad_tag' };
		if (tag.channelId !== hdr.channelId ||
		    tag.streamId !== hdr.streamId ||
		    tag.sequence !== hdr.sequence)
			return { status: 'tag_mismatch' };
		if (this.cfg.checkKernelMac &&
		    !await s.verify('HMAC', this.keys.tag,
				    sub(OFF.kernelMac, MAC_LEN), sub(OFF.tag, TAG_LEN)))
			return { status: 'bad_kernel_mac' };
		if (this.cfg.channelId && tag.channelId !== this.cfg.channelId)
			return { status: 'wrong_channel' };
		if (this.cfg.checkOwner && tag.ownerUid !== this.cfg.ownerUid)
			return { status: 'wrong_owner' };
		/* 7. Freshness, when asked. */
		if (this.cfg.maxAgeNs &&
		    !fresh(hdr.sendNs, nowNs, this.cfg.maxAgeNs))
			return { status: 'stale' };

		/* 8. Order per camera, checked now, moved only once accepted. */
		const cam = this.cameras.get(tag.camera);
		if (!cam && this.cameras.size >= MAX_CAMERAS)
			return { status: 'too_many_cameras' };
		if (cam) {
			if (tag.streamId < cam.streamId)
				return { status: 'old_stream' };
			if (tag.streamId === cam.streamId &&
			    tag.sequence <= cam.sequence)
				return { status: 'replay' };
		}

		/* 9. The payload: the sealed digest, then decryption. */
		if (hdr.payloadLen < GCM_TAG_LEN)
			return { status: 'decrypt_failed' };
		const payload = rec.subarray(HEADER_LEN);
		const digest = new Uint8Array(await s.digest('SHA-256', payload));
		if (!equalCt(digest, sub(OFF.digest, 32)))
			return { status: 'bad_payload' };
		let jpeg;
		try {
			const ck = await s.unwrapKey('raw',
				sub(OFF.wrappedKey, WRAPPED_KEY_LEN), this.keys.wrap,
				'AES-KW', 'AES-GCM', false, ['decrypt']);
			jpeg = new Uint8Array(await s.decrypt({
				name: 'AES-GCM', iv: new Uint8Array(12),
				additionalData: sub(OFF.sequence, 20),
				tagLength: 128 }, ck, payload));
		} catch {
			return { status: 'decrypt_failed' };
		}

		/* Accepted: the camera's state moves forward. */
		const newStream = !cam || tag.streamId !== cam.streamId;
		const frame = {
			camera: tag.camera,
			channelId: tag.channelId,
			ownerUid: tag.ownerUid,
			streamId: tag.streamId,
			sequence: tag.sequence,
			captureNs: hdr.captureNs,
			sendNs: hdr.sendNs,
			muted: (tag.flags & TAG_F_MUTED) !== 0,
			newStream,
			previousStream: cam && newStream ? cam.streamId : 0n,
			skipped: newStream ? 0 : tag.sequence - cam.sequence - 1,
			jpeg,
		};
		this.cameras.set(tag.camera, { streamId: tag.streamId,
					       sequence: tag.sequence });
		return { status: 'ok', frame };
	}
}
