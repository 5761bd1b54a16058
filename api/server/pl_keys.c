/* pl_keys.c — pl-keys, kept as an alias of `pl-admin keys` (scripts and
 * tests call it): API keys offline (api/tools/keys_cmd.c). */
#include <sys/stat.h>

#include "tools/keys_cmd.h"

int main(int argc, char **argv) {
  umask(077); /* a data directory's files are private (docs/security.md) */
  return pl_keys_run(argc, argv);
}
