/*
 * proc.c — larch-bench's view of a server on the same machine: find the
 * process listening on a port, read its CPU time and memory from /proc,
 * and sample its RSS in a thread to catch the peak of a measured phase.
 *
 * /proc/net/tcp and tcp6 lines (after a header line):
 *
 *   sl  local_address       rem_address   st  tx:rx  tr:when  retr  uid  timeout  inode ...
 *   0:  0100007F:1A0B       00000000:0000 0A  ...                      ...          12345
 *
 * local port = hex after ':', st 0A = LISTEN, inode = the 10th field; the
 * owner is the process with an fd linking to "socket:[inode]".
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_int.h"

/* The inode of a socket listening on port in /proc/net/<file>, or 0. */
static unsigned long listen_inode(const char *file, int port)
{
	char line[512];
	unsigned long found = 0;
	FILE *f = fopen(file, "r");

	if (!f)
		return 0;
	if (!fgets(line, sizeof line, f)) /* header */
		goto done;
	while (!found && fgets(line, sizeof line, f)) {
		char local[64];
		unsigned st;
		unsigned long inode;
		if (sscanf(line, " %*[^:]: %63s %*s %x %*s %*s %*s %*s %*s %lu", local, &st,
			   &inode) != 3)
			continue;
		const char *colon = strrchr(local, ':');
		if (colon && st == 0x0A && strtol(colon + 1, NULL, 16) == port)
			found = inode;
	}
done:
	fclose(f);
	return found;
}

/* 1 if process pid has an fd linking to socket:[inode]. */
static int pid_has_socket(const char *pid, unsigned long inode)
{
	char dir[64], link[128], want[48], path[320];
	int found = 0;
	DIR *d;
	struct dirent *e;

	snprintf(dir, sizeof dir, "/proc/%s/fd", pid);
	snprintf(want, sizeof want, "socket:[%lu]", inode);
	if (!(d = opendir(dir)))
		return 0;
	while (!found && (e = readdir(d))) {
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		ssize_t n = readlink(path, link, sizeof link - 1);
		if (n > 0) {
			link[n] = 0;
			found = strcmp(link, want) == 0;
		}
	}
	closedir(d);
	return found;
}

pid_t proc_find_listener(int port)
{
	unsigned long inode = listen_inode("/proc/net/tcp", port);
	pid_t pid = 0;
	DIR *d;
	struct dirent *e;

	if (!inode)
		inode = listen_inode("/proc/net/tcp6", port);
	if (!inode || !(d = opendir("/proc")))
		return 0;
	while (!pid && (e = readdir(d))) {
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9' && pid_has_socket(e->d_name, inode))
			pid = (pid_t)atol(e->d_name);
	}
	closedir(d);
	return pid;
}

/* The value in KiB of "key:   N kB" in /proc/<pid>/status, or -1. */
static long status_kb(pid_t pid, const char *key)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "r")))
		return -1;
	while (v < 0 && fgets(line, sizeof line, f)) {
		if (strncmp(line, key, klen) == 0 && line[klen] == ':')
			v = strtol(line + klen + 1, NULL, 10);
	}
	fclose(f);
	return v;
}

int proc_read_usage(pid_t pid, proc_usage_t *u, larch_error_t *err)
{
	char path[64], buf[1024];
	unsigned long long utime, stime;
	size_t n;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if (!(f = fopen(path, "r")))
		return err_set(err, LARCH_EXECUTE_ERROR, "%s: %s", path, strerror(errno));
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	/* the command name may hold spaces and ')': fields resume after the last ')';
	 * from there: state(3) ppid pgrp session tty tpgid flags minflt cminflt
	 * majflt cmajflt utime(14) stime(15) */
	const char *p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime,
			 &stime) != 2)
		return err_set(err, LARCH_EXECUTE_ERROR, "%s: unexpected format", path);
	double tick = (double)sysconf(_SC_CLK_TCK);
	u->user_s = (double)utime / tick;
	u->sys_s = (double)stime / tick;
	u->cpu_s = u->user_s + u->sys_s;
	u->rss_kb = status_kb(pid, "VmRSS");
	u->hwm_kb = status_kb(pid, "VmHWM");
	if (u->rss_kb < 0 || u->hwm_kb < 0)
		return err_set(err, LARCH_EXECUTE_ERROR, "/proc/%d/status: no VmRSS/VmHWM", (int)pid);
	return LARCH_OK;
}

/*---------------------------------------------------------------------------
 * RSS sampler
 *---------------------------------------------------------------------------*/

struct proc_sampler {
	pid_t pid;
	int period_ms;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;
	long peak_kb;
};

static void *sampler_main(void *arg)
{
	proc_sampler_t *s = arg;
	struct timespec until;

	pthread_mutex_lock(&s->mu);
	while (!s->stop) {
		long kb = status_kb(s->pid, "VmRSS");
		if (kb > s->peak_kb)
			s->peak_kb = kb;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += (long)s->period_ms * 1000000L;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&s->cv, &s->mu, &until);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

int proc_sampler_start(pid_t pid, int period_ms, proc_sampler_t **out, larch_error_t *err)
{
	proc_sampler_t *s = mem_calloc(1, sizeof *s);

	if (!s)
		return err_set(err, LARCH_NO_MEMORY, "rss sampler: out of memory");
	s->pid = pid;
	s->period_ms = period_ms;
	s->peak_kb = status_kb(pid, "VmRSS");
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	if (pthread_create(&s->thread, NULL, sampler_main, s) != 0) {
		pthread_cond_destroy(&s->cv);
		pthread_mutex_destroy(&s->mu);
		mem_free(s);
		return err_set(err, LARCH_INTERNAL_ERROR, "rss sampler: cannot start a thread");
	}
	*out = s;
	return LARCH_OK;
}

void proc_sampler_reset(proc_sampler_t *s)
{
	pthread_mutex_lock(&s->mu);
	s->peak_kb = status_kb(s->pid, "VmRSS");
	pthread_mutex_unlock(&s->mu);
}

long proc_sampler_peak_kb(proc_sampler_t *s)
{
	pthread_mutex_lock(&s->mu);
	long kb = s->peak_kb;
	pthread_mutex_unlock(&s->mu);
	return kb;
}

void proc_sampler_stop(proc_sampler_t *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = 1;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	mem_free(s);
}
