/* rpc_client.c — one unary call over gRPC C core (rpc_client.h). */
#include "rpc_client.h"

#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Copies the whole of bb into a malloc'd buffer; NULL on OOM. */
static void *flatten(grpc_byte_buffer *bb, size_t *n) {
  grpc_byte_buffer_reader rd;
  *n = 0;
  if (!grpc_byte_buffer_reader_init(&rd, bb))
    return NULL;
  grpc_slice all = grpc_byte_buffer_reader_readall(&rd);
  grpc_byte_buffer_reader_destroy(&rd);
  size_t len = GRPC_SLICE_LENGTH(all);
  void *p = malloc(len ? len : 1);
  if (p != NULL) {
    memcpy(p, GRPC_SLICE_START_PTR(all), len);
    *n = len;
  }
  grpc_slice_unref(all);
  return p;
}

int pl_tool_unary(const char *target, const char *key, const char *method,
                  const void *req, size_t rl, void **reply, size_t *rpl,
                  int timeout_s, char *why, size_t why_len) {
  *reply = NULL;
  *rpl = 0;
  grpc_channel_credentials *creds = grpc_insecure_credentials_create();
  grpc_channel *ch = grpc_channel_create(target, creds, NULL);
  grpc_channel_credentials_release(creds);
  grpc_completion_queue *cq = grpc_completion_queue_create_for_pluck(NULL);
  gpr_timespec deadline =
      gpr_time_add(gpr_now(GPR_CLOCK_REALTIME),
                   gpr_time_from_seconds(timeout_s, GPR_TIMESPAN));
  grpc_slice path = grpc_slice_from_copied_string(method);
  grpc_call *call = grpc_channel_create_call(ch, NULL, GRPC_PROPAGATE_DEFAULTS,
                                             cq, path, NULL, deadline, NULL);
  grpc_slice_unref(path);

  char bearer[1024];
  snprintf(bearer, sizeof bearer, "Bearer %s", key ? key : "");
  grpc_metadata md = {.key = grpc_slice_from_static_string("authorization"),
                      .value = grpc_slice_from_copied_string(bearer)};
  grpc_slice body = grpc_slice_from_copied_buffer(req, rl);
  grpc_byte_buffer *send = grpc_raw_byte_buffer_create(&body, 1);
  grpc_slice_unref(body);
  grpc_metadata_array init_md, trail_md;
  grpc_metadata_array_init(&init_md);
  grpc_metadata_array_init(&trail_md);
  grpc_byte_buffer *recv = NULL;
  grpc_status_code status = GRPC_STATUS_UNKNOWN;
  grpc_slice detail = grpc_empty_slice();

  grpc_op ops[6];
  memset(ops, 0, sizeof ops);
  ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
  ops[0].data.send_initial_metadata.count = key ? 1 : 0;
  ops[0].data.send_initial_metadata.metadata = &md;
  ops[1].op = GRPC_OP_SEND_MESSAGE;
  ops[1].data.send_message.send_message = send;
  ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
  ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
  ops[3].data.recv_initial_metadata.recv_initial_metadata = &init_md;
  ops[4].op = GRPC_OP_RECV_MESSAGE;
  ops[4].data.recv_message.recv_message = &recv;
  ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
  ops[5].data.recv_status_on_client.trailing_metadata = &trail_md;
  ops[5].data.recv_status_on_client.status = &status;
  ops[5].data.recv_status_on_client.status_details = &detail;
  int rc = -1;
  if (grpc_call_start_batch(call, ops, 6, (void *)1, NULL) != GRPC_CALL_OK) {
    snprintf(why, why_len, "cannot start the call");
  } else {
    grpc_event ev = grpc_completion_queue_pluck(
        cq, (void *)1, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
    if (ev.type != GRPC_OP_COMPLETE) {
      snprintf(why, why_len, "the call did not complete");
    } else {
      rc = (int)status;
      snprintf(why, why_len, "%.*s", (int)GRPC_SLICE_LENGTH(detail),
               (const char *)GRPC_SLICE_START_PTR(detail));
      if (status == GRPC_STATUS_OK && recv != NULL) {
        *reply = flatten(recv, rpl);
        if (*reply == NULL) {
          rc = -1;
          snprintf(why, why_len, "out of memory");
        }
      }
    }
  }
  if (recv != NULL)
    grpc_byte_buffer_destroy(recv);
  grpc_byte_buffer_destroy(send);
  grpc_slice_unref(detail);
  grpc_slice_unref(md.value);
  grpc_metadata_array_destroy(&init_md);
  grpc_metadata_array_destroy(&trail_md);
  grpc_call_unref(call);
  grpc_channel_destroy(ch);
  grpc_completion_queue_shutdown(cq);
  while (grpc_completion_queue_pluck(cq, NULL,
                                     gpr_inf_future(GPR_CLOCK_REALTIME), NULL)
             .type != GRPC_QUEUE_SHUTDOWN) {
  }
  grpc_completion_queue_destroy(cq);
  return rc;
}
