// Batched UDP socket I/O for Ferry's driver (N-API): sendmmsg of many datagrams per call, and recvmmsg on readability
// with one JavaScript callback per batch, so the per-datagram cost of node:dgram (a callback and a Buffer each) goes away.
//
// JavaScript API (wrapped by protocol/src/driver/batched-datagram-socket.ts, which maps errors to FerryError codes):
//   open(family 4|6, host, port, receiveBufferBytes, sendBufferBytes, receiveArena: Buffer, receiveMeta: Uint32Array,
//        onBatch: (count) => void, onWritable: () => void, gso: boolean) -> handle
//     gso: send runs of equal-size datagrams as one UDP GSO message (UDP_SEGMENT), falling back by itself if refused.
//     receiveArena holds RECEIVE_SLOTS slots of its length / RECEIVE_SLOTS bytes; receiveMeta holds META_WORDS words a slot:
//     [length, port, address word 0..3, age]: age = microseconds since the kernel took the datagram in (SO_TIMESTAMPNS),
//     0 when the kernel gave no timestamp. Both are written before onBatch(count) and reused after it returns.
//   localPort(handle) -> number; bufferSizes(handle) -> [receiveBytes, sendBytes]
//   send(handle, arena: Buffer, offsets: Uint32Array, first, count, host, port) -> datagrams the kernel took (fewer on EAGAIN)
//     datagram i is arena[offsets[i], offsets[i + 1]).
//   waitWritable(handle): calls onWritable once when the socket can take more.
//   sourceAddress(handle, slot) -> the source address of the datagram in `slot` of the last batch, as text.
//   close(handle)
// Errors are thrown as Error with `code` set to the errno name (EADDRINUSE, EBADF, ...).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

/** Datagrams read per recvmmsg call, and so at most per JavaScript callback. */
#define RECEIVE_SLOTS 64
/** recvmmsg calls per readability event before yielding to the event loop (timers and sending keep their turn). */
#define RECEIVE_BATCHES_PER_EVENT 8
/** Words of receiveMeta per slot: length, port, four address words, age in microseconds. */
#define META_WORDS 7
/** Messages per sendmmsg call (the kernel caps vlen at UIO_MAXIOV, 1024). */
#define SEND_CHUNK 256
/** UDP GSO: datagrams per message (the kernel's UDP_MAX_SEGMENTS is 64 before Linux 6.9) and bytes per message (< 64 KiB). */
#define GSO_MAX_SEGMENTS 64
#define GSO_MAX_BYTES 60000

typedef struct {
  napi_env env;
  int fd;
  int family;
  /**
   * Allocated apart and never freed: libuv closes it with no callback, because a callback into this library could run
   * after Node unloaded it (a worker thread ending). A few hundred bytes per socket ever closed.
   */
  uv_poll_t *poll;
  int poll_events;
  int closed;
  int wants_writable;
  napi_ref on_batch;
  napi_ref on_writable;
  napi_ref arena_ref;
  napi_ref meta_ref;
  napi_async_context async_context;
  uint8_t *arena;
  size_t slot_bytes;
  uint32_t *meta;
  struct mmsghdr recv_msgs[RECEIVE_SLOTS];
  struct iovec recv_iov[RECEIVE_SLOTS];
  struct sockaddr_storage recv_addrs[RECEIVE_SLOTS];
  /** Room for each datagram's SCM_TIMESTAMPNS control message. */
  char recv_control[RECEIVE_SLOTS][CMSG_SPACE(sizeof(struct timespec))];
  struct mmsghdr send_msgs[SEND_CHUNK];
  struct iovec send_iov[SEND_CHUNK];
  char send_control[SEND_CHUNK][CMSG_SPACE(sizeof(uint16_t))];
  uint32_t send_segments[SEND_CHUNK];
  /** Whether sends use UDP GSO (UDP_SEGMENT); cleared for good the first time the kernel refuses it. */
  int gso;
} batched_socket;

static const char *errno_name (int err) {
  switch (err) {
    case EADDRINUSE: return "EADDRINUSE";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case EACCES: return "EACCES";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    case EMFILE: return "EMFILE";
    case ENOBUFS: return "ENOBUFS";
    case ENOMEM: return "ENOMEM";
    case EPERM: return "EPERM";
    case ENETUNREACH: return "ENETUNREACH";
    case EMSGSIZE: return "EMSGSIZE";
    default: return "EIO";
  }
}

