/* rpc_client.h — one unary gRPC call from a command-line tool (C core,
 * plaintext), for pl-admin's verbs that ask a running server. */
#ifndef PL_TOOLS_RPC_CLIENT_H
#define PL_TOOLS_RPC_CLIENT_H

#include <stddef.h>

/* Calls method ("/pitlane.v1.Admin/CreateBackup") at target (HOST:PORT)
 * with 'authorization: Bearer key', sending req[0..rl). Returns the gRPC
 * status (0: OK, then *reply is a malloc'd copy of the reply of *rpl
 * bytes) or -1 when the call could not be made; the status detail or the
 * reason in why. grpc_init() must have been called. */
int pl_tool_unary(const char *target, const char *key, const char *method,
                  const void *req, size_t rl, void **reply, size_t *rpl,
                  int timeout_s, char *why, size_t why_len);

#endif
