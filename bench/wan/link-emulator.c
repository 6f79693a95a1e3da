/* Userspace WAN link emulator: forwards IP packets between two TUN devices with, per direction, a rate
 * limit (serialisation at the link rate), a bounded drop-tail queue, a one-way delay and random loss.
 * The kernel here has no netem, so the WAN lab (bench/wan/) builds this with `cc` and runs it between
 * two network namespaces.
 *
 * Model, per direction (one packet of `len` bytes arriving at `now`):
 *   backlog   = max(0, lastSerialisationEnd - now) * rate          (bytes waiting for the wire)
 *   if backlog + len > queueBytes: drop (queue full, drop-tail)
 *   serialisationEnd = max(now, lastSerialisationEnd) + len * 8 / rate
 *   with probability loss: drop (lost on the wire, after it used its share of the link)
 *   else deliver at serialisationEnd + delay
 * Delivery times are non-decreasing per direction, so a FIFO ring per direction is the whole scheduler.
 *
 * Usage: link-emulator TUN_A TUN_B SEED
 *   Creates TUN devices TUN_A and TUN_B (no packet info), prints "ready" on stdout, and forwards.
 *   Commands on stdin, one per line:
 *     set ab|ba RATE_BITS_PER_SEC DELAY_US LOSS_PPM QUEUE_BYTES   (rate 0 = unlimited)
 *     stats                                                       (prints one JSON line)
 *   Ends on SIGTERM, SIGINT or stdin EOF, printing the stats line first. The TUN devices vanish with it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#define SLOT_BYTES 1600u          /* MTU 1500 plus room; longer packets are counted and dropped */
#define SLOT_COUNT 65536u         /* per direction: 100 Mbit/s x 2.5 s of 1500-byte packets, or many small ones */
#define READ_BATCH 512            /* packets read from one device per wake-up, so neither side starves */

typedef struct {
  int64_t deliver_ns;
  uint16_t len;
} slot_meta;

typedef struct {
  const char *name;
  int in_fd, out_fd;
  /* settings */
  uint64_t rate_bits_per_sec;
  int64_t delay_ns;
  uint32_t loss_ppm;
  uint64_t queue_bytes;
  /* state */
  int64_t serialisation_end_ns;
  uint64_t rng;
  unsigned char *data;
  slot_meta *meta;
  uint32_t head, count;
  /* counters */
  uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes, lost_packets, queue_drops, overflow_drops, write_errors;
  int64_t max_backlog_bytes;
} direction;

static volatile sig_atomic_t stopping = 0;
static void on_signal (int sig) { (void)sig; stopping = 1; }

static int64_t now_ns (void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* splitmix64: small, fast, seeded, good enough for Bernoulli loss */
static uint64_t next_random (uint64_t *state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

static int open_tun (const char *name) {
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) { perror("open /dev/net/tun"); exit(2); }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) { perror("TUNSETIFF"); exit(2); }
  return fd;
}

static void enqueue (direction *d, const unsigned char *packet, size_t len, int64_t now) {
  d->rx_packets++;
  d->rx_bytes += len;
  if (len > SLOT_BYTES) { d->overflow_drops++; return; }
  int64_t start = d->serialisation_end_ns > now ? d->serialisation_end_ns : now;
  if (d->rate_bits_per_sec > 0) {
    int64_t backlog_bytes = (int64_t)(((__int128)(start - now) * d->rate_bits_per_sec) / 8000000000LL);
    if ((uint64_t)backlog_bytes + len > d->queue_bytes) { d->queue_drops++; return; }
    if (backlog_bytes > d->max_backlog_bytes) d->max_backlog_bytes = backlog_bytes;
    d->serialisation_end_ns = start + (int64_t)(((__int128)len * 8000000000LL) / d->rate_bits_per_sec);
  } else {
    d->serialisation_end_ns = start;
  }
  if (d->loss_ppm > 0 && next_random(&d->rng) % 1000000u < d->loss_ppm) { d->lost_packets++; return; }
  if (d->count == SLOT_COUNT) { d->overflow_drops++; return; }
  uint32_t index = (d->head + d->count) % SLOT_COUNT;
  memcpy(d->data + (size_t)index * SLOT_BYTES, packet, len);
  d->meta[index].len = (uint16_t)len;
  d->meta[index].deliver_ns = d->serialisation_end_ns + d->delay_ns;
  d->count++;
}

static void deliver_due (direction *d, int64_t now) {
  while (d->count > 0 && d->meta[d->head].deliver_ns <= now) {
    uint16_t len = d->meta[d->head].len;
    ssize_t n = write(d->out_fd, d->data + (size_t)d->head * SLOT_BYTES, len);
    if (n == (ssize_t)len) { d->tx_packets++; d->tx_bytes += len; } else { d->write_errors++; }
    d->head = (d->head + 1) % SLOT_COUNT;
    d->count--;
  }
}

static void read_packets (direction *d) {
  unsigned char packet[65536];
  for (int i = 0; i < READ_BATCH; i++) {
    ssize_t n = read(d->in_fd, packet, sizeof packet);
    if (n <= 0) return;
    /* each packet's own arrival time: a batch read under load takes long enough that one stale `now` overstates the backlog */
    enqueue(d, packet, (size_t)n, now_ns());
  }
}

