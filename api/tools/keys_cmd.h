/* keys_cmd.h — the keys verb shared by pl-admin and pl-keys. */
#ifndef PL_TOOLS_KEYS_CMD_H
#define PL_TOOLS_KEYS_CMD_H

/* Runs `pl-keys` with argv[1] the command (create, revoke, list, --help);
 * returns the exit status (0 done, 1 the engine refused, 2 usage). */
int pl_keys_run(int argc, char **argv);

#endif
