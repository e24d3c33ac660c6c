/*
 * wal_crash.c — crash test of the write-ahead log (src/storage/wal*.c).
 *
 *   wal_crash sync|async SECONDS DIR [SEED]
 *
 * Repeatedly, until SECONDS have passed: fork a child that opens the WAL in
 * DIR (recovering whatever the previous child left) and appends records
 * from four threads, reporting each acknowledged LSN to the parent through
 * a pipe; after a random delay (0 .. 40 ms, so some kills land inside
 * recovery) the parent kills it with SIGKILL, replays DIR read-only and
 * checks:
 *   - the replay succeeds (no LARCH_CORRUPTED) and its LSNs are contiguous;
 *   - every record replayed, acknowledged or not, is intact: its payload
 *     carries (generation, thread, sequence, size) and the rest of it is
 *     regenerated from those and compared;
 *   - every acknowledged record above the checkpoint floor is present with
 *     the content the child acknowledged for that LSN;
 *   - the next child continues numbering right after the last record.
 * In SYNC mode every other kill is also made a simulated power cut: what
 * was never fsync'd may be lost or garbled, so the parent cuts the last
 * segment at a random offset after the last record known durable (the
 * highest acknowledged one, or the last one the child's recovery found and
 * fsync'd), or appends zeros or random bytes after the cut, or overwrites
 * a range after it with them and keeps what follows, as blocks written
 * out of order leave behind.  The replay must still hold every
 * acknowledged record, and the next child must recover (cut the damage
 * away) and continue after it.
 * The child checkpoints now and then (announcing the bound first), which
 * keeps DIR small and moves the floor: records at or below a checkpoint
 * bound may legitimately be gone.  Segments are small (256 KiB) so kills
 * also land in segment rolls.  ASYNC mode gives the same guarantees here,
 * since a killed process loses nothing it handed to the kernel.
 *
 * Exit status 0 when every check held, 1 otherwise.  The DIR is removed
 * by the caller (wal_crash.sh).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/base.h"
#include "storage/wal.h"

#define CHILD_THREADS 4
#define SEGMENT_BYTES (256 * 1024)
#define CHECKPOINT_EVERY 400     /* appends of thread 0 between checkpoints */
#define CHECKPOINT_LAG 2000      /* keep this many records before the last */
#define MAX_KILL_DELAY_US 40000

enum { MSG_ACK = 1, MSG_OPENED = 2, MSG_CHECKPOINT = 3 };

/* One pipe message; 32 bytes, so each write(2) is atomic (< PIPE_BUF). */
typedef struct msg {
	uint32_t type;
	uint32_t thread;
	uint64_t lsn;   /* ACK: the record; OPENED: next lsn; CHECKPOINT: bound */
	uint64_t seq;
	uint64_t gen;
} msg_t;

/* Record payload: [u64 gen][u32 thread][u64 seq][u32 size] then bytes
 * generated from those. */
#define REC_HDR 24

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t rec_size(uint64_t gen, uint32_t thread, uint64_t seq)
{
	uint64_t s = gen * 31 + thread * 7 + seq * 1000003u;
	uint64_t r = splitmix(&s);
	if (r % 97 == 0)
		return 70000;
	return REC_HDR + (uint32_t)(r % 3000);
}

static void rec_fill(uint8_t *p, uint64_t gen, uint32_t thread, uint64_t seq, uint32_t size)
{
	memcpy(p, &gen, 8);
	memcpy(p + 8, &thread, 4);
	memcpy(p + 12, &seq, 8);
	memcpy(p + 20, &size, 4);
	uint64_t s = gen ^ ((uint64_t)thread << 40) ^ (seq << 8);
	for (uint32_t i = REC_HDR; i < size; i++)
		p[i] = (uint8_t)(splitmix(&s) >> 56);
}

/*---------------------------------------------------------------------------
 * Child
 *---------------------------------------------------------------------------*/

typedef struct child {
	wal_t *w;
	int fd;
	uint64_t gen;
} child_t;

