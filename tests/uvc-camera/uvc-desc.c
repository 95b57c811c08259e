// SPDX-License-Identifier: GPL-2.0
/*
 * The camera as the host sees it: USB descriptors of one configuration
 * with an interface association, a VideoControl interface (a camera input
 * terminal feeding a streaming output terminal, no controls, no status
 * endpoint) and a VideoStreaming interface with one bulk IN endpoint and
 * two formats, YUYV and MJPEG, each at 640x480 and 320x240, 30 and 15 fps.
 * Layouts follow the UVC 1.1 specification, sections 3.6-3.9, and the
 * payload format documents (uncompressed, MJPEG).
 *
 * gadgetfs answers a GET_DESCRIPTOR with at most 256 bytes (RBUF_SIZE in
 * drivers/usb/gadget/legacy/inode.c; longer requests are cut to 256 and
 * the host times out waiting for the rest), so each configuration must
 * fit in 256 bytes: there is no interface association descriptor (the
 * device class is per interface), no color matching descriptor (the
 * defaults, BT.709 / sRGB, apply) and MJPEG offers 30 fps only.
 *
 * Multi-byte fields are little endian on the wire; the writer below puts
 * them byte by byte, so the host's order does not matter.
 */
#include <string.h>
#include <linux/usb/ch9.h>
#include <linux/usb/video.h>

#include "uvc-camera.h"

#define UC_VENDOR		0x1d6b	/* Linux Foundation */
#define UC_PRODUCT		0x0102	/* as the kernel's webcam gadget */
#define UC_STR_MANUFACTURER	1
#define UC_STR_PRODUCT		2
#define UC_STR_SERIAL		3
#define UC_BITS_PER_PIXEL	16

const struct uc_frame_size uc_frames[UC_NR_FRAMES] = {
	{ 640, 480 },
	{ 320, 240 },
};

const uint32_t uc_intervals[UC_NR_INTERVALS] = { 333333, 666666 };

const char *const uc_format_names[UC_NR_FORMATS] = { "YUYV", "MJPEG" };

/* How many of uc_intervals each format offers, from the first. */
const uint8_t uc_format_intervals[UC_NR_FORMATS] = { UC_NR_INTERVALS, 1 };

/* YUY2: 32595559-0000-0010-8000-00AA00389B71 */
static const uint8_t uc_guid_yuy2[16] = {
	'Y', 'U', 'Y', '2', 0x00, 0x00, 0x10, 0x00,
	0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71,
};

struct uc_writer {
	uint8_t *buf;
	size_t size;
	size_t len;		/* may pass size: then nothing more is written */
};

static void put8(struct uc_writer *w, uint8_t v)
{
	if (w->len < w->size)
		w->buf[w->len] = v;
	w->len++;
}

static void put16(struct uc_writer *w, uint16_t v)
{
	put8(w, (uint8_t)v);
	put8(w, (uint8_t)(v >> 8));
}

static void put32(struct uc_writer *w, uint32_t v)
{
	put16(w, (uint16_t)v);
	put16(w, (uint16_t)(v >> 16));
}

static void patch16(struct uc_writer *w, size_t at, uint16_t v)
{
	if (at + 1 < w->size) {
		w->buf[at] = (uint8_t)v;
		w->buf[at + 1] = (uint8_t)(v >> 8);
	}
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) | (uint32_t)get16(p + 2) << 16;
}

/* Size of the writer's result, or 0 if it did not fit. */
static size_t done(const struct uc_writer *w)
{
	return w->len <= w->size ? w->len : 0;
}

uint32_t uc_frame_bytes(uint8_t frame)
{
	const struct uc_frame_size *f = &uc_frames[frame - 1];

	return (uint32_t)f->width * f->height * UC_BITS_PER_PIXEL / 8;
}