static napi_value throw_errno (napi_env env, int err, const char *what) {
  char message[256];
  snprintf(message, sizeof message, "%s: %s", what, strerror(err));
  napi_throw_error(env, errno_name(err), message);
  return NULL;
}

static napi_value throw_usage (napi_env env, const char *message) {
  napi_throw_type_error(env, "EINVAL", message);
  return NULL;
}

#define CALL(env, call) do { if ((call) != napi_ok) { throw_usage((env), "N-API call failed: " #call); return NULL; } } while (0)

/** Parses host and port into `addr` for the socket's family (an IPv6 socket takes IPv4 text as IPv4-mapped). */
static int parse_address (int family, const char *host, int port, struct sockaddr_storage *addr, socklen_t *len) {
  memset(addr, 0, sizeof *addr);
  if (family == 4) {
    struct sockaddr_in *a = (struct sockaddr_in *)addr;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &a->sin_addr) != 1) return -1;
    *len = sizeof *a;
    return 0;
  }
  struct sockaddr_in6 *a = (struct sockaddr_in6 *)addr;
  a->sin6_family = AF_INET6;
  a->sin6_port = htons((uint16_t)port);
  if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1) {
    struct in_addr v4;
    if (inet_pton(AF_INET, host, &v4) != 1) return -1;
    a->sin6_addr.s6_addr[10] = 0xff;
    a->sin6_addr.s6_addr[11] = 0xff;
    memcpy(&a->sin6_addr.s6_addr[12], &v4, 4);
  }
  *len = sizeof *a;
  return 0;
}

/** Sets a buffer size, as root past net.core.[rw]mem_max (the FORCE option), else as far as the limit allows. */
static void set_buffer (int fd, int force_option, int option, int bytes) {
  if (bytes <= 0) return;
  if (setsockopt(fd, SOL_SOCKET, force_option, &bytes, sizeof bytes) == 0) return;
  setsockopt(fd, SOL_SOCKET, option, &bytes, sizeof bytes);
}

static batched_socket *unwrap (napi_env env, napi_value value) {
  batched_socket *s = NULL;
  if (napi_get_value_external(env, value, (void **)&s) != napi_ok || s == NULL) {
    throw_usage(env, "not a batched socket handle");
    return NULL;
  }
  return s;
}

/**
 * The socket of a call whose only argument is the handle: NULL with a JavaScript exception pending when it is not one,
 * or (`what` set) when the socket is closed (EBADF, named after `what`).
 */
static batched_socket *socket_of_call (napi_env env, napi_callback_info info, const char *what) {
  size_t argc = 1;
  napi_value argv[1];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  batched_socket *s = unwrap(env, argv[0]);
  if (s != NULL && what != NULL && s->closed) { throw_errno(env, EBADF, what); return NULL; }
  return s;
}

/**
 * Closes the poll handle, then the descriptor (in that order: libuv unregisters the descriptor number when the handle
 * closes, and by then a new socket may have been given the same number), and drops the JavaScript references.
 */
static void on_env_cleanup (void *data);

static void shut (batched_socket *s, int delete_refs, int remove_hook) {
  if (s->closed) return;
  s->closed = 1;
  if (remove_hook) napi_remove_env_cleanup_hook(s->env, on_env_cleanup, s);
  uv_close((uv_handle_t *)s->poll, NULL);
  close(s->fd);
  s->fd = -1;
  if (delete_refs) {
    napi_delete_reference(s->env, s->on_batch);
    napi_delete_reference(s->env, s->on_writable);
    napi_delete_reference(s->env, s->arena_ref);
    napi_delete_reference(s->env, s->meta_ref);
    napi_async_destroy(s->env, s->async_context);
  }
}

/** The environment is going away (a worker thread ending, the process exiting) with the socket still open: close it. */
static void on_env_cleanup (void *data) {
  shut((batched_socket *)data, 0, 0);
}

