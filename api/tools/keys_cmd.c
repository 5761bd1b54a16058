/* keys_cmd.c — `pl-admin keys` (and its alias pl-keys, server/pl_keys.c):
 * create, revoke and list API keys offline, on a
 * data directory that no server has open (RocksDB allows one process; a
 * running pitlaned makes the open fail, and this says so).
 *
 *   pl-keys create --data DIR --tenant-kind platform|chain|insurer|fleet
 *                  --tenant CODE [--chain C]... --role R [--role R]...
 *                  [--rate N [--burst M]] [--label TEXT]
 *       prints the token (shown once, never stored) on stdout, one line
 *   pl-keys revoke --data DIR --key-id ID
 *   pl-keys list --data DIR
 *
 * Exit status: 0 done, 1 the engine refused (message on stderr), 2 usage.
 * With a running server, use the Admin CreateApiKey / RevokeApiKey /
 * ListApiKeys RPCs instead. */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys_cmd.h"
#include "pitlane/apikeys.h"
#include "pitlane/pitlane.h"

static const char usage[] =
    "usage: pl-keys create --data DIR --tenant-kind "
    "platform|chain|insurer|fleet\n"
    "                      --tenant CODE [--chain C]... --role R "
    "[--role R]...\n"
    "                      [--rate N [--burst M]] [--label TEXT]\n"
    "       pl-keys revoke --data DIR --key-id ID\n"
    "       pl-keys list --data DIR\n"
    "\n"
    "Roles: admin advisor technician clerk planner insurer fleet viewer.\n"
    "A chain key acts on its own chain (--chain may be left out); insurer\n"
    "and fleet keys name the chains they work with (--chain, repeated);\n"
    "a platform key acts on every chain. --rate N: requests per second\n"
    "(0 or absent: unlimited), --burst M: bucket size (default N).\n"
    "create prints the token once; only its SHA-256 is stored.\n"
    "--token: store this token (made by create on another data directory)\n"
    "instead of a new one: the same key on every node of a cluster.\n"
    "The server must not be running on DIR (use the Admin RPCs then).\n";

static int bad_usage(const char *why) {
  fprintf(stderr, "pl-keys: %s\n%s", why, usage);
  return 2;
}

static int parse_int(const char *v, int32_t *out) {
  char *end;
  long n = strtol(v, &end, 10);
  if (*v == '\0' || *end != '\0' || n < 0 || n > PL_KEY_RATE_MAX)
    return -1;
  *out = (int32_t)n;
  return 0;
}

static pl_engine *open_data(const char *dir) {
  pl_config cfg = {.path = dir};
  pl_engine *e = NULL;
  pl_error err = {0};
  if (pl_engine_open(&cfg, &e, &err) != 0) {
    fprintf(stderr, "pl-keys: cannot open %s: %s\n", dir, err.msg);
    if (strstr(err.msg, "lock") != NULL || strstr(err.msg, "LOCK") != NULL)
      fprintf(stderr,
              "pl-keys: is pitlaned running on %s? Stop it first, "
              "or use the Admin CreateApiKey/RevokeApiKey RPCs\n",
              dir);
    return NULL;
  }
  return e;
}

static void print_key(const pl_apikey_info *k) {
  printf("%s\t%s\t%s\t", k->key_id, pl_tenant_kind_name(k->tenant_kind),
         k->tenant);
  if (k->n_chains == 0)
    printf("*");
  for (int i = 0; i < k->n_chains; i++)
    printf("%s%s", i ? "," : "", k->chains[i]);
  printf("\t");
  int first = 1;
  for (int i = 0; i < PL_ROLE_COUNT; i++)
    if (k->roles & (1u << i)) {
      printf("%s%s", first ? "" : ",", pl_role_name(1u << i));
      first = 0;
    }
  if (k->rate_per_s > 0)
    printf("\t%d/s burst %d", (int)k->rate_per_s, (int)k->burst);
  else
    printf("\tunlimited");
  printf("\t%s\t%s\n", k->revoked ? "revoked" : "active", k->label);
}

