/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uvc-camera: a user-space USB video class camera on gadgetfs, for tests
 * of the stock uvcvideo driver (see README.md beside this file).
 *
 *   uvc-desc.c     the descriptors and the table of formats and frames
 *   uvc-stream.c   the streaming thread: frames, stamp, JPEG, payloads
 *   uvc-camera.c   options, gadgetfs ep0: enumeration, probe and commit
 */
#ifndef UC_CAMERA_H
#define UC_CAMERA_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Interfaces and endpoint of the one configuration. */
#define UC_INTF_CONTROL		0
#define UC_INTF_STREAMING	1
#define UC_EP_VIDEO		0x81	/* ep1in-bulk on dummy_hcd */

/* Entities of the control interface. */
#define UC_ID_CAMERA		1	/* input terminal, ITT_CAMERA */
#define UC_ID_OUTPUT		2	/* output terminal, TT_STREAMING */

#define UC_UVC_VERSION		0x0110
#define UC_CLOCK_HZ		48000000
/* The probe and commit controls of UVC 1.1 (uvcvideo reads 34 bytes). */
#define UC_PROBE_LEN		34
/* One bulk payload, header included: 32 high-speed packets. */
#define UC_PAYLOAD_MAX		16384
#define UC_HEADER_LEN		2

#define UC_NR_FORMATS		2	/* 1 = YUYV, 2 = MJPEG */
#define UC_NR_FRAMES		2	/* 1 = 640x480, 2 = 320x240 */
#define UC_NR_INTERVALS		2	/* 30 fps, 15 fps (YUYV only) */

struct uc_frame_size {
	uint16_t width;
	uint16_t height;
};

extern const struct uc_frame_size uc_frames[UC_NR_FRAMES];
/* Frame intervals in 100 ns units, fastest first. */
extern const uint32_t uc_intervals[UC_NR_INTERVALS];
extern const char *const uc_format_names[UC_NR_FORMATS];
extern const uint8_t uc_format_intervals[UC_NR_FORMATS];

/* The most gadgetfs sends for one GET_DESCRIPTOR (see uvc-desc.c). */
#define UC_CONFIG_MAX		256

/* What the host committed (indices are 1-based as on the wire). */
struct uc_params {
	uint8_t format;
	uint8_t frame;
	uint32_t interval;
};

/* The probe/commit control, as in the UVC 1.1 spec (4.3.1.1). */
struct uc_probe {
	uint16_t hint;
	uint8_t format;
	uint8_t frame;
	uint32_t interval;
	uint16_t key_frame_rate;
	uint16_t p_frame_rate;
	uint16_t comp_quality;
	uint16_t comp_window;
	uint16_t delay;
	uint32_t max_frame_size;
	uint32_t max_payload;
	uint32_t clock_hz;
	uint8_t framing;
	uint8_t preferred_version;
	uint8_t min_version;
	uint8_t max_version;
};

/* Configuration from the command line. */
struct uc_config {
	const char *gadgetfs;		/* mount point, /dev/gadget */
	const char *udc;		/* ep0 file, NULL: the first one found */
	const char *ep_name;		/* bulk IN endpoint file */
	const char *product;
	const char *serial;
	const char *control_file;	/* owner=, stream= lines, or NULL */
	uint32_t camera;
	uint32_t owner;
	uint32_t stream;
	uint32_t eof_header_every;	/* 0: never a header-only EOF */
	uint32_t quality;
	int verbose;
	int dump;			/* --dump-descriptors */
	uint32_t late_data_ms;		/* --late-data: error injection */
};

/*
 * The streaming thread and the ep0 thread share this. The ep0 thread
 * changes @streaming and @gen under @lock; the streaming thread reports the
 * generation it has seen in @seen_gen, so a stop can wait until the thread
 * let go of its payload (a blocked write is interrupted with SIGUSR1).
 */
struct uc_streamer {
	const struct uc_config *cfg;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool quit;
	bool streaming;
	unsigned long gen;
	unsigned long seen_gen;
	struct uc_params params;
	int ep_fd;			/* -1 while unconfigured */
	unsigned int maxpacket;		/* of the bulk endpoint at this speed */
	/* owned by the streaming thread */
	uint32_t sequence;		/* frames made since start */
	uint8_t fid;
	unsigned long sessions;
};

/* uvc-desc.c */
size_t uc_config_desc(uint8_t *buf, size_t size, bool high_speed);
size_t uc_device_desc(uint8_t *buf, size_t size);
size_t uc_endpoint_desc(uint8_t *buf, size_t size, bool high_speed);
size_t uc_string_desc(uint8_t *buf, size_t size, const char *s);
uint32_t uc_frame_bytes(uint8_t frame);
void uc_probe_default(struct uc_probe *p);
void uc_probe_fix(struct uc_probe *p);
size_t uc_probe_pack(const struct uc_probe *p, uint8_t *buf, size_t size);
void uc_probe_unpack(const uint8_t *buf, size_t len, struct uc_probe *p);

/* uvc-stream.c */
int uc_streamer_start(struct uc_streamer *s, const struct uc_config *cfg);
void uc_streamer_go(struct uc_streamer *s, const struct uc_params *p);
void uc_streamer_stop(struct uc_streamer *s);
void uc_streamer_destroy(struct uc_streamer *s);

/* uvc-camera.c */
__attribute__((format(printf, 1, 2)))
void uc_log(const char *fmt, ...);
extern int uc_verbose;

#endif /* UC_CAMERA_H */