static void call_js (batched_socket *s, napi_ref ref, size_t argc, napi_value *argv) {
  napi_env env = s->env;
  napi_value fn, recv, result;
  if (napi_get_reference_value(env, ref, &fn) != napi_ok || fn == NULL) return;
  napi_get_global(env, &recv); // napi_make_callback wants an object as `this`
  if (napi_make_callback(env, s->async_context, recv, fn, argc, argv, &result) == napi_pending_exception) {
    napi_value error;
    napi_get_and_clear_last_exception(env, &error);
    napi_fatal_exception(env, error);
  }
}

static void receive_batches (batched_socket *s) {
  napi_env env = s->env;
  for (int round = 0; round < RECEIVE_BATCHES_PER_EVENT && !s->closed; round++) {
    for (int i = 0; i < RECEIVE_SLOTS; i++) {
      s->recv_msgs[i].msg_hdr.msg_namelen = sizeof s->recv_addrs[i];
      s->recv_msgs[i].msg_hdr.msg_flags = 0;
      s->recv_msgs[i].msg_hdr.msg_control = s->recv_control[i];
      s->recv_msgs[i].msg_hdr.msg_controllen = sizeof s->recv_control[i];
    }
    int n = recvmmsg(s->fd, s->recv_msgs, RECEIVE_SLOTS, MSG_DONTWAIT, NULL);
    if (n <= 0) return; // EAGAIN (drained) or a transient error: the next readability event tries again
    // The kernel stamps a datagram when it takes it in; how long ago that was is the time it waited in the socket
    // buffer for this process (an event-loop pause), which must not read as path delay to the rate controller.
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    for (int i = 0; i < n; i++) {
      uint32_t *m = s->meta + i * META_WORDS;
      m[0] = s->recv_msgs[i].msg_len;
      struct sockaddr_storage *a = &s->recv_addrs[i];
      if (a->ss_family == AF_INET) {
        struct sockaddr_in *v4 = (struct sockaddr_in *)a;
        m[1] = ntohs(v4->sin_port);
        memcpy(&m[2], &v4->sin_addr, 4);
        m[3] = m[4] = m[5] = 0;
      } else {
        struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)a;
        m[1] = ntohs(v6->sin6_port);
        memcpy(&m[2], &v6->sin6_addr, 16);
      }
      m[6] = 0;
      for (struct cmsghdr *c = CMSG_FIRSTHDR(&s->recv_msgs[i].msg_hdr); c != NULL; c = CMSG_NXTHDR(&s->recv_msgs[i].msg_hdr, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS) continue;
        struct timespec at;
        memcpy(&at, CMSG_DATA(c), sizeof at);
        int64_t age_us = ((int64_t)now.tv_sec - at.tv_sec) * 1000000 + (now.tv_nsec - at.tv_nsec) / 1000;
        m[6] = age_us <= 0 ? 0 : age_us > UINT32_MAX ? UINT32_MAX : (uint32_t)age_us;
      }
    }
    napi_handle_scope scope;
    napi_open_handle_scope(env, &scope);
    napi_value count;
    napi_create_uint32(env, (uint32_t)n, &count);
    call_js(s, s->on_batch, 1, &count);
    napi_close_handle_scope(env, scope);
    if (n < RECEIVE_SLOTS) return;
  }
}

static void on_poll (uv_poll_t *handle, int status, int events) {
  batched_socket *s = handle->data;
  if (s->closed) return;
  if (status < 0) {
    // libuv stops a poll handle on POLLERR (a pending socket error, e.g. an ICMP report): clear it and keep polling,
    // as a UDP socket carries on after one.
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    uv_poll_start(s->poll, s->poll_events, on_poll);
    return;
  }
  if ((events & UV_WRITABLE) && s->wants_writable) {
    s->wants_writable = 0;
    s->poll_events = UV_READABLE;
    uv_poll_start(s->poll, s->poll_events, on_poll);
    napi_handle_scope scope;
    napi_open_handle_scope(s->env, &scope);
    call_js(s, s->on_writable, 0, NULL);
    napi_close_handle_scope(s->env, scope);
  }
  if ((events & UV_READABLE) && !s->closed) receive_batches(s);
}

