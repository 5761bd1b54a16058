/* demo_keys.h — API keys for the demo chain, so that a newcomer who ran
 * `pitlaned --demo` can call it at once.
 *
 * pl_demo_keys makes sure DIR/demo-keys.json (mode 0600) holds working
 * tokens: a platform admin key and one key per role for the demo chain
 * (admin, advisor, technician, clerk, planner, viewer as the chain's own;
 * insurer and fleet as tenants "demo-insurer" / "demo-fleet" working with
 * it). If the file is there and its platform token still verifies, nothing
 * changes; otherwise the earlier demo keys (label "demo-keys: ...") are
 * revoked and new ones written. The engine stores only the tokens'
 * hashes: the file is the one copy of the secrets. */
#ifndef PL_API_DEMO_KEYS_H
#define PL_API_DEMO_KEYS_H

#include <stddef.h>

#include "pitlane/pitlane.h"

/* Returns 0 with the file's path in path[cap], or -1 with a message in
 * why[why_len]. */
int pl_demo_keys(pl_engine *e, const char *data_dir, char *path, size_t cap,
                 char *why, size_t why_len);

#endif
