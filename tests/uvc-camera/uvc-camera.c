// SPDX-License-Identifier: GPL-2.0
/*
 * uvc-camera: a USB video class camera in user space, on gadgetfs, so the
 * stock uvcvideo driver can enumerate and stream it inside a test guest
 * (dummy_hcd connects the gadget to the guest's own USB host). Frames carry
 * the camguard pixel stamp; see README.md beside this file.
 *
 * This file: options, the gadgetfs device (ep0) and the control requests:
 * strings, SET_CONFIGURATION (enables the bulk endpoint), SET_INTERFACE,
 * and the VideoStreaming probe and commit controls. Anything else is
 * stalled, and the VideoControl request error code control says why.
 *
 * The process ends, unbinding the gadget, on SIGTERM or SIGINT, and when
 * the host disconnects a configured camera (a test's "unplug").
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>
#include <linux/usb/ch9.h>
#include <linux/usb/gadgetfs.h>
#include <linux/usb/video.h>

#include "cli.h"
#include "parse.h"
#include "uvc-camera.h"

#define PROG		"uvc-camera"
#define UC_DESC_MAX	4096
#define UC_EP0_MAX	256

/* VideoControl request error codes (UVC 4.2.1.2) */
#define UC_ERR_NONE		0x00
#define UC_ERR_INVALID_UNIT	0x05
#define UC_ERR_INVALID_CONTROL	0x06
#define UC_ERR_INVALID_REQUEST	0x07

static const char usage_text[] =
"usage: " PROG " [OPTIONS]\n"
"A UVC camera (YUYV and MJPEG, 640x480 and 320x240, 30 and 15 fps, bulk\n"
"streaming) on gadgetfs. Needs gadgetfs mounted and a UDC (dummy_hcd).\n"
"\n"
"  --gadgetfs DIR      gadgetfs mount point (default /dev/gadget)\n"
"  --udc NAME          the UDC's file in DIR (default: the only one there)\n"
"  --endpoint NAME     bulk IN endpoint file (default ep1in-bulk)\n"
"  --product STR       product string, the V4L2 device name\n"
"                      (default \"camguard UVC camera\")\n"
"  --serial STR        serial number string (default \"0001\")\n"
"  --camera N          stamp: camera number (default 0)\n"
"  --owner UID         stamp: owner (default 0)\n"
"  --stream ID         stamp: stream id (default 0)\n"
"  --control FILE      owner=UID, stream=ID (and camera=N) lines read at\n"
"                      every commit; override the options when present\n"
"  --eof-header N      every Nth frame ends with a header-only payload\n"
"                      carrying EOF (default 0: never; 1: every frame)\n"
"  --quality Q         MJPEG quality 1..100 (default 85)\n"
"  --late-data MS      error injection: read the data of every second OUT\n"
"                      control request MS ms late, so the host's next\n"
"                      request overtakes it (recovery from gadgetfs's race)\n"
"  --dump-descriptors  write the descriptors as gadgetfs gets them to\n"
"                      stdout and exit (for checking them on any host)\n"
"  -v, --verbose       log every control request\n"
"  -h, --help          show this help\n"
"\n"
"Logs go to stderr. Exit status 0 after SIGTERM, SIGINT or a host\n"
"disconnect, 1 on errors, 2 for usage errors.\n";

int uc_verbose;

struct uc_camera {
	struct uc_config cfg;
	char ep0_path[512];
	char ep_path[512];
	int ep0_fd;
	int sig_fd;
	bool high_speed;
	bool configured;
	struct uc_probe probe;
	struct uc_probe commit;
	uint8_t error_code;
	/* the data stage of the OUT request being handled */
	uint8_t out_data[UC_EP0_MAX];
	size_t out_len;
	unsigned long lost;		/* data stages gadgetfs lost */
	unsigned long out_requests;	/* OUT requests with data, for --late-data */
	bool answer_hidden;		/* lost_request() answers with the probe */
	bool probe_known;		/* the last probe SET_CUR was read */
	struct uc_streamer streamer;
};