static child_t child;
static pthread_mutex_t child_fail_lock = PTHREAD_MUTEX_INITIALIZER;

static void child_send(const msg_t *m)
{
	if (write(child.fd, m, sizeof *m) != (ssize_t)sizeof *m)
		_exit(3); /* the parent went away */
}

static void child_die(const char *what, const larch_error_t *err)
{
	pthread_mutex_lock(&child_fail_lock);
	fprintf(stderr, "wal_crash child: %s: %d %s\n", what, err->code, err->msg);
	_exit(2);
}

static void *child_thread(void *arg)
{
	uint32_t t = (uint32_t)(uintptr_t)arg;
	uint8_t *buf = malloc(70000);
	if (!buf)
		_exit(2);
	for (uint64_t seq = 0;; seq++) {
		uint32_t size = rec_size(child.gen, t, seq);
		rec_fill(buf, child.gen, t, seq, size);
		uint64_t lsn;
		larch_error_t err = {0};
		if (wal_append(child.w, buf, size, &lsn, &err) != LARCH_OK)
			child_die("append", &err);
		msg_t m = {MSG_ACK, t, lsn, seq, child.gen};
		child_send(&m);
		if (t == 0 && seq % CHECKPOINT_EVERY == CHECKPOINT_EVERY - 1 &&
		    lsn > CHECKPOINT_LAG) {
			msg_t c = {MSG_CHECKPOINT, t, lsn - CHECKPOINT_LAG, 0, child.gen};
			child_send(&c);
			if (wal_checkpoint(child.w, lsn - CHECKPOINT_LAG, &err) != LARCH_OK)
				child_die("checkpoint", &err);
		}
	}
	return NULL;
}

static void child_main(const char *dir, wal_mode_t mode, int fd, uint64_t gen)
{
	child.fd = fd;
	child.gen = gen;
	wal_options_t o = {mode, 5, SEGMENT_BYTES};
	larch_error_t err = {0};
	if (wal_open(dir, &o, &child.w, &err) != LARCH_OK)
		child_die("open", &err);
	wal_stats_t st;
	wal_stats(child.w, &st);
	msg_t m = {MSG_OPENED, 0, st.last_lsn + 1, 0, gen};
	child_send(&m);
	pthread_t th[CHILD_THREADS];
	for (uint32_t t = 1; t < CHILD_THREADS; t++)
		if (pthread_create(&th[t], NULL, child_thread, (void *)(uintptr_t)t) != 0)
			_exit(2);
	child_thread((void *)0);
}

/*---------------------------------------------------------------------------
 * Parent
 *---------------------------------------------------------------------------*/

typedef struct ack {
	uint64_t lsn, seq, gen;
	uint32_t thread;
} ack_t;

typedef struct seen {
	uint64_t seq, gen;
	uint32_t thread;
} seen_t;

static struct {
	ack_t *acks;          /* acknowledged records above the floor */
	size_t nacks, capacks;
	uint64_t floor;       /* records <= floor may be gone (checkpoints) */
	uint64_t known_hi;    /* highest lsn ever acknowledged, replayed or announced
			       * (lowered by simulated power cuts) */
	uint64_t max_acked;   /* highest lsn ever acknowledged */
	uint64_t next_reported; /* MSG_OPENED of the current child, 0 if none */
	/* replay state */
	seen_t *seen;
	uint64_t seen_first, seen_n, seen_cap;
	int bad;
	/* totals */
	uint64_t iterations, acked_total, replayed_total, verified_total, power_cuts;
} P;

static void fail(const char *fmt, ...) LR_PRINTF(1, 2);
static void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "wal_crash: FAIL: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	P.bad = 1;
}

