// SPDX-License-Identifier: GPL-2.0
/*
 * PID 1 of the arm64 selftest guest (make check-arm64, tests/check-arm64.sh).
 *
 * An aarch64 guest cannot run the host's x86 programs, so it has no shared
 * root, no busybox and no shell: this static program is the whole of its
 * user space besides the selftests. It mounts proc, sysfs, devtmpfs and a
 * tmpfs on /tmp, then carries out /plan, one step a line, written by
 * tests/check-arm64.sh:
 *
 *   env NAME=VALUE        set in the environment of the programs to come
 *   load                  insmod /modules/camguard.ko, then
 *                         /modules/camguard_vcam.ko, and wait for every
 *                         camera's video node ("camguard-N" in sysfs)
 *   unload                rmmod camguard_vcam, camguard
 *   run SECONDS PROG ARG...  run /selftests/PROG in /tmp as its own process
 *                         group; SIGTERM to the group after SECONDS,
 *                         SIGKILL 10 s later
 *   dmesg                 the kernel log, read with syslog(2)
 *
 * Everything goes to the virtio console hvc0 (the kernel's own messages go
 * to the PL011 console, ttyAMA0, a file of their own on the host): the
 * programs' output as it comes, and a line of this program's own for each
 * step, all starting "camguard-arm64: ":
 *
 *   load ok | load failed: WHY          unload ok | unload failed: WHY
 *   begin PROG ARG...                   end PROG status N seconds S
 *   end PROG timeout 124 seconds S      dmesg begin | dmesg end
 *   done                                (the plan's end; then power off)
 *
 * Nothing is judged here; the host reads the lines. A step that cannot be
 * read is reported ("plan: ...") and ends the plan.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define PREFIX "camguard-arm64: "
#define MAX_ARGS 32

static int out = -1;

__attribute__((format(printf, 1, 2)))
static void say(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(out, PREFIX, strlen(PREFIX)) < 0 || write(out, buf, n) < 0)
		return;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void power_off(void)
{
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

static void mount_or_say(const char *type, const char *dir, const char *opts)
{
	mkdir(dir, 0755);
	if (mount(type, dir, type, 0, opts) && errno != EBUSY)
		say("mount %s on %s: %s", type, dir, strerror(errno));
}

/* The virtio console appears once virtio-mmio has probed it. */
static int open_output(void)
{
	int i, fd;

	for (i = 0; i < 100; i++) {
		fd = open("/dev/hvc0", O_WRONLY | O_NOCTTY | O_CLOEXEC);
		if (fd >= 0)
			return fd;
		usleep(100 * 1000);
	}
	return open("/dev/console", O_WRONLY | O_NOCTTY | O_CLOEXEC);
}