void uc_log(const char *fmt, ...)
{
	static struct timespec t0;
	struct timespec now;
	va_list ap;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!t0.tv_sec && !t0.tv_nsec)
		t0 = now;
	fprintf(stderr, PROG "[%d] %.3f: ", getpid(),
		(double)(now.tv_sec - t0.tv_sec) +
		(double)(now.tv_nsec - t0.tv_nsec) / 1e9);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* This program's name in cli.h's usage errors. */
#define usage_error(...)	cg_usage_error(PROG, __VA_ARGS__)
#define option_u32(...)		cg_option_u32(PROG, __VA_ARGS__)

static void parse_options(int argc, char **argv, struct uc_config *cfg)
{
	enum { O_GADGETFS = 256, O_UDC, O_EP, O_PRODUCT, O_SERIAL, O_CAMERA,
	       O_OWNER, O_STREAM, O_CONTROL, O_EOF, O_QUALITY, O_DUMP,
	       O_LATE };
	static const struct option opts[] = {
		{ "gadgetfs", required_argument, NULL, O_GADGETFS },
		{ "udc", required_argument, NULL, O_UDC },
		{ "endpoint", required_argument, NULL, O_EP },
		{ "product", required_argument, NULL, O_PRODUCT },
		{ "serial", required_argument, NULL, O_SERIAL },
		{ "camera", required_argument, NULL, O_CAMERA },
		{ "owner", required_argument, NULL, O_OWNER },
		{ "stream", required_argument, NULL, O_STREAM },
		{ "control", required_argument, NULL, O_CONTROL },
		{ "eof-header", required_argument, NULL, O_EOF },
		{ "quality", required_argument, NULL, O_QUALITY },
		{ "dump-descriptors", no_argument, NULL, O_DUMP },
		{ "late-data", required_argument, NULL, O_LATE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	cfg->gadgetfs = "/dev/gadget";
	cfg->ep_name = "ep1in-bulk";
	cfg->product = "camguard UVC camera";
	cfg->serial = "0001";
	cfg->quality = 85;
	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case O_GADGETFS: cfg->gadgetfs = optarg; break;
		case O_UDC: cfg->udc = optarg; break;
		case O_EP: cfg->ep_name = optarg; break;
		case O_PRODUCT: cfg->product = optarg; break;
		case O_SERIAL: cfg->serial = optarg; break;
		case O_CAMERA:
			cfg->camera = option_u32("--camera", optarg, 0, 255);
			break;
		case O_OWNER:
			cfg->owner = option_u32("--owner", optarg, 0,
						UINT32_MAX);
			break;
		case O_STREAM:
			cfg->stream = option_u32("--stream", optarg, 0,
						 UINT32_MAX);
			break;
		case O_CONTROL: cfg->control_file = optarg; break;
		case O_EOF:
			cfg->eof_header_every = option_u32("--eof-header",
							   optarg, 0,
							   UINT32_MAX);
			break;
		case O_QUALITY:
			cfg->quality = option_u32("--quality", optarg, 1, 100);
			break;
		case O_DUMP: cfg->dump = 1; break;
		case O_LATE:
			cfg->late_data_ms = option_u32("--late-data", optarg,
						       0, 1000);
			break;
		case 'v': cfg->verbose = uc_verbose = 1; break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		default:
			usage_error("unknown option");
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (strlen(cfg->product) > 126 || strlen(cfg->serial) > 126)
		usage_error("--product and --serial: at most 126 characters");
}

/* The UDC's ep0 file: --udc, or the one entry not named ep* in gadgetfs. */
static int find_udc(struct uc_camera *cam)
{
	const char *name = cam->cfg.udc;
	struct dirent *de;
	int found = 0;
	DIR *d;

	if (!name) {
		d = opendir(cam->cfg.gadgetfs);
		if (!d) {
			uc_log("%s: %s (is gadgetfs mounted?)",
			       cam->cfg.gadgetfs, strerror(errno));
			return -1;
		}
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.' ||
			    !strncmp(de->d_name, "ep", 2))
				continue;
			if (found++ == 0)
				snprintf(cam->ep0_path, sizeof(cam->ep0_path),
					 "%s/%s", cam->cfg.gadgetfs,
					 de->d_name);
		}
		closedir(d);
		if (found != 1) {
			uc_log("%s: %d UDC files, not one: use --udc",
			       cam->cfg.gadgetfs, found);
			return -1;
		}
	} else {
		snprintf(cam->ep0_path, sizeof(cam->ep0_path), "%s/%s",
			 cam->cfg.gadgetfs, name);
	}
	snprintf(cam->ep_path, sizeof(cam->ep_path), "%s/%s",
		 cam->cfg.gadgetfs, cam->cfg.ep_name);
	return 0;
}