static void take_msg(const msg_t *m)
{
	if (m->type == MSG_ACK) {
		if (P.nacks == P.capacks) {
			P.capacks = P.capacks ? P.capacks * 2 : 4096;
			P.acks = realloc(P.acks, P.capacks * sizeof *P.acks);
			if (!P.acks) {
				perror("realloc");
				exit(1);
			}
		}
		P.acks[P.nacks++] = (ack_t){m->lsn, m->seq, m->gen, m->thread};
		P.acked_total++;
		P.known_hi = LR_MAX(P.known_hi, m->lsn);
		P.max_acked = LR_MAX(P.max_acked, m->lsn);
	} else if (m->type == MSG_OPENED) {
		P.next_reported = m->lsn;
	} else if (m->type == MSG_CHECKPOINT) {
		P.floor = LR_MAX(P.floor, m->lsn);
	} else {
		fail("unknown message type %u", m->type);
	}
}

/* Read what is available on fd into carry/clen, consuming whole messages.
 * Returns 0 at EOF. */
static int pump(int fd, uint8_t *carry, size_t *clen)
{
	ssize_t n = read(fd, carry + *clen, 65536 - *clen);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	if (n == 0)
		return 0;
	*clen += (size_t)n;
	size_t off = 0;
	for (; off + sizeof(msg_t) <= *clen; off += sizeof(msg_t)) {
		msg_t m;
		memcpy(&m, carry + off, sizeof m);
		take_msg(&m);
	}
	memmove(carry, carry + off, *clen - off);
	*clen -= off;
	return 1;
}

static int replay_cb(void *ctx, uint64_t lsn, const uint8_t *rec, size_t len)
{
	(void)ctx;
	if (P.seen_n > 0 && lsn != P.seen_first + P.seen_n) {
		fail("replay: lsn %" PRIu64 " after %" PRIu64, lsn, P.seen_first + P.seen_n - 1);
		return 1;
	}
	if (P.seen_n == 0)
		P.seen_first = lsn;
	uint64_t gen, seq;
	uint32_t thread, size;
	if (len < REC_HDR) {
		fail("replay: lsn %" PRIu64 " has %zu bytes", lsn, len);
		return 1;
	}
	memcpy(&gen, rec, 8);
	memcpy(&thread, rec + 8, 4);
	memcpy(&seq, rec + 12, 8);
	memcpy(&size, rec + 20, 4);
	static uint8_t want[70000];
	if (size != len || size != rec_size(gen, thread, seq) || thread >= CHILD_THREADS) {
		fail("replay: lsn %" PRIu64 ": bad record header", lsn);
		return 1;
	}
	rec_fill(want, gen, thread, seq, size);
	if (memcmp(want, rec, len) != 0) {
		fail("replay: lsn %" PRIu64 ": content differs", lsn);
		return 1;
	}
	if (P.seen_n == P.seen_cap) {
		P.seen_cap = P.seen_cap ? P.seen_cap * 2 : 4096;
		P.seen = realloc(P.seen, P.seen_cap * sizeof *P.seen);
		if (!P.seen) {
			perror("realloc");
			exit(1);
		}
	}
	P.seen[P.seen_n++] = (seen_t){seq, gen, thread};
	return 0;
}

/* After a kill: replay and check everything described at the top. */
static void verify(const char *dir)
{
	P.seen_n = 0;
	larch_error_t err = {0};
	uint64_t bytes = 0;
	int rc = wal_replay(dir, 0, replay_cb, NULL, &bytes, &err);
	if (rc != LARCH_OK) {
		fail("replay: %d %s", rc, err.msg);
		return;
	}
	P.replayed_total += P.seen_n;
	uint64_t last = P.seen_n ? P.seen_first + P.seen_n - 1 : 0;
	if (P.seen_n && P.seen_first > P.floor + 1)
		fail("records %" PRIu64 "..%" PRIu64 " above the checkpoint floor are gone",
		     P.floor + 1, P.seen_first - 1);
	size_t keep = 0;
	for (size_t i = 0; i < P.nacks; i++) {
		const ack_t *a = &P.acks[i];
		if (a->lsn <= P.floor)
			continue; /* may be checkpointed away */
		if (!P.seen_n || a->lsn < P.seen_first || a->lsn > last) {
			fail("acknowledged lsn %" PRIu64 " missing (replayed %" PRIu64 "..%" PRIu64 ")",
			     a->lsn, P.seen_first, last);
			continue;
		}
		const seen_t *s = &P.seen[a->lsn - P.seen_first];
		if (s->gen != a->gen || s->thread != a->thread || s->seq != a->seq)
			fail("lsn %" PRIu64 " holds another record than the one acknowledged",
			     a->lsn);
		P.verified_total++;
		P.acks[keep++] = *a;
	}
	P.nacks = keep;
	P.known_hi = LR_MAX(P.known_hi, last);
}