static void finalize_socket (napi_env env, void *data, void *hint) {
  (void)env; (void)hint;
  batched_socket *s = data;
  // Unreachable from JavaScript: a socket that was never closed is closed now. References die with their owner here.
  if (!s->closed) shut(s, 0, 1);
  free(s);
}

static napi_value js_open (napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 10) return throw_usage(env, "open needs 10 arguments");
  bool gso;
  CALL(env, napi_get_value_bool(env, argv[9], &gso));
  int32_t family, port, rcvbuf, sndbuf;
  char host[64];
  size_t host_len;
  CALL(env, napi_get_value_int32(env, argv[0], &family));
  CALL(env, napi_get_value_string_utf8(env, argv[1], host, sizeof host, &host_len));
  CALL(env, napi_get_value_int32(env, argv[2], &port));
  CALL(env, napi_get_value_int32(env, argv[3], &rcvbuf));
  CALL(env, napi_get_value_int32(env, argv[4], &sndbuf));
  void *arena;
  size_t arena_bytes;
  CALL(env, napi_get_buffer_info(env, argv[5], &arena, &arena_bytes));
  napi_typedarray_type meta_type;
  size_t meta_length;
  void *meta;
  CALL(env, napi_get_typedarray_info(env, argv[6], &meta_type, &meta_length, &meta, NULL, NULL));
  if (meta_type != napi_uint32_array || meta_length < RECEIVE_SLOTS * META_WORDS) return throw_usage(env, "receiveMeta must be a Uint32Array of RECEIVE_SLOTS * META_WORDS words");
  if (arena_bytes < RECEIVE_SLOTS * 1500) return throw_usage(env, "receiveArena is too small");
  if (family != 4 && family != 6) return throw_usage(env, "family must be 4 or 6");

  struct sockaddr_storage addr;
  socklen_t addr_len;
  if (parse_address(family, host, port, &addr, &addr_len) != 0) return throw_errno(env, EINVAL, "bind address is not an IP literal");
  int fd = socket(family == 4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, errno, "socket");
  if (family == 6) {
    int off = 0; // dual stack, as node:dgram's udp6: IPv4 peers appear as IPv4-mapped addresses
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
  }
  if (bind(fd, (struct sockaddr *)&addr, addr_len) != 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, err, "bind");
  }
  set_buffer(fd, SO_RCVBUFFORCE, SO_RCVBUF, rcvbuf);
  int on = 1; // receive timestamps (see receive_batches); without them ages are 0 and read time stands in
  setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
  set_buffer(fd, SO_SNDBUFFORCE, SO_SNDBUF, sndbuf);

  batched_socket *s = calloc(1, sizeof *s);
  if (s == NULL) { close(fd); return throw_errno(env, ENOMEM, "open"); }
  s->env = env;
  s->fd = fd;
  s->family = family;
  s->gso = gso ? 1 : 0;
  s->arena = arena;
  s->slot_bytes = arena_bytes / RECEIVE_SLOTS;
  s->meta = meta;
  for (int i = 0; i < RECEIVE_SLOTS; i++) {
    s->recv_iov[i].iov_base = s->arena + i * s->slot_bytes;
    s->recv_iov[i].iov_len = s->slot_bytes;
    s->recv_msgs[i].msg_hdr.msg_iov = &s->recv_iov[i];
    s->recv_msgs[i].msg_hdr.msg_iovlen = 1;
    s->recv_msgs[i].msg_hdr.msg_name = &s->recv_addrs[i];
  }
  napi_create_reference(env, argv[5], 1, &s->arena_ref);
  napi_create_reference(env, argv[6], 1, &s->meta_ref);
  napi_create_reference(env, argv[7], 1, &s->on_batch);
  napi_create_reference(env, argv[8], 1, &s->on_writable);
  napi_value resource_name;
  napi_create_string_utf8(env, "FerryBatchedUdp", NAPI_AUTO_LENGTH, &resource_name);
  napi_async_init(env, NULL, resource_name, &s->async_context);

  uv_loop_t *loop;
  CALL(env, napi_get_uv_event_loop(env, &loop));
  s->poll = malloc(sizeof *s->poll);
  if (s->poll == NULL) { close(fd); free(s); return throw_errno(env, ENOMEM, "open"); }
  s->poll->data = s;
  int rc = uv_poll_init(loop, s->poll, fd);
  if (rc != 0) { close(fd); free(s->poll); free(s); return throw_errno(env, -rc, "uv_poll_init"); }
  s->poll_events = UV_READABLE;
  uv_poll_start(s->poll, s->poll_events, on_poll);

  napi_add_env_cleanup_hook(env, on_env_cleanup, s);
  napi_value handle;
  CALL(env, napi_create_external(env, s, finalize_socket, NULL, &handle));
  return handle;
}