/* What gadgetfs wants on ep0: tag 0, full and high speed configs, device. */
static size_t gadget_descriptors(uint8_t *buf, size_t size)
{
	size_t len = 4, n;

	memset(buf, 0, 4);		/* tag 0 */
	n = uc_config_desc(buf + len, size - len, false);
	if (!n) {
		uc_log("the configuration is over %d bytes", UC_CONFIG_MAX);
		return 0;
	}
	len += n;
	n = uc_config_desc(buf + len, size - len, true);
	if (!n)
		return 0;
	len += n;
	n = uc_device_desc(buf + len, size - len);
	return n ? len + n : 0;
}

/* Open ep0 and write the descriptors: this binds the gadget (connects). */
static int bind_gadget(struct uc_camera *cam)
{
	uint8_t buf[UC_DESC_MAX];
	size_t len = gadget_descriptors(buf, sizeof(buf));

	if (!len)
		return -1;
	cam->ep0_fd = open(cam->ep0_path, O_RDWR | O_CLOEXEC);
	if (cam->ep0_fd < 0) {
		uc_log("%s: %s", cam->ep0_path, strerror(errno));
		return -1;
	}
	if (write(cam->ep0_fd, buf, len) != (ssize_t)len) {
		uc_log("%s: writing descriptors: %s", cam->ep0_path,
		       strerror(errno));
		return -1;
	}
	uc_log("bound to %s as \"%s\" (%zu bytes of descriptors)",
	       cam->ep0_path, cam->cfg.product, len);
	return 0;
}

/* ---- ep0 replies ---------------------------------------------------------- */

static void ep0_reply(struct uc_camera *cam, const void *buf, size_t len,
		      const struct usb_ctrlrequest *ctrl)
{
	if (len > ctrl->wLength)
		len = ctrl->wLength;
	if (write(cam->ep0_fd, buf, len) < 0)
		uc_log("ep0 reply to %02x.%02x v%04x i%04x: %s",
		       ctrl->bRequestType, ctrl->bRequest, ctrl->wValue,
		       ctrl->wIndex, strerror(errno));
}

/* Status stage of an OUT request without data. */
static void ep0_ack(struct uc_camera *cam)
{
	if (read(cam->ep0_fd, NULL, 0) < 0)
		uc_log("ep0 ack: %s", strerror(errno));
}

static void ep0_stall(struct uc_camera *cam,
		      const struct usb_ctrlrequest *ctrl, uint8_t error)
{
	uint8_t buf[UC_EP0_MAX];

	cam->error_code = error;
	if (uc_verbose)
		uc_log("stall %02x.%02x v%04x i%04x l%u",
		       ctrl->bRequestType, ctrl->bRequest,
		       ctrl->wValue, ctrl->wIndex, ctrl->wLength);
	if (ctrl->bRequestType & USB_DIR_IN) {
		if (read(cam->ep0_fd, buf, 0) >= 0 || errno != EL2HLT)
			uc_log("ep0 stall: %s", strerror(errno));
	} else if (ctrl->wLength) {
		/* the data was read already: gadgetfs cannot stall now */
	} else if (write(cam->ep0_fd, buf, 0) >= 0 || errno != EL2HLT) {
		uc_log("ep0 stall: %s", strerror(errno));
	}
}

/* ---- standard requests gadgetfs hands over ------------------------------- */

static int enable_endpoint(struct uc_camera *cam)
{
	uint8_t buf[4 + 2 * USB_DT_ENDPOINT_SIZE];
	struct uc_streamer *s = &cam->streamer;
	int fd;

	if (s->ep_fd >= 0)
		return 0;
	memset(buf, 0, 4);
	buf[0] = 1;			/* tag 1, host order */
	uc_endpoint_desc(buf + 4, USB_DT_ENDPOINT_SIZE, false);
	uc_endpoint_desc(buf + 4 + USB_DT_ENDPOINT_SIZE, USB_DT_ENDPOINT_SIZE,
			 true);
	fd = open(cam->ep_path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		uc_log("%s: %s", cam->ep_path, strerror(errno));
		return -1;
	}
	if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
		uc_log("%s: configuring: %s", cam->ep_path, strerror(errno));
		close(fd);
		return -1;
	}
	s->ep_fd = fd;
	s->maxpacket = cam->high_speed ? 512 : 64;
	return 0;
}