/* Simulate a power cut after a SYNC child: records <= durable survive;
 * at a random offset after them the last segment is cut, cut and followed
 * by 1..3000 zero or random bytes, or overwritten with such bytes.  Frames are walked with the format
 * of wal.c, independently of the library. */
static void power_cut(const char *dir, uint64_t durable, uint64_t *seed)
{
	DIR *d = opendir(dir);
	if (!d)
		return; /* the first child died before creating anything */
	char name[64] = "";
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (strlen(e->d_name) == 28 && !strncmp(e->d_name, "wal-", 4) &&
		    !strcmp(e->d_name + 24, ".log") && strcmp(e->d_name, name) > 0)
			memcpy(name, e->d_name, 29);
	closedir(d);
	if (!name[0])
		return;
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	int fd = open(path, O_RDWR);
	if (fd < 0) {
		fail("power cut: open %s: %s", path, strerror(errno));
		return;
	}
	off_t size = lseek(fd, 0, SEEK_END);
	uint8_t *b = malloc((size_t)size + 1);
	if (!b || pread(fd, b, (size_t)size, 0) != size) {
		fail("power cut: read %s", path);
		free(b);
		close(fd);
		return;
	}
	uint64_t keep = 32, off = 32;
	while (off + 16 <= (uint64_t)size) {
		uint64_t len = load_be32(b + off), lsn = load_be64(b + off + 8);
		if (len == 0 || off + 16 + len > (uint64_t)size)
			break;
		off += 16 + len;
		if (lsn <= durable)
			keep = off;
	}
	free(b);
	uint64_t cut = keep + splitmix(seed) % ((uint64_t)size - keep + 1);
	static uint8_t junk[3000];
	size_t n = 1 + splitmix(seed) % sizeof junk;
	int zeros = splitmix(seed) % 2;
	for (size_t i = 0; i < n; i++)
		junk[i] = zeros ? 0 : (uint8_t)splitmix(seed);
	switch (splitmix(seed) % 3) {
	case 0: /* the unsynced tail is lost */
		if (ftruncate(fd, (off_t)cut) != 0)
			fail("power cut: truncate %s: %s", path, strerror(errno));
		break;
	case 1: /* ... and junk follows what survived */
		if (ftruncate(fd, (off_t)cut) != 0 || pwrite(fd, junk, n, (off_t)cut) != (ssize_t)n)
			fail("power cut: damage %s: %s", path, strerror(errno));
		break;
	default: /* a block in the middle never made it; later ones did */
		n = (size_t)LR_MIN((uint64_t)n, (uint64_t)size - cut);
		if (pwrite(fd, junk, n, (off_t)cut) != (ssize_t)n)
			fail("power cut: damage %s: %s", path, strerror(errno));
		break;
	}
	close(fd);
	P.power_cuts++;
}

/* A child reported the LSN it continues at: right after the last record
 * the previous replay found, or (if it found none) after every LSN known
 * before this child started (known_before). */
static void check_next(uint64_t next, uint64_t last_replayed, int had_records,
		       uint64_t known_before)
{
	if (had_records ? next != last_replayed + 1 : next < known_before + 1)
		fail("child continues at lsn %" PRIu64 ", expected %s%" PRIu64, next,
		     had_records ? "" : ">= ", (had_records ? last_replayed : known_before) + 1);
}