size_t uc_device_desc(uint8_t *buf, size_t size)
{
	struct uc_writer w = { buf, size, 0 };

	put8(&w, USB_DT_DEVICE_SIZE);
	put8(&w, USB_DT_DEVICE);
	put16(&w, 0x0200);
	put8(&w, USB_CLASS_PER_INTERFACE);
	put8(&w, 0);
	put8(&w, 0);
	put8(&w, 64);			/* bMaxPacketSize0, set by gadgetfs */
	put16(&w, UC_VENDOR);
	put16(&w, UC_PRODUCT);
	put16(&w, 0x0100);		/* bcdDevice */
	put8(&w, UC_STR_MANUFACTURER);
	put8(&w, UC_STR_PRODUCT);
	put8(&w, UC_STR_SERIAL);
	put8(&w, 1);			/* bNumConfigurations */
	return done(&w);
}

static void put_endpoint(struct uc_writer *w, bool high_speed)
{
	put8(w, USB_DT_ENDPOINT_SIZE);
	put8(w, USB_DT_ENDPOINT);
	put8(w, UC_EP_VIDEO);
	put8(w, USB_ENDPOINT_XFER_BULK);
	put16(w, high_speed ? 512 : 64);
	put8(w, 0);			/* bInterval */
}

size_t uc_endpoint_desc(uint8_t *buf, size_t size, bool high_speed)
{
	struct uc_writer w = { buf, size, 0 };

	put_endpoint(&w, high_speed);
	return done(&w);
}

static void put_interface(struct uc_writer *w, uint8_t number,
			  uint8_t endpoints, uint8_t subclass)
{
	put8(w, USB_DT_INTERFACE_SIZE);
	put8(w, USB_DT_INTERFACE);
	put8(w, number);
	put8(w, 0);			/* bAlternateSetting */
	put8(w, endpoints);
	put8(w, USB_CLASS_VIDEO);
	put8(w, subclass);
	put8(w, 0);			/* bInterfaceProtocol: UVC 1.0/1.1 */
	put8(w, 0);			/* iInterface */
}

/* VideoControl: header, camera terminal, output terminal (UVC 3.7). */
static void put_control(struct uc_writer *w)
{
	size_t total_at;

	put_interface(w, UC_INTF_CONTROL, 0, UVC_SC_VIDEOCONTROL);

	put8(w, 13);			/* header with one streaming interface */
	put8(w, USB_DT_CS_INTERFACE);
	put8(w, UVC_VC_HEADER);
	put16(w, UC_UVC_VERSION);
	total_at = w->len;
	put16(w, 0);			/* wTotalLength, patched below */
	put32(w, UC_CLOCK_HZ);
	put8(w, 1);			/* bInCollection */
	put8(w, UC_INTF_STREAMING);

	put8(w, 18);			/* camera terminal, 3 bytes of controls */
	put8(w, USB_DT_CS_INTERFACE);
	put8(w, UVC_VC_INPUT_TERMINAL);
	put8(w, UC_ID_CAMERA);
	put16(w, UVC_ITT_CAMERA);
	put8(w, 0);			/* bAssocTerminal */
	put8(w, 0);			/* iTerminal */
	put16(w, 0);			/* wObjectiveFocalLengthMin */
	put16(w, 0);			/* wObjectiveFocalLengthMax */
	put16(w, 0);			/* wOcularFocalLength */
	put8(w, 3);			/* bControlSize */
	put8(w, 0);			/* bmControls: none */
	put8(w, 0);
	put8(w, 0);

	put8(w, 9);			/* output terminal */
	put8(w, USB_DT_CS_INTERFACE);
	put8(w, UVC_VC_OUTPUT_TERMINAL);
	put8(w, UC_ID_OUTPUT);
	put16(w, UVC_TT_STREAMING);
	put8(w, 0);			/* bAssocTerminal */
	put8(w, UC_ID_CAMERA);		/* bSourceID */
	put8(w, 0);			/* iTerminal */

	patch16(w, total_at, (uint16_t)(w->len - (total_at - 5)));
}