static void disable_endpoint(struct uc_camera *cam)
{
	struct uc_streamer *s = &cam->streamer;

	uc_streamer_stop(s);
	if (s->ep_fd >= 0) {
		close(s->ep_fd);
		s->ep_fd = -1;
	}
}

static void standard_request(struct uc_camera *cam,
			     const struct usb_ctrlrequest *ctrl)
{
	uint8_t buf[UC_EP0_MAX];
	const char *str = NULL;
	size_t len;

	switch (ctrl->bRequest) {
	case USB_REQ_GET_DESCRIPTOR:
		if (ctrl->bRequestType != USB_DIR_IN ||
		    ctrl->wValue >> 8 != USB_DT_STRING)
			break;
		switch (ctrl->wValue & 0xff) {
		case 0: break;			/* languages */
		case 1: str = "camguard"; break;
		case 2: str = cam->cfg.product; break;
		case 3: str = cam->cfg.serial; break;
		default: goto stall;
		}
		len = uc_string_desc(buf, sizeof(buf), str);
		ep0_reply(cam, buf, len, ctrl);
		return;
	case USB_REQ_SET_CONFIGURATION:
		if (ctrl->bRequestType != USB_RECIP_DEVICE)
			break;
		if (ctrl->wValue == 0) {
			disable_endpoint(cam);
			cam->configured = false;
			uc_log("unconfigured");
		} else {
			if (enable_endpoint(cam))
				goto stall;
			cam->configured = true;
			uc_log("configured (%s speed)",
			       cam->high_speed ? "high" : "full");
		}
		ep0_ack(cam);
		return;
	case USB_REQ_SET_INTERFACE:
		if (ctrl->bRequestType != USB_RECIP_INTERFACE ||
		    ctrl->wValue != 0)
			break;
		/* alternate setting 0 is the only one; bulk streams in it */
		ep0_ack(cam);
		return;
	case USB_REQ_GET_INTERFACE:
		if (ctrl->bRequestType != (USB_DIR_IN | USB_RECIP_INTERFACE))
			break;
		buf[0] = 0;
		ep0_reply(cam, buf, 1, ctrl);
		return;
	}
stall:
	ep0_stall(cam, ctrl, UC_ERR_INVALID_REQUEST);
}

/* ---- UVC class requests ---------------------------------------------------- */

static const char *query_name(uint8_t q)
{
	switch (q) {
	case UVC_SET_CUR: return "SET_CUR";
	case UVC_GET_CUR: return "GET_CUR";
	case UVC_GET_MIN: return "GET_MIN";
	case UVC_GET_MAX: return "GET_MAX";
	case UVC_GET_RES: return "GET_RES";
	case UVC_GET_LEN: return "GET_LEN";
	case UVC_GET_INFO: return "GET_INFO";
	case UVC_GET_DEF: return "GET_DEF";
	default: return "?";
	}
}