int main(int argc, char **argv)
{
	if (argc < 4 || (strcmp(argv[1], "sync") && strcmp(argv[1], "async"))) {
		fprintf(stderr, "usage: %s sync|async SECONDS DIR [SEED]\n", argv[0]);
		return 2;
	}
	wal_mode_t mode = strcmp(argv[1], "sync") == 0 ? WAL_SYNC : WAL_ASYNC;
	double seconds = atof(argv[2]);
	const char *dir = argv[3];
	uint64_t seed = argc > 4 ? strtoull(argv[4], NULL, 10) : (uint64_t)time(NULL);
	printf("wal_crash %s: %.0f s, dir %s, seed %" PRIu64 "\n", argv[1], seconds, dir, seed);
	fflush(stdout);
	signal(SIGPIPE, SIG_IGN);

	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	static uint8_t carry[65536];
	uint64_t last_replayed = 0;
	int had_records = 0;
	for (uint64_t gen = 1; !P.bad; gen++) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((double)(now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) / 1e9 >= seconds)
			break;
		int pfd[2];
		if (pipe(pfd) != 0) {
			perror("pipe");
			return 1;
		}
		fflush(stdout);
		pid_t pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			close(pfd[0]);
			child_main(dir, mode, pfd[1], gen);
			_exit(0);
		}
		close(pfd[1]);
		P.next_reported = 0;
		uint64_t known_before = P.known_hi;
		uint64_t delay_us = splitmix(&seed) % MAX_KILL_DELAY_US;
		struct timespec dl;
		clock_gettime(CLOCK_MONOTONIC, &dl);
		uint64_t end_us = (uint64_t)dl.tv_sec * 1000000u + (uint64_t)dl.tv_nsec / 1000 + delay_us;
		size_t clen = 0;
		for (;;) {
			clock_gettime(CLOCK_MONOTONIC, &dl);
			uint64_t t = (uint64_t)dl.tv_sec * 1000000u + (uint64_t)dl.tv_nsec / 1000;
			if (t >= end_us)
				break;
			struct pollfd pf = {pfd[0], POLLIN, 0};
			int ms = (int)((end_us - t + 999) / 1000);
			if (poll(&pf, 1, ms) > 0 && !pump(pfd[0], carry, &clen))
				break; /* EOF: the child died on its own */
		}
		kill(pid, SIGKILL);
		int status;
		waitpid(pid, &status, 0);
		while (pump(pfd[0], carry, &clen))
			;
		close(pfd[0]);
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
			fail("child exited by itself (status %d)", status);
			break;
		}
		if (clen != 0)
			fail("a partial message was left in the pipe");
		if (P.next_reported) {
			check_next(P.next_reported, last_replayed, had_records, known_before);
			P.known_hi = LR_MAX(P.known_hi, P.next_reported - 1);
		}
		if (mode == WAL_SYNC && splitmix(&seed) % 2) {
			/* durable: acknowledged, or fsync'd by the child's recovery */
			uint64_t durable = P.max_acked;
			if (P.next_reported)
				durable = LR_MAX(durable, P.next_reported - 1);
			power_cut(dir, durable, &seed);
			P.known_hi = durable; /* later lsns may be reassigned */
		}
		verify(dir);
		had_records = P.seen_n > 0;
		last_replayed = had_records ? P.seen_first + P.seen_n - 1 : 0;
		P.iterations++;
	}
	printf("wal_crash %s: %" PRIu64 " kills (%" PRIu64 " with a simulated power cut), %" PRIu64
	       " records acknowledged, %" PRIu64
	       " checks of acknowledged records after kills, %" PRIu64 " records replayed, "
	       "last lsn %" PRIu64 ": %s\n",
	       argv[1], P.iterations, P.power_cuts, P.acked_total, P.verified_total, P.replayed_total,
	       P.known_hi, P.bad ? "FAILED" : "ok");
	free(P.acks);
	free(P.seen);
	return P.bad ? 1 : 0;
}