/* One frame descriptor, uncompressed or MJPEG (same layout, UVC 3.9.2.2). */
static void put_frame(struct uc_writer *w, uint8_t subtype, uint8_t index,
		      uint8_t intervals)
{
	const struct uc_frame_size *f = &uc_frames[index - 1];
	uint32_t bytes = uc_frame_bytes(index);
	unsigned int i;

	put8(w, 26 + 4 * intervals);
	put8(w, USB_DT_CS_INTERFACE);
	put8(w, subtype);
	put8(w, index);
	put8(w, 0);			/* bmCapabilities */
	put16(w, f->width);
	put16(w, f->height);
	put32(w, bytes * 8 * (10000000 / uc_intervals[intervals - 1]));
	put32(w, bytes * 8 * (10000000 / uc_intervals[0]));
	put32(w, bytes);		/* dwMaxVideoFrameBufferSize */
	put32(w, uc_intervals[0]);	/* dwDefaultFrameInterval */
	put8(w, intervals);		/* discrete intervals */
	for (i = 0; i < intervals; i++)
		put32(w, uc_intervals[i]);
}

/* VideoStreaming: input header, YUYV and MJPEG with their frames (3.9). */
static void put_streaming(struct uc_writer *w, bool high_speed)
{
	size_t total_at, start = w->len + USB_DT_INTERFACE_SIZE;
	unsigned int i;

	put_interface(w, UC_INTF_STREAMING, 1, UVC_SC_VIDEOSTREAMING);

	put8(w, 13 + UC_NR_FORMATS);	/* input header, 1 byte per format */
	put8(w, USB_DT_CS_INTERFACE);
	put8(w, UVC_VS_INPUT_HEADER);
	put8(w, UC_NR_FORMATS);
	total_at = w->len;
	put16(w, 0);			/* wTotalLength, patched below */
	put8(w, UC_EP_VIDEO);
	put8(w, 0);			/* bmInfo: no dynamic format change */
	put8(w, UC_ID_OUTPUT);		/* bTerminalLink */
	put8(w, 0);			/* bStillCaptureMethod */
	put8(w, 0);			/* bTriggerSupport */
	put8(w, 0);			/* bTriggerUsage */
	put8(w, 1);			/* bControlSize */
	for (i = 0; i < UC_NR_FORMATS; i++)
		put8(w, 0);		/* bmaControls: none */

	put8(w, 27);			/* uncompressed format: YUY2 */
	put8(w, USB_DT_CS_INTERFACE);
	put8(w, UVC_VS_FORMAT_UNCOMPRESSED);
	put8(w, 1);			/* bFormatIndex */
	put8(w, UC_NR_FRAMES);
	for (i = 0; i < sizeof(uc_guid_yuy2); i++)
		put8(w, uc_guid_yuy2[i]);
	put8(w, UC_BITS_PER_PIXEL);
	put8(w, 1);			/* bDefaultFrameIndex */
	put8(w, 0);			/* bAspectRatioX */
	put8(w, 0);			/* bAspectRatioY */
	put8(w, 0);			/* bmInterlaceFlags */
	put8(w, 0);			/* bCopyProtect */
	for (i = 1; i <= UC_NR_FRAMES; i++)
		put_frame(w, UVC_VS_FRAME_UNCOMPRESSED, (uint8_t)i,
			  uc_format_intervals[0]);

	put8(w, 11);			/* MJPEG format */
	put8(w, USB_DT_CS_INTERFACE);
	put8(w, UVC_VS_FORMAT_MJPEG);
	put8(w, 2);			/* bFormatIndex */
	put8(w, UC_NR_FRAMES);
	put8(w, 0);			/* bmFlags: sizes vary */
	put8(w, 1);			/* bDefaultFrameIndex */
	put8(w, 0);
	put8(w, 0);
	put8(w, 0);
	put8(w, 0);
	for (i = 1; i <= UC_NR_FRAMES; i++)
		put_frame(w, UVC_VS_FRAME_MJPEG, (uint8_t)i,
			  uc_format_intervals[1]);

	patch16(w, total_at, (uint16_t)(w->len - start));
	put_endpoint(w, high_speed);
}