static int insmod(const char *path, char *why, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(why, len, "open %s: %s", path, strerror(errno));
		return -1;
	}
	if (syscall(SYS_finit_module, fd, "", 0)) {
		snprintf(why, len, "insmod %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int read_line(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

/* Is there a video node whose sysfs name is NAME? */
static int have_node(const char *name)
{
	DIR *d = opendir("/sys/class/video4linux");
	struct dirent *de;
	char path[300], got[64];
	int found = 0;

	if (!d)
		return 0;
	while (!found && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/class/video4linux/%s/name", de->d_name);
		if (!read_line(path, got, sizeof(got)) && !strcmp(got, name))
			found = 1;
	}
	closedir(d);
	return found;
}

static int load(char *why, size_t len)
{
	char buf[32], name[32];
	int cams, i, t;

	if (insmod("/modules/camguard.ko", why, len) ||
	    insmod("/modules/camguard_vcam.ko", why, len))
		return -1;
	if (read_line("/sys/module/camguard_vcam/parameters/cameras", buf, sizeof(buf))) {
		snprintf(why, len, "no /sys/module/camguard_vcam/parameters/cameras");
		return -1;
	}
	cams = atoi(buf);
	for (i = 0; i < cams; i++) {
		snprintf(name, sizeof(name), "camguard-%d", i);
		for (t = 0; t < 100 && !have_node(name); t++)
			usleep(100 * 1000);
		if (t == 100) {
			snprintf(why, len, "camera %d has no video node 10 s after insmod", i);
			return -1;
		}
	}
	return 0;
}

static int unload(char *why, size_t len)
{
	static const char *const mods[] = { "camguard_vcam", "camguard" };
	struct stat st;
	unsigned int i;
	int t;

	for (i = 0; i < 2; i++) {
		if (syscall(SYS_delete_module, mods[i], O_NONBLOCK)) {
			snprintf(why, len, "rmmod %s: %s", mods[i], strerror(errno));
			return -1;
		}
	}
	for (t = 0; t < 100 && !stat("/sys/module/camguard", &st); t++)
		usleep(100 * 1000);
	if (t == 100) {
		snprintf(why, len, "camguard still in /sys/module 10 s after rmmod");
		return -1;
	}
	return 0;
}

/* Wait for PID, reaping every other child (we are PID 1) meanwhile. */
static int wait_for(pid_t pid, double deadline, int *status)
{
	pid_t got;
	int st;

	for (;;) {
		got = waitpid(-1, &st, WNOHANG);
		if (got == pid) {
			*status = st;
			return 0;
		}
		if (got > 0)
			continue;
		if (now() > deadline)
			return -1;
		usleep(50 * 1000);
	}
}

static void run(int seconds, char **argv)
{
	char path[256], line[512];
	double t0 = now();
	size_t n = 0;
	int status, i, devnull;
	pid_t pid;

	for (i = 0; argv[i]; i++)
		n += snprintf(line + n, n < sizeof(line) ? sizeof(line) - n : 0, "%s%s",
			      i ? " " : "", argv[i]);
	say("begin %s", line);
	snprintf(path, sizeof(path), "/selftests/%s", argv[0]);
	pid = fork();
	if (pid < 0) {
		say("end %s fork-failed %d seconds 0", argv[0], errno);
		return;
	}
	if (!pid) {
		setpgid(0, 0);
		devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(out, 1);
		dup2(out, 2);
		if (chdir("/tmp"))
			_exit(126);
		execv(path, argv);
		dprintf(2, PREFIX "exec %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);
	if (wait_for(pid, t0 + seconds, &status)) {
		kill(-pid, SIGTERM);
		if (wait_for(pid, now() + 10, &status)) {
			kill(-pid, SIGKILL);
			wait_for(pid, now() + 3600, &status);
		}
		say("end %s timeout 124 seconds %.1f", argv[0], now() - t0);
		kill(-pid, SIGKILL);
		return;
	}
	/* what the harness forked and left behind goes too */
	kill(-pid, SIGKILL);
	if (WIFEXITED(status))
		say("end %s status %d seconds %.1f", argv[0], WEXITSTATUS(status), now() - t0);
	else
		say("end %s status %d seconds %.1f", argv[0], 128 + WTERMSIG(status), now() - t0);
}

static void dmesg(void)
{
	int len = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	char *buf;

	say("dmesg begin");
	buf = len > 0 ? malloc(len) : NULL;
	if (buf) {
		len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, len);
		if (len > 0 && write(out, buf, len) < 0)
			len = 0;
		free(buf);
	}
	say("dmesg end");
}

static void plan(FILE *f)
{
	char line[1024], why[256], *argv[MAX_ARGS + 1], *w, *save;
	int argc;

	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		argc = 0;
		for (w = strtok_r(line, " ", &save); w && argc < MAX_ARGS;
		     w = strtok_r(NULL, " ", &save))
			argv[argc++] = w;
		argv[argc] = NULL;
		if (!argc || argv[0][0] == '#')
			continue;
		if (!strcmp(argv[0], "env") && argc == 2 && strchr(argv[1], '=')) {
			putenv(strdup(argv[1]));
		} else if (!strcmp(argv[0], "load") && argc == 1) {
			if (load(why, sizeof(why)))
				say("load failed: %s", why);
			else
				say("load ok");
		} else if (!strcmp(argv[0], "unload") && argc == 1) {
			if (unload(why, sizeof(why)))
				say("unload failed: %s", why);
			else
				say("unload ok");
		} else if (!strcmp(argv[0], "run") && argc >= 3 && atoi(argv[1]) > 0) {
			run(atoi(argv[1]), argv + 2);
		} else if (!strcmp(argv[0], "dmesg") && argc == 1) {
			dmesg();
		} else {
			say("plan: cannot read step '%s'", argv[0]);
			return;
		}
	}
	say("done");
}

int main(void)
{
	char up[64];
	FILE *f;

	mount_or_say("proc", "/proc", NULL);
	mount_or_say("sysfs", "/sys", NULL);
	mount_or_say("devtmpfs", "/dev", NULL);
	mount_or_say("tmpfs", "/tmp", "mode=1777");
	out = open_output();
	if (out < 0)
		power_off();
	clearenv();
	setenv("PATH", "/selftests", 1);
	setenv("HOME", "/tmp", 1);
	if (read_line("/proc/uptime", up, sizeof(up)))
		strcpy(up, "?");
	up[strcspn(up, " ")] = 0;
	say("init started at %ss", up);
	f = fopen("/plan", "re");
	if (!f)
		say("plan: no /plan: %s", strerror(errno));
	else
		plan(f);
	power_off();
	return 0;
}