static napi_value js_local_port (napi_env env, napi_callback_info info) {
  batched_socket *s = socket_of_call(env, info, "localPort");
  if (s == NULL) return NULL;
  struct sockaddr_storage addr;
  socklen_t len = sizeof addr;
  if (getsockname(s->fd, (struct sockaddr *)&addr, &len) != 0) return throw_errno(env, errno, "getsockname");
  int port = addr.ss_family == AF_INET ? ntohs(((struct sockaddr_in *)&addr)->sin_port) : ntohs(((struct sockaddr_in6 *)&addr)->sin6_port);
  napi_value out;
  napi_create_int32(env, port, &out);
  return out;
}

static napi_value js_buffer_sizes (napi_env env, napi_callback_info info) {
  batched_socket *s = socket_of_call(env, info, "bufferSizes");
  if (s == NULL) return NULL;
  int sizes[2] = { 0, 0 };
  socklen_t len = sizeof sizes[0];
  getsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &sizes[0], &len);
  len = sizeof sizes[1];
  getsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &sizes[1], &len);
  napi_value out, v;
  napi_create_array_with_length(env, 2, &out);
  for (uint32_t i = 0; i < 2; i++) { napi_create_int32(env, sizes[i], &v); napi_set_element(env, out, i, v); }
  return out;
}

static napi_value js_send (napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 7) return throw_usage(env, "send needs 7 arguments");
  batched_socket *s = unwrap(env, argv[0]);
  if (s == NULL) return NULL;
  if (s->closed) return throw_errno(env, EBADF, "send");
  uint8_t *arena;
  size_t arena_bytes;
  CALL(env, napi_get_buffer_info(env, argv[1], (void **)&arena, &arena_bytes));
  napi_typedarray_type type;
  size_t offsets_length;
  uint32_t *offsets;
  CALL(env, napi_get_typedarray_info(env, argv[2], &type, &offsets_length, (void **)&offsets, NULL, NULL));
  uint32_t first, count;
  int32_t port;
  char host[64];
  size_t host_len;
  CALL(env, napi_get_value_uint32(env, argv[3], &first));
  CALL(env, napi_get_value_uint32(env, argv[4], &count));
  CALL(env, napi_get_value_string_utf8(env, argv[5], host, sizeof host, &host_len));
  CALL(env, napi_get_value_int32(env, argv[6], &port));
  if (type != napi_uint32_array || (size_t)first + count + 1 > offsets_length) return throw_usage(env, "offsets do not cover the datagrams");
  struct sockaddr_storage dest;
  socklen_t dest_len;
  if (parse_address(s->family, host, port, &dest, &dest_len) != 0) return throw_errno(env, EINVAL, "destination is not an IP literal");

  uint32_t done = 0;
  while (done < count) {
    // Each message is one datagram, or with UDP GSO a run of equal-size datagrams (the last may be shorter) that the
    // kernel cuts apart: one trip through the stack for up to GSO_MAX_SEGMENTS datagrams.
    uint32_t messages = 0, planned = done;
    while (messages < SEND_CHUNK && planned < count) {
      uint32_t start = offsets[first + planned], end = offsets[first + planned + 1];
      if (end < start || end > arena_bytes) return throw_usage(env, "a datagram lies outside the arena");
      uint32_t segment = end - start, segments = 1;
      if (s->gso) {
        while (planned + segments < count && segments < GSO_MAX_SEGMENTS) {
          uint32_t next = offsets[first + planned + segments + 1] - offsets[first + planned + segments];
          if (next > segment || (uint64_t)(end - start) + next > GSO_MAX_BYTES) break;
          end += next;
          segments++;
          if (next < segment) break; // a shorter datagram can only end a run
        }
      }
      struct mmsghdr *m = &s->send_msgs[messages];
      memset(&m->msg_hdr, 0, sizeof m->msg_hdr);
      s->send_iov[messages].iov_base = arena + start;
      s->send_iov[messages].iov_len = end - start;
      m->msg_hdr.msg_name = &dest;
      m->msg_hdr.msg_namelen = dest_len;
      m->msg_hdr.msg_iov = &s->send_iov[messages];
      m->msg_hdr.msg_iovlen = 1;
      if (segments > 1) {
        char *control = s->send_control[messages];
        memset(control, 0, CMSG_SPACE(sizeof(uint16_t)));
        m->msg_hdr.msg_control = control;
        m->msg_hdr.msg_controllen = CMSG_SPACE(sizeof(uint16_t));
        struct cmsghdr *c = CMSG_FIRSTHDR(&m->msg_hdr);
        c->cmsg_level = SOL_UDP;
        c->cmsg_type = UDP_SEGMENT;
        c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
        uint16_t size = (uint16_t)segment;
        memcpy(CMSG_DATA(c), &size, sizeof size);
      }
      s->send_segments[messages] = segments;
      planned += segments;
      messages++;
    }
    int n = sendmmsg(s->fd, s->send_msgs, messages, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) break;
      if (errno == EINTR) continue;
      if (errno == EBADF) return throw_errno(env, errno, "send");
      if (s->send_segments[0] > 1) {
        // The path or the kernel takes no GSO (EINVAL when a segment exceeds the device MTU, EIO without checksum
        // offload, ENOPROTOOPT on old kernels): send datagram by datagram from now on.
        s->gso = 0;
        continue;
      }
      // This datagram cannot go (too large, no route): drop it as a lost datagram, as node:dgram would, and go on.
      done++;
      continue;
    }
    for (int i = 0; i < n; i++) done += s->send_segments[i];
    // Fewer messages than asked: the next call meets the error on its own, or EAGAIN ends the batch.
  }
  napi_value out;
  napi_create_uint32(env, done, &out);
  return out;
}