/* VS_PROBE_CONTROL and VS_COMMIT_CONTROL (UVC 4.3.1.1). */
static void probe_commit(struct uc_camera *cam,
			 const struct usb_ctrlrequest *ctrl, bool commit)
{
	struct uc_probe p, *cur = commit ? &cam->commit : &cam->probe;
	uint8_t buf[UC_EP0_MAX];
	struct uc_params params;
	size_t len;

	switch (ctrl->bRequest) {
	case UVC_SET_CUR:
		/*
		 * The host sets a probe before it streams with a new format
		 * and commits to start: either way the stream in progress
		 * is over, and no payload of it may still wait on the
		 * endpoint.
		 */
		uc_streamer_stop(&cam->streamer);
		/* A commit takes what the last probe settled on. */
		p = commit ? cam->probe : *cur;
		uc_probe_unpack(cam->out_data, cam->out_len, &p);
		uc_probe_fix(&p);
		*cur = p;
		if (uc_verbose || commit)
			uc_log("%s SET_CUR: %s frame %u (%ux%u) interval %u",
			       commit ? "commit" : "probe",
			       uc_format_names[p.format - 1], p.frame,
			       uc_frames[p.frame - 1].width,
			       uc_frames[p.frame - 1].height, p.interval);
		if (commit) {
			params.format = p.format;
			params.frame = p.frame;
			params.interval = p.interval;
			if (cam->streamer.ep_fd >= 0)
				uc_streamer_go(&cam->streamer, &params);
		}
		return;
	case UVC_GET_CUR:
		p = *cur;
		break;
	case UVC_GET_DEF:
		uc_probe_default(&p);
		break;
	case UVC_GET_MIN:
	case UVC_GET_MAX:
		uc_probe_default(&p);
		p.interval = uc_intervals[ctrl->bRequest == UVC_GET_MIN ?
					  0 : UC_NR_INTERVALS - 1];
		p.comp_quality = ctrl->bRequest == UVC_GET_MIN ? 1 : 10000;
		break;
	case UVC_GET_LEN:
		buf[0] = UC_PROBE_LEN;
		buf[1] = 0;
		ep0_reply(cam, buf, 2, ctrl);
		return;
	case UVC_GET_INFO:
		buf[0] = 0x03;		/* GET and SET supported */
		ep0_reply(cam, buf, 1, ctrl);
		return;
	default:
		ep0_stall(cam, ctrl, UC_ERR_INVALID_REQUEST);
		return;
	}
	len = uc_probe_pack(&p, buf, sizeof(buf));
	if (uc_verbose)
		uc_log("%s %s: %s frame %u interval %u",
		       commit ? "commit" : "probe",
		       query_name(ctrl->bRequest),
		       uc_format_names[p.format - 1], p.frame, p.interval);
	ep0_reply(cam, buf, len, ctrl);
}

static void class_request(struct uc_camera *cam,
			  const struct usb_ctrlrequest *ctrl)
{
	uint8_t intf = ctrl->wIndex & 0xff, entity = ctrl->wIndex >> 8;
	uint8_t cs = ctrl->wValue >> 8, err = UC_ERR_INVALID_CONTROL;

	if ((ctrl->bRequestType & USB_RECIP_MASK) != USB_RECIP_INTERFACE) {
		err = UC_ERR_INVALID_REQUEST;
	} else if (intf == UC_INTF_STREAMING && entity == 0 &&
		   (cs == UVC_VS_PROBE_CONTROL ||
		    cs == UVC_VS_COMMIT_CONTROL)) {
		cam->error_code = UC_ERR_NONE;
		probe_commit(cam, ctrl, cs == UVC_VS_COMMIT_CONTROL);
		return;
	} else if (intf == UC_INTF_CONTROL && entity == 0 &&
		   cs == UVC_VC_REQUEST_ERROR_CODE_CONTROL &&
		   ctrl->bRequest == UVC_GET_CUR) {
		uint8_t code = cam->error_code;

		ep0_reply(cam, &code, 1, ctrl);
		return;
	} else if (intf == UC_INTF_CONTROL && entity != 0 &&
		   entity != UC_ID_CAMERA && entity != UC_ID_OUTPUT) {
		err = UC_ERR_INVALID_UNIT;
	}
	if (uc_verbose)
		uc_log("%s on interface %u entity %u selector %u: not "
		       "supported", query_name(ctrl->bRequest), intf, entity,
		       cs);
	ep0_stall(cam, ctrl, err);
}

/* Is this a SET_CUR of the streaming interface's control @cs? */
static bool is_probe_set(const struct usb_ctrlrequest *ctrl, uint8_t cs)
{
	return ctrl->bRequestType == (USB_TYPE_CLASS | USB_RECIP_INTERFACE) &&
	       ctrl->bRequest == UVC_SET_CUR && ctrl->wValue >> 8 == cs &&
	       ctrl->wIndex == UC_INTF_STREAMING;
}

/*
 * One control request. gadgetfs has already received the data stage of an
 * OUT request and the host has moved on: read it before anything else, or
 * the host's next request may overwrite it (see lost_request()).
 */