size_t uc_config_desc(uint8_t *buf, size_t size, bool high_speed)
{
	struct uc_writer w = { buf, size, 0 };

	put8(&w, USB_DT_CONFIG_SIZE);
	put8(&w, USB_DT_CONFIG);
	put16(&w, 0);			/* wTotalLength, patched below */
	put8(&w, 2);			/* bNumInterfaces */
	put8(&w, 1);			/* bConfigurationValue */
	put8(&w, 0);			/* iConfiguration */
	put8(&w, USB_CONFIG_ATT_ONE);	/* bus powered */
	put8(&w, 250);			/* 500 mA */

	put_control(&w);
	put_streaming(&w, high_speed);
	patch16(&w, 2, (uint16_t)w.len);
	if (w.len > UC_CONFIG_MAX)
		return 0;
	return done(&w);
}

/* String descriptor of ASCII @s (UTF-16LE); @s NULL: the language list. */
size_t uc_string_desc(uint8_t *buf, size_t size, const char *s)
{
	struct uc_writer w = { buf, size, 0 };
	size_t n = s ? strlen(s) : 1;

	if (n > 126)
		n = 126;
	put8(&w, (uint8_t)(2 + 2 * n));
	put8(&w, USB_DT_STRING);
	if (!s)
		put16(&w, 0x0409);	/* English (US) */
	while (s && n--)
		put16(&w, (uint8_t)*s++);
	return done(&w);
}

void uc_probe_default(struct uc_probe *p)
{
	memset(p, 0, sizeof(*p));
	p->hint = 1;			/* dwFrameInterval fixed */
	p->format = 1;
	p->frame = 1;
	p->interval = uc_intervals[0];
	uc_probe_fix(p);
}

/*
 * Bring a probe the host proposed to what the camera does: an existing
 * format and frame (else the first), the nearest frame interval offered,
 * and the device-chosen fields.
 */
void uc_probe_fix(struct uc_probe *p)
{
	unsigned int i, best = 0;
	uint32_t d, best_d = UINT32_MAX;

	if (p->format < 1 || p->format > UC_NR_FORMATS)
		p->format = 1;
	if (p->frame < 1 || p->frame > UC_NR_FRAMES)
		p->frame = 1;
	for (i = 0; i < uc_format_intervals[p->format - 1]; i++) {
		d = p->interval > uc_intervals[i] ?
		    p->interval - uc_intervals[i] :
		    uc_intervals[i] - p->interval;
		if (d < best_d) {
			best_d = d;
			best = i;
		}
	}
	p->interval = uc_intervals[best];
	p->key_frame_rate = 0;
	p->p_frame_rate = 0;
	p->comp_window = 0;
	p->delay = 0;
	/* MJPEG frames are never larger than the YUYV ones */
	p->max_frame_size = uc_frame_bytes(p->frame);
	p->max_payload = UC_PAYLOAD_MAX;
	p->clock_hz = UC_CLOCK_HZ;
	p->framing = 0x03;		/* FID and EOF are used */
	p->preferred_version = 0;
	p->min_version = 0;
	p->max_version = 0;
}

size_t uc_probe_pack(const struct uc_probe *p, uint8_t *buf, size_t size)
{
	struct uc_writer w = { buf, size, 0 };

	put16(&w, p->hint);
	put8(&w, p->format);
	put8(&w, p->frame);
	put32(&w, p->interval);
	put16(&w, p->key_frame_rate);
	put16(&w, p->p_frame_rate);
	put16(&w, p->comp_quality);
	put16(&w, p->comp_window);
	put16(&w, p->delay);
	put32(&w, p->max_frame_size);
	put32(&w, p->max_payload);
	put32(&w, p->clock_hz);
	put8(&w, p->framing);
	put8(&w, p->preferred_version);
	put8(&w, p->min_version);
	put8(&w, p->max_version);
	return done(&w);
}

/* The fields a host may set; a short control (UVC 1.0: 26 bytes) is fine. */
void uc_probe_unpack(const uint8_t *buf, size_t len, struct uc_probe *p)
{
	uint8_t full[UC_PROBE_LEN] = { 0 };

	memcpy(full, buf, len < sizeof(full) ? len : sizeof(full));
	p->hint = get16(full);
	p->format = full[2];
	p->frame = full[3];
	p->interval = get32(full + 4);
	p->comp_quality = get16(full + 12);
}
