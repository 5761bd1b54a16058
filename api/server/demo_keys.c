/* demo_keys.c — the demo chain's API keys and their file (demo_keys.h). */
#include "demo_keys.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pitlane/apikeys.h"
#include "pitlane/demo.h"

#define LABEL_PREFIX "demo-keys: "

typedef struct demo_key {
  const char *name; /* its field in the file */
  const char *tenant;
  pl_tenant_kind kind;
  uint32_t role;
} demo_key;

static const demo_key demo_keys[] = {
    {"platform-admin", "platform", PL_TENANT_PLATFORM, PL_ROLE_ADMIN},
    {"admin", PL_DEMO_CHAIN, PL_TENANT_CHAIN, PL_ROLE_ADMIN},
    {"advisor", PL_DEMO_CHAIN, PL_TENANT_CHAIN, PL_ROLE_ADVISOR},
    {"technician", PL_DEMO_CHAIN, PL_TENANT_CHAIN, PL_ROLE_TECHNICIAN},
    {"clerk", PL_DEMO_CHAIN, PL_TENANT_CHAIN, PL_ROLE_CLERK},
    {"planner", PL_DEMO_CHAIN, PL_TENANT_CHAIN, PL_ROLE_PLANNER},
    {"viewer", PL_DEMO_CHAIN, PL_TENANT_CHAIN, PL_ROLE_VIEWER},
    {"insurer", "demo-insurer", PL_TENANT_INSURER, PL_ROLE_INSURER},
    {"fleet", "demo-fleet", PL_TENANT_FLEET, PL_ROLE_FLEET},
};
#define N_KEYS (sizeof demo_keys / sizeof demo_keys[0])

/* 1 if the file at path names a platform token that still verifies. */
static int file_still_good(pl_engine *e, const char *path) {
  FILE *f = fopen(path, "r");
  if (f == NULL)
    return 0;
  char buf[4096];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  const char *at = strstr(buf, "\"platform-admin\": \"");
  int ok = 0;
  if (at != NULL) {
    at += strlen("\"platform-admin\": \"");
    const char *end = strchr(at, '"');
    ok = end != NULL &&
         pl_apikey_verify(e, at, (size_t)(end - at), NULL, NULL) == 0;
  }
  OPENSSL_cleanse(buf, sizeof buf);
  return ok;
}

/* Revokes the unrevoked keys an earlier run made (their tokens are lost
 * with the file). */
static int revoke_old(pl_engine *e, pl_error *err) {
  int n = pl_apikey_list(e, NULL, 0);
  if (n <= 0)
    return n;
  pl_apikey_info *all = calloc((size_t)n, sizeof *all);
  if (all == NULL)
    return PL_ENOMEM;
  n = pl_apikey_list(e, all, n);
  int rc = n < 0 ? n : 0;
  for (int i = 0; rc == 0 && i < n; i++)
    if (!all[i].revoked &&
        strncmp(all[i].label, LABEL_PREFIX, strlen(LABEL_PREFIX)) == 0)
      rc = pl_apikey_revoke(e, all[i].key_id, NULL, NULL, err);
  free(all);
  return rc;
}

int pl_demo_keys(pl_engine *e, const char *data_dir, char *path, size_t cap,
                 char *why, size_t why_len) {
  if ((size_t)snprintf(path, cap, "%s/demo-keys.json", data_dir) >= cap) {
    snprintf(why, why_len, "demo keys: data directory path too long");
    return -1;
  }
  if (file_still_good(e, path))
    return 0;
  pl_error err = {0};
  if (revoke_old(e, &err) != 0) {
    snprintf(why, why_len, "demo keys: %s", err.msg);
    return -1;
  }
  char tokens[N_KEYS][PL_KEY_TOKEN_MAX];
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < N_KEYS; i++) {
    const demo_key *d = &demo_keys[i];
    pl_apikey_info k = {0};
    k.tenant_kind = d->kind;
    snprintf(k.tenant, sizeof k.tenant, "%s", d->tenant);
    if (d->kind == PL_TENANT_INSURER || d->kind == PL_TENANT_FLEET) {
      snprintf(k.chains[0], sizeof k.chains[0], "%s", PL_DEMO_CHAIN);
      k.n_chains = 1;
    }
    k.roles = d->role;
    snprintf(k.label, sizeof k.label, LABEL_PREFIX "%s", d->name);
    rc = pl_apikey_create(e, &k, NULL, NULL, tokens[i], sizeof tokens[i], &err);
  }
  char tmp[4200];
  int fd = -1;
  if (rc != 0) {
    snprintf(why, why_len, "demo keys: %s", err.msg);
  } else if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp ||
             (fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0) {
    snprintf(why, why_len, "demo keys: cannot write %s", tmp);
    rc = -1;
  } else {
    FILE *f = fdopen(fd, "w");
    if (f == NULL) {
      close(fd);
      rc = -1;
    } else {
      fchmod(fd, 0600); /* whatever the umask or an older file said */
      fprintf(f, "{\n  \"chain\": \"%s\",\n", PL_DEMO_CHAIN);
      for (size_t i = 0; i < N_KEYS; i++)
        fprintf(f, "  \"%s\": \"%s\"%s\n", demo_keys[i].name, tokens[i],
                i + 1 < N_KEYS ? "," : "");
      fprintf(f, "}\n");
      rc = fflush(f) != 0 || fsync(fileno(f)) != 0 ? -1 : 0;
      if (fclose(f) != 0)
        rc = -1;
    }
    if (rc == 0 && rename(tmp, path) != 0)
      rc = -1;
    if (rc != 0) {
      unlink(tmp);
      snprintf(why, why_len, "demo keys: cannot write %s", path);
    }
  }
  OPENSSL_cleanse(tokens, sizeof tokens);
  return rc == 0 ? 0 : -1;
}
