/* faultfs.c — an LD_PRELOAD shim for fault-injection tests: while the file
 * named by $PL_FAULT_TRIGGER exists, fsync/fdatasync (and, with
 * PL_FAULT_WRITES=1, write/pwrite/writev too) on files under $PL_FAULT_DIR
 * fail with EIO / ENOSPC. Everything else passes through. Test-only: never
 * linked into pitlaned. (Debian's RocksDB 7.8 is built with assertions,
 * and a failed WAL write() trips one in WritableFileWriter on the next
 * sync; a failed sync is what a dying or full disk reports first anyway.) */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static int faulty_write(int fd);

static int faulty(int fd) {
  const char *trigger = getenv("PL_FAULT_TRIGGER");
  const char *dir = getenv("PL_FAULT_DIR");
  if (trigger == NULL || dir == NULL || access(trigger, F_OK) != 0)
    return 0;
  char link[64], path[4096];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, path, sizeof path - 1);
  if (n <= 0)
    return 0;
  path[n] = '\0';
  return strncmp(path, dir, strlen(dir)) == 0;
}

static int faulty_write(int fd) {
  const char *w = getenv("PL_FAULT_WRITES");
  return w != NULL && w[0] == '1' && faulty(fd);
}

#define REAL(name, type) ((type)dlsym(RTLD_NEXT, #name))

ssize_t write(int fd, const void *buf, size_t n) {
  if (faulty_write(fd)) {
    errno = ENOSPC;
    return -1;
  }
  return REAL(write, ssize_t(*)(int, const void *, size_t))(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off) {
  if (faulty_write(fd)) {
    errno = ENOSPC;
    return -1;
  }
  return REAL(pwrite, ssize_t(*)(int, const void *, size_t, off_t))(fd, buf, n,
                                                                    off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off) {
  if (faulty_write(fd)) {
    errno = ENOSPC;
    return -1;
  }
  return REAL(pwrite64, ssize_t(*)(int, const void *, size_t, off_t))(fd, buf,
                                                                      n, off);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt) {
  if (faulty_write(fd)) {
    errno = ENOSPC;
    return -1;
  }
  return REAL(writev, ssize_t(*)(int, const struct iovec *, int))(fd, iov, cnt);
}

int fsync(int fd) {
  if (faulty(fd)) {
    errno = EIO;
    return -1;
  }
  return REAL(fsync, int (*)(int))(fd);
}

int fdatasync(int fd) {
  if (faulty(fd)) {
    errno = EIO;
    return -1;
  }
  return REAL(fdatasync, int (*)(int))(fd);
}