static void print_direction (FILE *out, const direction *d) {
  fprintf(out, "\"%s\":{\"rxPackets\":%" PRIu64 ",\"rxBytes\":%" PRIu64 ",\"txPackets\":%" PRIu64 ",\"txBytes\":%" PRIu64
          ",\"lostPackets\":%" PRIu64 ",\"queueDrops\":%" PRIu64 ",\"overflowDrops\":%" PRIu64 ",\"writeErrors\":%" PRIu64
          ",\"maxBacklogBytes\":%" PRId64 ",\"inFlight\":%u}",
          d->name, d->rx_packets, d->rx_bytes, d->tx_packets, d->tx_bytes, d->lost_packets, d->queue_drops,
          d->overflow_drops, d->write_errors, d->max_backlog_bytes, d->count);
}

static void print_stats (direction *ab, direction *ba) {
  printf("{\"stats\":{");
  print_direction(stdout, ab);
  printf(",");
  print_direction(stdout, ba);
  printf("}}\n");
  fflush(stdout);
}

static void handle_command (char *line, direction *ab, direction *ba) {
  char which[8];
  unsigned long long rate, delay_us, loss_ppm, queue_bytes;
  if (strncmp(line, "stats", 5) == 0) { print_stats(ab, ba); return; }
  if (sscanf(line, "set %7s %llu %llu %llu %llu", which, &rate, &delay_us, &loss_ppm, &queue_bytes) == 5) {
    direction *d = strcmp(which, "ab") == 0 ? ab : strcmp(which, "ba") == 0 ? ba : NULL;
    if (d != NULL && loss_ppm <= 1000000ULL) {
      d->rate_bits_per_sec = rate;
      d->delay_ns = (int64_t)delay_us * 1000LL;
      d->loss_ppm = (uint32_t)loss_ppm;
      d->queue_bytes = queue_bytes;
      printf("{\"ok\":\"set %s\"}\n", which);
      fflush(stdout);
      return;
    }
  }
  printf("{\"error\":\"bad command\"}\n");
  fflush(stdout);
}

static void init_direction (direction *d, const char *name, int in_fd, int out_fd, uint64_t seed) {
  memset(d, 0, sizeof *d);
  d->name = name;
  d->in_fd = in_fd;
  d->out_fd = out_fd;
  d->rng = seed;
  d->queue_bytes = UINT64_MAX;
  d->data = malloc((size_t)SLOT_COUNT * SLOT_BYTES);
  d->meta = calloc(SLOT_COUNT, sizeof(slot_meta));
  if (d->data == NULL || d->meta == NULL) { perror("malloc"); exit(2); }
}

int main (int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: %s TUN_A TUN_B SEED\n", argv[0]); return 2; }
  uint64_t seed = strtoull(argv[3], NULL, 10);
  /* Wake-ups on time matter more than anything else here: no timer slack, and a real-time priority when allowed. */
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  struct sched_param param = { .sched_priority = 10 };
  if (sched_setscheduler(0, SCHED_FIFO, &param) != 0) fprintf(stderr, "link-emulator: no real-time priority (%s)\n", strerror(errno));
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  signal(SIGPIPE, SIG_IGN);

  int fd_a = open_tun(argv[1]);
  int fd_b = open_tun(argv[2]);
  direction ab, ba;
  init_direction(&ab, "ab", fd_a, fd_b, seed * 2 + 1);
  init_direction(&ba, "ba", fd_b, fd_a, seed * 2 + 2);
  fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
  printf("ready\n");
  fflush(stdout);

  char line[256];
  size_t line_len = 0;
  while (!stopping) {
    int64_t now = now_ns();
    deliver_due(&ab, now);
    deliver_due(&ba, now);
    int64_t next = INT64_MAX;
    if (ab.count > 0) next = ab.meta[ab.head].deliver_ns;
    if (ba.count > 0 && ba.meta[ba.head].deliver_ns < next) next = ba.meta[ba.head].deliver_ns;
    struct timespec timeout = { .tv_sec = 1, .tv_nsec = 0 };
    if (next != INT64_MAX) {
      int64_t wait = next - now_ns();
      if (wait < 0) wait = 0;
      timeout.tv_sec = wait / 1000000000LL;
      timeout.tv_nsec = wait % 1000000000LL;
    }
    struct pollfd fds[3] = { { fd_a, POLLIN, 0 }, { fd_b, POLLIN, 0 }, { 0, POLLIN, 0 } };
    int ready = ppoll(fds, 3, &timeout, NULL);
    if (ready < 0) { if (errno == EINTR) continue; perror("ppoll"); break; }
    if (fds[0].revents & POLLIN) read_packets(&ab);
    if (fds[1].revents & POLLIN) read_packets(&ba);
    if (fds[2].revents & (POLLIN | POLLHUP)) {
      ssize_t n = read(0, line + line_len, sizeof line - 1 - line_len);
      if (n == 0) break;
      if (n > 0) {
        line_len += (size_t)n;
        line[line_len] = '\0';
        char *newline;
        while ((newline = strchr(line, '\n')) != NULL) {
          *newline = '\0';
          handle_command(line, &ab, &ba);
          size_t rest = line_len - (size_t)(newline + 1 - line);
          memmove(line, newline + 1, rest);
          line_len = rest;
          line[line_len] = '\0';
        }
        if (line_len == sizeof line - 1) line_len = 0; /* an over-long line is garbage: forget it */
      }
    }
  }
  print_stats(&ab, &ba);
  return 0;
}