static napi_value js_wait_writable (napi_env env, napi_callback_info info) {
  batched_socket *s = socket_of_call(env, info, "waitWritable");
  if (s == NULL) return NULL;
  if (!s->wants_writable) {
    s->wants_writable = 1;
    s->poll_events = UV_READABLE | UV_WRITABLE;
    uv_poll_start(s->poll, s->poll_events, on_poll);
  }
  return NULL;
}

static napi_value js_source_address (napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  batched_socket *s = unwrap(env, argv[0]);
  if (s == NULL) return NULL;
  uint32_t slot;
  CALL(env, napi_get_value_uint32(env, argv[1], &slot));
  if (slot >= RECEIVE_SLOTS) return throw_usage(env, "slot out of range");
  char text[INET6_ADDRSTRLEN];
  struct sockaddr_storage *a = &s->recv_addrs[slot];
  const void *bytes = a->ss_family == AF_INET ? (const void *)&((struct sockaddr_in *)a)->sin_addr : (const void *)&((struct sockaddr_in6 *)a)->sin6_addr;
  if (inet_ntop(a->ss_family, bytes, text, sizeof text) == NULL) return throw_errno(env, errno, "inet_ntop");
  napi_value out;
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &out);
  return out;
}

static napi_value js_close (napi_env env, napi_callback_info info) {
  batched_socket *s = socket_of_call(env, info, NULL); // closing twice is fine
  if (s == NULL) return NULL;
  shut(s, 1, 1);
  return NULL;
}

NAPI_MODULE_INIT () {
  struct { const char *name; napi_callback fn; } fns[] = {
    { "open", js_open }, { "localPort", js_local_port }, { "bufferSizes", js_buffer_sizes }, { "send", js_send },
    { "waitWritable", js_wait_writable }, { "sourceAddress", js_source_address }, { "close", js_close }
  };
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value fn;
    napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &fn);
    napi_set_named_property(env, exports, fns[i].name, fn);
  }
  napi_value slots;
  napi_create_uint32(env, RECEIVE_SLOTS, &slots);
  napi_set_named_property(env, exports, "RECEIVE_SLOTS", slots);
  return exports;
}
