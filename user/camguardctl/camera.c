// SPDX-License-Identifier: MIT
/*
 * camguardctl bind CAMERA USER[:GROUP], unbind CAMERA, mute CAMERA on|off:
 * who may own a camera, and the privacy switch (admin).
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "parse.h"

struct cam_req {
	uint32_t cam;
	bool bind;
	uint32_t uid, gid;
	uint8_t muted;
	bool mute;
};

static int put_cam_req(struct nl_msg *msg, void *arg)
{
	struct cam_req *r = arg;

	if (nla_put_u32(msg, CAMGUARD_A_CAM_ID, r->cam) ||
	    (r->bind && (nla_put_u32(msg, CAMGUARD_A_CAM_BOUND_UID, r->uid) ||
			 nla_put_u32(msg, CAMGUARD_A_CAM_BOUND_GID, r->gid))) ||
	    (r->mute && nla_put_u8(msg, CAMGUARD_A_CAM_MUTED, r->muted)))
		return -EMSGSIZE;
	return 0;
}

static int send_cam_req(struct cg_nl *nl, void *arg)
{
	struct cam_req *r = arg;

	return cg_nl_request(nl, r->mute ? CAMGUARD_CMD_CAM_MUTE :
			     CAMGUARD_CMD_CAM_BIND, false, put_cam_req, r,
			     NULL, NULL);
}

/* USER[:GROUP], names or numbers; the group defaults to USER's. */
static int parse_owner(const char *s, uint32_t *uid, uint32_t *gid)
{
	char user[256], *colon;
	struct passwd *pw;
	struct group *gr;

	if (strlen(s) >= sizeof(user))
		return -EINVAL;
	strcpy(user, s);
	colon = strchr(user, ':');
	if (colon)
		*colon++ = '\0';
	pw = getpwnam(user);
	if (pw) {
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
	} else if (cg_parse_u32(user, 0, UINT32_MAX - 1, uid) == 0) {
		pw = getpwuid(*uid);
		if (!pw && !colon)
			return -ENOENT;	/* a bare number needs a group */
		if (pw)
			*gid = pw->pw_gid;
	} else {
		return -ENOENT;
	}
	if (!colon)
		return 0;
	gr = getgrnam(colon);
	if (gr)
		*gid = gr->gr_gid;
	else if (cg_parse_u32(colon, 0, UINT32_MAX - 1, gid))
		return -ENOENT;
	return 0;
}

static int camera_arg(const char *s, uint32_t *cam)
{
	if (cg_parse_u32(s, 0, 65535, cam)) {
		fprintf(stderr, "camguardctl: bad camera id '%s' (0..65535)\n", s);
		return -EINVAL;
	}
	return 0;
}

/* bind CAMERA USER[:GROUP], unbind CAMERA, mute CAMERA on|off. */
static int camera_run(const char *cmd, int argc, char **argv)
{
	bool bind = !strcmp(cmd, "bind"), mute = !strcmp(cmd, "mute");
	struct cam_req req = { 0 };

	if (argc != (bind || mute ? 2 : 1) || camera_arg(argv[0], &req.cam)) {
		ctl_usage(stderr);
		return 2;
	}
	if (bind) {
		req.bind = true;
		if (parse_owner(argv[1], &req.uid, &req.gid)) {
			fprintf(stderr, "camguardctl: unknown owner '%s' (USER[:GROUP], names or ids)\n",
				argv[1]);
			return 2;
		}
	}
	if (mute) {
		req.mute = true;
		if (!strcmp(argv[1], "on")) {
			req.muted = 1;
		} else if (strcmp(argv[1], "off")) {
			fprintf(stderr, "camguardctl: mute takes on or off\n");
			return 2;
		}
	}
	return ctl_nl_run(cmd, send_cam_req, &req);
}

int ctl_bind(const struct ctl_opts *o, int argc, char **argv)
{
	(void)o;
	return camera_run("bind", argc, argv);
}

int ctl_unbind(const struct ctl_opts *o, int argc, char **argv)
{
	(void)o;
	return camera_run("unbind", argc, argv);
}

int ctl_mute(const struct ctl_opts *o, int argc, char **argv)
{
	(void)o;
	return camera_run("mute", argc, argv);
}
