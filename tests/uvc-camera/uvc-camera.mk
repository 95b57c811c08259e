# SPDX-License-Identifier: GPL-2.0
#
# The user-space UVC camera on gadgetfs (tests/uvc-camera/README.md),
# included by the top-level Makefile after user/user.mk, whose library
# objects (stamp drawing, JPEG) it links. TOP, CC, CFLAGS, LDFLAGS come
# from there.
#
#   make uvc-camera        build/tests/uvc-camera/uvc-camera (also built
#                          by make all)
#   make uvc-camera-clean

UVC_CAMERA_DIR := build/tests/uvc-camera
UVC_CAMERA_PROG := $(UVC_CAMERA_DIR)/uvc-camera
UVC_CAMERA_SRCS := $(addprefix tests/uvc-camera/,uvc-camera.c uvc-desc.c \
		   uvc-stream.c)
UVC_CAMERA_OBJS := $(patsubst tests/uvc-camera/%.c,$(UVC_CAMERA_DIR)/%.o, \
		   $(UVC_CAMERA_SRCS))

.PHONY: uvc-camera uvc-camera-clean

all: $(UVC_CAMERA_PROG)
clean: uvc-camera-clean

uvc-camera: $(UVC_CAMERA_PROG)

$(UVC_CAMERA_DIR)/%.o: tests/uvc-camera/%.c tests/uvc-camera/uvc-camera.h \
		       $(USER_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(USER_TJ_CFLAGS) -c -o $@ $<

$(UVC_CAMERA_PROG): $(UVC_CAMERA_OBJS) $(USER_LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -pthread -o $@ $^ $(USER_TJ_LIBS)

uvc-camera-clean:
	rm -rf $(UVC_CAMERA_DIR)