int pl_keys_run(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
    return argc < 2 ? bad_usage("a command is required")
                    : (fputs(usage, stdout), 0);
  const char *cmd = argv[1], *data = NULL, *key_id = NULL, *given = NULL;
  pl_apikey_info k = {0};
  int have_kind = 0;
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    if (i + 1 >= argc)
      return bad_usage("every option takes a value");
    const char *v = argv[++i];
    if (strcmp(a, "--data") == 0) {
      data = v;
    } else if (strcmp(a, "--token") == 0) {
      given = v;
    } else if (strcmp(a, "--key-id") == 0) {
      key_id = v;
    } else if (strcmp(a, "--tenant-kind") == 0) {
      k.tenant_kind = pl_tenant_kind_parse(v);
      if (k.tenant_kind == 0)
        return bad_usage("--tenant-kind: platform, chain, insurer or fleet");
      have_kind = 1;
    } else if (strcmp(a, "--tenant") == 0) {
      if (strlen(v) >= sizeof k.tenant)
        return bad_usage("--tenant: too long");
      strcpy(k.tenant, v);
    } else if (strcmp(a, "--chain") == 0) {
      if (k.n_chains >= PL_KEY_MAX_CHAINS || strlen(v) >= PL_CODE_MAX)
        return bad_usage("--chain: too many, or too long");
      strcpy(k.chains[k.n_chains++], v);
    } else if (strcmp(a, "--role") == 0) {
      uint32_t r = pl_role_parse(v);
      if (r == 0)
        return bad_usage("--role: unknown role");
      k.roles |= r;
    } else if (strcmp(a, "--rate") == 0) {
      if (parse_int(v, &k.rate_per_s) != 0)
        return bad_usage("--rate: 0..1000000");
    } else if (strcmp(a, "--burst") == 0) {
      if (parse_int(v, &k.burst) != 0)
        return bad_usage("--burst: 0..1000000");
    } else if (strcmp(a, "--label") == 0) {
      if (strlen(v) >= sizeof k.label)
        return bad_usage("--label: too long");
      strcpy(k.label, v);
    } else {
      return bad_usage("unknown option");
    }
  }
  if (data == NULL)
    return bad_usage("--data is required");
  int create = strcmp(cmd, "create") == 0;
  int revoke = strcmp(cmd, "revoke") == 0;
  if (!create && !revoke && strcmp(cmd, "list") != 0)
    return bad_usage("unknown command");
  if (create && (!have_kind || k.tenant[0] == '\0' || k.roles == 0))
    return bad_usage("create needs --tenant-kind, --tenant and --role");
  if (revoke && key_id == NULL)
    return bad_usage("revoke needs --key-id");

  pl_engine *e = open_data(data);
  if (e == NULL)
    return 1;
  int rc = 0;
  pl_error err = {0};
  if (create) {
    char token[PL_KEY_TOKEN_MAX];
    if (given != NULL) {
      snprintf(token, sizeof token, "%s", given);
      rc = pl_apikey_import(e, &k, given, NULL, &err);
    } else {
      rc = pl_apikey_create(e, &k, NULL, NULL, token, sizeof token, &err);
    }
    if (rc == 0) {
      printf("%s\n", token);
      fflush(stdout);
    }
    OPENSSL_cleanse(token, sizeof token);
  } else if (revoke) {
    pl_apikey_info out;
    rc = pl_apikey_revoke(e, key_id, NULL, &out, &err);
    if (rc == 0)
      print_key(&out);
  } else {
    int n = pl_apikey_list(e, NULL, 0);
    pl_apikey_info *all = calloc(n > 0 ? (size_t)n : 1, sizeof *all);
    if (all == NULL) {
      rc = PL_ENOMEM;
      snprintf(err.msg, sizeof err.msg, "out of memory");
    } else {
      int got = pl_apikey_list(e, all, n);
      for (int i = 0; i < got && i < n; i++)
        print_key(&all[i]);
    }
    free(all);
  }
  if (rc != 0)
    fprintf(stderr, "pl-keys: %s: %s\n", cmd,
            err.msg[0] ? err.msg : pl_strerror(rc));
  pl_engine_close(e);
  return rc == 0 ? 0 : 1;
}