static void setup_request(struct uc_camera *cam,
			  const struct usb_ctrlrequest *ctrl)
{
	ssize_t n;

	if (!(ctrl->bRequestType & USB_DIR_IN) && ctrl->wLength) {
		if (cam->cfg.late_data_ms && cam->out_requests++ % 2 == 0)
			usleep(cam->cfg.late_data_ms * 1000);
		n = read(cam->ep0_fd, cam->out_data,
			 ctrl->wLength < sizeof(cam->out_data) ?
			 ctrl->wLength : sizeof(cam->out_data));
		if (n < 0) {
			cam->lost++;
			uc_log("request %02x.%02x v%04x i%04x: its data is "
			       "lost (%s): the host sent the next request "
			       "before it was read", ctrl->bRequestType,
			       ctrl->bRequest, ctrl->wValue, ctrl->wIndex,
			       strerror(errno));
			if (!is_probe_set(ctrl, UVC_VS_COMMIT_CONTROL)) {
				bool probe = is_probe_set(ctrl,
							  UVC_VS_PROBE_CONTROL);

				cam->answer_hidden = probe && cam->probe_known;
				if (probe && !cam->probe_known)
					uc_log("two probes in a row lost: the "
					       "format asked for is unknown");
				if (probe)
					cam->probe_known = false;
				return;
			}
			/* uvcvideo commits what the probe GET_CUR said */
			n = (ssize_t)uc_probe_pack(&cam->probe, cam->out_data,
						   sizeof(cam->out_data));
		}
		cam->out_len = (size_t)n;
		if (is_probe_set(ctrl, UVC_VS_PROBE_CONTROL))
			cam->probe_known = true;
	}
	if (uc_verbose)
		uc_log("setup %02x.%02x v%04x i%04x l%u", ctrl->bRequestType,
		       ctrl->bRequest, ctrl->wValue, ctrl->wIndex,
		       ctrl->wLength);
	switch (ctrl->bRequestType & USB_TYPE_MASK) {
	case USB_TYPE_STANDARD:
		standard_request(cam, ctrl);
		break;
	case USB_TYPE_CLASS:
		class_request(cam, ctrl);
		break;
	default:
		ep0_stall(cam, ctrl, UC_ERR_INVALID_REQUEST);
		break;
	}
}

/* ---- the event loop ------------------------------------------------------- */

/* Returns 1 to go on, 0 to end normally, -1 on errors. */
static int handle_events(struct uc_camera *cam)
{
	struct usb_gadgetfs_event ev[5];
	ssize_t n;
	int i;

	n = read(cam->ep0_fd, ev, sizeof(ev));
	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN || errno == EIDRM)
			return 1;	/* EIDRM: the host gave up a request */
		if (errno == ENODEV || errno == ESHUTDOWN) {
			uc_log("the UDC went away (%s)", strerror(errno));
			return 0;
		}
		uc_log("reading ep0 events: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < n / (ssize_t)sizeof(ev[0]); i++) {
		switch (ev[i].type) {
		case GADGETFS_CONNECT:
			cam->high_speed = ev[i].u.speed == USB_SPEED_HIGH;
			uc_log("connected (%s speed)",
			       cam->high_speed ? "high" : "full");
			break;
		case GADGETFS_DISCONNECT:
			if (cam->configured) {
				uc_log("host disconnected");
				return 0;
			}
			/* a bus reset while the host enumerates */
			if (uc_verbose)
				uc_log("reset before configuration");
			break;
		case GADGETFS_SETUP:
			setup_request(cam, &ev[i].u.setup);
			break;
		case GADGETFS_SUSPEND:
			if (uc_verbose)
				uc_log("suspended");
			break;
		default:
			break;
		}
	}
	return 1;
}

/*
 * gadgetfs (drivers/usb/gadget/legacy/inode.c) completes the data stage
 * of an OUT control request as soon as the host sends it, before user
 * space has read it. If the host's next request arrives before that read,
 * the read fails with EIDRM, the data is gone, and gadgetfs stays in its
 * SETUP state for the new request, whose event cannot be read until that
 * request is answered; ep0 then polls writable.
 *
 * uvcvideo makes this recoverable. A lost commit is taken to carry the
 * probe the host last read (setup_request()): uvcvideo commits exactly
 * that. After a probe SET_CUR, uvcvideo's next request is a GET of the
 * probe: GET_MIN (only its wCompQuality is used, and the SET_CUR is sent
 * again) or GET_CUR, after the SET_CUR that repeats the one before it or
 * sets the default; the last probe set answers either, unless it was
 * lost too (then the format the host asked for is unknown). Anything else
 * hidden is stalled if it is an IN request (the host sees EPIPE at once,
 * not a 5 s timeout) or acknowledged if it is an OUT one without data.
 */
static void lost_request(struct uc_camera *cam)
{
	uint8_t buf[UC_PROBE_LEN];
	size_t len;

	if (cam->answer_hidden) {
		cam->answer_hidden = false;
		uc_streamer_stop(&cam->streamer);
		len = uc_probe_pack(&cam->probe, buf, sizeof(buf));
		if (write(cam->ep0_fd, buf, len) < 0)
			uc_log("ep0: answering the request after a lost "
			       "probe: %s", strerror(errno));
		else
			uc_log("ep0: answered the request after the lost "
			       "probe with the last probe set: %s frame %u "
			       "interval %u",
			       uc_format_names[cam->probe.format - 1],
			       cam->probe.frame, cam->probe.interval);
		return;
	}
	if (read(cam->ep0_fd, NULL, 0) < 0 && errno != EL2HLT)
		uc_log("ep0: clearing a hidden request: %s", strerror(errno));
	else
		uc_log("ep0: a hidden request was stalled (IN) or "
		       "acknowledged (OUT)");
}

static int run(struct uc_camera *cam)
{
	struct pollfd pfd[2] = {
		{ .fd = cam->sig_fd, .events = POLLIN },
		{ .fd = cam->ep0_fd, .events = POLLIN | POLLOUT },
	};
	struct signalfd_siginfo si;
	int ret = 1;

	while (ret > 0) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			uc_log("poll: %s", strerror(errno));
			return -1;
		}
		if (pfd[0].revents & POLLIN) {
			if (read(cam->sig_fd, &si, sizeof(si)) == sizeof(si))
				uc_log("signal %u: unplugging", si.ssi_signo);
			return 0;
		}
		/* POLLHUP: a request was aborted; read() reports it */
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))
			ret = handle_events(cam);
		else if (pfd[1].revents & POLLOUT)
			lost_request(cam);
	}
	return ret;
}

int main(int argc, char **argv)
{
	struct uc_camera cam = { .ep0_fd = -1, .sig_fd = -1,
				 .probe_known = true };
	sigset_t set;
	int ret = 1;

	parse_options(argc, argv, &cam.cfg);
	if (cam.cfg.dump) {
		uint8_t buf[UC_DESC_MAX];
		size_t len = gadget_descriptors(buf, sizeof(buf));

		return !len || fwrite(buf, 1, len, stdout) != len;
	}
	uc_probe_default(&cam.probe);
	cam.commit = cam.probe;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);	/* inherited by the thread */
	cam.sig_fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (cam.sig_fd < 0) {
		uc_log("signalfd: %s", strerror(errno));
		return 1;
	}
	if (find_udc(&cam))
		goto out_sig;
	if (uc_streamer_start(&cam.streamer, &cam.cfg)) {
		uc_log("cannot start the streaming thread");
		goto out_sig;
	}
	/*
	 * ep0 must read the data of an OUT request before the host sends the
	 * next one (lost_request()): run it ahead of everything else. The
	 * streaming thread, already started, keeps the normal policy.
	 */
	if (pthread_setschedparam(pthread_self(), SCHED_FIFO,
				  &(struct sched_param){ .sched_priority = 10 }))
		uc_log("ep0 stays at normal priority (SCHED_FIFO refused)");
	if (bind_gadget(&cam))
		goto out_streamer;

	ret = run(&cam) < 0;

	disable_endpoint(&cam);
out_streamer:
	uc_streamer_destroy(&cam.streamer);
	if (cam.ep0_fd >= 0)
		close(cam.ep0_fd);	/* unbinds the gadget: unplugged */
	uc_log("exit %d after %lu streaming sessions, %u frames, %lu lost "
	       "requests", ret, cam.streamer.sessions, cam.streamer.sequence,
	       cam.lost);
out_sig:
	close(cam.sig_fd);
	return ret;
}
